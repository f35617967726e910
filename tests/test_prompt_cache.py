"""A prompt that caches: every request starts with the previous one, byte for byte, between
compactions, and the stable prefix (system prompt with the lesson, tool schemas) is the same
for every learner. Asserted on the JSON requests the loopback fake server received."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from support.fake_openai import FakeOpenAI, offline_model_responder

from tutor.runtime import build_runtime

TALK = (
    "/next",
    "/next",
    "Who gets paged at 3am when latency spikes?",
    "What is a data contract and who owns it?",
    "Why is the model handoff to production risky?",
    "The data scientist deploys the model, right?",
    "What does an eval gate protect against?",
)


def sent(request: dict[str, Any]) -> list[str]:
    """The request's messages as the bytes a provider tokenises, one per message."""
    return [json.dumps(m, sort_keys=True) for m in request["messages"]]


def stable(request: dict[str, Any]) -> str:
    return json.dumps([request["messages"][0], request["tools"]], sort_keys=True)


async def talk(fake: FakeOpenAI, messages: tuple[str, ...], session_id: str | None = None) -> list:
    runtime = build_runtime()
    session = runtime.session(session_id)
    start = fake.request_count
    for text in messages:
        async for _event in session.send(text):
            pass
    await runtime.aclose()
    return [r for r in fake.requests[start:] if "tools" in r]  # the conversation's requests


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeOpenAI(offline_model_responder()) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("TUTOR_MODEL", "gpt-4o-mini")  # a known family: no start-up probe
        yield server


async def test_each_request_starts_with_the_whole_previous_one(fake: FakeOpenAI) -> None:
    requests = await talk(fake, TALK)
    assert len(requests) >= len(TALK)
    for before, after in pairwise(requests):
        old, new = sent(before), sent(after)
        assert new[: len(old)] == old  # the history is only appended to, notes included
        assert after["tools"] == before["tools"]
    # Every learner turn keeps the note it was first sent with, and only one system message.
    last = requests[-1]["messages"]
    users = [m for m in last if m["role"] == "user"]
    assert all("<tutor-context>" in m["content"] for m in users)
    assert [m["role"] for m in last].count("system") == 1 and last[0]["role"] == "system"


async def test_two_learners_share_the_stable_prefix_byte_for_byte(fake: FakeOpenAI) -> None:
    ana = await talk(fake, TALK[:3])
    bo = await talk(fake, TALK[:3])
    assert stable(ana[0]) == stable(bo[0])
    # The same words give the same request, whoever sends them (no per-learner bytes).
    assert sent(ana[0]) == sent(bo[0])
    assert {stable(r) for r in ana + bo} == {stable(ana[0])}


async def test_compaction_comes_every_n_turns_and_keeps_the_prefix(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_HISTORY_TURNS", "4")  # compaction every 3 turns, keeps 1
    questions = tuple(f"What does role number {i} own in the lesson?" for i in range(9))
    requests = await talk(fake, questions)
    assert len(requests) == 9
    starts = [r["messages"][1]["content"] for r in requests]
    compactions = [n for n, (a, b) in enumerate(pairwise(starts), 2) if a != b]
    assert compactions == [5, 8]
    for n, (before, after) in enumerate(pairwise(requests), 2):
        if n not in compactions:
            assert sent(after)[: len(sent(before))] == sent(before)
        else:  # only the stable prefix is reused, and the window is the kept turn + the new
            assert sent(after)[0] == sent(before)[0]
            assert [m["role"] for m in after["messages"]].count("user") == 2


async def test_a_resumed_session_sends_the_same_bytes(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_DB", str(tmp_path / "shared.db"))
    runtime = build_runtime()
    session_id = runtime.session().id
    await runtime.aclose()
    first = await talk(fake, TALK[:3], session_id)
    # Another process (or a restart) picks the learner up: notes come back from the store.
    again = await talk(fake, ("What is a data contract and who owns it?",), session_id)
    old = sent(first[-1])
    assert sent(again[0])[: len(old)] == old
