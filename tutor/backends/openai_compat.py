"""Any OpenAI-compatible Chat Completions server. The only module that imports openai."""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.utils import convert_to_openai_messages
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from tutor.backends.base import Backend, ModelProfile, T, fold_tool_messages, parse_json_reply
from tutor.backends.context import TurnContext
from tutor.content.pack import known_model
from tutor.errors import ProviderError, StructuredOutputError
from tutor.text.secrets import redact

log = logging.getLogger(__name__)

#: seconds the start-up probe may take before the model is taken as capable
PROBE_TIMEOUT = 30.0
_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "ping",
        "description": "Answer a ping from the app.",
        "parameters": {"type": "object", "properties": {}},
    },
}


@dataclass(frozen=True)
class Traits:
    """What requests to this model adapt to (see ModelProfile)."""

    tool_calls: bool = True
    json_mode: bool = True
    reply_tokens: int | None = None
    brief: bool = False
    source: str = "default"


def table_traits(model: str) -> Traits | None:
    """The traits prompts/models.toml gives the model's family, or None when unknown."""
    family = known_model(model)
    if family is None:
        return None
    return Traits(
        tool_calls=family.tool_calls,
        json_mode=family.json_mode,
        reply_tokens=family.reply_tokens or None,
        brief=family.brief,
        source=f"table: {family.name}",
    )


class OpenAICompatBackend(Backend):
    """Streams chat completions; learns, once per backend, what a server refuses.

    A server that rejects `stream_options` is asked again without it; one that rejects
    `tools` is asked again with the tool rounds folded into text (the engine still runs the
    tools it needs itself). Either is remembered, so later requests go right the first time.
    """

    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens: int | None = None,
        http_client: Any = None,
        probe: bool = False,
    ) -> None:
        self.model = model
        # A table first, a probe only for models it does not know: on a small local server
        # (llama-server, 2 cores) a request with a new prompt costs seconds of prompt
        # processing and evicts the one slot's prompt cache, so the families we know
        # (prompts/models.toml) are never probed. `probe` off: unknown models count as capable.
        self._traits = table_traits(model) or (None if probe else Traits())
        self._probe_lock = asyncio.Lock()
        self.base_url = base_url
        self.max_tokens = max_tokens
        self._api_key = api_key
        self._stream_options = True
        self._tools = True
        #: how to ask for JSON: the strictest mode the server has not refused yet
        self._json_modes = ["json_schema", "json_object", "plain"]
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )

    @property
    def label(self) -> str:
        where = f" at {self.base_url}" if self.base_url else ""
        return f"model {self.model}{where}"

    @property
    def profile(self) -> ModelProfile:
        traits = self._traits or Traits()
        return ModelProfile(
            label=self.label,
            supports_tools=self._tools,
            supports_json=traits.json_mode,
            provider=hosted_provider(str(self._client.base_url)),
            tool_calls=traits.tool_calls and self._tools,
            # Both are caps: TUTOR_MAX_TOKENS for every model, the table's for its family.
            reply_tokens=min(filter(None, (self.max_tokens, traits.reply_tokens)), default=None),
            brief=traits.brief,
            traits_from=traits.source if self._traits else "probe pending",
        )

    async def prepare(self) -> None:
        """Probe an unknown model once (see __init__); later calls return at once."""
        if self._traits is not None:
            return
        async with self._probe_lock:
            if self._traits is None:
                self._traits = await self._probe()

    async def _probe(self) -> Traits:
        """One tiny request: asked straight out, does the model answer with a structured tool
        call? One that does not gets no tools and shorter asks (small models write calls as
        text, ../shared/STACK.md). Any failure: taken as capable, as without a probe."""
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": "Call the ping tool now."}],
            "tools": [_PROBE_TOOL],
            "max_tokens": 32,
        }
        try:
            reply = await self._client.post(
                "/chat/completions", body=body, cast_to=object, options=_timeout(PROBE_TIMEOUT)
            )
        except openai.BadRequestError as exc:
            self._learn_refusal(body, exc)
            return Traits(tool_calls=False, source="probe")
        except (openai.APIError, httpx2.HTTPError, ValueError) as exc:
            log.warning("probing %s failed (%s); taking it as capable", self.model, exc)
            return Traits(source="default (probe failed)")
        called = bool(_reply_message(reply).get("tool_calls"))
        return Traits(tool_calls=called, brief=not called, source="probe")

    def _request(self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> dict:
        profile = self.profile
        if not profile.tool_calls:
            # No tools for a model that cannot call them: their results travel as text.
            messages = fold_tool_messages(messages)
        request: dict[str, Any] = {
            "model": self.model,
            "messages": convert_to_openai_messages(list(messages)),
            "stream": True,
        }
        if self._stream_options:
            request["stream_options"] = {"include_usage": True}
        if profile.reply_tokens:
            request["max_tokens"] = profile.reply_tokens
        if tools and profile.tool_calls:
            request["tools"] = [openai_tool_schema(t) for t in tools]
        return request

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        context: TurnContext | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        # A model reads the turn's context as the note inside `messages`.
        await self.prepare()
        for _attempt in range(3):  # at most: without stream_options, then without tools
            request = self._request(messages, tools)
            try:
                response = await self._open(request)
            except openai.BadRequestError as exc:
                if not self._learn_refusal(request, exc):
                    raise self._redacted(provider_error(exc, self.model)) from None
                continue
            async with aclosing(self._read(response)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return

    def _learn_refusal(self, request: dict[str, Any], exc: openai.BadRequestError) -> bool:
        """Whether a 400 named a part of the request we can leave out (then it is left out)."""
        reason = short_reason(exc).lower()
        if "stream_options" in request and "stream_options" in reason:
            self._stream_options = False
            return True
        if "tools" in request and "tool" in reason:
            self._tools = False
            return True
        return False

    async def _open(self, request: dict[str, Any]) -> Any:
        try:
            # The documented low-level call, so chunks arrive as plain JSON: building the SDK's
            # pydantic ChatCompletionChunk cost ~60 µs a token, CPU that every learner on the
            # server waits for. Retries, errors and error events are the SDK's as before.
            return await self._client.post(
                "/chat/completions",
                body=request,
                cast_to=object,
                stream=True,
                stream_cls=openai.AsyncStream[object],
            )
        except openai.BadRequestError:
            raise
        except openai.APIError as exc:
            raise self._redacted(provider_error(exc, self.model)) from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise self._redacted(unreadable(exc)) from None

    async def _read(self, response: Any) -> AsyncIterator[AIMessageChunk]:
        started = finished = False
        indexer = ToolCallIndexer()
        try:
            try:
                async for chunk in response:
                    message = to_chunk(chunk, indexer)
                    finished = finished or "finish_reason" in message.response_metadata
                    started = True
                    yield message
            finally:
                # Also when the learner leaves mid-answer: stop the model generating.
                await response.close()
        except openai.APIError as exc:
            if started and type(exc) is openai.APIConnectionError:
                # The server was reached and answering: the stream broke, it is not down.
                raise ProviderError("cut_off", CUT_OFF_MESSAGE) from None
            raise self._redacted(provider_error(exc, self.model)) from None
        except (httpx2.HTTPError, ValueError) as exc:
            # Not every transport failure is wrapped by openai, and a garbled chunk is a
            # ValueError (bad JSON): both are the provider's fault, not the learner's.
            raise self._redacted(unreadable(exc)) from None
        if not finished:
            # The stream ended without a finish_reason: the server closed it midway.
            raise ProviderError("cut_off", CUT_OFF_MESSAGE)

    async def complete_json(
        self, system: str, user: str, schema: type[T], *, timeout: float | None = None
    ) -> T:
        """Strict JSON: json_schema where the server takes it, else json_object, else asked
        for in words; always parsed and validated here."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        while True:
            mode = self._json_modes[0]
            body = {"model": self.model, "messages": messages, **json_format(mode, schema)}
            if self.max_tokens:
                body["max_tokens"] = self.max_tokens
            try:
                reply = await self._client.post(
                    "/chat/completions", body=body, cast_to=object, options=_timeout(timeout)
                )
            except openai.BadRequestError as exc:
                if len(self._json_modes) > 1:
                    self._json_modes.pop(0)  # this server refuses that mode: remember it
                    continue
                raise self._redacted(provider_error(exc, self.model)) from None
            except openai.APIError as exc:
                raise self._redacted(provider_error(exc, self.model)) from None
            return parse_json_reply(reply_text(reply), schema)

    async def warm_up(self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> bool:
        """One request of the conversation's stable prefix, asking for a single token: the
        server's prompt cache then holds it before the first learner message. A failure is
        logged (redacted) and ignored: the learner's own request works the same without it."""
        body = self._request(messages, tools)
        body.pop("stream_options", None)
        body.update(stream=False, max_tokens=1)
        try:
            await self._client.post("/chat/completions", body=body, cast_to=object)
        except Exception as exc:  # a warm-up must never stop the app
            reason = redact(f"{type(exc).__name__}: {exc}", [self._api_key])
            log.warning("warm-up request to %s failed (ignored): %s", self.label, reason[:300])
            return False
        log.info("warm-up request to %s answered: its prompt cache holds the prefix", self.label)
        return True

    def _redacted(self, error: ProviderError) -> ProviderError:
        # A server may echo the request back; the key must never reach a learner.
        return ProviderError(error.kind, redact(str(error), [self._api_key]))

    async def aclose(self) -> None:
        await self._client.close()


def hosted_provider(base_url: str) -> str | None:
    """The host a hosted endpoint's requests go to; None for one on this machine (localhost,
    a loopback or unspecified address, a unix socket), where nothing leaves the machine."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if "unix" in parts.scheme or not host or host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return None if address.is_loopback or address.is_unspecified else host


def json_format(mode: str, schema: type[BaseModel]) -> dict[str, Any]:
    """The request fields that ask for JSON in `mode`."""
    if mode == "json_schema":
        spec = {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _timeout(timeout: float | None) -> dict[str, Any]:
    return {"timeout": timeout} if timeout else {}


def _reply_message(reply: Any) -> dict[str, Any]:
    """The message of a non-streamed chat completion (as plain JSON), or {}."""
    try:
        message = reply["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return {}
    return message if isinstance(message, dict) else {}


def reply_text(reply: Any) -> str:
    """The message text of a non-streamed chat completion (as plain JSON)."""
    try:
        return str(reply["choices"][0]["message"].get("content") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise StructuredOutputError("The model server's answer had no message.") from None


CUT_OFF_MESSAGE = (
    "The model's answer stopped midway: the connection to the model server broke before it "
    "finished. Send your message again."
)


def unreadable(exc: Exception) -> ProviderError:
    return ProviderError(
        "provider",
        f"The model server sent a reply the tutor could not read ({type(exc).__name__}). "
        "Send your message again; if it keeps happening, check OPENAI_BASE_URL.",
    )


def openai_tool_schema(tool: BaseTool) -> dict[str, Any]:
    """The tool's OpenAI schema. Every session has its own tool objects (the quiz tools hold
    its state), but their schemas are the same: build each once, not once per learner."""
    key = (tool.name, tool.description, tool.args_schema)
    schema = _SCHEMAS.get(key)
    if schema is None:
        schema = _SCHEMAS[key] = convert_to_openai_tool(tool)
    return copy.deepcopy(schema)


# Immutable facts about tool classes (name, description, argument model), not learner state.
_SCHEMAS: dict[tuple[str, str, Any], dict[str, Any]] = {}


class ToolCallIndexer:
    """Gives every streamed tool call its own index, also when a server sends none.

    Some servers (Ollama) send each call whole in one chunk without `index`; langchain
    would merge them all into call 0. A piece with an id or a name starts a new call, a
    piece with neither continues the last one.
    """

    def __init__(self) -> None:
        self.count = 0

    def index(self, piece: dict[str, Any]) -> int:
        if isinstance(piece.get("index"), int):
            self.count = max(self.count, piece["index"] + 1)
            return piece["index"]
        if piece.get("id") or (piece.get("function") or {}).get("name") or self.count == 0:
            self.count += 1
        return self.count - 1


def to_chunk(chunk: dict[str, Any], indexer: ToolCallIndexer | None = None) -> AIMessageChunk:
    """One streamed chat.completion.chunk (as sent, a JSON object) as an AIMessageChunk."""
    indexer = indexer or ToolCallIndexer()
    if not isinstance(chunk, dict):
        raise ValueError("a stream chunk is not a JSON object")
    usage = None
    if chunk.get("usage"):
        got = chunk["usage"]
        usage = {
            "input_tokens": got.get("prompt_tokens") or 0,
            "output_tokens": got.get("completion_tokens") or 0,
            "total_tokens": got.get("total_tokens") or 0,
        }
    choices = chunk.get("choices") or []
    if not choices:  # the usage-only last chunk, or a keep-alive
        return AIMessageChunk(content="", usage_metadata=usage)
    choice = choices[0]
    finish = choice.get("finish_reason")
    meta = {"finish_reason": finish} if finish else {}
    delta = choice.get("delta") or {}  # some servers send a finish-only chunk without a delta
    tool_chunks = [
        {
            "index": indexer.index(tc),
            "id": tc.get("id"),
            "name": (tc.get("function") or {}).get("name"),
            "args": (tc.get("function") or {}).get("arguments"),
        }
        for tc in (delta.get("tool_calls") or [])
    ]
    return AIMessageChunk(
        content=delta.get("content") or "",
        tool_call_chunks=tool_chunks,
        usage_metadata=usage,
        response_metadata=meta,
    )


def provider_error(exc: openai.APIError, model: str) -> ProviderError:
    """A provider failure as a short message saying what happened and what to do."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            "timeout",
            "The model took too long to answer. Try again, or raise TUTOR_REQUEST_TIMEOUT.",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "connection",
            "Could not reach the model server. Check that it is "
            "running and that OPENAI_BASE_URL is right.",
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ProviderError(
            "auth", "The model provider rejected the API key. Check OPENAI_API_KEY and restart."
        )
    if isinstance(exc, openai.RateLimitError):
        return ProviderError(
            "rate_limit",
            f"The model provider is rate-limiting requests{wait_hint(exc)}. Wait a "
            "moment and send your message again.",
        )
    if isinstance(exc, openai.NotFoundError):
        return ProviderError(
            "not_found",
            f"The server does not know the model '{model}'. Set TUTOR_MODEL to a model it serves.",
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return ProviderError(
            "server", f"The model server had an error ({exc.status_code}). Try again in a moment."
        )
    if isinstance(exc, openai.BadRequestError):
        return ProviderError(
            "bad_request",
            f"The model server refused the request: "
            f"{short_reason(exc)}. Try /reset to start a fresh conversation.",
        )
    return ProviderError("provider", f"The model provider failed: {short_reason(exc)}.")


def wait_hint(exc: openai.APIStatusError) -> str:
    """' (it asked to wait 30 s)' from a retry-after header, when there is one."""
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        seconds = float(value) if value is not None else 0.0
    except ValueError:
        return ""
    return f" (it asked to wait {seconds:.0f} s)" if seconds >= 1 else ""


def short_reason(exc: openai.APIError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message") or (body.get("error") or {}).get("message") if body else None
    text = str(message or exc.message or type(exc).__name__)
    return json.dumps(text[:200])[1:-1]
