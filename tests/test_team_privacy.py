"""A team's names and where they go: with a hosted model the tutor says once that a team
description goes to the model's provider; "forget my team" drops the plan and masks its
people's names in the session, the stored transcript and what a model is sent next."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from tests.conftest import chunk, sse
from tutor.backends.offline import OfflineBackend
from tutor.backends.openai_compat import OpenAICompatBackend, hosted_provider
from tutor.content.pack import team_talk
from tutor.content.planner import privacy_notice
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta
from tutor.store import Store

HOSTED = "https://llm.example.com/v1"
LOCAL = "http://localhost:11434/v1"
TEAM = "We're a team of 3: Ana is a data scientist, Bo is a backend engineer, Cy runs our infra."
OTHER_TEAM = "Actually we are Dana, an ML engineer, and Eli, a data engineer."
NAMES = ("Ana", "Bo", "Cy")


def model(base_url: str) -> OpenAICompatBackend:
    return OpenAICompatBackend(
        model="m", api_key="sk-x", base_url=base_url, max_retries=0, http_client=httpx.AsyncClient()
    )


def model_words(request: httpx.Request) -> httpx.Response:
    """The model says one plain sentence, streamed (or as JSON when asked for JSON)."""
    if not json.loads(request.content).get("stream"):
        return httpx.Response(200, json={"choices": [{"message": {"content": "{}"}}]})
    body = sse(chunk({"content": "Here is how I'd read that plan."}), chunk(finish="stop"))
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


async def say(session: TutorSession, text: str) -> str:
    return "".join([e.text async for e in session.send(text) if isinstance(e, TextDelta)])


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://api.openai.com/v1", "api.openai.com"),
        ("http://llm.example.com/v1", "llm.example.com"),
        ("http://192.168.1.5:11434/v1", "192.168.1.5"),
        (LOCAL, None),
        ("http://127.0.0.1:8080/v1", None),
        ("http://[::1]:8000/v1", None),
        ("http+unix://%2Frun%2Fllm.sock/v1", None),
    ],
)
def test_a_provider_is_hosted_unless_it_is_on_this_machine(url: str, provider: str | None) -> None:
    assert hosted_provider(url) == provider


async def test_a_hosted_model_gets_the_privacy_notice_once_even_after_a_restart(
    tmp_path: Path,
) -> None:
    notice = privacy_notice("llm.example.com")
    with respx.mock(base_url=HOSTED) as mock:
        mock.post("/chat/completions").mock(side_effect=model_words)
        session = TutorSession(model(HOSTED), store=Store(tmp_path / "t.db"))
        first = await say(session, TEAM)
        assert first.startswith(notice) and first.count(notice) == 1
        assert "Ana (data scientist)" in first  # the plan follows the notice
        assert notice not in await say(session, OTHER_TEAM)
        # Another process (or a restart) rebuilds the session from the store: still told.
        again = TutorSession(model(HOSTED), store=Store(tmp_path / "t.db"), session_id=session.id)
        assert again.conversation.dialogue.privacy_told
        assert notice not in await say(again, TEAM)
        assert "forget my team" in notice and "llm.example.com" in notice


@pytest.mark.parametrize("backend", ["local", "offline"])
async def test_a_local_model_and_the_offline_tutor_never_give_the_notice(backend: str) -> None:
    with respx.mock(base_url=LOCAL, assert_all_called=backend == "local") as mock:
        mock.post("/chat/completions").mock(side_effect=model_words)
        session = TutorSession(model(LOCAL) if backend == "local" else OfflineBackend())
        replies = [await say(session, TEAM), await say(session, OTHER_TEAM)]
    assert all("Privacy:" not in r and "model provider" not in r for r in replies)
    assert "Ana" in replies[0] and not session.conversation.dialogue.privacy_told


async def test_forget_my_team_drops_the_plan_and_masks_the_names_everywhere(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "t.db")
    session = TutorSession(OfflineBackend(), store=store)
    assert "Ana" in await say(session, TEAM)
    assert "Cy" in await say(session, "who gets paged?")
    forgot = await say(session, "forget my team")
    assert "forgotten your team (3 people)" in forgot
    assert session.conversation.dialogue.plan is None
    paged = await say(session, "who gets paged?")
    mask = team_talk().data.forgotten_name
    for text in [paged, *(m.text for m in session.history)]:
        assert not any(f" {name} " in f" {text} " for name in NAMES), text
    assert mask in session.history[0].text  # the description itself is kept, names masked
    stored = json.dumps([(r.content, r.meta) for r in store.transcript(session.id)])
    assert not any(f'"{name}' in stored or f" {name} " in stored for name in NAMES)
    resumed = TutorSession(OfflineBackend(), store=Store(tmp_path / "t.db"), session_id=session.id)
    assert resumed.conversation.dialogue.plan is None
    assert all("Ana" not in m.text for m in resumed.history)


async def test_forgetting_with_a_model_asks_it_nothing_and_sends_no_name_after() -> None:
    with respx.mock(base_url=HOSTED) as mock:
        route = mock.post("/chat/completions").mock(side_effect=model_words)
        session = TutorSession(model(HOSTED))
        await say(session, TEAM)
        asked = route.call_count
        assert "forgotten your team" in await say(session, "please forget my team")
        assert route.call_count == asked  # the engine says it; no model is asked
        await say(session, "who gets paged at 3am?")
        sent = route.calls[-1].request.content.decode()
    assert route.call_count == asked + 1
    assert not any(f'\\"{name}' in sent or f" {name} " in sent for name in NAMES)


async def test_forget_my_team_without_a_team_says_there_is_none() -> None:
    session = TutorSession(OfflineBackend())
    assert await say(session, "forget my team") == team_talk().data.nothing_to_forget
