"""The real openai client and default transport against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from support.fake_openai import FakeOpenAI, Reply

from tutor.demo.handoffs import run_handoff_demo
from tutor.engine.events import TextDelta, ToolFinished
from tutor.runtime import build_runtime


def lesson_model(request: dict[str, Any]) -> Reply:
    """A tiny scripted 'model': explains a tool result, or calls the demo for the walk-through."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return Reply(text=f"The demo printed:\n{last['content'].splitlines()[0]}")
    if "handoffs typically break" in str(last.get("content")):
        return Reply(tool_calls=[{"id": "call_1", "name": "run_handoff_demo", "arguments": "{}"}])
    return Reply(text="Data scientists build models; SREs get paged.")


@pytest.fixture
def fake():
    with FakeOpenAI(lesson_model) as server:
        yield server


async def test_guided_flow_through_a_model_calls_the_demo_and_sends_the_result_back(
    fake: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)  # no key: a placeholder is used
    monkeypatch.setenv("TUTOR_MODEL", "llama3.1")
    runtime = build_runtime()
    assert not runtime.backend.profile.offline and "llama3.1" in runtime.banner()
    session = runtime.session()
    events = [e async for e in session.send("/next")] + [e async for e in session.send("/next")]
    tools = [e for e in events if isinstance(e, ToolFinished)]
    assert [t.name for t in tools] == ["run_handoff_demo"]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "Risky handoffs (ownership changes hands):" in text
    # Two requests: step 1, and step 2 with the demo's result (the engine ran it first).
    assert len(fake.requests) == 2 and all(r["model"] == "llama3.1" for r in fake.requests)
    assert [m["role"] for m in fake.requests[1]["messages"]].count("system") == 1
    call_message, tool_message = fake.requests[1]["messages"][-2:]
    assert call_message["tool_calls"][0]["function"]["name"] == "run_handoff_demo"
    assert tool_message["role"] == "tool"
    assert tool_message["tool_call_id"] == call_message["tool_calls"][0]["id"]
    assert tool_message["content"].startswith(run_handoff_demo())
    assert fake.headers[0]["authorization"] == "Bearer not-needed"
    await runtime.aclose()


def test_tutor_chat_subprocess_runs_on_the_model(fake: FakeOpenAI) -> None:
    env = {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-SENTINEL-loopback",
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "chat"],
        input="/next\n/next\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    )
    assert "Running on model gpt-4o-mini" in result.stdout
    assert "The demo printed:\nRisky handoffs" in result.stdout
    # The demo's real output, printed once by the app (the model quoted only its first line).
    assert result.stdout.count("Product + Data Scientist -> Data Engineer") == 1
    assert "sk-SENTINEL-loopback" not in result.stdout + result.stderr
    assert fake.headers[0]["authorization"] == "Bearer sk-SENTINEL-loopback"
    assert all("sk-SENTINEL" not in json.dumps(r) for r in fake.requests)
