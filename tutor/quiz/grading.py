"""Grading one answer: the guard, then the exact grader or the rubric (and, when a model is
configured, the model grader for what the rules cannot decide), then the learner's state.

`assess` is pure (no state); `grade` / `grade_async` also record the verdict. Only
`Grade.for_model()` may reach the tutoring model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, Field

from tutor.errors import InputError
from tutor.quiz.bank import NO_GUARD, Guard, Question
from tutor.quiz.exact import grade_exact
from tutor.quiz.guard import Skip, skip_request
from tutor.quiz.rubric import PointResult, judge
from tutor.quiz.state import QuizState, Verdict
from tutor.text import Lexicon

MAX_ANSWER_CHARS = 4000
Decider = Literal["exact", "rules", "model", "guard"]


@dataclass(frozen=True)
class Assessment:
    """A verdict before it is recorded: who decided, point by point, and how sure."""

    verdict: Verdict
    decided_by: Decider
    points: tuple[PointResult, ...] = ()
    unsure: bool = False
    unrecognised: tuple[str, ...] = ()
    skip: Skip | None = None
    notes: tuple[str, ...] = field(default=())


def checked_answer(answer: str) -> str:
    text = answer.strip()
    if not text:
        raise InputError("The answer is empty: write an answer first.")
    if len(text) > MAX_ANSWER_CHARS:
        raise InputError(f"That answer is too long; keep it under {MAX_ANSWER_CHARS} characters.")
    return text


def assess(
    lexicon: Lexicon, question: Question, answer: str, guard: Guard = NO_GUARD
) -> Assessment:
    """The verdict on one answer by the guard, the exact grader or the rubric's rules."""
    text = checked_answer(answer)
    skip = skip_request(lexicon, guard, question, text)
    if skip:
        return Assessment("skipped", "guard", skip=skip)
    if question.exact:
        result = grade_exact(lexicon, question, text)
        points = tuple(PointResult(r, True, r) for r in result.right)
        points += tuple(PointResult(w, False) for w in result.wrong)
        return Assessment(result.verdict, "exact", points)
    known = (
        *guard.skip,
        *guard.reveal,
        *guard.hint,
        *guard.filler,
        *guard.demand,
        *guard.confidence,
    )
    rubric = judge(lexicon, question, text, known)
    return Assessment(rubric.verdict, "rules", rubric.points, rubric.unsure, rubric.unrecognised)


SHOWN_TO_LEARNER = "The grader has shown the learner the explanation."
# What a model is told instead of TRY_AGAIN: the learner already read "Have another go", so a
# model that echoed the message would say it twice in one reply.
ASKED_TO_RETRY = (
    "The learner was shown the verdict and the hint and invited to try again; "
    "do not repeat that invitation."
)
# The UI shows "<mark> **<Verdict>.** <message>": messages never repeat the verdict.
WELL_DONE = "Well done — that's the lesson's answer."
TRY_AGAIN = "Have another go, with the hint."
COMES_BACK = "This question will come back later."
HERE_IS_THE_ANSWER = "Here is the answer; this question will come back later."
SKIP_HINT = "No attempt used. Here is a hint; have a go when you are ready."
UNSURE = (
    "I could not recognise: {words}. If that was one of the missing points, say it in other words."
)


class Grade(BaseModel):
    """The verdict on one answer. Only `for_model()` may reach a model: the key points'
    names (`hit`, `missed`, `points`), `explanation` and `correct_answer` are for the learner."""

    question_id: str
    verdict: Verdict
    hit: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    points: list[dict[str, Any]] = Field(default_factory=list)
    attempt: int
    hint: str | None = None
    explanation: str | None = None
    correct_answer: str | None = None
    revealed: bool = False
    message: str
    decided_by: Decider = "rules"
    unsure: bool = False
    unrecognised: list[str] = Field(default_factory=list)

    def for_model(self) -> dict[str, Any]:
        """What a model may see: the verdict, counts, the (public) hint and a message.

        A whitelist, so a field added later cannot leak: no key point's name or span, no
        explanation, no correct option. Once revealed, the message says the learner was shown
        the explanation, so a model need not invent one.
        """
        return {
            "question_id": self.question_id,
            "verdict": self.verdict,
            "attempt": self.attempt,
            "hit_count": len(self.hit),
            "missed_count": len(self.missed),
            "hint": self.hint,
            "revealed": self.revealed,
            "message": _model_message(self),
        }


def _partly(hit: int, total: int) -> str:
    return f"Partly there: {hit} of {total} key points."


def _message(a: Assessment, attempt: int, revealed: bool, total: int) -> str:
    """The learner's message; the explanation is shown right after it once revealed."""
    if a.verdict == "skipped":
        return HERE_IS_THE_ANSWER if revealed else SKIP_HINT
    if a.verdict == "correct":
        return WELL_DONE if attempt == 1 else f"{WELL_DONE[:-1]} (attempt {attempt})."
    rest = HERE_IS_THE_ANSWER if revealed else TRY_AGAIN
    if a.unsure and a.unrecognised:
        rest = f"{UNSURE.format(words=', '.join(a.unrecognised[:6]))} {rest}"
    hit = sum(p.met for p in a.points)
    if a.verdict == "partial" and a.decided_by != "exact":
        return f"{_partly(hit, total)} {rest}"
    return rest


def _model_message(result: Grade) -> str:
    """Like the learner's, but it never says "here is the answer" (the model does not have
    it) nor repeats the learner's unplaced words; it says the explanation was shown."""
    if result.verdict == "skipped":
        base = "The learner skipped this question; no attempt was used."
        return (
            f"{base} {SHOWN_TO_LEARNER} {COMES_BACK}"
            if result.revealed
            else f"{base} The hint was shown."
        )
    if not result.revealed:
        if result.verdict in {"correct"}:
            return result.message
        total = len(result.hit) + len(result.missed)
        part = f"{_partly(len(result.hit), total)} " if result.verdict == "partial" else ""
        return f"{part}{ASKED_TO_RETRY}"
    if result.verdict == "correct":
        return f"{result.message} {SHOWN_TO_LEARNER}"
    total = len(result.hit) + len(result.missed)
    part = f"{_partly(len(result.hit), total)} " if result.verdict == "partial" else ""
    return f"{part}{SHOWN_TO_LEARNER} {COMES_BACK}"


def record(question: Question, assessment: Assessment, state: QuizState) -> Grade:
    """Record an assessment in the learner's state and build the learner-facing Grade."""
    a = assessment
    attempt = state.record(question.id, a.verdict, reveal=a.skip == "reveal")
    revealed = a.verdict == "correct" or state.history[-1].revealed
    return Grade(
        question_id=question.id,
        verdict=a.verdict,
        hit=[p.name for p in a.points if p.met],
        missed=[p.name for p in a.points if not p.met],
        points=[{"name": p.name, "met": p.met, "span": p.span} for p in a.points],
        attempt=attempt,
        hint=None if revealed else question.hint,
        explanation=question.explanation if revealed else None,
        correct_answer=question.correct_option() if revealed else None,
        revealed=revealed,
        message=_message(a, attempt, revealed, len(question.key_points)),
        decided_by=a.decided_by,
        unsure=a.unsure,
        unrecognised=list(a.unrecognised),
    )


def grade(
    question: Question, answer: str, state: QuizState, lexicon: Lexicon, guard: Guard = NO_GUARD
) -> Grade:
    """Grade one answer by rules and record it. Raises InputError (recording nothing) if blank."""
    return record(question, assess(lexicon, question, answer, guard), state)


def with_model_points(
    a: Assessment, points: tuple[PointResult, ...], verdict: Verdict
) -> Assessment:
    return replace(
        a, points=points, verdict=verdict, decided_by="model", unsure=False, unrecognised=()
    )
