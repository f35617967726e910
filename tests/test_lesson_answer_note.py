"""With a model, the offline tutor reads each message too, and when it has an answer it is sure
of, the note hands it to the model to say in its own words, with the verdict on the learner's
claim as the words to begin with. Measured on Qwen2.5-Coder-1.5B: given only the whole lesson,
it agreed that the data scientist gets paged, or opened with the learner's own claim. Asserted
on the requests sent (respx), for a small model (brief note) and a capable one (full note)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import chunk, sse
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.content.pack import load_pack
from tutor.engine import TutorSession

BASE = "http://llm.test/v1"
REPLY = sse(chunk({"content": "SRE/Platform holds the pager in the lesson."}), chunk({}, "stop"))
MODELS = ["qwen2.5-coder-1.5b", "gpt-4o"]
QUOTED = "\n  > "  # how the note quotes the lesson's answer


async def requests_for(model: str, *messages: str) -> list[dict[str, Any]]:
    """The chat requests sent for `messages`, in order (one per message here)."""
    backend = OpenAICompatBackend(
        model=model, api_key="k", base_url=BASE, max_retries=0, http_client=httpx.AsyncClient()
    )
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/chat/completions").mock(
            side_effect=lambda _: httpx.Response(
                200, text=REPLY, headers={"content-type": "text/event-stream"}
            )
        )
        session = TutorSession(backend)
        for text in messages:
            [_ async for _ in session.send(text)]
        await backend.aclose()
    return [json.loads(call.request.content) for call in route.calls]


def note_of(request: dict[str, Any]) -> str:
    last = next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user")
    return last.split("<tutor-context>", 1)[1]


@pytest.mark.parametrize("model", MODELS)
async def test_a_misconception_comes_with_the_lessons_correction(model: str) -> None:
    [request] = await requests_for(model, "The data scientist gets paged at 3am, right?")
    note = note_of(request)
    assert 'Begin your reply with "Not quite:"' in note and QUOTED in note
    assert "SRE/Platform" in note and "on-call" in note


@pytest.mark.parametrize("model", MODELS)
async def test_pushback_after_a_model_turn_is_about_the_same_subject(model: str) -> None:
    """The model reports nothing of what its reply was about; the lesson's reading of the first
    message is what the conversation keeps, so the bare "it's the data scientist" is still
    about on-call (before, the lesson's answer to it was the small-team paragraph)."""
    _, second = await requests_for(
        model,
        "The data scientist gets paged at 3am, right?",
        "No, I'm sure it's the data scientist.",
    )
    note = note_of(second)
    assert "SRE/Platform" in note and "on-call" in note
    assert "hats" not in note


@pytest.mark.parametrize("model", MODELS)
async def test_a_right_claim_is_confirmed(model: str) -> None:
    [request] = await requests_for(model, "the SRE gets paged at 3am, right?")
    assert 'Begin your reply with "Yes:"' in note_of(request)


@pytest.mark.parametrize("model", MODELS)
async def test_nothing_is_handed_over_that_the_lesson_cannot_answer_or_a_step_already_asks(
    model: str,
) -> None:
    """A decline is no answer to give a model (it may know better from the lesson), and a
    try-it prompt's note carries the step's own task."""
    off, step = await requests_for(
        model, "What's the capital of France?", load_pack().steps[0].prompt
    )
    for note in (note_of(off), note_of(step)):
        assert QUOTED not in note and "Begin your reply" not in note


async def test_with_a_quiz_question_open_no_answer_from_the_lesson_is_handed_over() -> None:
    """The lesson's answer to "who gets paged?" could be the open question's answer."""
    requests = await requests_for("gpt-4o", "/quiz", "who gets paged at 3am?")
    assert "waiting for an answer" in note_of(requests[-1])
    assert QUOTED not in note_of(requests[-1])
