"""The seed's own way, as a baseline: the lesson pasted into a plain chat with the same model.

No app: no tools, no per-turn note, no checks, no fallback — the lesson text is the system
message and the learner's messages go to the model as written (a slash command becomes what a
learner would paste instead: "/next" the next try-it prompt). It answers to the eval suite
like a `TutorSession` (same events), so both are scored on the same conversations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from tutor.content.pack import load_pack, quiz_bank
from tutor.engine.events import Event, Notice, TextDelta, TurnDone, TurnStatus
from tutor.errors import ProviderError

#: what a learner pastes into a plain chat instead of the tutor's commands
PASTED = {"/quiz": "Ask me one quiz question about this lesson, without the answer."}


class PlainChat:
    """One learner's plain chat with the model, the lesson as its system message."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.pack = load_pack()
        self.quiz_bank = quiz_bank()
        self.tools: list[Any] = []  # none: the eval's context reads this
        self.guided_step = 0  # a plain chat has no guided steps
        self._next = 0
        self.history: list[BaseMessage] = [SystemMessage(self.pack.lesson)]

    def pasted(self, text: str) -> str:
        """What the learner would type in a plain chat for `text`."""
        command = text.strip().lower()
        if command == "/next" and self._next < len(self.pack.steps):
            self._next += 1
            return self.pack.steps[self._next - 1].prompt
        return PASTED.get(command, text)

    async def send(self, text: str) -> AsyncIterator[Event]:
        self.history.append(HumanMessage(self.pasted(text)))
        words: list[str] = []
        status: TurnStatus = "complete"
        try:
            async for chunk in self.backend.stream(self.history, [], None):
                if chunk.text:
                    words.append(chunk.text)
                    yield TextDelta(chunk.text, "model")
        except ProviderError as exc:
            status = "error"
            yield Notice(exc.kind, str(exc))
        reply = "".join(words)
        self.history.append(AIMessage(reply))
        yield TurnDone(reply, status)
