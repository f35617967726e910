"""The quiz: a bank of questions with their answer key, and grading a teacher would sign.

Modules, one job each:
- `bank`: the content models (questions of every kind, key points, the public `QuestionView`);
- `state`: one learner's progress (`QuizState`, the one `Verdict` type) and question selection;
- `choice`: which options an answer picks (letters in any phrasing, option text);
- `exact`: grading single/multiple choice, match, order and count in code;
- `reading`: where an answer says a rubric item, and whether it asserts it (via tutor.text);
- `rubric`: free-text answers judged point by point by rules, with honest uncertainty;
- `model_grader`: the separate strict-JSON grading request and the check of its quotes;
- `guard`: "I don't know" / "hint please", insistence, and answer-key secrecy;
- `intake`: what a message sent while a question is open is (an answer, or something else);
- `topics`: which questions a request to be quizzed "on the 3am thing" is about;
- `grading`: one answer from text to a recorded `Grade`.
- `calibration`: agreement with a teacher's labelled verdicts (a confusion matrix).

Pure domain code: the bank and the lexicon are passed in (`tutor.content.pack.quiz_bank()` and
`tutor.content.pack.lexicon()` load them); a model grader is anything with `complete_json`.
"""

from __future__ import annotations

from tutor.quiz.bank import (
    EXACT_KINDS,
    INSTRUCTIONS,
    LETTERS,
    NO_GUARD,
    Guard,
    KeyPoint,
    Question,
    QuestionView,
    QuizBank,
)
from tutor.quiz.choice import choice_index, letters_named
from tutor.quiz.grading import (
    MAX_ANSWER_CHARS,
    SHOWN_TO_LEARNER,
    Assessment,
    Grade,
    assess,
    grade,
    record,
)
from tutor.quiz.guard import (
    answer_key_strings,
    gives_an_answer,
    is_insistence,
    skip_request,
    states_the_answer,
)
from tutor.quiz.intake import INTAKE_KINDS, Intake, IntakeKind, IntakeReader
from tutor.quiz.model_grader import (
    TIMEOUT_SECONDS,
    GraderReply,
    JsonModel,
    grading_request,
    model_assess,
)
from tutor.quiz.reading import phrase_in
from tutor.quiz.rubric import PointResult, RubricResult, judge
from tutor.quiz.state import (
    REVEAL_AFTER,
    SPACING,
    VERDICTS,
    QuizState,
    Score,
    Verdict,
    VerdictRecord,
    ask,
    left_to_ask,
    next_question,
)
from tutor.text import Lexicon, normalize


async def assess_async(
    lexicon: Lexicon,
    question: Question,
    answer: str,
    guard: Guard = NO_GUARD,
    model: JsonModel | None = None,
    timeout: float | None = TIMEOUT_SECONDS,
) -> Assessment:
    """`assess`, then the model grader for a free-text answer the rules were unsure of."""
    rules = assess(lexicon, question, answer, guard)
    if model is None or not rules.unsure or rules.decided_by != "rules":
        return rules
    return await model_assess(model, lexicon, question, answer, rules, guard, timeout)


async def grade_async(
    question: Question,
    answer: str,
    state: QuizState,
    lexicon: Lexicon,
    guard: Guard = NO_GUARD,
    model: JsonModel | None = None,
    timeout: float | None = TIMEOUT_SECONDS,
) -> Grade:
    """Grade one answer (rules, then the model grader if given and needed) and record it."""
    assessment = await assess_async(lexicon, question, answer, guard, model, timeout)
    return record(question, assessment, state)


def key_answer(question: Question) -> str | None:
    """The key of an exact question as an answer text; None for free text."""
    return question.key_answer()


__all__ = [
    "EXACT_KINDS",
    "INSTRUCTIONS",
    "INTAKE_KINDS",
    "LETTERS",
    "MAX_ANSWER_CHARS",
    "REVEAL_AFTER",
    "SHOWN_TO_LEARNER",
    "SPACING",
    "VERDICTS",
    "Assessment",
    "Grade",
    "GraderReply",
    "Guard",
    "Intake",
    "IntakeKind",
    "IntakeReader",
    "JsonModel",
    "KeyPoint",
    "PointResult",
    "Question",
    "QuestionView",
    "QuizBank",
    "QuizState",
    "RubricResult",
    "Score",
    "Verdict",
    "VerdictRecord",
    "answer_key_strings",
    "ask",
    "assess",
    "assess_async",
    "choice_index",
    "gives_an_answer",
    "grade",
    "grade_async",
    "grading_request",
    "is_insistence",
    "judge",
    "key_answer",
    "left_to_ask",
    "letters_named",
    "model_assess",
    "next_question",
    "normalize",
    "phrase_in",
    "record",
    "skip_request",
    "states_the_answer",
]
