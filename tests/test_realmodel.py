"""The tutor on a real local model (llama.cpp's llama-server with a small Qwen, see
../shared/realmodel/README.md): the three try-it prompts and one quiz exchange stay grounded,
and on the 1.5B what the learner sees of the three steps and two follow-ups is right.

Run with the server up (`../shared/realmodel/serve.sh 0.5b 8081`):

    python -m pytest -m realmodel tests/test_realmodel.py

The 1.5B test needs that model (`serve.sh 1.5b 8081`, REALMODEL_MODEL=qwen2.5-coder-1.5b).

REALMODEL_BASE_URL / REALMODEL_MODEL point elsewhere (default http://127.0.0.1:8081/v1,
qwen2.5-coder-0.5b). Skipped, with the reason, when no server answers. Slow: tens of seconds
per answer on two cores; the server serves one request at a time.
"""

from __future__ import annotations

import os

import httpx
import pytest
from support.shown import STRAY_QUESTION, only_questions, owners, shown

from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.content.pack import lexicon, load_pack
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine import Limits, TutorSession
from tutor.engine.events import Event, LessonFallback, Notice, TextDelta, TurnDone
from tutor.facts import Facts, check_claims

BASE_URL = os.environ.get("REALMODEL_BASE_URL", "http://127.0.0.1:8081/v1")
MODEL = os.environ.get("REALMODEL_MODEL", "qwen2.5-coder-0.5b")
RAW_CALL = ("<tool_call>", '"arguments"', '"parameters"', "</tool_call>")


def server_up() -> str | None:
    """None when the server answers, else why the tests are skipped."""
    health = BASE_URL.removesuffix("/v1") + "/health"
    try:
        response = httpx.get(health, timeout=3)
    except httpx.HTTPError as exc:
        return (
            f"no local model server at {BASE_URL} ({type(exc).__name__}); start one with "
            "../shared/realmodel/serve.sh 0.5b 8081"
        )
    if response.status_code != 200:
        return f"the local model server at {BASE_URL} is not ready (HTTP {response.status_code})"
    return None


pytestmark = [
    pytest.mark.realmodel,
    pytest.mark.slow,
    pytest.mark.skipif(server_up() is not None, reason=server_up() or ""),
]


@pytest.fixture(autouse=True)
def _asked_for(request: pytest.FixtureRequest) -> None:
    """Only when asked (`-m realmodel`): the default suite stays fast and offline."""
    if "realmodel" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real-model tests run only when asked: pytest -m realmodel")


def real_session() -> TutorSession:
    backend = OpenAICompatBackend(
        model=MODEL,
        api_key="not-needed",
        base_url=BASE_URL,
        timeout=600,
        max_retries=0,
        max_tokens=200,
    )
    # Generous bounds: on two shared cores a 0.5B model writes a few tokens a second.
    return TutorSession(backend, limits=Limits(answer_timeout=1200, max_tool_rounds=2))


async def turn(session: TutorSession, text: str) -> tuple[TurnDone, list[Notice]]:
    events: list[Event] = [e async for e in session.send(text)]
    done = events[-1]
    assert isinstance(done, TurnDone)
    notices = [e for e in events if isinstance(e, Notice)]
    assert not [n for n in notices if n.kind == "bad_request"], notices  # no refused request
    assert not any(raw in done.text for raw in RAW_CALL), done.text
    return done, notices


async def test_the_three_try_it_prompts_are_grounded_on_a_real_model() -> None:
    session = real_session()
    steps = load_pack().steps
    first, _ = await turn(session, "/next")
    assert first.status in ("complete", "cut_off") and first.text.strip()
    second, _ = await turn(session, "/next" if session.guided_step == 1 else steps[1].prompt)
    assert run_handoff_demo().strip() in second.text  # the demo's real output, by the app
    third, _ = await turn(session, "/next" if session.guided_step == 2 else steps[2].prompt)
    table = third.text.lower()
    assert "| stage | responsibility | owner" in table
    assert "on-call" in table and "unowned" not in table.split("| stage |", 1)[1][:50]
    await session.backend.aclose()


async def test_one_quiz_exchange_is_graded_on_a_real_model() -> None:
    session = real_session()
    asked, _ = await turn(session, "/quiz")
    assert "**Question**" in asked.text and session.quiz_state.current
    answered, _ = await turn(session, "The SRE/platform engineer gets paged.")
    assert answered.text.strip()
    await session.backend.aclose()


async def seen(session: TutorSession, text: str) -> tuple[str, str, bool]:
    """(what the learner reads on top, the model's own words, whether the lesson's answer
    replaced them)."""
    events: list[Event] = [e async for e in session.send(text)]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.status in ("complete", "cut_off"), done
    assert not any(raw in done.text for raw in RAW_CALL), done.text
    words = "".join(e.text for e in events if isinstance(e, TextDelta) and e.source == "model")
    return shown(done.text), words, any(isinstance(e, LessonFallback) for e in events)


def assert_sound(top: str, words: str, replaced: bool, learner: str, facts: Facts) -> None:
    """No echo, no stray question as the whole answer, and the answer right: the lesson's,
    or the model's own words with no claim the fact checker finds wrong."""
    assert " ".join(top.split()) != " ".join(learner.split()), top
    assert not only_questions(top) and STRAY_QUESTION not in top, top
    assert "Note from the tutor app" not in top
    if not replaced:
        assert check_claims(words, facts, lexicon()) == [], words


@pytest.mark.skipif("1.5b" not in MODEL.lower(), reason="needs the 1.5B: REALMODEL_MODEL=...1.5b")
async def test_the_steps_and_two_follow_ups_read_right_on_the_1_5b() -> None:
    session = real_session()
    steps = [s.prompt for s in load_pack().steps]
    top, words, replaced = await seen(session, steps[0])
    assert session.guided_step == 1
    assert_sound(top, words, replaced, steps[0], Facts())
    for role in ("data scientist", "data engineer", "ml engineer", "sre"):
        assert role in top.lower(), top
    top, words, replaced = await seen(session, steps[1])
    assert session.guided_step == 2
    demo = run_handoff_demo()
    assert demo.strip() in top and "partial" in top.lower()
    assert_sound(top, words, replaced, steps[1], Facts(demo_output=demo))
    top, words, replaced = await seen(session, steps[2])
    assert session.guided_step == 3
    assert owners(top) and all(owners(top)) and "on-call" in top.lower()
    follow = "Person 3 is leaving, what changes?"
    top, words, replaced = await seen(session, follow)
    assert owners(top) and not any("Person 3" in owner for owner in owners(top)), top
    assert_sound(top, words, replaced, follow, Facts())
    follow = "Who gets paged at 3am now?"
    top, words, replaced = await seen(session, follow)
    # The plan's on-call owner, by name: the plan's own sentence, or the model's words for it.
    assert "Person 2" in top and "Person 3" not in top, top
    assert_sound(top, words, replaced, follow, Facts())
    await session.backend.aclose()
