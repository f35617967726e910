"""What a turn is (`TurnPlan`, decided before it starts) and what it produced so far
(`TurnState`, including which text the model wrote and which the app added)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutor.backends.context import MessageReading, TurnActs
from tutor.engine.events import Notice, TextDelta, TextSource
from tutor.engine.intent import EngineCall
from tutor.planning.talk import PlanReply
from tutor.tools.registry import ToolOutcome


@dataclass(frozen=True)
class TurnPlan:
    """What a turn does, decided before it starts."""

    #: the learner's words, as stored
    said: str
    #: the learner turn the model sees; None: not part of the model's conversation
    prompt: str | None
    #: the try-it prompt (index) this message is
    step: int | None = None
    calls: tuple[EngineCall, ...] = ()
    #: what the engine read the message as (handed to every backend in the turn context)
    reading: MessageReading = field(default_factory=MessageReading)
    #: a follow-up about the learner's planned team, answered from the plan by the engine
    talk: PlanReply | None = None
    ask_model: bool = True
    #: app text shown first (a command's reply)
    reply: str = ""
    queued_id: int | None = None
    #: False: nothing of this turn is stored (/reset, which deletes the whole session)
    record: bool = True
    #: the reply tells the learner, once, that a team description goes to a hosted provider
    told_privacy: bool = False

    @property
    def is_command(self) -> bool:
        return self.prompt is None


@dataclass
class TurnState:
    """What one turn produced so far."""

    #: everything the learner has been shown this turn
    text: str = ""
    #: (source, text) pieces of `text`, merged by source
    parts: list[list[str]] = field(default_factory=list)
    #: text of the model response being streamed, not yet in the history
    round_text: str = ""
    status: str = "complete"
    usage: dict[str, int] = field(default_factory=dict)
    tools: list[dict[str, Any]] = field(default_factory=list)
    notice: Notice | None = None
    #: artifacts shown to the learner this turn (each once)
    shown: list[str] = field(default_factory=list)
    #: (tool name, artifact) of every successful tool run, for the fact checker
    results: list[tuple[str, Any]] = field(default_factory=list)
    #: the grader's outcome for this turn's answer
    graded: ToolOutcome | None = None
    #: (the learner's answer, the grade) of every answer graded this turn, to be recorded
    grades: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: what the backend's reply did (the question it asked back, its topic, its offer)
    acts: TurnActs | None = None
    #: the message is not an answer to the open question: no one may grade it this turn
    grading_blocked: bool = False
    #: the lesson's answer was put on top of the model's reply this turn (once)
    fell_back: bool = False

    def show(self, text: str, source: TextSource) -> TextDelta:
        self.text += text
        if self.parts and self.parts[-1][0] == source:
            self.parts[-1][1] += text
        else:
            self.parts.append([source, text])
        return TextDelta(text, source)

    @property
    def model_text(self) -> str:
        return "".join(text for source, text in self.parts if source == "model")

    @property
    def model_tail(self) -> str:
        """The model's words at the end of the reply (after the last thing the app added)."""
        return self.parts[-1][1] if self.parts and self.parts[-1][0] == "model" else ""

    def fold_tail(self, tail: str, head: str, lesson: str) -> str:
        """Put `head` and the lesson's answer where the model's `tail` was, the model's words
        folded below them (still the model's, for anything that reads them); the new tail."""
        if tail:
            self.text = self.text[: len(self.text) - len(tail)]
            self.parts.pop()
        body = f"\n\n{lesson.strip()}" if lesson.strip() else ""
        opening = f"{self.paragraph()}{head}{body}"
        if not tail.strip():
            self.show(opening, "app")
            return opening
        summary = "<details><summary>The model's reply</summary>\n\n"
        self.show(f"{opening}\n\n{summary}", "app")
        self.show(tail, "model")
        self.show("\n\n</details>", "app")
        return f"{opening}\n\n{summary}{tail}\n\n</details>"

    def paragraph(self) -> str:
        """The separator that starts a new paragraph after what was shown."""
        return "\n\n" if self.text and not self.text.endswith("\n\n") else ""
