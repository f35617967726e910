"""Scoring what the tutor does with a message sent while a question is open, end to end.

Each labelled case opens its bank question in a fresh offline `TutorSession` (as the quiz's
current question, or as a quick check), sends the message through the real turn path and
reads what the tutor did from the events: graded it (an answer), revealed the answer (the
learner did not know), gave a hint without using an attempt, or neither (answered it as a
question, a request, a remark or pushback). `python -m tests.open_question_score` prints the
tables for every labelled file.
"""

from __future__ import annotations

import asyncio
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tutor.backends.context import OpenQuestion
from tutor.backends.offline import OfflineBackend
from tutor.engine import TutorSession
from tutor.engine.conversation import DialogueState
from tutor.engine.events import TextDelta, ToolFinished
from tutor.tools.registry import GRADE

DATA = Path(__file__).parent / "data"
FILES = {
    "independent": DATA / "independent" / "open_question.toml",
    "own": DATA / "open_question.toml",
}
KINDS = ("answer", "dont_know", "question", "request", "remark", "pushback")
Outcome = Literal["graded", "revealed", "hint", "other"]
OUTCOMES: tuple[Outcome, ...] = ("graded", "revealed", "hint", "other")
#: what the tutor may do with each kind of message
RIGHT: dict[str, set[str]] = {
    "answer": {"graded"},
    "dont_know": {"revealed"},
    "question": {"other"},
    "request": {"other", "hint"},
    "remark": {"other"},
    "pushback": {"other"},
}


@dataclass(frozen=True)
class Result:
    case: dict
    outcome: Outcome
    still_open: bool
    reply: str

    @property
    def right(self) -> bool:
        return self.outcome in RIGHT[self.case["kind"]]


def cases(name: str) -> list[dict]:
    path = FILES[name]
    return tomllib.loads(path.read_text())["case"] if path.exists() else []


def open_session(question_id: str, how: str) -> TutorSession:
    session = TutorSession(OfflineBackend())
    if how == "quiz":
        session.conversation.quiz.current = question_id
    else:
        check = OpenQuestion(kind="check", id=question_id)
        session.conversation.dialogue = DialogueState(open_check=check)
    return session


def outcome_of(tools: list[ToolFinished]) -> Outcome:
    grades = [t for t in tools if t.name == GRADE and t.ok]
    if not grades:
        return "other"
    import json

    result = json.loads(grades[-1].output)
    if result.get("verdict") != "skipped":
        return "graded"
    return "revealed" if result.get("revealed") else "hint"


async def run_case(case: dict, how: str) -> Result:
    session = open_session(case["question"], how)
    events = [e async for e in session.send(case["message"])]
    tools = [e for e in events if isinstance(e, ToolFinished)]
    reply = "".join(e.text for e in events if isinstance(e, TextDelta))
    still_open = session.conversation.open_question == OpenQuestion(kind=how, id=case["question"])  # type: ignore[arg-type]
    return Result(case, outcome_of(tools), still_open, reply)


def score(name: str, how: str = "quiz") -> list[Result]:
    async def run_all() -> list[Result]:
        return [await run_case(c, how) for c in cases(name)]

    return asyncio.run(run_all())


def questions_graded(results: list[Result]) -> list[Result]:
    return [r for r in results if r.case["kind"] == "question" and r.outcome == "graded"]


def report(results: list[Result], title: str) -> str:
    table = Counter((r.case["kind"], r.outcome) for r in results)
    right = sum(r.right for r in results)
    lines = [
        f"## {title}: {right}/{len(results)} classified right "
        f"({100 * right / max(1, len(results)):.1f}%), "
        f"{len(questions_graded(results))} questions graded as answers",
        "",
        "| label \\ tutor did | " + " | ".join(OUTCOMES) + " |",
        "|---|" + "---|" * len(OUTCOMES),
    ]
    for kind in KINDS:
        row = [str(table[(kind, o)]) for o in OUTCOMES]
        lines.append(f"| {kind} | " + " | ".join(row) + " |")
    wrong = [r for r in results if not r.right]
    if wrong:
        lines += ["", "Wrong:"]
        lines += [
            f"- [{r.case['kind']} → {r.outcome}] {r.case['question']}: {r.case['message']!r}"
            for r in wrong
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    modes = sys.argv[1:] or ["quiz", "check"]
    for how in modes:
        for name in FILES:
            if cases(name):
                print(report(score(name, how), f"{name} file, question open as a {how}"))
                print()
