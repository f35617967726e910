"""What one learner turn produced, as the eval sees it: the model's words apart from the app's.

`play_turn` sends a message through a `TutorSession` and keeps the text the model wrote
(`TextDelta.source == "model"`) separately from what the app added (artifacts, check notes,
verdicts: `source == "app"`), the tools that ran and any notices. The model's rules read only
`model_text`; the app-guarantee checks read the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from tutor.engine.events import Notice, TextDelta, ToolFinished, TurnDone
from tutor.engine.request import NOTE_KEY
from tutor.tools.names import ToolName

QUESTION_TOOL = ToolName.ASK
GRADE_TOOL = ToolName.GRADE


@dataclass
class TurnRecord:
    """One learner turn: the model's words, the app's words, tools, notices, status, step."""

    send: str
    model_text: str = ""
    app_text: str = ""
    text: str = ""  # the whole reply as the learner saw it
    tools: list[ToolFinished] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    status: str = ""
    step: int = 0
    #: id of the quiz question waiting for an answer during this turn (asked now or earlier)
    question: str | None = None
    #: the app's note the learner's message was sent with ('' for none: a baseline, a command)
    note: str = ""

    def ran(self, name: str) -> list[ToolFinished]:
        """The successful runs of tool `name` in this turn."""
        return [t for t in self.tools if t.name == name and t.ok]

    @property
    def engine_only(self) -> bool:
        """The app answered this turn by itself, by design, without asking the model (a quiz
        question asked in words): only engine-run tools, no words and no notice."""
        return (
            not self.model_text.strip()
            and not self.notices
            and bool(self.tools)
            and all(t.call_id.startswith("engine_") for t in self.tools)
        )

    def tool_names(self) -> str:
        return ", ".join(t.name for t in self.tools) or "none"

    def artifacts(self) -> list[str]:
        """Everything the app or a tool put in front of the model or the learner this turn."""
        return [self.app_text, *(t.output for t in self.tools)]

    def asked(self) -> str | None:
        """The id of the quiz question asked in this turn, if any."""
        for tool in reversed(self.ran(QUESTION_TOOL)):
            view = parse_json(tool.output)
            if view.get("id"):
                return str(view["id"])
        return None


def parse_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


async def play_turn(session: Any, text: str, question: str | None = None) -> TurnRecord:
    """Send one message and record everything it produced; a crash becomes a notice."""
    record = TurnRecord(send=text)
    model: list[str] = []
    app: list[str] = []
    try:
        async for event in session.send(text):
            if isinstance(event, TextDelta):
                (app if event.source == "app" else model).append(event.text)
            elif isinstance(event, ToolFinished):
                record.tools.append(event)
            elif isinstance(event, Notice):
                record.notices.append(event)
            elif isinstance(event, TurnDone):
                record.text, record.status = event.text, event.status
    except Exception as exc:  # a broken backend must fail its checks, not end the eval
        record.notices.append(Notice("crash", f"{type(exc).__name__}: {exc}"))
    if not model and not app and record.text:  # a reply that came without deltas
        (app if record.status == "command" else model).append(record.text)
    record.model_text, record.app_text = "".join(model), "".join(app)
    record.step = getattr(session, "guided_step", 0)
    record.note = sent_note(getattr(session, "history", []), text)
    record.question = record.asked() or _graded(record) or question
    return record


def sent_note(history: Sequence[BaseMessage], text: str) -> str:
    """The note pinned to the learner message `text` (the newest one), if it has one."""
    last = next((m for m in reversed(history) if isinstance(m, HumanMessage)), None)
    if last is None or last.text != text:
        return ""
    return str(last.additional_kwargs.get(NOTE_KEY, ""))


def _graded(record: TurnRecord) -> str | None:
    for tool in record.ran(GRADE_TOOL):
        qid = tool.args.get("question_id")
        if qid:
            return str(qid)
    return None
