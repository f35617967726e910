"""Helpers for the web tests: launch the app in-process, find Chromium."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tutor.config import Settings, load_settings
from tutor.runtime import Runtime, build_runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def offline_settings(**overrides: Any) -> Settings:
    """Settings that ignore the developer's .env and environment for the keys that matter."""
    base: dict[str, Any] = {
        "tutor_backend": "offline",
        "tutor_auth": None,
        "openai_api_key": None,
        "openai_base_url": None,
    }
    return load_settings(_env_file=None, **{**base, **overrides})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    url: str
    runtime: Runtime
    db: Path


@contextmanager
def serve_app(
    db: Path, settings: Settings | None = None, port: int | None = None, **build: Any
) -> Iterator[Served]:
    """The real app on a loopback port (queue, auth, theme as `tutor serve` sets them)."""
    from tutor.web import build_app, launch_options

    runtime = build_runtime(settings or offline_settings(), db=db)
    demo = build_app(runtime, **build)
    demo.queue(default_concurrency_limit=runtime.settings.tutor_concurrency)
    demo.launch(
        server_name="127.0.0.1",
        server_port=port or free_port(),
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(runtime),
    )
    try:
        yield Served(demo.local_url, runtime, db)
    finally:
        demo.close()
        if runtime.store is not None:
            runtime.store.close()


def chromium_or_skip() -> str:
    """Chromium's path; skipped locally without it, but a failure on CI (CI must not skip)."""
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path:
        return path
    reason = (
        f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` "
        "(playwright install cannot download browsers here)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run on CI: {reason}")
    pytest.skip(reason)
