"""The one list of tool names: what models call, what the engine runs, what surfaces title."""

from __future__ import annotations

from enum import StrEnum


class ToolName(StrEnum):
    DEMO = "run_handoff_demo"
    ALLOCATE = "allocate_team"
    ASK = "ask_quiz_question"
    GRADE = "grade_quiz_answer"
