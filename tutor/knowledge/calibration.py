"""Calibrating the knowledge base's confidence thresholds on labelled learner questions.

Each threshold of prompts/knowledge.toml (`threshold`, `action_threshold`,
`misconception_threshold`) is swept over a grid while the others keep their recorded values;
at each value every labelled question is answered and counted right (the labelled entry, or a
decline when "decline" is labelled), declined (a decline where an entry was labelled) or wrong
(any other entry, or an answer where a decline was labelled). Precision before recall: a wrong
answer costs WRONG_COST declines. The calibrated range is every grid value with the best
cost; a recorded value that scores worse than that range has moved. A threshold whose labelled
questions score the same at every value is reported as not decided by the data. Pure: the
labelled questions are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutor.knowledge.answer import Answer, Answerer, Facts
from tutor.knowledge.base import KnowledgeData
from tutor.text import Lexicon

THRESHOLDS = ("threshold", "action_threshold", "misconception_threshold")
GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95
WRONG_COST = 3  # a confident wrong answer is worse than three honest declines
DECLINE = "decline"


@dataclass(frozen=True)
class Labelled:
    """A learner's question and the entry id (or "decline") that must answer it."""

    question: str
    expect: str


@dataclass(frozen=True)
class Score:
    right: int
    declined: int
    wrong: int

    @property
    def cost(self) -> int:
        return self.declined + WRONG_COST * self.wrong

    def __str__(self) -> str:
        return f"{self.right} right, {self.declined} declined, {self.wrong} wrong"


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold: its recorded value and score, and the best range on the grid."""

    name: str
    recorded: float
    recorded_score: Score
    best: tuple[float, ...]
    best_score: Score
    decided: bool  # False: every value scores the same on these questions

    @property
    def moved(self) -> bool:
        return self.decided and self.recorded_score.cost > self.best_score.cost

    def render(self) -> str:
        span = f"{self.best[0]:g}" if len(self.best) == 1 else f"{self.best[0]:g}-{self.best[-1]:g}"
        if not self.decided:
            return f"{self.name} = {self.recorded:g}: not decided by the labelled questions"
        if self.moved:
            return (
                f"{self.name} = {self.recorded:g}: MOVED to {span} "
                f"(recorded: {self.recorded_score}; calibrated: {self.best_score})"
            )
        return f"{self.name} = {self.recorded:g}: holds (best {span}; {self.recorded_score})"


def route(answer: Answer) -> str:
    """What answered: the entry, the action, or "decline"."""
    return DECLINE if answer.declined else (answer.action or answer.entry or DECLINE)


def score(answerer: Answerer, cases: Sequence[Labelled]) -> Score:
    right = declined = wrong = 0
    for case in cases:
        got = route(answerer.answer(case.question))
        if got == case.expect:
            right += 1
        elif got == DECLINE:
            declined += 1
        else:
            wrong += 1
    return Score(right, declined, wrong)


def check_threshold(
    name: str, data: KnowledgeData, lexicon: Lexicon, facts: Facts, cases: Sequence[Labelled]
) -> ThresholdCheck:
    """Sweep one threshold over the grid (the others as recorded) and compare."""
    recorded = float(getattr(data, name))

    def at(value: float) -> Score:
        return score(Answerer(data.model_copy(update={name: value}), lexicon, facts), cases)

    scores = {value: at(value) for value in GRID}
    best_cost = min(s.cost for s in scores.values())
    best = tuple(v for v, s in scores.items() if s.cost == best_cost)
    return ThresholdCheck(
        name=name,
        recorded=recorded,
        recorded_score=at(recorded),
        best=best,
        best_score=scores[best[0]],
        decided=len({s.cost for s in scores.values()}) > 1,
    )


def calibrate(
    data: KnowledgeData, lexicon: Lexicon, facts: Facts, cases: Sequence[Labelled]
) -> list[ThresholdCheck]:
    """Every threshold of the knowledge base, checked against the labelled questions."""
    return [check_threshold(name, data, lexicon, facts, cases) for name in THRESHOLDS]
