"""Never worse than offline (issue 24): a model reply that fails the checks gets the lesson's
answer on top, marked, with the model's words folded below; a good reply is left alone.

The failure shapes are the ones small local models showed (shared/STACK.md): a stray question
as the whole reply, the learner's message or the app's note handed back, the previous reply
again, a wrong owner.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from support.function_backend import FunctionBackend, Scripted, script

from tutor.backends.base import learner_text
from tutor.content.pack import load_pack
from tutor.engine import TutorSession
from tutor.engine.events import LessonFallback, TextDelta, TurnDone
from tutor.engine.fallback import FROM_LESSON_MARK
from tutor.web.view import ChatView

STEPS = [s.prompt for s in load_pack().steps]
LESSON_HEAD = FROM_LESSON_MARK


def last_learner_turn(messages) -> str:
    return next(m.text for m in reversed(messages) if isinstance(m, HumanMessage))


def echo_learner(messages, tools) -> Scripted:
    return Scripted(learner_text(HumanMessage(last_learner_turn(messages))))


def echo_note(messages, tools) -> Scripted:
    # The app's note, handed back as the reply (0.5B models did this).
    note = last_learner_turn(messages).split("<tutor-context>", 1)[-1]
    return Scripted(note.split("</tutor-context>")[0])


SHAPES = {
    "stray question": script(Scripted("What is the full context of the 'frame problem' stage?")),
    "echo of the learner": echo_learner,
    "echo of the note": echo_note,
    "invented owner": script(Scripted("The data scientist gets paged at 3am: on-call is theirs.")),
}


async def send(session: TutorSession, text: str) -> list:
    return [e async for e in session.send(text)]


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_failing_reply_gets_the_lesson_answer_on_top_and_the_step_still_counts(
    shape: str,
) -> None:
    session = TutorSession(FunctionBackend(SHAPES[shape]))
    first = (await send(session, STEPS[0]))[-1]
    assert first.status == "complete" and session.guided_step == 1
    lesson = first.text.split("<details>")[0]  # the lesson's step-1 answer
    assert "**Data scientists** frame the problem" in lesson
    events = await send(session, STEPS[1])
    done = events[-1]
    assert isinstance(done, TurnDone) and done.status == "complete"
    fallback = next(e for e in events if isinstance(e, LessonFallback))
    assert fallback.reason
    # The demo's real output (the app's), then the lesson's explanation of it, then the model's
    # words folded below; the step is done because its content reached the learner.
    assert "Risky handoffs (ownership changes hands):" in done.text
    assert LESSON_HEAD in done.text and "Handoff by handoff:" in done.text
    assert done.text.index(LESSON_HEAD) < done.text.index("<details>")
    assert session.guided_step == 2


WRONG_OWNER = (
    "the model's reply names the Data Scientist as owner of on-call / incidents; "
    "the lesson says SRE/Platform."
)


@pytest.mark.parametrize(
    "reply",
    [
        "The data scientist gets paged at 3am: on-call is theirs.",
        "The data scientist.",  # a bare owner: it answers the question's stage
        "Data scientists. They built the model, so they know it best.",
    ],
)
async def test_a_wrong_owner_says_plainly_what_was_wrong_with_the_lesson_answer(
    reply: str,
) -> None:
    session = TutorSession(FunctionBackend(script(Scripted(reply))))
    events = await send(session, "who gets paged at 3am?")
    done = events[-1]
    fallback = next(e for e in events if isinstance(e, LessonFallback))
    assert fallback.reason == WRONG_OWNER.removeprefix("the model's reply ").rstrip(".")
    head = done.text.split("<details>")[0]
    assert WRONG_OWNER in head and "**SRE/Platform**" in head
    assert "Check: in the lesson, on-call / incidents is owned by SRE/Platform." in done.text


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("who gets paged at 3am?", "The SRE/Platform engineer."),
        ("who trains the model?", "Data scientists."),
        ("who gets paged at 3am?", "SRE/Platform, through the on-call rotation."),
        ("who do I ask about data quality?", "The data engineer."),  # no stage asked
    ],
)
async def test_a_right_bare_owner_is_left_alone(question: str, reply: str) -> None:
    session = TutorSession(FunctionBackend(script(Scripted(reply))))
    events = await send(session, question)
    assert not any(isinstance(e, LessonFallback) for e in events)
    assert "Check:" not in events[-1].text


async def test_a_good_reply_is_never_replaced_not_even_by_an_offline_decline() -> None:
    good = (
        "The SRE/platform engineer gets paged at 3am: in the lesson's demo they own on-call "
        "and incidents, and the ML engineer helps when it is a model problem."
    )
    session = TutorSession(FunctionBackend(script(Scripted(good))))
    events = await send(session, "who gets paged at 3am?")
    assert not any(isinstance(e, LessonFallback) for e in events)
    assert events[-1].text.strip() == good.strip()
    # Off the lesson: the offline tutor would decline, and a fine model answer stays as it is.
    answer = "Kubernetes runs containers across machines; in this lesson it's the platform's job."
    session = TutorSession(FunctionBackend(script(Scripted(answer))))
    events = await send(session, "what is kubernetes, briefly?")
    assert not any(isinstance(e, LessonFallback) for e in events)


async def test_the_page_folds_the_model_words_under_the_lesson_answer() -> None:
    session = TutorSession(FunctionBackend(SHAPES["stray question"]))
    view = ChatView()
    view.user("who gets paged at 3am?")
    for event in await send(session, "who gets paged at 3am?"):
        view.apply(event)
    answer = view.snapshot(busy=False)[-1]["content"]
    assert answer.startswith(LESSON_HEAD)
    assert answer.count("What is the full context") == 1  # folded once, not shown twice
    assert "<details><summary>The model's reply</summary>" in answer


async def test_streamed_text_and_the_stored_reply_agree(tmp_path) -> None:
    from tutor.store import Store

    store = Store(tmp_path / "t.db")
    session = TutorSession(FunctionBackend(SHAPES["stray question"]), store=store)
    events = await send(session, "who gets paged at 3am?")
    stored = store.transcript(session.id)[-1]
    assert stored.content == events[-1].text
    model_words = stored.meta["model_text"]
    assert model_words.strip() == "What is the full context of the 'frame problem' stage?"
    assert any(isinstance(e, TextDelta) and e.source == "model" for e in events)


async def test_a_failing_reply_over_an_offline_decline_claims_no_lesson_answer() -> None:
    """When the offline tutor would decline too, the model's wrong reply is withheld and the
    head says the lesson has no answer here, never "Here is the lesson's answer:" over a
    decline."""
    backend = FunctionBackend(script(Scripted("The data scientist gets paged at 3am, always.")))
    session = TutorSession(backend)
    done = (await send(session, "so what does the ML eng do when latency spikes"))[-1]
    head = done.text.split("<details>")[0]
    assert LESSON_HEAD in head and "don't cover this one" in head
    assert "Here is the lesson's answer" not in head
