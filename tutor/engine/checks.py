"""After a model's reply: the shared fact checker's visible notes (tutor.facts).

The facts are what the tools produced this turn: the demo's printed output (or the lesson's
own demo when none ran) and the team's allocation; the lifecycle is the lesson's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tutor.content.pack import lexicon
from tutor.facts import FactIssue, Facts, check_claims
from tutor.tools.registry import ALLOCATE, DEMO


def fact_issues(
    model_text: str, results: Sequence[tuple[str, Any]], question: str = ""
) -> list[FactIssue]:
    """The claims of `model_text` (answering the learner's `question`) that contradict the
    facts, one per learner-facing note."""
    demo = next((a for name, a in reversed(results) if name == DEMO and a is not None), None)
    allocation = next(
        (a for name, a in reversed(results) if name == ALLOCATE and a is not None), None
    )
    facts = Facts(demo_output=getattr(demo, "output", None), allocation=allocation)
    issues = check_claims(model_text, facts, lexicon(), question=question)
    by_note: dict[str, FactIssue] = {}
    for issue in issues:
        by_note.setdefault(issue.note, issue)
    return list(by_note.values())
