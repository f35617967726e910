"""The engine's event stream: what a UI renders while a turn runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TurnStatus = Literal["complete", "cut_off", "error", "command"]


@dataclass(frozen=True)
class TextDelta:
    text: str


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
    output: str
    duration_s: float
    ok: bool
    #: the result as the learner should see it (may hold more than the model was sent)
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
    step: int = 0


Event = TextDelta | ToolStarted | ToolFinished | Notice | TurnDone
