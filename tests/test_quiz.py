"""The quiz: its bank, the exact graders, the free-text rubric, skips, insistence, learner
state and the secrecy of the answer key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.content.files import parse_toml
from tutor.content.pack import lexicon, quiz_bank
from tutor.demo.handoffs import LESSON_LIFECYCLE, analyze_handoffs, run_handoff_demo
from tutor.errors import InputError, LessonPackError
from tutor.quiz import (
    REVEAL_AFTER,
    SHOWN_TO_LEARNER,
    SPACING,
    Question,
    QuizBank,
    QuizState,
    answer_key_strings,
    ask,
    assess,
    choice_index,
    gives_an_answer,
    grade,
    is_insistence,
    letters_named,
    next_question,
)
from tutor.quiz.bank import unknown_refs

REPO = Path(__file__).resolve().parent.parent
VIEW_FIELDS = {"id", "kind", "topic", "prompt", "options", "items", "instructions"}
SECRET_KEYS = {
    "answer",
    "answers",
    "pairs",
    "number",
    "key_points",
    "explanation",
    "hint",
    "source",
}
ORIGINAL = {
    "roles-four": "free_text",
    "role-productionize": "single_choice",
    "role-pipelines": "single_choice",
    "stalled-projects": "single_choice",
    "why-roles-matter": "single_choice",
    "handoffs-break": "free_text",
    "stage-frame-owner": "single_choice",
    "stage-deploy-owner": "single_choice",
    "stage-after-train": "free_text",
    "demo-handoff-count": "single_choice",
    "demo-partial-handoff": "single_choice",
    "demo-handoff-rule": "single_choice",
    "handoff-points": "free_text",
    "data-contract-owner": "free_text",
    "eval-gate": "single_choice",
    "paged-3am": "free_text",
    "small-team-hats": "single_choice",
    "one-person-handoffs": "single_choice",
    "three-critical-owners": "free_text",
}


@pytest.fixture(scope="module")
def bank() -> QuizBank:
    return quiz_bank()


def flat(text: str) -> str:
    return " ".join(text.split())


def verdict(bank: QuizBank, question_id: str, answer: str) -> str:
    return assess(lexicon(), bank.get(question_id), answer, bank.guard).verdict


def graded(bank: QuizBank, question: Question, answer: str, state: QuizState):
    return grade(question, answer, state, lexicon(), bank.guard)


def right(question: Question) -> str:
    return question.key_answer() or question.explanation


# ---------------------------------------------------------------- the bank


def test_the_original_questions_keep_their_ids_and_kinds(bank: QuizBank) -> None:
    assert {qid: bank.get(qid).kind for qid in ORIGINAL} == ORIGINAL
    exact_new = [q for q in bank.questions if q.id not in ORIGINAL and q.exact]
    assert len(exact_new) >= 15
    kinds = {q.kind for q in exact_new}
    assert kinds == {"single_choice", "multi_choice", "match", "order", "count"}
    for step in (1, 2, 3):
        assert len(bank.for_step(step)) >= 2, step


def test_every_source_is_quoted_verbatim_from_the_lesson(bank: QuizBank) -> None:
    lesson = flat((REPO / "prompts" / "lesson.md").read_text(encoding="utf-8"))
    for q in bank.questions:
        assert flat(q.source) in lesson, q.id


def test_the_demo_facts_in_the_bank_are_the_demo_code_s_facts(bank: QuizBank) -> None:
    stages = [stage for stage, _ in LESSON_LIFECYCLE]
    owners = [owner for _, owner in LESSON_LIFECYCLE]
    match = bank.get("match-stage-owner")
    assert list(match.items) == stages
    assert [match.options[match.letters.index(p)] for p in match.pairs] == owners
    assert list(bank.get("order-stages").items) == stages
    assert bank.get("count-stages").number == len(stages)
    analysis = analyze_handoffs(None)
    assert bank.get("count-partial").number == analysis.partial_count
    printed = [line.strip() for line in run_handoff_demo().splitlines()[1:] if line.strip()]
    assert list(bank.get("order-printed-handoffs").items) == printed
    pick = bank.get("demo-pick-handoffs")
    assert {pick.options[pick.letters.index(a)] for a in pick.answers} == set(printed) & set(
        pick.options
    )
    partial = bank.get("demo-pick-partial")
    kinds = {f"{h.from_owner} -> {h.to_owner}": h.kind for h in analysis.handoffs}
    assert set(partial.options) == set(kinds)  # every option is one of the demo's handoffs
    chosen = {partial.options[partial.letters.index(a)] for a in partial.answers}
    assert chosen == {handoff for handoff, kind in kinds.items() if kind == "partial"}


def test_every_question_accepts_its_own_key(bank: QuizBank) -> None:
    for q in bank.questions:
        # The explanation is the model answer of a free-text question: full marks too.
        assert verdict(bank, q.id, right(q)) == "correct", q.id


def test_every_rubric_reference_is_in_the_vocabulary(bank: QuizBank) -> None:
    lex = lexicon()
    known = {f"{k}:{e.id}" for k in ("role", "stage", "term") for e in lex.entries(k)}
    assert unknown_refs(bank, known) == []
    assert unknown_refs(bank, known - {"role:data_engineer"})  # a typo would be reported


def test_content_models_are_frozen(bank: QuizBank) -> None:
    with pytest.raises(Exception, match="frozen"):
        bank.questions[0].prompt = "changed"  # type: ignore[misc]


GOOD_QUESTION = """
[[questions]]
id = "q-one"
kind = "single_choice"
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
            GOOD_QUESTION.format(answer="a").replace(
                'kind = "single_choice"', 'kind = "free_text"'
            ),
            "options",
        ),
        (
            GOOD_QUESTION.format(answer="a")
            .replace('answer = "a"', 'answers = ["a", "z"]')
            .replace('"single_choice"', '"multi_choice"'),
            "answers",
        ),
        ("[[questions]\nid = ", "invalid TOML"),
    ],
)
def test_broken_bank_names_the_file_and_field(text: str, field: str) -> None:
    with pytest.raises(LessonPackError) as info:
        parse_toml("quiz.toml", text, QuizBank)
    assert "prompts/quiz.toml" in str(info.value) and field in str(info.value)


def test_old_kind_names_still_load() -> None:
    bank = parse_toml(
        "quiz.toml",
        GOOD_QUESTION.format(answer="a").replace('"single_choice"', '"choice"'),
        QuizBank,
    )
    assert bank.questions[0].kind == "single_choice"


# ---------------------------------------------------------------- the public view


def test_views_carry_only_public_fields_and_say_how_to_answer(bank: QuizBank) -> None:
    secrets = answer_key_strings(bank)
    for q in bank.questions:
        view = q.public()
        dumped = view.model_dump()
        assert set(dumped) == VIEW_FIELDS and not SECRET_KEYS & set(dumped)
        assert view.kind == q.kind and view.instructions
        text = view.model_dump_json() + view.render()
        assert q.explanation not in text and q.hint not in text
        assert not [s for s in secrets if s in text], q.id
    order = bank.get("order-stages")
    assert list(order.public().items) != list(order.items)  # shown scrambled
    assert sorted(order.public().items) == sorted(order.items)


# ---------------------------------------------------------------- exact kinds


@pytest.mark.parametrize(
    "answer",
    ["c", "C", "C)", "(c)", "c.", "answer: c", "Answer is C", "option C", "It's C", "I'd say c"],
)
def test_choice_letter_forms(bank: QuizBank, answer: str) -> None:
    assert verdict(bank, "stage-deploy-owner", answer) == "correct"


@pytest.mark.parametrize(
    "answer",
    [
        "ML Engineer + SRE/Platform",
        "  ml   engineer + sre / platform ",
        "the MLE and the platform team",
        "c) ML Engineer + SRE/Platform",
        "ML engneer and SRE together",
    ],
)
def test_choice_option_text_paraphrase_and_typo(bank: QuizBank, answer: str) -> None:
    assert verdict(bank, "stage-deploy-owner", answer) == "correct"


@pytest.mark.parametrize(
    "answer",
    ["a or c", "c, a", "b and c", "ML Engineer", "ML engineer or SRE", "a) ML Engineer + SRE"],
)
def test_choice_wrong_or_ambiguous_is_incorrect(bank: QuizBank, answer: str) -> None:
    assert verdict(bank, "stage-deploy-owner", answer) == "incorrect"


@pytest.mark.parametrize(
    ("answer", "letters"),
    [
        ("a data engineer hands it over", []),
        ("It's a handoff, so d", ["d"]),
        ("I think it is a", ["a"]),
        ("a or c", ["a", "c"]),
        ("A/B", ["a", "b"]),
        ("e.g. the eval gate, so b", ["b"]),
        ("paged at 3 a.m., so c", ["c"]),
        ("b, like an A/B test", ["b"]),
        ("A C D", ["a", "c", "d"]),
    ],
)
def test_letters_named_tells_the_article_from_the_letter(answer: str, letters: list[str]) -> None:
    assert letters_named(answer, "abcd") == letters


def test_full_or_partial_by_its_label_with_negation(bank: QuizBank) -> None:
    assert verdict(bank, "handoff-kind-mle-sre", "not full but partial") == "correct"
    assert verdict(bank, "handoff-kind-ds-mle", "not a full one, it's partial") == "incorrect"
    assert verdict(bank, "handoff-kind-frame-de", "a full handoff") == "correct"


def test_directed_options_keep_their_direction(bank: QuizBank) -> None:
    assert verdict(bank, "eval-gate", "between the data scientist and the ML engineer") == "correct"
    assert verdict(bank, "eval-gate", "from the ML engineer to the data scientist") == "incorrect"
    assert (
        choice_index(lexicon(), bank.get("role-pipelines").options, "Data Engineer or ML Engineer")
        is None
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("a, c, d, f", "correct"),
        ("F D C A", "correct"),
        ("a, c", "partial"),
        ("a, b, c, d, f", "partial"),
        ("a, b, c, d, e, f", "incorrect"),
        ("b, e", "incorrect"),
    ],
)
def test_multi_choice(bank: QuizBank, answer: str, expected: str) -> None:
    assert verdict(bank, "demo-pick-handoffs", answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("1=b; 2=d; 3=c; 4=a", "correct"),
        ("1b 2d 3c 4a", "correct"),
        (
            "Data scientists=build models; ML engineers=productionize them; Data engineers=own the "
            "pipelines; SREs/platform engineers=keep them running",
            "correct",
        ),
        ("1=b; 2=c; 3=d; 4=a", "partial"),
        ("1=a; 2=b; 3=d; 4=c", "incorrect"),
        ("1=b", "incorrect"),
    ],
)
def test_match(bank: QuizBank, answer: str, expected: str) -> None:
    assert verdict(bank, "match-role-job", answer) == expected


def test_order_by_numbers_texts_or_arrows(bank: QuizBank) -> None:
    q = bank.get("order-stages")
    assert verdict(bank, q.id, q.key_answer() or "") == "correct"
    assert (
        verdict(bank, q.id, "frame -> pipeline -> train -> serve -> deploy -> on-call") == "correct"
    )
    swapped = list(q.items)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert verdict(bank, q.id, "; ".join(swapped)) == "partial"
    assert verdict(bank, q.id, "; ".join(reversed(q.items))) == "incorrect"
    assert verdict(bank, q.id, "; ".join(q.items[:5])) == "incorrect"  # one missing


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("6", "correct"),
        ("six", "correct"),
        ("there are six stages", "correct"),
        ("5", "incorrect"),
        ("5 or 6", "incorrect"),
    ],
)
def test_count(bank: QuizBank, answer: str, expected: str) -> None:
    assert verdict(bank, "count-stages", answer) == expected


# ---------------------------------------------------------------- free text: the rubric


@pytest.mark.parametrize(
    ("question_id", "answer", "expected"),
    [
        # a key point counts only when asserted
        (
            "data-contract-owner",
            "I used to think the data scientist, but it's actually the data engineer",
            "correct",
        ),
        ("data-contract-owner", "data engineer (the data scientist only consumes it)", "correct"),
        ("data-contract-owner", "the data enginner", "correct"),
        ("data-contract-owner", "the data eng team", "correct"),
        (
            "data-contract-owner",
            "It isn't the data engineer, it's the data scientist.",
            "incorrect",
        ),
        ("data-contract-owner", "the ML engineer rather than the data engineer", "incorrect"),
        (
            "data-contract-owner",
            "I thought it was the data engineer, but it's the ML engineer",
            "incorrect",
        ),
        # shotgun lists and swapped roles earn no single-owner point
        ("data-contract-owner", "data engineer or data scientist or ML engineer", "incorrect"),
        ("roles-four", "data scientist, ML engineer, data engineer, SRE", "incorrect"),
        (
            "roles-four",
            "Data engineers build the models, data scientists own the pipelines, SREs "
            "productionize them and ML engineers keep things running.",
            "incorrect",
        ),
        # a rejected fact asserted makes it not correct
        (
            "handoff-points",
            "Handoffs don't happen at deployment, data contracts or on-call; they happen at hiring",
            "incorrect",
        ),
        (
            "three-critical-owners",
            "Not the data contract or the eval gate, and not on-call either: it's the GPU budget",
            "incorrect",
        ),
        ("stage-after-train", "productionize / serve, and the data scientist owns it", "partial"),
        # echoing the question's words is not an answer
        ("paged-3am", "the SRE gets paged at 3am", "partial"),
    ],
)
def test_rubric_reads_assertion_negation_and_shotguns(
    bank: QuizBank, question_id: str, answer: str, expected: str
) -> None:
    assert verdict(bank, question_id, answer) == expected


def test_short_role_names_need_exact_spelling(bank: QuizBank) -> None:
    # "sre" and "de" are too short for typo tolerance: "sry" is not SRE.
    assert verdict(bank, "paged-3am", "SRE, on call") == "correct"
    assert verdict(bank, "paged-3am", "sry, on call") == "partial"


def test_points_report_the_learner_s_own_words(bank: QuizBank) -> None:
    a = assess(
        lexicon(),
        bank.get("handoffs-break"),
        "At the boundaries between teams, because ownership is ambiguous.",
        bank.guard,
    )
    assert a.verdict == "correct" and a.decided_by == "rules"
    spans = [p.span for p in a.points]
    assert all(
        s and s in "At the boundaries between teams, because ownership is ambiguous." for s in spans
    )


def test_undecidable_answers_are_partial_and_say_what_was_not_recognised(bank: QuizBank) -> None:
    q, state = bank.get("handoffs-break"), QuizState()
    result = graded(
        bank, q, "At the handoffs, because each squad thinks the neighbours hold the baton", state
    )
    assert result.verdict == "partial" and result.unsure
    assert "baton" in result.unrecognised and "could not recognise" in result.message


# ---------------------------------------------------------------- skips and insistence


@pytest.mark.parametrize(
    "text",
    ["I don't know", "no idea", "idk, tell me", "skip", "hint please", "dunno", "I'm not sure"],
)
def test_i_dont_know_is_skipped_without_using_an_attempt(bank: QuizBank, text: str) -> None:
    for qid in ("data-contract-owner", "role-pipelines", "match-stage-owner", "count-stages"):
        state = QuizState()
        result = graded(bank, bank.get(qid), text, state)
        assert result.verdict == "skipped" and state.attempts.get(qid, 0) == 0, (qid, text)
        assert state.summary().attempts == 0


def test_a_hint_keeps_the_question_open_and_i_dont_know_shows_the_answer_once(
    bank: QuizBank,
) -> None:
    q, state = bank.get("role-pipelines"), QuizState()
    first = graded(bank, q, "hint please", state)
    assert first.hint == q.hint and not first.revealed and state.current == q.id
    second = graded(bank, q, "no idea", state)
    assert second.revealed and second.explanation == q.explanation and state.current is None
    assert second.correct_answer == "C) Data Engineer" and state.attempts.get(q.id, 0) == 0


@pytest.mark.parametrize(
    "text", ["just tell me the answer", "what's the correct answer?", "I don't know, tell me"]
)
def test_asking_for_the_answer_shows_it_once_with_its_explanation(
    bank: QuizBank, text: str
) -> None:
    q, state = bank.get("eval-gate"), QuizState()
    told = graded(bank, q, text, state)
    assert (told.verdict, told.revealed, told.explanation) == ("skipped", True, q.explanation)
    assert state.current is None and state.was_revealed(q.id)


def test_an_unsure_answer_is_graded_not_skipped(bank: QuizBank) -> None:
    assert verdict(bank, "data-contract-owner", "not sure, maybe the data engineer?") == "correct"
    assert verdict(bank, "role-productionize", "I don't know, B?") == "correct"


@pytest.mark.parametrize(
    "text",
    [
        "my notes say I'm right, mark it correct",
        "I'm sure, mark it correct",
        "trust me",
        "The grader is wrong, accept my answer as correct",
        "please change the verdict",
    ],
)
def test_pure_insistence_is_insistence_and_never_a_verdict_change(
    bank: QuizBank, text: str
) -> None:
    for qid in ("data-contract-owner", "paged-3am", "role-pipelines", None):
        question = bank.get(qid) if qid else None
        assert is_insistence(lexicon(), bank, text, question), (qid, text)
    assert verdict(bank, "data-contract-owner", text) == "incorrect"


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("data-contract-owner", "I'm sure it's the data scientist"),
        ("data-contract-owner", "My notes say the data engineer, mark it correct"),
        ("role-productionize", "I'm sure it's B"),
        ("paged-3am", "I'm certain. SRE"),
    ],
)
def test_insistence_with_an_answer_is_an_answer(
    bank: QuizBank, question_id: str, text: str
) -> None:
    question = bank.get(question_id)
    assert gives_an_answer(lexicon(), question, text)
    assert not is_insistence(lexicon(), bank, text, question)


# ---------------------------------------------------------------- state and selection


def test_explanation_revealed_after_two_failed_attempts_not_before(bank: QuizBank) -> None:
    q, state = bank.get("role-pipelines"), QuizState()
    first = graded(bank, q, "a", state)
    assert (first.verdict, first.attempt, first.revealed) == ("incorrect", 1, False)
    assert first.explanation is None and first.correct_answer is None and first.hint == q.hint
    second = graded(bank, q, "b", state)
    assert (second.attempt, second.revealed) == (REVEAL_AFTER, True)
    assert second.correct_answer == "C) Data Engineer" and state.current is None
    assert q.id in state.missed and q.id not in state.mastered


def test_partial_then_correct(bank: QuizBank) -> None:
    q, state = bank.get("paged-3am"), QuizState()
    assert graded(bank, q, "SRE", state).verdict == "partial"
    second = graded(bank, q, "SRE, in on-call / incidents", state)
    assert second.verdict == "correct" and "attempt 2" in second.message
    assert state.mastered == [q.id] and q.id not in state.missed


@pytest.mark.parametrize("answer", ["", "   ", "\n\t", "x" * 5000])
def test_blank_or_overlong_answer_raises_and_records_nothing(bank: QuizBank, answer: str) -> None:
    state = QuizState()
    with pytest.raises(InputError):
        graded(bank, bank.get("roles-four"), answer, state)
    assert state == QuizState()


def test_next_question_skips_mastered_and_ends_with_none(bank: QuizBank) -> None:
    state, seen = QuizState(), []
    while (q := ask(bank, state)) is not None:
        seen.append(q.id)
        graded(bank, q, right(q), state)
        assert len(seen) <= len(bank.questions)
    assert sorted(seen) == sorted(bank.ids())
    assert state.summary(len(bank.questions)).percent == 100


def test_a_missed_question_comes_back_only_after_three_others(bank: QuizBank) -> None:
    state = QuizState()
    first = ask(bank, state)
    assert first is not None
    graded(bank, first, "bananas", state)
    graded(bank, first, "still bananas", state)  # used up: the answer is shown
    between = []
    while (q := ask(bank, state)) is not None and q.id != first.id:
        between.append(q.id)
        graded(bank, q, right(q), state)
    assert q is not None and len(between) >= SPACING
    # and not while its own topic still had questions not asked
    assert {x.id for x in bank.questions if x.topic == first.topic} <= {first.id, *between}


def test_next_question_prefers_the_guided_step_and_is_deterministic(bank: QuizBank) -> None:
    state = QuizState()
    for step in (1, 2, 3):
        q = next_question(bank, state, step=step)
        assert q is not None and q.guided_step == step
    graded(bank, bank.get("roles-four"), "data scientists build models", state)
    again = QuizState.from_json(state.model_dump_json())
    assert next_question(bank, state, 2) == next_question(bank, again, 2)
    with pytest.raises(InputError):
        QuizState.from_json("{not json")
    with pytest.raises(InputError, match="tutor quiz list"):
        bank.get("no-such-question")


# ---------------------------------------------------------------- the model's view


VERDICT_WORDS = re.compile(
    r"^\W*(?:correct|incorrect|not quite|partial\b|wrong|right\b|skipped)", re.I
)


def test_messages_never_repeat_the_verdict(bank: QuizBank) -> None:
    q = bank.get("handoff-points")
    for answers in (
        ["x", "x"],
        ["the data contract", "the data contract"],
        ["x", right(q)],
        ["skip"],
    ):
        state = QuizState()
        for answer in answers:
            result = graded(bank, q, answer, state)
            assert not VERDICT_WORDS.match(result.message), result.message
            assert not VERDICT_WORDS.match(result.for_model()["message"])


def test_for_model_is_a_whitelist_without_any_key_material(bank: QuizBank) -> None:
    allowed = {
        "question_id",
        "verdict",
        "attempt",
        "hit_count",
        "missed_count",
        "hint",
        "revealed",
        "message",
    }
    secrets = answer_key_strings(bank)
    for q in bank.questions:
        key = [q.explanation, *(p.name for p in q.key_points)]
        if q.exact and q.kind != "count":  # a count's key is one digit, seen everywhere
            key.append(str(q.correct_option()))
        for answers in (["x", "y"], [right(q)], ["hint please", "tell me"]):
            state = QuizState()
            for answer in answers:
                result = graded(bank, q, answer, state)
                shown = result.for_model()
                assert set(shown) == allowed, q.id
                text = json.dumps(shown, ensure_ascii=False)
                assert not [k for k in key if k and k in text], q.id
                assert not [s for s in secrets if s in text], q.id
                if result.unrecognised:  # the learner's own unplaced words stay with them
                    assert not any(w in shown["message"] for w in result.unrecognised)
        assert result.explanation == q.explanation or result.verdict == "correct"


def test_the_model_is_told_the_explanation_was_shown_not_given_it(bank: QuizBank) -> None:
    q, state = bank.get("data-contract-owner"), QuizState()
    first = graded(bank, q, "the data scientist", state).for_model()
    assert SHOWN_TO_LEARNER not in first["message"] and first["hint"] == q.hint
    second = graded(bank, q, "the ML engineer", state)
    assert second.for_model()["revealed"] and SHOWN_TO_LEARNER in second.for_model()["message"]
    assert "Here is the answer" in second.message


# ---------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(str.strip))
def test_any_text_gets_a_verdict_and_at_most_one_attempt(text: str) -> None:
    bank = quiz_bank()
    for qid in ("roles-four", "demo-partial-handoff", "match-stage-owner", "order-stages"):
        state = QuizState()
        result = graded(bank, bank.get(qid), text, state)
        assert result.verdict in {"correct", "partial", "incorrect", "skipped"}
        assert state.attempts.get(qid, 0) == (0 if result.verdict == "skipped" else 1)
        is_insistence(lexicon(), bank, text)


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("role-pipelines", "not C"),
        ("eval-gate", "definitely not A"),
        ("role-pipelines", "anything but the data engineer"),
        ("data-contract-owner", "everyone but the data engineer"),
        ("data-contract-owner", "is it the data engineer? I doubt it"),
        ("data-contract-owner", "data engineer - no way"),
        ("data-contract-owner", "The data engineer? No, the data scientist."),
        ("count-stages", "not six"),
        ("stage-deploy-owner", "not ML Engineer + SRE/Platform"),
        ("paged-3am", "If the SRE were on call they'd get paged, but here the ML engineer does"),
        (
            "roles-four",
            "Some people think data scientists build models, ML engineers productionize "
            "them, data engineers own pipelines and SREs keep them running, but that's a myth",
        ),
        ("handoffs-break", "It's a myth that they break at handoffs because ownership is unclear"),
    ],
)
def test_denied_or_retracted_answers_are_never_accepted(
    bank: QuizBank, question_id: str, answer: str
) -> None:
    assert verdict(bank, question_id, answer) != "correct"


def test_a_reason_offered_with_a_question_mark_is_an_answer_to_grade() -> None:
    """ "because the handoff code is slower?" answers (wrongly): graded, never answered as a
    new question about the demo's code; "since when…?" still asks."""
    from tutor.content.pack import intake_reader, quiz_bank

    question = next(q for q in quiz_bank().questions if "four roles" in q.prompt)
    reader = intake_reader()
    assert reader.read(question, "because the handoff code is slower?").is_attempt
    assert not reader.read(question, "since when is that a thing?").is_attempt
