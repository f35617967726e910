"""Shared fixtures: settings isolated from the developer's environment and .env."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

SETTING_VARS = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TUTOR_MODEL",
    "TUTOR_BACKEND",
    "TUTOR_DB",
    "TUTOR_AUTH",
    "TUTOR_HOST",
    "TUTOR_PORT",
    "TUTOR_REQUEST_TIMEOUT",
    "TUTOR_ANSWER_TIMEOUT",
    "TUTOR_MAX_TOKENS",
    "TUTOR_CONCURRENCY",
    "TUTOR_MAX_MESSAGE_CHARS",
    "TUTOR_MAX_TOOL_ROUNDS",
    "TUTOR_HISTORY_TURNS",
    "TUTOR_IDLE_MINUTES",
    "TUTOR_DB_POOL_SIZE",
    "TUTOR_LEASE_SECONDS",
    "TUTOR_QUEUE_WAIT",
    "TUTOR_WORKER_THREADS",
    "TUTOR_WARMUP",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees a real key or the developer's .env; each gets its own database."""
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUTOR_DB", str(tmp_path / "tutor.db"))
    yield


def sse(*chunks: dict) -> str:
    """An OpenAI streaming body from chunk dicts."""
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def chunk(delta: dict | None = None, finish: str | None = None, **extra: object) -> dict:
    base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    if delta is None and finish is None:
        return {**base, "choices": [], **extra}
    return {
        **base,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
        **extra,
    }
