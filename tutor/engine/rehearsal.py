"""A stand-in for the model while a session rehearses a turn: it keeps the first request the
turn would send and answers nothing.

A session rehearses the next try-it prompt on a copy of its conversation
(`TutorSession.rehearse`) to learn the exact request that prompt will send, and has a local
server read it ahead (`Backend.warm_up`): the learner who presses "Next prompt" then finds the
whole request in the server's prompt cache instead of waiting for it to be read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TypeVar

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from tutor.backends.base import Backend, ModelProfile
from tutor.backends.context import TurnContext
from tutor.errors import StructuredOutputError

T = TypeVar("T", bound=BaseModel)

Request = tuple[list[BaseMessage], list[BaseTool]]


class StandIn(Backend):
    """The real backend's profile, no model: records the first request, streams nothing."""

    name = "rehearsal"

    def __init__(self, real: Backend) -> None:
        self.real = real
        self.model = real.model
        self.offline = real.offline
        self.request: Request | None = None

    @property
    def profile(self) -> ModelProfile:
        return self.real.profile

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        context: TurnContext | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        if self.request is None:
            self.request = (list(messages), list(tools))
        for chunk in ():  # an async generator that streams nothing
            yield chunk

    async def complete_json(
        self, system: str, user: str, schema: type[T], *, timeout: float | None = None
    ) -> T:
        # A side request (team reading, grading) would be a model call: a rehearsal makes none.
        raise StructuredOutputError("A rehearsal asks no model.")
