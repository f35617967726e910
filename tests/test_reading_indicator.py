"""While a model reads the learner's message, the page says so, with the seconds counting,
until the model's first own word; the app's own output meanwhile (the demo, the planner's
table) does not end it. The offline tutor answers at once: no indicator."""

from __future__ import annotations

import pytest

from tutor.engine.events import Notice, TextDelta, TurnDone
from tutor.runtime import build_runtime
from tutor.web.app import TutorApp
from tutor.web.style import HEAD, READING_JS
from tutor.web.view import READING, ChatView


def reading(view: ChatView, busy: bool = True) -> bool:
    return any(READING in m["content"] for m in view.snapshot(busy=busy, reading=True))


def test_the_model_reads_until_its_first_own_word() -> None:
    view = ChatView()
    view.user("Walk me through the handoffs.")
    shown = view.snapshot(busy=True, reading=True)
    assert shown[-1] == {"role": "assistant", "content": READING}
    view.apply(TextDelta("```text\nRisky handoffs\n```", "app"))  # the engine ran the demo
    assert view.snapshot(busy=True, reading=True)[-1]["content"] == READING  # still reading
    view.apply(TextDelta("The demo shows", "model"))
    assert not reading(view)
    assert READING not in view.messages[-1]["content"]  # never stored as the reply


def test_no_indicator_once_the_turn_ends_or_when_nothing_runs() -> None:
    view = ChatView()
    view.user("hello")
    assert not reading(view, busy=False)
    view.apply(Notice("timeout", "The model took too long to answer."))
    view.apply(TurnDone("", status="error"))
    assert not reading(view)
    view.user("again")
    assert not any(READING in m["content"] for m in view.snapshot(busy=True, reading=False))


def test_the_page_counts_the_seconds_beside_it() -> None:
    assert f"<script>{READING_JS}</script>" in HEAD
    assert "tutor-reading" in READING and ".tutor-reading" in READING_JS
    assert "Date.now() - since.get(turn)" in READING_JS and "} s`" in READING_JS


def test_only_a_model_backend_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not TutorApp(build_runtime(persist=False), offline_pace=0.0).reading
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TUTOR_WARMUP", "off")
    assert TutorApp(build_runtime(persist=False)).reading
