"""Never worse than offline, over HTTP: with each weak-model shape (tests/support/weak_models.py
— a stray question, an echo of the learner or of the note, an invented owner, a repeat of its
previous reply) the three try-it prompts and a described team with its follow-ups reach the
learner with correct content, and every app guarantee holds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.fake_openai import FakeOpenAI
from support.shown import owners, shown
from support.weak_models import STRAY_QUESTION, WEAK_MODELS, gives_away

from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.content.pack import lexicon, load_pack
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine import TutorSession
from tutor.engine.events import Event, TurnDone
from tutor.engine.fallback import FROM_LESSON_MARK, GIVES_AWAY
from tutor.facts import Facts, check_claims

STEPS = [s.prompt for s in load_pack().steps]
TEAM = (
    "We're 3 people building an LLM customer-support bot on top of a hosted model API. "
    "Priya is our backend dev, Tomás is the PM, and I'm a data analyst."
)


@pytest.fixture(params=list(WEAK_MODELS))
def shape(request: pytest.FixtureRequest) -> str:
    return request.param


# An unknown name is taken as capable (tools offered, tool results as tool messages); the
# 1.5B's family gets no tools, its results as text, and a brief ask (prompts/models.toml).
@pytest.fixture(params=["m", "qwen2.5-coder-1.5b"])
async def session(shape: str, request: pytest.FixtureRequest) -> AsyncIterator[TutorSession]:
    with FakeOpenAI(WEAK_MODELS[shape]) as fake:
        backend = OpenAICompatBackend(
            model=request.param, api_key="k", base_url=fake.base_url, timeout=10, max_retries=0
        )
        yield TutorSession(backend)
        await backend.aclose()


async def say(session: TutorSession, text: str) -> str:
    """What the learner reads as the tutor's answer (support.shown)."""
    events: list[Event] = [e async for e in session.send(text)]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.status == "complete", done
    return shown(done.text)


def assert_sound(shown: str, learner: str, facts: Facts) -> None:
    """No echo, no stray question as the whole answer; the lesson's answer, put on top of the
    weak model's words, makes no wrong claim (the app's own tables are facts already)."""
    words = " ".join(shown.split())
    assert words and words != " ".join(learner.split())
    assert "Note from the tutor app" not in shown and "try-it prompts yet" not in shown
    assert words != STRAY_QUESTION
    if FROM_LESSON_MARK not in shown:  # the app's answer from the plan, with its table
        assert owners(shown), shown
        return
    lesson = shown.split(FROM_LESSON_MARK, 1)[1].split("\n", 1)[1]
    assert check_claims(lesson, facts, lexicon()) == [], lesson


async def test_the_three_steps_reach_the_learner_correct_with_any_weak_model(
    session: TutorSession,
) -> None:
    first = await say(session, STEPS[0])
    assert session.guided_step == 1
    assert_sound(first, STEPS[0], Facts())
    for role in ("Data scientists", "Data engineers", "ML engineers", "SRE"):
        assert role in first
    second = await say(session, STEPS[1])
    assert session.guided_step == 2
    assert run_handoff_demo().strip() in second  # the demo's real output, shown by the app
    assert "What the output shows" in second or "full" in second.lower()
    assert_sound(second, STEPS[1], Facts(demo_output=run_handoff_demo()))
    third = await say(session, STEPS[2])
    assert session.guided_step == 3
    assert "on-call" in third.lower() and owners(third) and all(owners(third))
    assert_sound(third, STEPS[2], Facts())


async def test_a_described_team_and_its_follow_ups_are_right_with_any_weak_model(
    session: TutorSession,
) -> None:
    table = await say(session, TEAM)
    assert "Priya" in table and "Tomás" in table and "| Owner" in table
    left = await say(session, "Tomás is leaving, what changes?")
    assert_sound(left, "Tomás is leaving, what changes?", Facts())
    assert owners(left) and not any("Tomás" in owner for owner in owners(left))
    assert left.count("| Stage |") == 1  # the plan's table once, not again under the fallback
    paged = await say(session, "Who gets paged at 3am now?")
    assert_sound(paged, "Who gets paged at 3am now?", Facts())
    assert "Priya owns on-call" in paged


async def test_a_team_described_after_step_3_replaces_the_assumed_one() -> None:
    with FakeOpenAI(WEAK_MODELS["stray question"]) as fake:
        backend = OpenAICompatBackend(
            model="m", api_key="k", base_url=fake.base_url, timeout=10, max_retries=0
        )
        session = TutorSession(backend)
        for prompt in STEPS:
            await say(session, prompt)
        table = await say(session, TEAM)
        await backend.aclose()
    assert "I read your team as: Priya" in table and "Person 3" not in table


async def test_a_model_that_gives_the_open_questions_answer_away_is_put_under_the_lesson() -> None:
    """Measured on Qwen2.5-Coder-1.5B after a wrong answer: "The correct answer is …" under the
    hint. The quiz's own grader, reading the reply as an answer, finds it right: the reply
    fails the checks, and the learner's next try still counts."""
    with FakeOpenAI(gives_away) as fake:
        backend = OpenAICompatBackend(
            model="m", api_key="k", base_url=fake.base_url, timeout=10, max_retries=0
        )
        session = TutorSession(backend)
        await say(session, "/quiz")
        waiting = session.conversation.open_question
        assert waiting is not None and waiting.kind == "quiz"
        shown = await say(session, "Maybe the data scientist does all of it.")
        await backend.aclose()
    assert FROM_LESSON_MARK in shown and GIVES_AWAY in shown
    assert session.conversation.open_question == waiting  # still the learner's to answer
