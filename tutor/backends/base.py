"""The one small interface every backend implements, and the request format they all read.

Request format (what the engine sends every backend):
- exactly one `SystemMessage`, first: the stable, cacheable prefix (persona, rules, lesson);
- the conversation: learner turns, model turns, tool calls and their results;
- the last learner turn may end with the app's per-turn context note, between
  `CONTEXT_OPEN` and `CONTEXT_CLOSE` (`with_context_note`). Learner text never holds the
  delimiters (`neutralise_delimiters` defuses them), so only the app can write a note, and
  backends that read learner text take it back apart with `split_context_note`.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from tutor.backends.context import TurnContext
from tutor.errors import StructuredOutputError

T = TypeVar("T", bound=BaseModel)

CONTEXT_OPEN = "<tutor-context>"
CONTEXT_CLOSE = "</tutor-context>"
TOOLS_OPEN = "<tutor-tool-results>"
TOOLS_CLOSE = "</tutor-tool-results>"
# Any spelling of our tags a learner might type: case, spaces, a slash anywhere.
_DELIMITER = re.compile(r"<\s*/?\s*tutor[\s_-]*(context|tool[\s_-]*results)\s*/?\s*>", re.I)


@dataclass(frozen=True)
class ModelProfile:
    """What a backend can do; surfaces and the engine branch on this, never on the class."""

    label: str
    #: answers arrive at once (the UI paces them so they read like typing)
    streams_instantly: bool = False
    #: the server accepts a `tools` field (one that refuses it gets tool rounds as text)
    supports_tools: bool = True
    supports_json: bool = True
    #: the rule-based lesson engine, which needs no model
    offline: bool = False
    #: the host of a hosted model provider the learner's words are sent to; None for the
    #: offline engine and for a server on this machine (loopback, a unix socket)
    provider: str | None = None
    #: the model answers with structured tool calls; when not, the engine offers it no tools
    #: (it runs the tools a turn needs itself) and the backend sends tool results as text
    tool_calls: bool = True
    #: the reply length budget sent as max_tokens (None: the server's default)
    reply_tokens: int | None = None
    #: ask for less: a per-turn note with only the task, the facts and the open question
    brief: bool = False
    #: where the model's traits came from: "table: <family>", "probe", or "default"
    traits_from: str = "default"


class Backend(ABC):
    """Turns messages plus tools into a stream of AIMessageChunks.

    Chunks add up with `+` (tool-call pieces included). The last chunk may carry
    `usage_metadata` and `response_metadata["finish_reason"]`. Failures raise
    `tutor.errors.ProviderError`, possibly after some chunks were streamed.
    """

    #: short machine name: "offline", "openai", "function"
    name: str
    #: the model this backend talks to ("offline" for the lesson engine)
    model: str
    #: kept for callers not yet on `profile`; same as `profile.offline`
    offline: bool = False

    @property
    def label(self) -> str:
        return "offline lesson engine" if self.offline else f"model {self.model}"

    @property
    def profile(self) -> ModelProfile:
        return ModelProfile(label=self.label, offline=self.offline)

    @abstractmethod
    def stream(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        context: TurnContext | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream one model response to `messages`, offering `tools`. `context` is the turn's
        state as data (a model reads the same facts as the note inside `messages`); a backend
        may report what its reply did as `TurnActs` under `response_metadata[ACTS_KEY]`."""

    async def prepare(self) -> None:  # noqa: B027 - optional hook
        """Learn what the model can do before the first request, if the backend needs to;
        called by the engine at the start of every turn, so it must be cheap after once."""

    async def complete_json(
        self, system: str, user: str, schema: type[T], *, timeout: float | None = None
    ) -> T:
        """One answer as strict JSON for `schema`; StructuredOutputError when it is not."""
        raise StructuredOutputError(f"The {self.label} cannot answer in structured JSON.")

    async def warm_up(self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> bool:
        """Have the server read `messages` and `tools` once, so its prompt cache holds them
        before the first learner asks; True when it answered. Nothing to warm by default."""
        return False

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release network resources, if any."""


# -- the request format -----------------------------------------------------------------------


def neutralise_delimiters(text: str) -> str:
    """Learner text with the app's tags defused (`<tutor-context>` -> `‹tutor-context›`)."""
    return _DELIMITER.sub(lambda m: "‹" + m.group(0)[1:-1] + "›", text)


def with_context_note(text: str, note: str) -> str:
    """A learner turn as sent: their words, then the app's delimited note (which may quote
    the learner, so it is defused too)."""
    return f"{text}\n\n{CONTEXT_OPEN}\n{neutralise_delimiters(note)}\n{CONTEXT_CLOSE}"


def split_context_note(text: str) -> tuple[str, str]:
    """(learner words, note) of a sent learner turn; the note is '' when there is none."""
    start = text.rfind(CONTEXT_OPEN)
    if start < 0 or not text.rstrip().endswith(CONTEXT_CLOSE):
        return text, ""
    note = text[start + len(CONTEXT_OPEN) : text.rstrip().rfind(CONTEXT_CLOSE)]
    return text[:start].rstrip(), note.strip()


def learner_text(message: BaseMessage) -> str:
    """What the learner wrote in a message, without the app's note."""
    return (
        split_context_note(message.text)[0] if isinstance(message, HumanMessage) else message.text
    )


def fold_tool_messages(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The conversation for a server that accepts no tools: each tool round becomes text.

    An assistant turn's tool calls and their results are folded into the learner turn
    before them as a delimited block, so roles still alternate user/assistant.
    """
    out: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            block = f"{TOOLS_OPEN}\n[{message.name}]\n{message.text}\n{TOOLS_CLOSE}"
            _append_to_last_human(out, block)
        elif isinstance(message, AIMessage) and message.tool_calls:
            if message.text:
                out.append(AIMessage(message.text))
        else:
            out.append(message)
    return _merge_adjacent_ai(out)


def _append_to_last_human(out: list[BaseMessage], block: str) -> None:
    """The block goes after the learner's words but before the app's note, so the turn still
    ends with the note (the request format above)."""
    for index in range(len(out) - 1, -1, -1):
        if isinstance(out[index], HumanMessage):
            words, note = split_context_note(out[index].text)
            text = f"{words}\n\n{block}"
            out[index] = HumanMessage(with_context_note(text, note) if note else text)
            return
    out.append(HumanMessage(block))


def _merge_adjacent_ai(messages: list[BaseMessage]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for message in messages:
        if out and isinstance(message, AIMessage) and isinstance(out[-1], AIMessage):
            out[-1] = AIMessage(f"{out[-1].text}\n\n{message.text}".strip())
        else:
            out.append(message)
    return out


# -- strict JSON answers ----------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json_reply(text: str, schema: type[T]) -> T:
    """Validate a model's JSON answer; tolerates a ```json fence or prose around one object."""
    for candidate in _json_candidates(text):
        try:
            return schema.model_validate(json.loads(candidate))
        except json.JSONDecodeError:
            continue
        except ValidationError as exc:
            raise StructuredOutputError(
                f"The model's JSON did not fit {schema.__name__}: {exc.errors()[0]['msg']}."
            ) from None
    raise StructuredOutputError(f"The model did not answer with JSON for {schema.__name__}.")


def _json_candidates(text: str) -> list[str]:
    text = text.strip()
    candidates = [text]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    return candidates
