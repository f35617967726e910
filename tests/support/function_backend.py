"""A backend whose replies come from a Python function: for tests, like pydantic-ai's
FunctionModel. The function sees exactly what a model would and returns text, tool calls
or an exception to raise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend, ModelProfile, T, parse_json_reply
from tutor.backends.context import TurnContext


@dataclass
class Scripted:
    """One scripted model response. Tool call args are raw strings, as a model sends them."""

    text: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON args)
    finish_reason: str | None = None
    error: Exception | None = None  # raised after the text has streamed


Responder = Callable[[Sequence[BaseMessage], Sequence[BaseTool]], Scripted]


class FunctionBackend(Backend):
    name = "function"
    model = "function"

    def __init__(self, responder: Responder, *, supports_tools: bool = True) -> None:
        self.responder = responder
        self.requests: list[list[BaseMessage]] = []
        #: the turn context the engine handed each request (data, beside the note)
        self.contexts: list[TurnContext | None] = []
        self.supports_tools = supports_tools

    @property
    def profile(self) -> ModelProfile:
        return ModelProfile(
            label=self.label, streams_instantly=True, supports_tools=self.supports_tools
        )

    async def complete_json(
        self, system: str, user: str, schema: type[T], *, timeout: float | None = None
    ) -> T:
        """The responder's text, validated as `schema` like a model's JSON answer."""
        messages = [SystemMessage(system), HumanMessage(user)]
        self.requests.append(messages)
        reply = self.responder(messages, [])
        if reply.error is not None:
            raise reply.error
        return parse_json_reply(reply.text, schema)

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        context: TurnContext | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        self.requests.append(list(messages))
        self.contexts.append(context)
        reply = self.responder(messages, tools)
        for word in reply.text.split(" ") if reply.text else []:
            yield AIMessageChunk(content=word + " ")
        if reply.error is not None:
            raise reply.error
        chunks = [
            {"index": i, "id": f"call_{len(self.requests)}_{i}", "name": name, "args": args}
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
        finish = reply.finish_reason or ("tool_calls" if chunks else "stop")
        yield AIMessageChunk(
            content="",
            tool_call_chunks=chunks,
            usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
            response_metadata={"finish_reason": finish},
        )


def script(*replies: Scripted) -> Responder:
    """A responder that plays `replies` in order, then repeats the last one."""
    queue = list(replies)

    def respond(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond
