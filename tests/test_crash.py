"""Crash safety: kill -9 `tutor serve` while it streams an answer; after a restart every
completed turn is there and the interrupted one is marked as interrupted."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from support.fake_openai import FakeOpenAI, Reply, echo_responder, learner_words

pytestmark = pytest.mark.slow
KEY = "sk-crash-SENTINEL-5a5a5a5a"
WAIT = 60  # seconds: a generous bound for startup and polling, never an assertion on speed
SLOW_ANSWER = "Data scientists build the model, and ML engineers take it to production. " * 20


def slow_model(request: dict[str, Any]) -> Reply:
    """Echoes quickly, except that 'slow' gets a long answer a few characters at a time."""
    if "slow" in learner_words(request):
        return Reply(text=SLOW_ANSWER, chunk_delay=0.05)
    return echo_responder(request)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def tutor_serve(db: Path, base_url: str, home: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`tutor serve` in a subprocess on a free loopback port; yields (process, url)."""
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "TUTOR_DB": str(db),
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": KEY,
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=home,
    )
    try:
        url = ""
        while not url:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise AssertionError(f"tutor serve exited: {process.stderr.read()}")
            if line.startswith("Open "):
                url = line.split()[1]
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT)


def rows(db: Path) -> list[tuple[str, str, str]]:
    """(role, status, content) of every stored message, read as another process would."""
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT role, status, content FROM turns ORDER BY id"))


def test_kill_9_mid_answer_loses_nothing_that_was_finished(tmp_path: Path) -> None:
    db = tmp_path / "tutor.db"
    with FakeOpenAI(slow_model) as fake:
        with tutor_serve(db, fake.base_url, tmp_path) as (server, url):
            assert url.startswith("http://127.0.0.1:")  # loopback unless told otherwise
            learner = Client(url, verbose=False)
            assert learner.predict("first question", api_name="/chat") == "You said: first question"
            assert (
                learner.predict("second question", api_name="/chat") == "You said: second question"
            )
            job = learner.submit("a slow one please", api_name="/chat")
            wait_for(lambda: any(job.outputs()), "the slow answer to start streaming")

            # Every finished turn is on disk before the next one ends: read it from outside.
            finished = [
                ("user", "complete", "first question"),
                ("assistant", "complete", "You said: first question"),
                ("user", "complete", "second question"),
                ("assistant", "complete", "You said: second question"),
            ]
            assert rows(db) == [*finished, ("user", "in_progress", "a slow one please")]

            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=WAIT)

        with tutor_serve(db, fake.base_url, tmp_path) as (_, url):
            # The restart marked the cut-short turn; the finished ones are untouched.
            assert rows(db) == [*finished, ("user", "interrupted", "a slow one please")]
            again = Client(url, verbose=False)
            assert again.predict("still there?", api_name="/chat") == "You said: still there?"
