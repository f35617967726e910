"""After a model's reply: the shared fact checker's visible notes (tutor.facts).

The facts are what the tools produced this turn: the demo's printed output (or the lesson's
own demo when none ran) and the team's allocation; the lifecycle is the lesson's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tutor.content.pack import lexicon
from tutor.facts import Facts, check_claims
from tutor.tools.registry import ALLOCATE, DEMO


def fact_notes(model_text: str, results: Sequence[tuple[str, Any]]) -> list[str]:
    """One learner-facing line per claim of `model_text` that contradicts the facts."""
    demo = next((a for name, a in reversed(results) if name == DEMO and a is not None), None)
    allocation = next(
        (a for name, a in reversed(results) if name == ALLOCATE and a is not None), None
    )
    facts = Facts(demo_output=getattr(demo, "output", None), allocation=allocation)
    notes = dict.fromkeys(issue.note for issue in check_claims(model_text, facts, lexicon()))
    return list(notes)
