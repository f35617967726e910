"""One learner's quiz progress, and which question to ask next.

`QuizState` is per learner (stored by tutor.store as JSON); selection is deterministic and
depends on the state only. `Verdict` is the one verdict type of the tutor.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from tutor.errors import InputError
from tutor.quiz.bank import Question, QuizBank

Verdict = Literal["correct", "partial", "incorrect", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("correct", "partial", "incorrect", "skipped")
REVEAL_AFTER = 2  # failed attempts (or skips) before the explanation is revealed


class VerdictRecord(BaseModel):
    question_id: str
    verdict: Verdict
    attempt: int


class Score(BaseModel):
    """Progress summary: `correct` of `answered` distinct questions are mastered."""

    answered: int
    correct: int
    attempts: int
    mastered: list[str]
    percent: int
    total: int | None = None
    skipped: int = 0


class QuizState(BaseModel):
    """One learner's quiz progress; JSON-serialisable (stored by tutor.store)."""

    attempts: dict[str, int] = Field(default_factory=dict)
    mastered: list[str] = Field(default_factory=list)  # a set, kept ordered for stable JSON
    current: str | None = None
    history: list[VerdictRecord] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)  # oldest first
    skips: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str | None) -> QuizState:
        """State saved by `model_dump_json()`; a fresh state for None or ''."""
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            raise InputError("The saved quiz progress is unreadable; /reset starts over.") from None

    def summary(self, total: int | None = None) -> Score:
        answered = [qid for qid, n in self.attempts.items() if n > 0]
        correct = sum(1 for qid in answered if qid in self.mastered)
        percent = round(100 * correct / len(answered)) if answered else 0
        graded = [r for r in self.history if r.verdict != "skipped"]
        return Score(
            answered=len(answered),
            correct=correct,
            attempts=len(graded),
            mastered=list(self.mastered),
            percent=percent,
            total=total,
            skipped=len(self.history) - len(graded),
        )

    def record(self, question_id: str, verdict: Verdict) -> int:
        """Update the state with one verdict; returns the attempt number (skips use none)."""
        if verdict == "skipped":
            return self._record_skip(question_id)
        attempt = self.attempts.get(question_id, 0) + 1
        self.attempts[question_id] = attempt
        self.history.append(
            VerdictRecord(question_id=question_id, verdict=verdict, attempt=attempt)
        )
        if question_id in self.missed:
            self.missed.remove(question_id)  # re-queued at the back below if still missed
        if verdict == "correct":
            if question_id not in self.mastered:
                self.mastered.append(question_id)
            self.current = None
        else:
            self.missed.append(question_id)
            self.current = None if self.used_up(question_id) else question_id
        return attempt

    def _record_skip(self, question_id: str) -> int:
        self.skips[question_id] = self.skips.get(question_id, 0) + 1
        attempt = self.attempts.get(question_id, 0)
        self.history.append(
            VerdictRecord(question_id=question_id, verdict="skipped", attempt=attempt)
        )
        if self.used_up(question_id):
            if question_id in self.missed:
                self.missed.remove(question_id)
            self.missed.append(question_id)
            self.current = None
        else:
            self.current = question_id
        return attempt

    def used_up(self, question_id: str) -> bool:
        """Has the learner tried (or skipped) often enough to be shown the answer?"""
        return self.attempts.get(question_id, 0) + self.skips.get(question_id, 0) >= REVEAL_AFTER


def _is_due(state: QuizState, question_id: str) -> bool:
    """A missed question is due again once another question was graded after it."""
    last = max((i for i, r in enumerate(state.history) if r.question_id == question_id), default=-1)
    return last < len(state.history) - 1


def _rank(question: Question, index: int, state: QuizState, step: int | None) -> tuple:
    preferred = step is not None and question.guided_step == step
    if question.id in state.missed:
        category = 0 if _is_due(state, question.id) else 2
        return (not preferred, category, state.missed.index(question.id))
    return (not preferred, 1, index)


def next_question(
    bank: QuizBank, state: QuizState, step: int | None = None, other_than: str | None = None
) -> Question | None:
    """The next question to ask: never a mastered one; None when all are mastered.

    Order: the given guided step's questions first; within that, missed questions that are
    due again, then unasked ones in bank order, then missed ones not yet due (only when nothing
    else is left). Deterministic: depends on the state only. `other_than` is passed over
    unless it is the only question left.
    """
    open_ = [(i, q) for i, q in enumerate(bank.questions) if q.id not in state.mastered]
    open_ = [iq for iq in open_ if iq[1].id != other_than] or open_
    if not open_:
        return None
    return min(open_, key=lambda iq: _rank(iq[1], iq[0], state, step))[1]


def ask(bank: QuizBank, state: QuizState, step: int | None = None) -> Question | None:
    """`next_question`, remembered as the pending question in `state.current`. Asked while
    a question is open, another one: the learner asked to move on (the open one, unanswered,
    comes back later), so a question is never repeated straight away."""
    question = next_question(bank, state, step, other_than=state.current)
    state.current = question.id if question else None
    return question
