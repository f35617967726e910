"""The one small interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.tools import BaseTool


class Backend(ABC):
    """Turns messages plus tools into a stream of AIMessageChunks.

    Chunks add up with `+` (tool-call pieces included). The last chunk may carry
    `usage_metadata` and `response_metadata["finish_reason"]`. Failures raise
    `tutor.errors.ProviderError`, possibly after some chunks were streamed.
    """

    #: short machine name: "offline" or "openai"
    name: str
    #: the model this backend talks to ("offline" for the lesson engine)
    model: str
    #: True for the rule-based lesson engine, which needs no account
    offline: bool = False

    @property
    def label(self) -> str:
        return "offline lesson engine" if self.offline else f"model {self.model}"

    @abstractmethod
    def stream(
        self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream one model response to `messages`, offering `tools`."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release network resources, if any."""
