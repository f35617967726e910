"""One learner's quiz progress, the score it gives, and which question to ask next.

`QuizState` is per learner (stored by tutor.store as JSON); selection is deterministic and
depends on the state only. `Verdict` is the one verdict type of the tutor.

The score a teacher would sign: each question counts once, by its FIRST result — its first
graded answer, or its answer shown ("I don't know", or used up) before any — so a question
got right on the fourth try, or picked right after its answer was shown, is not counted as
known. Attempts are counted apart. Spacing: a question asked and not mastered comes back only
after at least `SPACING` other questions, and not while its topic has questions not yet asked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from tutor.errors import InputError
from tutor.quiz.bank import Question, QuizBank

Verdict = Literal["correct", "partial", "incorrect", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("correct", "partial", "incorrect", "skipped")
REVEAL_AFTER = 2  # failed attempts before the explanation is revealed
SPACING = 3  # other questions asked before a missed or revealed one comes back


class VerdictRecord(BaseModel):
    question_id: str
    verdict: Verdict
    attempt: int
    #: the answer was shown with this result
    revealed: bool = False


class Score(BaseModel):
    """Progress summary: `correct` of `answered` questions were right on the first try."""

    answered: int
    correct: int
    attempts: int
    mastered: list[str]
    percent: int
    total: int | None = None
    skipped: int = 0
    #: questions whose answer was shown (they count as not known)
    revealed: int = 0


class QuizState(BaseModel):
    """One learner's quiz progress; JSON-serialisable (stored by tutor.store)."""

    attempts: dict[str, int] = Field(default_factory=dict)
    mastered: list[str] = Field(default_factory=list)  # a set, kept ordered for stable JSON
    current: str | None = None
    history: list[VerdictRecord] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)  # oldest first
    skips: dict[str, int] = Field(default_factory=dict)
    #: every question asked, in order (repeats included): what spacing counts
    asked: list[str] = Field(default_factory=list)
    revealed: list[str] = Field(default_factory=list)

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
        firsts = self.first_results()
        correct = sum(1 for r in firsts.values() if r.verdict == "correct" and not r.revealed)
        graded = [r for r in self.history if r.verdict != "skipped"]
        return Score(
            answered=len(firsts),
            correct=correct,
            attempts=len(graded),
            mastered=list(self.mastered),
            percent=round(100 * correct / len(firsts)) if firsts else 0,
            total=total,
            skipped=len(self.history) - len(graded),
            revealed=len(self.revealed),
        )

    def first_results(self) -> dict[str, VerdictRecord]:
        """Each question's first result: its first graded answer or its answer shown."""
        firsts: dict[str, VerdictRecord] = {}
        for r in self.history:
            if r.question_id not in firsts and (r.verdict != "skipped" or r.revealed):
                firsts[r.question_id] = r
        return firsts

    def record(self, question_id: str, verdict: Verdict, *, reveal: bool = False) -> int:
        """Update the state with one verdict; returns the attempt number (skips use none).
        A skip with `reveal` ("I don't know") shows the answer now; one without, a hint."""
        if verdict == "skipped":
            return self._record_skip(question_id, reveal)
        attempt = self.attempts.get(question_id, 0) + 1
        self.attempts[question_id] = attempt
        if question_id in self.missed:
            self.missed.remove(question_id)  # re-queued at the back below if still missed
        if verdict == "correct":
            if question_id not in self.mastered:
                self.mastered.append(question_id)
            self.current = None
        else:
            self.missed.append(question_id)
            self.current = None if self.used_up(question_id) else question_id
        shown = verdict != "correct" and self.current is None
        self._note(question_id, verdict, attempt, shown)
        return attempt

    def _record_skip(self, question_id: str, reveal: bool) -> int:
        attempt = self.attempts.get(question_id, 0)
        if not reveal:  # a hint: the question stays open
            self.skips[question_id] = self.skips.get(question_id, 0) + 1
            self._note(question_id, "skipped", attempt, False)
            self.current = question_id
            return attempt
        if question_id in self.missed:
            self.missed.remove(question_id)
        self.missed.append(question_id)
        self.current = None
        self._note(question_id, "skipped", attempt, True)
        return attempt

    def _note(self, question_id: str, verdict: Verdict, attempt: int, shown: bool) -> None:
        self.history.append(
            VerdictRecord(question_id=question_id, verdict=verdict, attempt=attempt, revealed=shown)
        )
        if shown and question_id not in self.revealed:
            self.revealed.append(question_id)

    def was_revealed(self, question_id: str) -> bool:
        return question_id in self.revealed

    def used_up(self, question_id: str) -> bool:
        """Has the learner tried often enough to be shown the answer?"""
        return self.attempts.get(question_id, 0) >= REVEAL_AFTER

    def asked_since(self, question_id: str) -> int:
        """How many other questions were asked after `question_id` was last asked."""
        last = max((i for i, q in enumerate(self.asked) if q == question_id), default=-1)
        return len(set(self.asked[last + 1 :]) - {question_id})


def _unasked(bank: QuizBank, state: QuizState, with_topics: bool = False) -> set[str]:
    """Ids of the questions never asked (with `with_topics`, also "topic:<topic>" for each
    topic that still has one)."""
    seen = set(state.asked) | {r.question_id for r in state.history}
    fresh = [q for q in bank.questions if q.id not in seen and q.id not in state.mastered]
    return {q.id for q in fresh} | ({f"topic:{q.topic}" for q in fresh} if with_topics else set())


def _rank(
    question: Question, index: int, state: QuizState, step: int | None, unasked: set[str]
) -> tuple:
    """Asked questions that are due again first (oldest miss first), then unasked ones (the
    guided step's first, then bank order); asked ones not yet due last (asked only when
    nothing else is left). Due: `SPACING` others asked since, and its topic all asked."""
    preferred = step is not None and question.guided_step == step
    if question.id in unasked:
        return (1, not preferred, index)
    topic_left = f"topic:{question.topic}" in unasked
    due = state.asked_since(question.id) >= SPACING and not topic_left
    order = state.missed.index(question.id) if question.id in state.missed else index
    return (0 if due else 2, not preferred, order)


def next_question(
    bank: QuizBank,
    state: QuizState,
    step: int | None = None,
    other_than: str | None = None,
    among: list[str] | None = None,
) -> Question | None:
    """The next question to ask: never a mastered one; None when all are mastered.

    Questions not yet asked come first (the given guided step's first, then bank order); a
    question asked before comes back once `SPACING` others were asked after it and no question
    of its topic is left unasked. `among` (ids, e.g. the questions on a topic the learner
    named) narrows the choice when one of them is open. Deterministic: depends on the state
    only. `other_than` is passed over unless it is the only question left.
    """
    open_ = [(i, q) for i, q in enumerate(bank.questions) if q.id not in state.mastered]
    open_ = [iq for iq in open_ if iq[1].id != other_than] or open_
    if among:
        open_ = [iq for iq in open_ if iq[1].id in among] or open_
    if not open_:
        return None
    unasked = _unasked(bank, state, with_topics=True)
    return min(open_, key=lambda iq: _rank(iq[1], iq[0], state, step, unasked))[1]


def ask(
    bank: QuizBank, state: QuizState, step: int | None = None, among: list[str] | None = None
) -> Question | None:
    """`next_question`, remembered as the pending question in `state.current` and in the
    ask log. Asked while a question is open, another one: the learner asked to move on (the
    open one, unanswered, comes back later), so a question is never repeated straight away."""
    question = next_question(bank, state, step, other_than=state.current, among=among)
    state.current = question.id if question else None
    if question is not None:
        state.asked.append(question.id)
    return question


def left_to_ask(bank: QuizBank, state: QuizState, question: Question) -> tuple[int, int]:
    """(questions of `question`'s topic not yet asked, questions not yet mastered), besides it."""
    unasked = _unasked(bank, state) - {question.id}
    topic = sum(1 for q in bank.questions if q.id in unasked and q.topic == question.topic)
    open_ = sum(1 for q in bank.questions if q.id not in state.mastered and q.id != question.id)
    return topic, open_
