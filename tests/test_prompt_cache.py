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

from tutor.backends.context import OpenQuestion, TurnContext
from tutor.engine.request import context_note
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
    # the conversation's requests (not the read-ahead of the next try-it prompt: TUTOR_WARMUP)
    return [r for r in fake.requests[start:] if "tools" in r and r.get("max_tokens") != 1]


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


async def stored_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A learner's session kept in a database another runtime (a process) can resume."""
    monkeypatch.setenv("TUTOR_DB", str(tmp_path / "shared.db"))
    runtime = build_runtime()
    session_id = runtime.session().id
    await runtime.aclose()
    return session_id


async def test_a_resumed_session_sends_the_same_bytes(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await stored_session(tmp_path, monkeypatch)
    first = await talk(fake, TALK[:3], session_id)
    # Another process (or a restart) picks the learner up: notes come back from the store.
    again = await talk(fake, ("What is a data contract and who owns it?",), session_id)
    old = sent(first[-1])
    assert sent(again[0])[: len(old)] == old


def notes(request: dict[str, Any]) -> list[str]:
    """Each learner turn's note in the request, oldest first."""
    users = [m["content"] for m in request["messages"] if m["role"] == "user"]
    return [u.split("<tutor-context>", 1)[1] for u in users if "<tutor-context>" in u]


QUIZ_LINE = "- Quiz so far:"
STEP_LINE = "try-it prompt"


async def test_a_note_restates_only_what_changed_and_the_window_holds_every_fact(
    fake: FakeOpenAI,
) -> None:
    requests = await talk(fake, TALK)
    last = notes(requests[-1])
    # The quiz score and the step were said by an earlier note, and have not changed since:
    # the newest note leaves them out, and says so.
    assert QUIZ_LINE not in last[-1] and "last worked on" not in last[-1]
    assert "Anything not restated here is as the earlier notes say." in last[-1]
    assert any(QUIZ_LINE in n for n in last[:-1])
    assert any("last worked on try-it prompt 2 of 3" in n for n in last)
    # Its own lines are about this message, and the instruction to answer it.
    assert "Answer the learner's message above" in last[-1]


def test_a_question_that_closed_is_said_to_be_closed() -> None:
    """Leaving a line out means "unchanged": a question no longer waiting is said so."""
    waiting = TurnContext(open_question=OpenQuestion(kind="quiz", id="q1"))
    opened = context_note(waiting)
    assert "is waiting for an answer (id q1)" in opened.text
    closed = context_note(TurnContext(), shown=opened.state)
    assert "No question is waiting for an answer now." in closed.text
    # Never said when no note named a question: there is nothing to take back.
    assert "No question" not in context_note(TurnContext()).text
    # The same question still waiting is not said again.
    assert "id q1" not in context_note(waiting, shown=opened.state).text


async def test_after_a_compaction_the_new_note_restates_what_left_the_window(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_HISTORY_TURNS", "4")  # compaction every 3 turns, keeps 1
    questions = tuple(f"What does role number {i} own in the lesson?" for i in range(5))
    requests = await talk(fake, questions)
    before, after = notes(requests[3]), notes(requests[4])  # turn 5 is a compaction
    assert len(after) == 2  # the kept turn and the new one
    assert QUIZ_LINE not in before[-1]  # said at turn 1, which has left the window
    assert QUIZ_LINE in after[-1] and "earlier turns are not shown" in after[-1]
    assert "not started the three try-it prompts" in after[-1]


async def test_a_resumed_session_keeps_writing_short_notes(
    fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await stored_session(tmp_path, monkeypatch)
    await talk(fake, TALK[2:4], session_id)
    again = await talk(fake, ("What does an eval gate protect against?",), session_id)
    # What the stored notes stated came back with them: the new note does not repeat it.
    assert QUIZ_LINE not in notes(again[0])[-1]
    assert any(QUIZ_LINE in n for n in notes(again[0])[:-1])
