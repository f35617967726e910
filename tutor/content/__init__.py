"""The content module: prompts/ loaded and validated once, and the planner bound to it."""
