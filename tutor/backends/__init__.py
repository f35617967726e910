"""Backends: the OpenAI-compatible client and the offline lesson engine."""

from __future__ import annotations

from typing import Any

from tutor.backends.base import Backend
from tutor.config import Settings


def make_backend(settings: Settings, http_client: Any = None) -> Backend:
    """The backend the settings ask for (offline when no key or base URL is set)."""
    if settings.backend_kind == "offline":
        from tutor.backends.offline import OfflineBackend

        return OfflineBackend()
    # Imported here so offline runs never pay for importing openai.
    from tutor.backends.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend(
        model=settings.tutor_model,
        api_key=settings.api_key(),
        base_url=settings.openai_base_url,
        timeout=settings.tutor_request_timeout,
        max_tokens=settings.tutor_max_tokens,
        http_client=http_client,
        probe=True,  # a model prompts/models.toml does not know is probed once
    )


__all__ = ["Backend", "make_backend"]
