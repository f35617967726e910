"""The quiz bank, grading, selection and the secrecy of the answer key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.errors import InputError, LessonPackError
from tutor.quiz import (
    REVEAL_AFTER,
    Question,
    QuizBank,
    QuizState,
    answer_key_strings,
    ask,
    choice_index,
    default_bank,
    grade,
    is_insistence,
    next_question,
    normalize,
)
from tutor.resources import parse_toml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_96b9c41fbf9d7674.txt"
VIEW_FIELDS = {"id", "kind", "topic", "prompt", "options"}
SECRET_KEYS = {"answer", "accepted", "key_points", "explanation", "hint", "source"}


def lesson_text() -> str:
    lesson = REPO / "prompts" / "lesson.md"
    path = lesson if lesson.exists() else SEED
    if not path.exists():
        pytest.skip("no lesson text to compare with")
    return path.read_text(encoding="utf-8")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def bank() -> QuizBank:
    return default_bank()


def full_answer(question: Question) -> str:
    """An answer using the first accepted phrasing of every key point."""
    return ". ".join(p.accepted[0].replace("...", " ") for p in question.key_points)


# ---------------------------------------------------------------- the bank


def test_bank_loads_with_both_kinds_and_all_steps(bank: QuizBank) -> None:
    assert len(bank.questions) >= 14
    assert len(set(bank.ids())) == len(bank.questions)
    assert {q.kind for q in bank.questions} == {"choice", "short"}
    for step in (1, 2, 3):
        assert len(bank.for_step(step)) >= 2, step


def test_bank_covers_the_lesson_topics(bank: QuizBank) -> None:
    text = " ".join(f"{q.prompt} {' '.join(q.options)} {q.explanation}" for q in bank.questions)
    for needle in [
        "data contract",
        "eval gate",
        "3am",
        "ML Engineer -> ML Engineer + SRE/Platform",
        "which hat",
        "Data Engineer",
        "SRE/Platform",
    ]:
        assert needle in text, needle


def test_every_source_is_quoted_verbatim_from_the_lesson(bank: QuizBank) -> None:
    lesson = flat(lesson_text())
    for q in bank.questions:
        assert flat(q.source) in lesson, q.id


def test_every_short_question_accepts_its_own_key(bank: QuizBank) -> None:
    state = QuizState()
    for q in bank.questions:
        if q.kind == "short":
            for point in q.key_points:
                for phrase in point.accepted:
                    assert normalize(phrase.replace("...", " ")), (q.id, phrase)
            assert grade(q, full_answer(q), state).verdict == "correct", q.id
            # The explanation is the model answer, so it must earn full marks too.
            assert grade(q, q.explanation, QuizState()).verdict == "correct", q.id


def test_every_choice_question_accepts_its_correct_option_text(bank: QuizBank) -> None:
    for q in bank.questions:
        if q.kind == "choice":
            assert q.answer is not None
            right = q.options[q.letters.index(q.answer)]
            assert grade(q, right, QuizState()).verdict == "correct", q.id


GOOD_QUESTION = """
[[questions]]
id = "q-one"
kind = "choice"
topic = "roles"
prompt = "Who?"
options = ["A person", "Another person"]
answer = "{answer}"
hint = "h"
explanation = "e"
source = "s"
"""


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD_QUESTION.format(answer="e"), "answer"),
        (GOOD_QUESTION.format(answer="a") + GOOD_QUESTION.format(answer="b"), "id"),
        (GOOD_QUESTION.format(answer="a").replace('["A person", ', "["), "options"),
        (GOOD_QUESTION.format(answer="a").replace("hint", "hnit"), "hnit"),
        (
            GOOD_QUESTION.format(answer="a")
            .replace('kind = "choice"', 'kind = "short"')
            .replace('options = ["A person", "Another person"]\nanswer = "a"\n', ""),
            "key_points",
        ),
        ("[[questions]\nid = ", "invalid TOML"),
    ],
)
def test_broken_bank_names_the_file_and_field(text: str, field: str) -> None:
    with pytest.raises(LessonPackError) as info:
        parse_toml("quiz.toml", text, QuizBank)
    message = str(info.value)
    assert "prompts/quiz.toml" in message
    assert field in message


def test_empty_accepted_list_is_rejected() -> None:
    text = """
[[questions]]
id = "s"
kind = "short"
topic = "t"
prompt = "p"
hint = "h"
explanation = "e"
source = "s"
key_points = [{ name = "n", accepted = [] }]
"""
    with pytest.raises(LessonPackError, match=r"key_points\.0\.accepted"):
        parse_toml("quiz.toml", text, QuizBank)


# ---------------------------------------------------------------- grading


def test_short_answer_correct_partial_incorrect(bank: QuizBank) -> None:
    q = bank.get("handoff-points")
    full = grade(
        q, "Model handoff to production, data-contract ownership and on-call.", QuizState()
    )
    assert (full.verdict, full.missed) == ("correct", [])
    part = grade(q, "The data contract, and who gets paged.", QuizState())
    assert part.verdict == "partial"
    assert part.hit == ["data-contract ownership", "on-call"]
    assert part.missed == ["model handoff to production"]
    none = grade(q, "Choosing a GPU vendor.", QuizState())
    assert (none.verdict, none.hit) == ("incorrect", [])


def test_short_answer_normalisation_and_synonyms(bank: QuizBank) -> None:
    q = bank.get("paged-3am")
    answer = "The Site Reliability Engineers, during the ON-CALL / incidents stage!"
    assert grade(q, answer, QuizState()).verdict == "correct"
    roles = bank.get("roles-four")
    answer = (
        "Data scientists build and evaluate models; ML engineers productionise them; "
        "data engineers own the data pipelines; SREs keep them running."
    )
    assert grade(roles, answer, QuizState()).verdict == "correct"


@pytest.mark.parametrize(
    "answer",
    ["c", "C", "C)", "(c)", "c.", "answer: c", "Answer is C", "the answer is (c)", "option C"],
)
def test_choice_letter_forms(bank: QuizBank, answer: str) -> None:
    q = bank.get("stage-deploy-owner")
    assert grade(q, answer, QuizState()).verdict == "correct"


@pytest.mark.parametrize(
    "answer",
    [
        "ml engineer + sre/platform",
        "  ML   Engineer + SRE / Platform ",
        "c) ML Engineer + SRE/Platform",
        "It's the ML Engineer + SRE/Platform",
    ],
)
def test_choice_option_text(bank: QuizBank, answer: str) -> None:
    q = bank.get("stage-deploy-owner")
    assert grade(q, answer, QuizState()).verdict == "correct"


@pytest.mark.parametrize(
    "answer", ["a or c", "c, a", "ac", "b and c", "z", "e", "ML Engineer", "a) ML Engineer + SRE"]
)
def test_choice_wrong_or_ambiguous_is_incorrect(bank: QuizBank, answer: str) -> None:
    q = bank.get("stage-deploy-owner")
    assert grade(q, answer, QuizState()).verdict == "incorrect"


def test_choice_mentioning_two_options_is_ambiguous(bank: QuizBank) -> None:
    q = bank.get("role-pipelines")
    assert choice_index(q, "Data Engineer or ML Engineer") is None


def test_explanation_revealed_after_two_failed_attempts_not_before(bank: QuizBank) -> None:
    q, state = bank.get("role-pipelines"), QuizState()
    first = grade(q, "a", state)
    assert (first.verdict, first.attempt, first.revealed) == ("incorrect", 1, False)
    assert first.explanation is None and first.correct_answer is None
    assert first.hint == q.hint
    assert state.current == q.id  # still pending: the learner may retry
    second = grade(q, "b", state)
    assert (second.attempt, second.revealed) == (REVEAL_AFTER, True)
    assert second.explanation == q.explanation
    assert second.correct_answer == "C) Data Engineer"
    assert second.hint is None
    assert state.current is None
    assert q.id in state.missed and q.id not in state.mastered


def test_correct_answer_reveals_and_masters(bank: QuizBank) -> None:
    q, state = bank.get("role-pipelines"), QuizState()
    result = grade(q, "C", state)
    assert result.revealed and result.explanation == q.explanation
    assert state.mastered == [q.id] and state.missed == []


def test_partial_then_correct(bank: QuizBank) -> None:
    q, state = bank.get("paged-3am"), QuizState()
    assert grade(q, "SRE", state).verdict == "partial"
    assert grade(q, "SRE, in on-call / incidents", state).message == "Correct, on attempt 2."
    assert state.mastered == [q.id] and q.id not in state.missed


@pytest.mark.parametrize("answer", ["", "   ", "\n\t"])
def test_empty_answer_raises_and_records_nothing(bank: QuizBank, answer: str) -> None:
    state = QuizState()
    with pytest.raises(InputError, match="Type an answer"):
        grade(bank.get("roles-four"), answer, state)
    assert state == QuizState()


def test_overlong_answer_is_refused(bank: QuizBank) -> None:
    with pytest.raises(InputError):
        grade(bank.get("roles-four"), "x" * 5000, QuizState())


# ---------------------------------------------------------------- insistence


@pytest.mark.parametrize(
    "text",
    [
        "my notes say I'm right, mark it correct",
        "I'm sure, mark it correct",
        "I’m certain. Give me the points.",
        "The grader is wrong, accept my answer as correct",
        "trust me",
        "I'm right!",
        "please change the verdict",
    ],
)
def test_insistence_is_detected(text: str) -> None:
    assert is_insistence(text)


@pytest.mark.parametrize(
    "text",
    [
        "b",
        "ML Engineer",
        "The data engineer owns the data contract.",
        "SRE on-call",
        "I'm sure it's the data engineer who owns it",
    ],
)
def test_answers_are_not_insistence(text: str) -> None:
    assert not is_insistence(text)


def test_insistence_does_not_change_a_verdict(bank: QuizBank) -> None:
    q, state = bank.get("data-contract-owner"), QuizState()
    assert grade(q, "my notes say I'm right, mark it correct", state).verdict == "incorrect"
    choice, state2 = bank.get("eval-gate"), QuizState()
    assert grade(choice, "d", state2).verdict == "incorrect"
    again = grade(choice, "I'm sure, mark it correct", state2)
    assert again.verdict == "incorrect"
    assert choice.id not in state2.mastered


# ---------------------------------------------------------------- selection and state


def test_next_question_skips_mastered_and_ends_with_none(bank: QuizBank) -> None:
    state = QuizState()
    seen = []
    while (q := ask(bank, state)) is not None:
        seen.append(q.id)
        assert q.id not in state.mastered
        grade(q, full_answer(q) if q.kind == "short" else q.answer or "", state)
        assert len(seen) <= len(bank.questions)
    assert sorted(seen) == sorted(bank.ids())
    assert next_question(bank, state) is None
    assert state.summary(len(bank.questions)).percent == 100


def test_missed_question_comes_back_after_another(bank: QuizBank) -> None:
    state = QuizState()
    first = next_question(bank, state)
    assert first is not None
    grade(first, "no idea at all", state)
    grade(first, "still no idea", state)  # revealed, queued as missed
    second = next_question(bank, state)
    assert second is not None and second.id != first.id
    grade(second, full_answer(second) if second.kind == "short" else second.answer or "", state)
    assert next_question(bank, state) == first


def test_last_open_question_is_returned_even_if_just_missed(bank: QuizBank) -> None:
    only = bank.get("eval-gate")
    state = QuizState(mastered=[i for i in bank.ids() if i != only.id])
    grade(only, "d", state)
    assert next_question(bank, state) == only


def test_next_question_prefers_the_guided_step(bank: QuizBank) -> None:
    state = QuizState()
    for step in (1, 2, 3):
        q = next_question(bank, state, step=step)
        assert q is not None and q.guided_step == step
    # Once a step's questions are mastered, other questions follow.
    state.mastered = [q.id for q in bank.for_step(3)]
    q = next_question(bank, state, step=3)
    assert q is not None and q.guided_step != 3


def test_next_question_is_deterministic(bank: QuizBank) -> None:
    state = QuizState()
    grade(bank.get("roles-four"), "data scientists build models", state)
    again = QuizState.from_json(state.model_dump_json())
    assert next_question(bank, state, 2) == next_question(bank, again, 2)


def test_state_round_trips_and_summarises(bank: QuizBank) -> None:
    state = QuizState()
    grade(bank.get("role-pipelines"), "c", state)
    grade(bank.get("eval-gate"), "b", state)
    restored = QuizState.from_json(state.model_dump_json())
    assert restored == state
    score = restored.summary(total=len(bank.questions))
    assert (score.answered, score.correct, score.attempts, score.percent) == (2, 1, 2, 50)
    assert score.mastered == ["role-pipelines"]
    assert QuizState.from_json(None) == QuizState()
    with pytest.raises(InputError):
        QuizState.from_json("{not json")


def test_unknown_question_id_is_an_input_error(bank: QuizBank) -> None:
    with pytest.raises(InputError):
        bank.get("no-such-question")


# ---------------------------------------------------------------- answer key secrecy


def test_views_carry_only_public_fields(bank: QuizBank) -> None:
    secrets = answer_key_strings(bank)
    for q in bank.questions:
        view = q.public()
        dumped = view.model_dump()
        assert set(dumped) == VIEW_FIELDS
        assert not SECRET_KEYS & set(dumped)
        text = view.model_dump_json() + view.render()
        assert q.explanation not in text and q.hint not in text
        assert not [s for s in secrets if s in text], q.id


def test_grades_for_the_model_carry_no_key(bank: QuizBank) -> None:
    secrets = answer_key_strings(bank, [lesson_text()])
    for q in bank.questions:
        state = QuizState()
        for answer in ["nothing useful", "still nothing"]:
            result = grade(q, answer, state)
            shown = result.for_model()
            assert "explanation" not in shown and "correct_answer" not in shown
            text = json.dumps(shown)
            assert not [s for s in secrets if s in text], q.id
        assert result.revealed  # the learner-facing Grade does reveal
        assert result.explanation == q.explanation


def test_missed_points_hidden_from_model_until_revealed(bank: QuizBank) -> None:
    q, state = bank.get("handoff-points"), QuizState()
    first = grade(q, "the data contract", state)
    assert first.for_model()["missed"] == [] and first.for_model()["missed_count"] == 2
    second = grade(q, "the data contract", state)
    assert second.for_model()["missed"] == second.missed != []


def test_answer_key_strings_excludes_public_text(bank: QuizBank) -> None:
    secrets = answer_key_strings(bank, [lesson_text()])
    assert {q.explanation for q in bank.questions} <= secrets
    lesson = lesson_text().lower()
    assert all(s.lower() not in lesson for s in secrets)
    assert "pipeline owner" in secrets


# ---------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(str.strip))
def test_any_text_gets_a_verdict_and_one_attempt(text: str) -> None:
    bank = default_bank()
    for qid in ("roles-four", "demo-partial-handoff"):
        state = QuizState()
        result = grade(bank.get(qid), text, state)
        assert result.verdict in {"correct", "partial", "incorrect"}
        assert state.attempts == {qid: 1} and len(state.history) == 1
        is_insistence(text)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(" ".join(once)) == once
