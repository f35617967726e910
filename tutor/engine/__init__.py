"""The engine: one learner's session and the one path every turn takes.

- `session`: TutorSession (public API: send, next_prompt, retry, stop, reset) and Limits;
- `turn`: the turn path (engine-run tools, the model's tool loop, storing, ending early);
- `request`: what one model request holds (one system message, the context note);
- `history`: the model's view of the conversation (windows, trims, rebuilding);
- `bounds`: Stop, the whole-answer time limit, the repetition stop;
- `checks`: the fact checker's notes after a model reply.
"""

from tutor.engine.history import (
    ToolCallIn,
    answer_dangling_calls,
    clean_message,
    history_from_transcript,
    history_window,
    model_safe_reply,
    parse_tool_calls,
    tool_message,
    trim_history,
)
from tutor.engine.notices import CUT_OFF_MARK
from tutor.engine.session import Limits, TutorSession
from tutor.engine.turn import INTERNAL_ERROR, TurnPlan

__all__ = [
    "CUT_OFF_MARK",
    "INTERNAL_ERROR",
    "Limits",
    "ToolCallIn",
    "TurnPlan",
    "TutorSession",
    "answer_dangling_calls",
    "clean_message",
    "history_from_transcript",
    "history_window",
    "model_safe_reply",
    "parse_tool_calls",
    "tool_message",
    "trim_history",
]
