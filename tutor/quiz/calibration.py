"""Agreement of the quiz's rules with a teacher's verdicts on labelled learner answers.

Pure: the caller passes the bank, the lexicon and the labelled rows (tests/data/
quiz_answers.jsonl, read by `tutor quiz calibrate`); the result is a confusion matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, field_validator

from tutor.quiz.bank import QuizBank
from tutor.quiz.grading import assess
from tutor.quiz.state import VERDICTS, Verdict
from tutor.text import Lexicon


class Labelled(BaseModel):
    """One learner answer and the verdict a teacher gave it."""

    question: str
    answer: str
    verdict: Verdict
    tag: str = ""

    @field_validator("verdict", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


@dataclass
class Calibration:
    """matrix[teacher][grader] counts, and the disagreements."""

    matrix: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: dict.fromkeys(VERDICTS, 0) for t in VERDICTS}
    )
    disagreements: list[tuple[Labelled, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.matrix.values())

    @property
    def agreement(self) -> float:
        same = sum(self.matrix[v][v] for v in VERDICTS)
        return same / self.total if self.total else 0.0

    @property
    def false_accepts(self) -> int:
        """Answers the teacher did not mark correct that the grader did."""
        return sum(self.matrix[t]["correct"] for t in VERDICTS if t != "correct")

    def render(self) -> str:
        width = max(len(v) for v in VERDICTS) + 2
        head = "teacher \\ grader".ljust(18) + "".join(v.rjust(width) for v in VERDICTS)
        rows = [
            t.ljust(18) + "".join(str(self.matrix[t][g]).rjust(width) for g in VERDICTS)
            for t in VERDICTS
        ]
        tail = (
            f"{self.total} answers, agreement {self.agreement:.1%}, "
            f"false accepts (graded correct, teacher did not): {self.false_accepts}"
        )
        return "\n".join([head, *rows, tail])


def calibrate(bank: QuizBank, lexicon: Lexicon, rows: list[Labelled]) -> Calibration:
    """Grade every labelled answer by the rules (no model) and compare with the teacher."""
    result = Calibration()
    for row in rows:
        got = assess(lexicon, bank.get(row.question), row.answer, bank.guard).verdict
        result.matrix[row.verdict][got] += 1
        if got != row.verdict:
            result.disagreements.append((row, got))
    return result
