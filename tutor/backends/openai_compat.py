"""Any OpenAI-compatible Chat Completions server. The only module that imports openai."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

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
        try:
            response = await self._client.chat.completions.create(**request)
            async for chunk in response:
                yield to_chunk(chunk)
        except openai.APIError as exc:
            error = provider_error(exc, self.model)
            # A server may echo the request back; the key must never reach a learner.
            message = str(error).replace(self._api_key, "[redacted]")
            raise ProviderError(error.kind, message) from None

    async def aclose(self) -> None:
        await self._client.close()


def openai_tool_schema(tool: BaseTool) -> dict[str, Any]:
    return convert_to_openai_tool(tool)


def to_chunk(chunk: Any) -> AIMessageChunk:
    """One streamed ChatCompletionChunk as an AIMessageChunk."""
    usage = None
    if chunk.usage is not None:
        usage = {
            "input_tokens": chunk.usage.prompt_tokens or 0,
            "output_tokens": chunk.usage.completion_tokens or 0,
            "total_tokens": chunk.usage.total_tokens or 0,
        }
    if not chunk.choices:  # the usage-only last chunk, or a keep-alive
        return AIMessageChunk(content="", usage_metadata=usage)
    choice = chunk.choices[0]
    delta = choice.delta
    tool_chunks = [
        {
            "index": tc.index,
            "id": tc.id,
            "name": tc.function.name if tc.function else None,
            "args": tc.function.arguments if tc.function else None,
        }
        for tc in (delta.tool_calls or [])
    ]
    meta = {"finish_reason": choice.finish_reason} if choice.finish_reason else {}
    return AIMessageChunk(
        content=delta.content or "",
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
            "The model provider is rate-limiting requests. Wait a "
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


def short_reason(exc: openai.APIError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message") or (body.get("error") or {}).get("message") if body else None
    text = str(message or exc.message or type(exc).__name__)
    return json.dumps(text[:200])[1:-1]
