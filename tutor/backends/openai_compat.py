"""Any OpenAI-compatible Chat Completions server. The only module that imports openai."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx2
import openai
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.utils import convert_to_openai_messages
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from tutor.backends.base import Backend
from tutor.errors import ProviderError


class OpenAICompatBackend(Backend):
    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        http_client: Any = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
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

    async def stream(
        self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]
    ) -> AsyncIterator[AIMessageChunk]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": convert_to_openai_messages(list(messages)),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            request["tools"] = [openai_tool_schema(t) for t in tools]
        started = finished = False
        try:
            # The documented low-level call, so chunks arrive as plain JSON: building the SDK's
            # pydantic ChatCompletionChunk cost ~60 µs a token, CPU that every learner on the
            # server waits for. Retries, errors and error events are the SDK's as before.
            response = await self._client.post(
                "/chat/completions",
                body=request,
                cast_to=object,
                stream=True,
                stream_cls=openai.AsyncStream[object],
            )
            try:
                async for chunk in response:
                    message = to_chunk(chunk)
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

    def _redacted(self, error: ProviderError) -> ProviderError:
        # A server may echo the request back; the key must never reach a learner.
        return ProviderError(error.kind, str(error).replace(self._api_key, "[redacted]"))

    async def aclose(self) -> None:
        await self._client.close()


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


def to_chunk(chunk: dict[str, Any]) -> AIMessageChunk:
    """One streamed chat.completion.chunk (as sent, a JSON object) as an AIMessageChunk."""
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
            "index": tc.get("index", 0),
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
