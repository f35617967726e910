"""The engine's event stream: what a UI renders while a turn runs.

Text arrives as `TextDelta`s. `source` says who wrote it: "model" for the model's words
(all that `tutor eval` scores), "app" for what the app adds from facts: a tool's artifact
(the demo's printed output, the allocation table, a quiz question, the grader's verdict),
fact-check notes and command replies. A UI shows both in the same reply body, in order.
`Notice`s (why a turn stopped early) come after the text they are about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: complete: answered in full · command: a reply from a slash command, no model ·
#: cut_off: ended early with partial text (limit, error midway, repetition) ·
#: error: failed before any text · stopped: the learner pressed Stop ·
#: interrupted: the page was closed or the process died mid-answer
TurnStatus = Literal["complete", "cut_off", "error", "command", "stopped", "interrupted"]
TextSource = Literal["model", "app"]


@dataclass(frozen=True)
class TextDelta:
    text: str
    source: TextSource = "model"


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    call_id: str
    name: str
    args: dict[str, Any]
    #: what the model was sent
    output: str
    duration_s: float
    ok: bool
    #: a one-line summary for the tool step; the result itself is in the reply body
    display: str = ""


@dataclass(frozen=True)
class Notice:
    """A short user-facing message: what happened and what to do."""

    kind: str
    message: str


@dataclass(frozen=True)
class TurnDone:
    text: str
    status: TurnStatus = "complete"
    usage: dict[str, int] = field(default_factory=dict)
    #: guided steps done after this turn
    step: int = 0
    #: questions the tutor offers to answer next (a surface shows them as buttons, or as
    #: `/ask N` lines in a terminal)
    offered: tuple[str, ...] = ()


@dataclass(frozen=True)
class LessonFallback:
    """The model's reply failed the checks: the reply's last `tail` (the model's words) is
    now `text` — the lesson's answer on top, the model's words folded below it. A surface
    that cannot rewrite what it showed (a terminal) prints `lesson` after it instead."""

    tail: str
    text: str
    lesson: str
    reason: str


Event = TextDelta | ToolStarted | ToolFinished | Notice | LessonFallback | TurnDone
