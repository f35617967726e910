"""The warm-up request at `tutor serve` start: the stable prefix once, one token asked for,
the same bytes the first learner's request starts with; a failure is logged (redacted) and
ignored. Mocked at the HTTP layer (respx)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
import respx
from support.fake_openai import FakeOpenAI, offline_model_responder

from tests.conftest import chunk, sse
from tutor.config import load_settings
from tutor.runtime import build_runtime, start_warm_up, warm_up

BASE = "http://127.0.0.1:8081/v1"
KEY = "sk-warm-SENTINEL-0987654321"


def completion() -> httpx.Response:
    body = {
        "id": "w",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
                     "finish_reason": "length"}],
    }  # fmt: skip
    return httpx.Response(200, json=body)


def streamed(text: str) -> httpx.Response:
    body = sse(chunk({"role": "assistant", "content": text}), chunk(finish="stop"))
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


@pytest.fixture
def local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("TUTOR_MODEL", "gpt-4o-mini")  # a known family: no start-up probe


@respx.mock(base_url=BASE)
async def test_one_warm_up_request_with_the_first_requests_prefix(
    respx_mock: respx.MockRouter, local_model: None
) -> None:
    route = respx_mock.post("/chat/completions").mock(
        side_effect=[completion(), streamed("Data scientists build models.")]
    )
    settings = load_settings()
    assert await warm_up(settings, http_client=httpx.AsyncClient())
    runtime = build_runtime(settings, persist=False, http_client=httpx.AsyncClient())
    async for _event in runtime.session().send("Who gets paged at 3am?"):
        pass
    await runtime.aclose()
    assert len(route.calls) == 2  # one warm-up, then the learner's own request
    warm, first = (json.loads(call.request.content) for call in route.calls)
    assert warm["max_tokens"] == 1 and warm["stream"] is False
    assert first["max_tokens"] > 1 and first["stream"] is True
    # What the server caches from the warm-up is what the learner's request starts with.
    assert json.dumps(warm["messages"][0]) == json.dumps(first["messages"][0])
    assert json.dumps(warm["tools"]) == json.dumps(first["tools"])
    assert warm["model"] == first["model"] == "gpt-4o-mini"


@respx.mock(base_url=BASE)
async def test_a_failed_warm_up_is_logged_redacted_and_ignored(
    respx_mock: respx.MockRouter, local_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"error": {"message": f"bad key {KEY}"}}
    respx_mock.post("/chat/completions").mock(return_value=httpx.Response(500, json=body))
    settings = load_settings()
    with caplog.at_level(logging.WARNING):
        assert not await warm_up(settings, http_client=httpx.AsyncClient())
    assert "warm-up request" in caplog.text and KEY not in caplog.text


def test_the_setting_decides_and_defaults_to_local_servers(
    monkeypatch: pytest.MonkeyPatch, local_model: None
) -> None:
    assert load_settings().warm_up  # auto, and the server is on this machine
    monkeypatch.setenv("TUTOR_WARMUP", "off")
    assert not load_settings().warm_up and start_warm_up(load_settings()) is None
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("TUTOR_WARMUP", "auto")
    assert not load_settings().warm_up  # a hosted provider: no request the learner pays for
    monkeypatch.setenv("TUTOR_WARMUP", "on")
    assert load_settings().warm_up
    monkeypatch.setenv("TUTOR_BACKEND", "offline")
    assert not load_settings().warm_up  # offline: no model to warm


# -- reading the next try-it prompt ahead ----------------------------------------------------


def recorded(fake: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(read-ahead requests, the conversation's own requests) the fake server received."""
    ahead = [r for r in fake.requests if r.get("max_tokens") == 1]
    talk = [r for r in fake.requests if "tools" in r and r.get("max_tokens") != 1]
    return ahead, talk


@pytest.fixture
def fake_local(monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeOpenAI(offline_model_responder()) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)  # loopback: TUTOR_WARMUP=auto
        monkeypatch.setenv("TUTOR_MODEL", "gpt-4o-mini")
        yield server


async def settle(session: Any) -> None:
    """Let a read-ahead started by the last answer finish (a learner reading meanwhile)."""
    if session._prefill is not None:
        await session._prefill


async def test_the_start_warm_up_is_the_first_try_it_prompts_whole_request(
    fake_local: FakeOpenAI,
) -> None:
    settings = load_settings()
    assert await warm_up(settings)
    runtime = build_runtime(settings, persist=False)
    async for _event in runtime.session().next_prompt():
        pass
    await runtime.aclose()
    (warm, *_), (first, *_) = recorded(fake_local)
    assert warm["messages"] == first["messages"] and warm["tools"] == first["tools"]


async def test_after_a_try_it_answer_the_next_prompt_is_read_ahead_byte_for_byte(
    fake_local: FakeOpenAI,
) -> None:
    runtime = build_runtime(load_settings(), persist=False)
    session = runtime.session()
    for _ in range(2):
        async for _event in session.next_prompt():
            pass
        await settle(session)
    async for _event in session.next_prompt():
        pass
    await runtime.aclose()
    ahead, talk = recorded(fake_local)
    # One read-ahead after each of the first two answers, each exactly the request "Next
    # prompt" then sent (the demo's and the planner's results included), nothing else.
    assert len(ahead) == 2
    step_two, step_three = (next(r for r in talk if len(r["messages"]) == len(a["messages"]))
                            for a in ahead)  # fmt: skip
    assert ahead[0]["messages"] == step_two["messages"]
    assert ahead[1]["messages"] == step_three["messages"]
    assert "Given a 3-person team" in json.dumps(ahead[1]["messages"][-3:])


async def test_another_message_cancels_a_read_ahead_not_yet_sent_and_none_when_off(
    fake_local: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = build_runtime(load_settings(), persist=False)
    session = runtime.session()
    async for _event in session.next_prompt():
        pass
    # The learner types at once, before the read-ahead ran: it is dropped, never sent.
    async for _event in session.send("Who gets paged at 3am?"):
        pass
    await asyncio.sleep(0.2)
    assert session._prefill is not None and session._prefill.cancelled()
    monkeypatch.setenv("TUTOR_WARMUP", "off")
    quiet = build_runtime(load_settings(), persist=False).session()
    async for _event in quiet.next_prompt():
        pass
    assert quiet._prefill is None
    await runtime.aclose()
    assert recorded(fake_local)[0] == []
