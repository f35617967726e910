"""An honest quiz (issue 22), end to end: questions stay questions, the right question is
graded, no answer comes before an attempt, the score tells the truth, "I don't know" once
shows the answer, and questions are spaced — offline and with a model (FunctionBackend).

The labelled sets: tests/data/independent/open_question.toml (written apart from the code,
scored first) and tests/data/open_question.toml (written with it). `python -m
tests.open_question_score` prints their tables.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from support.function_backend import FunctionBackend, Scripted, script

from tests.open_question_score import FILES, cases, questions_graded, report, score
from tutor.backends.context import OpenQuestion
from tutor.backends.offline import OfflineBackend
from tutor.content.pack import intake_reader, lexicon, quiz_bank
from tutor.engine import TutorSession
from tutor.engine.conversation import DialogueState
from tutor.engine.events import TextDelta, ToolFinished
from tutor.engine.progress import progress_markdown, quiz_summary
from tutor.quiz import SPACING, states_the_answer
from tutor.store import Store
from tutor.tools.registry import ALLOCATE, ASK, DEMO, GRADE
from tutor.web.sidebar import progress_html

BANK = quiz_bank()


async def turn(session: TutorSession, text: str) -> tuple[str, list[ToolFinished]]:
    events = [e async for e in session.send(text)]
    said = "".join(e.text for e in events if isinstance(e, TextDelta))
    return said, [e for e in events if isinstance(e, ToolFinished)]


def grades(tools: list[ToolFinished]) -> list[dict]:
    return [json.loads(t.output) for t in tools if t.name == GRADE]


def with_check(session: TutorSession, question_id: str) -> TutorSession:
    session.conversation.dialogue = DialogueState(
        open_check=OpenQuestion(kind="check", id=question_id)
    )
    return session


@pytest.fixture
def session(tmp_path) -> TutorSession:
    return TutorSession(OfflineBackend(), store=Store(tmp_path / "t.db"))


# ---------------------------------------------------------------- the labelled sets


def test_the_reader_classifies_95_percent_of_each_labelled_set_and_no_question_as_an_answer():
    reader, totals = intake_reader(), Counter()
    for name in FILES:
        rows = cases(name)
        got = [(c["kind"], reader.read(BANK.get(c["question"]), c["message"]).kind) for c in rows]
        right = sum(a == b for a, b in got)
        totals["right"] += right
        totals["all"] += len(rows)
        assert right >= 0.95 * len(rows), (name, [(c, g) for c, g in got if c != g])
        assert ("question", "answer") not in got, name
    assert totals["all"] >= 150
    assert totals["right"] >= 0.95 * totals["all"]


@pytest.mark.parametrize("how", ["quiz", "check"])
@pytest.mark.parametrize("name", list(FILES))
def test_end_to_end_95_percent_and_no_question_graded(name: str, how: str) -> None:
    results = score(name, how)
    right = sum(r.right for r in results)
    assert right >= 0.95 * len(results), report(results, name)
    assert questions_graded(results) == [], report(results, name)
    stays = [r for r in results if r.case["kind"] in ("question", "remark", "pushback")]
    assert all(r.still_open for r in stays), [r.case for r in stays if not r.still_open]


# ---------------------------------------------------------------- 1. questions stay questions


async def test_a_question_during_a_quick_check_is_answered_and_the_check_stays_open(
    session,
) -> None:
    await turn(session, "/next")  # step 1 ends with its quick check (paged-3am)
    assert session.conversation.open_question == OpenQuestion(kind="check", id="paged-3am")
    text, tools = await turn(session, "and what is a handoff?")
    assert grades(tools) == [] and "Incorrect" not in text
    assert "handoff" in text.lower() and text.rstrip().endswith("_")  # the waiting line
    assert "still waiting" in text.splitlines()[-1]
    assert session.conversation.open_question == OpenQuestion(kind="check", id="paged-3am")
    assert session.progress_report().answered == 0
    text, tools = await turn(session, "SRE/Platform, in on-call / incidents")
    assert [g["verdict"] for g in grades(tools)] == ["correct"]


@pytest.mark.parametrize(
    "said",
    [
        "so if two stages in a row had the same owner it would print fewer?",
        "Isn't that backwards?",
        "and that handoff is the 'data contract' thing?",
    ],
)
async def test_remarks_and_questions_from_the_issue_get_no_verdict(session, said: str) -> None:
    session.conversation.quiz.current = "demo-handoff-count"
    text, tools = await turn(session, said)
    assert grades(tools) == [] and "still waiting" in text
    assert session.quiz_state.current == "demo-handoff-count"
    assert session.quiz_state.attempts == {}


# ---------------------------------------------------------------- 2. the right question


async def test_step_two_s_quick_check_is_graded_against_its_own_question(session) -> None:
    await turn(session, "/next")
    await turn(session, "/next")  # the demo, ending with the handoff-points check
    assert session.conversation.open_question == OpenQuestion(kind="check", id="handoff-points")
    _, tools = await turn(session, "model handoff to production, data contract ownership, on-call")
    assert [g["question_id"] for g in grades(tools)] == ["handoff-points"]
    assert grades(tools)[0]["verdict"] == "correct"


# ---------------------------------------------------------------- 3. no answer before an attempt


@pytest.mark.parametrize(
    "said",
    [
        "Quiz me on the demo: ask me what the risky handoffs are. No peeking.",
        "quiz me on the third try-it",
        "quiz me on who owns which stage. don't give me the answers",
        "quiz me on the 3am thing",
    ],
)
async def test_a_quiz_asked_in_words_asks_and_shows_no_answer(session, said: str) -> None:
    text, tools = await turn(session, said)
    assert [t.name for t in tools] == [ASK]  # no demo, no planner, no decline
    question = BANK.get(session.quiz_state.current or "")
    assert question.explanation not in text and "Explanation" not in text
    assert not states_the_answer(lexicon(), question, text)
    assert "can't share" not in text  # never read as an injection attempt


async def test_quiz_me_on_the_3am_thing_picks_a_question_about_it(session) -> None:
    await turn(session, "quiz me on the 3am thing")
    question = BANK.get(session.quiz_state.current or "")
    assert "3am" in " ".join((question.prompt, *question.options))


def test_no_hint_states_its_question_s_answer() -> None:
    assert [q.id for q in BANK.questions if states_the_answer(lexicon(), q, q.hint)] == []


async def test_a_hint_keeps_the_question_open_and_uses_no_attempt(session) -> None:
    session.conversation.quiz.current = "paged-3am"
    text, tools = await turn(session, "give me a hint")
    assert BANK.get("paged-3am").hint in text and tools == []
    assert session.quiz_state.current == "paged-3am" and session.quiz_state.attempts == {}


# ---------------------------------------------------------------- 4. a score that tells the truth


async def test_partial_partial_wrong_right_scores_not_known_with_four_attempts(session) -> None:
    session.conversation.quiz.current = "paged-3am"
    verdicts = []
    for said in ("the SRE", "SRE, I think"):
        _, tools = await turn(session, said)
        verdicts += [g["verdict"] for g in grades(tools)]
    assert session.quiz_state.current is None  # used up: the answer was shown
    for said in ("the data scientist", "SRE/Platform, in on-call / incidents"):
        session.conversation.quiz.current = "paged-3am"  # and again, after the miss
        _, tools = await turn(session, said)
        verdicts += [g["verdict"] for g in grades(tools)]
    assert verdicts == ["partial", "partial", "incorrect", "correct"]
    report = session.progress_report()
    assert (report.correct, report.answered, report.attempts) == (0, 1, 4)
    assert quiz_summary(report).startswith("0 right on the first try of 1 answered (0%); 4 ")


async def test_reveal_then_pick_counts_as_not_known(session) -> None:
    session.conversation.quiz.current = "role-pipelines"
    text, _ = await turn(session, "I don't know")
    assert "Explanation" in text  # once is enough
    session.conversation.quiz.current = "role-pipelines"
    _, tools = await turn(session, "c")
    assert [g["verdict"] for g in grades(tools)] == ["correct"]
    session.conversation.quiz.current = "role-productionize"
    await turn(session, "b")
    report = session.progress_report()
    assert (report.correct, report.answered, report.revealed) == (1, 2, 1)
    line = quiz_summary(report)
    progress, _ = await turn(session, "/progress")
    assert line in progress and line in session.export_markdown()
    assert line.replace("'", "&#x27;") in progress_html(session)
    assert line in progress_markdown(report)


# ---------------------------------------------------------------- 5. "I don't know" once


@pytest.mark.parametrize("said", ["I don't know", "no idea", "skip", "just show me the answer"])
async def test_i_dont_know_once_shows_the_answer_with_its_explanation(session, said) -> None:
    session.conversation.quiz.current = "data-contract-owner"
    text, tools = await turn(session, said)
    assert grades(tools)[0]["revealed"] and BANK.get("data-contract-owner").explanation in text
    assert session.quiz_state.current is None and session.quiz_state.attempts == {}


# ---------------------------------------------------------------- 6. spacing


async def test_a_revealed_question_comes_back_after_three_others_and_the_count_is_shown(
    session,
) -> None:
    asked = []
    for _ in range(8):
        text, _ = await turn(session, "/quiz")
        asked.append(session.quiz_state.current)
        assert "not yet mastered" in text  # how many are left
        await turn(session, "I don't know")
    for i, qid in enumerate(asked):
        before = asked[:i]
        if qid in before:
            last = len(before) - 1 - before[::-1].index(qid)
            assert len(set(asked[last + 1 : i])) >= SPACING, asked
            topic = BANK.get(qid).topic
            unasked = [q.id for q in BANK.questions if q.topic == topic and q.id not in before]
            assert unasked == [], (qid, unasked)


# ---------------------------------------------------------------- 7. with a model


def quiet_model() -> FunctionBackend:
    """A model that only talks (never calls a tool): what the engine decides is visible."""
    return FunctionBackend(script(Scripted("Here is my reply.")))


async def test_with_a_model_the_engine_grades_answers_and_only_answers() -> None:
    backend = quiet_model()
    session = TutorSession(backend)
    session.conversation.quiz.current = "paged-3am"
    _, tools = await turn(session, "what does SRE stand for")
    assert tools == [] and session.quiz_state.current == "paged-3am"
    context = backend.contexts[-1]
    assert context is not None and context.reading.while_open == "question"
    note = backend.requests[-1][-1].text
    assert "do not call grade_quiz_answer" in note and "still waiting" in note
    _, tools = await turn(session, "SRE/Platform, in on-call / incidents")
    assert [t.name for t in tools] == [GRADE]  # the engine ran the grader itself
    assert grades(tools)[0]["verdict"] == "correct"
    sent = " ".join(m.text for request in backend.requests for m in request)
    assert BANK.get("paged-3am").explanation not in sent  # the key never reaches the model


async def test_a_model_that_grades_a_question_anyway_is_refused_and_no_attempt_is_used() -> None:
    grading = Scripted(
        tool_calls=[(GRADE, '{"question_id": "paged-3am", "answer": "what does SRE stand for"}')]
    )
    backend = FunctionBackend(script(grading, Scripted("SRE means site reliability engineering.")))
    session = TutorSession(backend)
    session.conversation.quiz.current = "paged-3am"
    _, tools = await turn(session, "what does SRE stand for")
    assert [t.name for t in tools] == [GRADE] and not tools[0].ok  # refused, said why
    assert session.quiz_state.current == "paged-3am"  # still open
    assert session.quiz_state.summary().answered == 0  # no attempt used


async def test_with_a_model_a_quick_check_stays_open_through_a_question() -> None:
    session = with_check(TutorSession(quiet_model()), "handoff-points")
    await turn(session, "and what exactly is a handoff?")
    assert session.conversation.open_question == OpenQuestion(kind="check", id="handoff-points")
    _, tools = await turn(session, "model handoff to production, data contracts, on-call")
    assert [g["question_id"] for g in grades(tools)] == ["handoff-points"]


async def test_with_a_model_a_quiz_in_words_is_asked_by_the_engine_without_the_model() -> None:
    backend = quiet_model()
    session = TutorSession(backend)
    text, tools = await turn(session, "Quiz me on the demo: ask me what the risky handoffs are.")
    assert [t.name for t in tools] == [ASK] and backend.requests == []
    assert DEMO not in [t.name for t in tools] and ALLOCATE not in [t.name for t in tools]
    assert "Here is my reply" not in text


@pytest.mark.parametrize(
    ("question_id", "text", "kind"),
    [
        ("roles-four", "5", "answer"),
        ("small-team-hats", "the ml engineer", "answer"),
        ("paged-3am", "the sre", "answer"),
        ("paged-3am", "say more about the platform part", "request"),
        ("roles-four", "can u make that shorter", "request"),
        ("roles-four", "ok", "remark"),
        ("small-team-hats", "what does the ml engineer do?", "question"),
        ("paged-3am", "so product owns the metrics?", "question"),
        ("handoff-points", "maybe training, deploying and monitoring?", "answer"),
    ],
)
def test_a_bare_fragment_is_an_answer_and_a_follow_up_is_not(
    question_id: str, text: str, kind: str
) -> None:
    """ "5" or "the ml engineer" with a question open is an attempt at it (graded, wrong when
    wrong), not a lesson question answered beside it; "say more about X" asks for more and
    is never graded; a question of the learner's own stays a question."""
    question = quiz_bank().get(question_id)
    assert intake_reader().read(question, text).kind == kind
