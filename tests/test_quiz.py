"""The quiz bank, grading, selection and the secrecy of the answer key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.errors import InputError, LessonPackError
from tutor.quiz import (
    REVEAL_AFTER,
    SHOWN_TO_LEARNER,
    Clauses,
    Question,
    QuizBank,
    QuizState,
    answer_key_strings,
    ask,
    choice_index,
    default_bank,
    gives_an_answer,
    grade,
    is_insistence,
    letters_named,
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
    second = grade(q, "SRE, in on-call / incidents", state)
    assert second.verdict == "correct" and "attempt 2" in second.message
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


def test_key_point_names_never_reach_the_model_even_after_reveal(bank: QuizBank) -> None:
    q, state = bank.get("handoff-points"), QuizState()
    for attempt in (1, 2):
        result = grade(q, "the data contract", state)
        shown = result.for_model()
        assert (shown["hit_count"], shown["missed_count"]) == (1, 2)
        assert "missed" not in shown and "hit" not in shown
        text = json.dumps(shown)
        for point in q.key_points:
            assert point.name not in text, (attempt, point.name)
    assert result.revealed and result.missed  # the learner-facing grade still names them


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


# ---------------------------------------------------------------- fair grading: choice answers


def verdict(bank: QuizBank, question_id: str, answer: str) -> str:
    return grade(bank.get(question_id), answer, QuizState()).verdict


@pytest.mark.parametrize(
    "answer",
    [
        "It's B",
        "B is correct",
        "I'd say B",
        "B!",
        "b.",
        "Option B",
        "(B)",
        "B) ML Engineer",
        "B) ML engineers productionize them",
        "I'm sure it's B",
        "I’m sure it’s B",
        "I think B, because data scientists hand the model over",
        "It's a tough one, but B",
        "B — a data scientist builds it, then it moves on",
        "Is it a trick question? B",
    ],
)
def test_one_standalone_letter_is_the_choice(bank: QuizBank, answer: str) -> None:
    assert verdict(bank, "role-productionize", answer) == "correct"  # B) ML Engineer


@pytest.mark.parametrize(
    "answer",
    [
        "a",
        "A",
        "A.",
        "It's a",
        "it's A.",
        "answer a",
        "the answer is a",
        "option a",
        "(a)",
        "a)",
        "a) Data Scientist -> ML Engineer",
        "A is correct",
        "I'd go with a.",
        "A, because the model is evaluated there",
        "a because that's where evaluation happens",
        "I'm sure it's a",
    ],
)
def test_a_lone_a_is_a_letter_in_answer_like_positions(bank: QuizBank, answer: str) -> None:
    assert verdict(bank, "eval-gate", answer) == "correct"  # A) Data Scientist -> ML Engineer


@pytest.mark.parametrize(
    ("answer", "letters"),
    [
        ("a data engineer hands it over", []),
        ("It's a handoff, so d", ["d"]),
        ("d, since a model needs an owner", ["d"]),
        ("I think it is a", ["a"]),
        ("I think B", ["b"]),  # "I" is a word, and no option letter anyway
        ("a or c", ["a", "c"]),
        ("c, a", ["c", "a"]),
        ("A/B", ["a", "b"]),
        ("e.g. the eval gate, so b", ["b"]),
        ("paged at 3 a.m., so c", ["c"]),
        ("b, like an A/B test", ["b"]),
    ],
)
def test_letters_named_tells_the_article_from_the_letter(answer: str, letters: list[str]) -> None:
    assert letters_named(answer, "abcd") == letters


@pytest.mark.parametrize(
    "answer",
    ["a or b", "B, not A", "A/B", "b and c", "either b or d", "B) Data Engineer", "a) ML Engineer"],
)
def test_two_letters_or_a_letter_against_its_text_are_ambiguous(
    bank: QuizBank, answer: str
) -> None:
    assert verdict(bank, "role-productionize", answer) == "incorrect"


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("stage-deploy-owner", "ML Engineer and SRE/Platform"),
        ("stage-deploy-owner", "ml engineer & sre / platform"),
        ("stage-deploy-owner", "the ML engineer plus SRE/Platform"),
        ("stage-frame-owner", "Product and Data Scientist"),
        ("stage-frame-owner", "the product team and the data scientist"),
        ("demo-handoff-count", "five"),
        ("demo-handoff-count", "There are five risky handoffs"),
        ("eval-gate", "from the data scientist to the ML engineer"),
        ("eval-gate", "the data scientist hands it to the ML engineer"),
        ("role-productionize", "not the data engineer, the ML engineer"),
        ("small-team-hats", "know which hat they are wearing"),
        ("small-team-hats", "They still need to know which hat they're wearing"),
        ("one-person-handoffs", "They remain, as role switches"),
        ("stalled-projects", "unclear ownership between roles"),
    ],
)
def test_choice_answers_in_other_words(bank: QuizBank, question_id: str, answer: str) -> None:
    assert verdict(bank, question_id, answer) == "correct"


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("stage-deploy-owner", "ML Engineer"),
        ("stage-deploy-owner", "ML Engineer or SRE/Platform"),
        ("stage-deploy-owner", "ML Engineer, not SRE/Platform"),
        ("stage-frame-owner", "Product or the data scientist"),
        ("stage-frame-owner", "Product alone"),
        ("demo-handoff-count", "four"),
        ("eval-gate", "from the ML engineer to the data scientist"),
        ("role-productionize", "the ML engineer or the data engineer"),
        ("small-team-hats", "they don't need to know which hat they're wearing"),
        ("small-team-hats", "hire an SRE"),
        ("one-person-handoffs", "they disappear"),
    ],
)
def test_wrong_choice_answers_in_other_words(bank: QuizBank, question_id: str, answer: str) -> None:
    assert verdict(bank, question_id, answer) == "incorrect"


# ---------------------------------------------------------------- fair grading: short answers


def test_separators_number_words_and_abbreviations_normalise_alike() -> None:
    plus = normalize("ML Engineer + SRE/Platform")
    assert normalize("ML Engineer and SRE/Platform") == plus
    assert normalize("ml engineer & sre / platform") == plus
    assert normalize("Product and Data Scientist") == normalize("Product + Data Scientist")
    assert normalize("five handoffs") == normalize("5 handoffs")
    assert normalize("DS, DE and MLE") == normalize("data scientist, data engineer, ML engineer")
    assert normalize("it isn't owned") == ("it", "is", "not", "own")
    assert normalize("responsibilities") == ("responsibility",)


# Plausible correct answers, phrased the way learners write, per short question.
SHORT_RIGHT = [
    (
        "roles-four",
        "Data scientists build models, ML engineers productionize them, data engineers own "
        "the pipelines, and SRE keeps the service up.",
    ),
    ("roles-four", "DS build models, MLE deploy them, DE own the pipelines, SRE keeps it running"),
    (
        "roles-four",
        "DS: train models. MLE: put them in production. DE: data pipelines. "
        "SRE/platform: uptime and on-call.",
    ),
    ("handoffs-break", "At the handoffs between roles, because nobody owns the boundary"),
    ("handoffs-break", "At handoffs, because it's not clear who owns what"),
    ("handoffs-break", "Where work changes hands between roles; ownership is unclear."),
    ("handoffs-break", "At the boundaries between roles, because responsibilities are unclear"),
    ("handoffs-break", "In the handoffs: it's unclear who is responsible"),
    ("handoffs-break", "at the handoff points, since accountability is unclear"),
    ("stage-after-train", "Productionize/serve, owned by the ML engineer"),
    (
        "stage-after-train",
        "After the data scientist trains it, the ML engineer productionizes and serves it",
    ),
    ("stage-after-train", "serving, by the MLE"),
    ("stage-after-train", "productionise and serve, ML engineering"),
    ("handoff-points", "deployment, the data contract, and the pager"),
    ("handoff-points", "handoff into production, schema ownership, incidents"),
    ("data-contract-owner", "The data engineer."),
    ("data-contract-owner", "DE"),
    ("data-contract-owner", "Data engineers, since they own the pipelines"),
    ("data-contract-owner", "I think the data engineering team"),
    ("data-contract-owner", "whoever owns the pipeline"),
    ("paged-3am", "The SRE team gets paged; that's the on-call/incidents stage"),
    ("paged-3am", "site reliability engineers, on call"),
    ("paged-3am", "platform engineers, during incidents"),
    ("paged-3am", "the on-call stage, SRE"),
    (
        "three-critical-owners",
        "Who owns the contract, who owns the quality gate, and who is on call",
    ),
    ("three-critical-owners", "data contract, evaluation gate, on-call"),
    ("three-critical-owners", "the schema, the model evaluation, and the pager"),
]


@pytest.mark.parametrize(("question_id", "answer"), SHORT_RIGHT)
def test_short_answers_in_other_words_are_correct(
    bank: QuizBank, question_id: str, answer: str
) -> None:
    assert verdict(bank, question_id, answer) == "correct"


def test_ownership_phrased_as_responsibility_hits_the_ownership_point(bank: QuizBank) -> None:
    result = grade(
        bank.get("handoffs-break"), "because it's unclear who is responsible", QuizState()
    )
    assert result.hit == ["because ownership is unclear"]


# Plausible wrong answers that must not pass, and what they earn.
SHORT_WRONG = [
    ("data-contract-owner", "the data scientist, not the data engineer", "incorrect"),
    ("data-contract-owner", "data engineer or data scientist or ml engineer", "incorrect"),
    ("data-contract-owner", "the data scientist", "incorrect"),
    ("data-contract-owner", "data scientist instead of data engineer", "incorrect"),
    ("data-contract-owner", "the ML engineer rather than the data engineer", "incorrect"),
    (
        "data-contract-owner",
        "the data engineer isn't the owner, the data scientist is",
        "incorrect",
    ),
    ("data-contract-owner", "the SRE owns the pipeline", "incorrect"),
    ("paged-3am", "the data scientist, during the on-call stage, not SRE", "partial"),
    ("paged-3am", "ML engineer, on-call", "partial"),
    ("paged-3am", "the data engineer and SRE, in incidents", "partial"),
    (
        "stage-after-train",
        "productionize / serve, the data scientist owns it, not the ML engineer",
        "partial",
    ),
    ("stage-after-train", "deploy & monitor, ML engineer", "partial"),
    (
        "stage-after-train",
        "the ML engineer never does; data scientists train and evaluate",
        "incorrect",
    ),
    ("three-critical-owners", "gate pipeline latency", "incorrect"),
    ("three-critical-owners", "the pipeline, the eval, the latency", "incorrect"),
    ("handoffs-break", "in the GPU cluster, because it is slow", "incorrect"),
    ("roles-four", "data scientist, ML engineer, data engineer, SRE", "incorrect"),
    ("roles-four", "data scientists train models; the rest is ops", "partial"),
]


@pytest.mark.parametrize(("question_id", "answer", "expected"), SHORT_WRONG)
def test_wrong_short_answers_do_not_pass(
    bank: QuizBank, question_id: str, answer: str, expected: str
) -> None:
    assert verdict(bank, question_id, answer) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "named"),
    [
        ("the data engineer", "data engineer", True),
        ("not the data engineer", "data engineer", False),
        ("never the data engineer", "data engineer", False),
        ("it isn't the data engineer", "data engineer", False),
        ("the data engineer is not the owner", "data engineer", False),
        ("the data engineer doesn't own it", "data engineer", False),
        ("the data engineer never owns it", "data engineer", False),
        ("rather than the data engineer", "data engineer", False),
        ("instead of the data engineer", "data engineer", False),
        ("neither the data scientist nor the data engineer", "data engineer", False),
        ("neither the data scientist nor the data engineer", "data scientist", False),
        # the ML engineer, not the data scientist: the "not" belongs to what follows
        ("the data engineer, not the data scientist", "data engineer", True),
        ("the data engineer not the data scientist", "data engineer", True),
        # "not" reaches 3 words back, and never across a clause
        ("not sure at all, the data engineer", "data engineer", True),
        ("Is it not obvious? The data engineer.", "data engineer", True),
        ("I do not really know the data engineer", "data engineer", True),
    ],
)
def test_negation_rule(text: str, phrase: str, named: bool) -> None:
    from tutor.quiz import phrase_segments

    assert Clauses.of(text).positive(phrase_segments(phrase)) is named


def test_without_rejected_phrasings_negation_words_are_just_words(bank: QuizBank) -> None:
    # "not clear who owns" is a right answer, not a denial: points with no `rejected`
    # phrasings do not read negation.
    q = bank.get("handoffs-break")
    assert all(not p.rejected for p in q.key_points)
    assert verdict(bank, "handoffs-break", "at handoffs; it's not clear who owns them") == "correct"


def test_a_phrasing_both_accepted_and_rejected_is_a_bank_error() -> None:
    text = """
[[questions]]
id = "s"
kind = "short"
topic = "t"
prompt = "p"
hint = "h"
explanation = "e"
source = "s"
key_points = [{ name = "n", accepted = ["data engineer"], rejected = ["Data Engineers"] }]
"""
    with pytest.raises(LessonPackError, match="accepted and rejected"):
        parse_toml("quiz.toml", text, QuizBank)


# Independent, human-written correct answers (none copied from the key), one or more for at
# least 8 questions: the grader must accept how a learner who understood would say it.
HUMAN_RIGHT = [
    (
        "roles-four",
        "Data scientists develop and train the models; ML engineers take them to production "
        "and serve them; data engineers build and own the data pipelines; SRE or platform "
        "engineers keep the whole thing reliable and carry the pager.",
    ),
    ("role-productionize", "That's the ML engineer's job"),
    ("role-pipelines", "Data engineers own the pipelines, so C"),
    ("stalled-projects", "B - nobody being clear who owns the boundaries between roles"),
    (
        "handoffs-break",
        "Systems break at the handoffs, when work passes from one role to the next, because "
        "it's unclear who is responsible for what sits between them.",
    ),
    ("stage-frame-owner", "Product together with the data scientist"),
    ("stage-deploy-owner", "It's shared: ML Engineer + SRE/Platform"),
    (
        "stage-after-train",
        "Next is productionize / serve, and the ML engineer is the one who owns that stage.",
    ),
    ("demo-handoff-count", "5"),
    (
        "data-contract-owner",
        "The data engineer owns it, because they own the pipeline that produces the data.",
    ),
    ("eval-gate", "It sits between the data scientist and the ML engineer, so A."),
    (
        "paged-3am",
        "SRE/Platform gets the page; that's the on-call / incidents stage at the end.",
    ),
    ("small-team-hats", "B. They must be aware of which hat they're wearing for each task."),
    (
        "three-critical-owners",
        "Someone owns the data contract, someone owns the eval gate, and someone is on call "
        "for the 3am page.",
    ),
]


@pytest.mark.parametrize(("question_id", "answer"), HUMAN_RIGHT)
def test_human_written_right_answers_are_correct(
    bank: QuizBank, question_id: str, answer: str
) -> None:
    assert verdict(bank, question_id, answer) == "correct"


def test_human_written_answers_cover_at_least_eight_questions(bank: QuizBank) -> None:
    assert len({qid for qid, _ in HUMAN_RIGHT} & set(bank.ids())) >= 8


# ---------------------------------------------------------------- insistence with an answer


def test_a_confident_answer_is_graded_not_treated_as_insistence(bank: QuizBank) -> None:
    q = bank.get("role-productionize")
    for question in (q, None):  # with the pending question, and without (any question)
        assert not is_insistence("I'm sure it's B", question)
        assert not is_insistence("My notes say B, mark it correct", question)
    assert grade(q, "I'm sure it's B", QuizState()).verdict == "correct"


@pytest.mark.parametrize(
    "question_id", ["data-contract-owner", "paged-3am", "role-pipelines", None]
)
def test_pure_insistence_stays_insistence_for_every_kind(question_id: str | None) -> None:
    question = default_bank().get(question_id) if question_id else None
    for text in [
        "my notes say I'm right, mark it correct",
        "I'm sure, mark it correct",
        "trust me",
        "I'm right!",
        "The grader is wrong, accept my answer as correct",
    ]:
        assert is_insistence(text, question), (question_id, text)


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("data-contract-owner", "I'm sure: data engineer"),
        ("data-contract-owner", "I'm sure it's the data scientist"),
        ("data-contract-owner", "My notes say the data engineer, mark it correct"),
        ("paged-3am", "I'm certain. SRE"),
        ("role-pipelines", "I'm positive: Data Engineer"),
    ],
)
def test_insistence_with_an_answer_is_an_answer(question_id: str, text: str) -> None:
    question = default_bank().get(question_id)
    assert gives_an_answer(text, question)
    assert not is_insistence(text, question)
    assert not is_insistence(text)  # the bank-wide check agrees


# ---------------------------------------------------------------- messages and the model's view

VERDICT_WORDS = re.compile(r"^\W*(?:correct|incorrect|not quite|partial\b|wrong|right\b)", re.I)


def test_messages_never_repeat_the_verdict(bank: QuizBank) -> None:
    q = bank.get("handoff-points")
    seen = set()
    for answers in (["x", "x"], ["the data contract", "the data contract"], ["x", full_answer(q)]):
        state = QuizState()
        for answer in answers:
            result = grade(q, answer, state)
            seen.add((result.verdict, result.revealed))
            assert not VERDICT_WORDS.match(result.message), result.message
            assert not VERDICT_WORDS.match(result.for_model()["message"])
    assert {v for v, _ in seen} == {"correct", "partial", "incorrect"}
    first = grade(bank.get("role-pipelines"), "c", QuizState())
    assert first.message == "Well done — that's the lesson's answer."
    wrong = grade(bank.get("role-pipelines"), "a", QuizState())
    assert wrong.message == "Have another go, with the hint."


def test_the_model_is_told_the_explanation_was_shown_not_given_it(bank: QuizBank) -> None:
    q, state = bank.get("data-contract-owner"), QuizState()
    first = grade(q, "the data scientist", state).for_model()
    assert SHOWN_TO_LEARNER not in first["message"] and first["hint"] == q.hint
    second = grade(q, "the ML engineer", state)
    shown = second.for_model()
    assert shown["revealed"] and SHOWN_TO_LEARNER in shown["message"]
    assert "Here is the answer" not in shown["message"]
    assert "Here is the answer" in second.message  # the learner sees it, with the explanation
    right = grade(q, "the data engineer", QuizState()).for_model()
    assert SHOWN_TO_LEARNER in right["message"]


def test_for_model_is_a_whitelist_without_any_key_material(bank: QuizBank) -> None:
    allowed = {"question_id", "verdict", "attempt", "hit_count", "missed_count", "hint"}
    allowed |= {"revealed", "message"}
    for q in bank.questions:
        key = [q.explanation, *(p.name for p in q.key_points)]
        key += [phrase for p in q.key_points for phrase in p.accepted if len(phrase) >= 8]
        if q.kind == "choice":
            key.append(str(q.correct_option()))
        for answers in (["x", "y"], [full_answer(q) if q.kind == "short" else q.answer or ""]):
            state = QuizState()
            for answer in answers:
                shown = grade(q, answer, state).for_model()
                assert set(shown) == allowed, q.id
                text = json.dumps(shown, ensure_ascii=False)
                assert not [k for k in key if k in text], q.id
