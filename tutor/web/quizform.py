"""The quiz's answer controls, as plain data (no gradio): which controls a waiting question
needs, and the answer text they compose, in the forms `tutor.quiz.QuestionView` documents.

- single_choice: one radio per option, sent as its letter ("b");
- multi_choice: checkboxes, sent as the ticked letters ("a, c");
- match: one dropdown per item offering the lettered options, sent as "1=b; 2=a";
- order: one dropdown per position offering the numbered items, sent as "3, 1, 2";
- count: a number, sent as "5";
- free_text (or a kind this module does not know yet): no controls, the learner types.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LETTERS = string.ascii_lowercase
MAX_PICKS = 8  # dropdowns kept ready for match and order questions
SKIP = "I don't know"


@dataclass(frozen=True)
class AnswerForm:
    """The controls for one waiting question (`kind` "" when there is nothing to show)."""

    kind: str = ""
    #: (label, value) choices of the radio or the checkboxes
    choices: list[tuple[str, str]] = field(default_factory=list)
    #: one (label, choices) per dropdown, for match and order
    picks: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return bool(self.kind)


def answer_form(question: Any | None) -> AnswerForm:
    """The controls for `question` (a QuestionView, or None when no question waits)."""
    if question is None:
        return AnswerForm()
    kind = getattr(question, "kind", "free_text")
    options: Sequence[str] = getattr(question, "options", ()) or ()
    items: Sequence[str] = getattr(question, "items", ()) or ()
    lettered = [(f"{LETTERS[i].upper()}) {text}", LETTERS[i]) for i, text in enumerate(options)]
    if kind in ("single_choice", "multi_choice") and lettered:
        return AnswerForm(kind, choices=lettered)
    if kind == "match" and items and lettered and len(items) <= MAX_PICKS:
        return AnswerForm(
            kind, picks=[(f"{i}. {item}", lettered) for i, item in enumerate(items, start=1)]
        )
    if kind == "order" and items and len(items) <= MAX_PICKS:
        numbered = [(f"{i}. {item}", str(i)) for i, item in enumerate(items, start=1)]
        return AnswerForm(
            kind, picks=[(f"Position {i}", numbered) for i in range(1, len(items) + 1)]
        )
    if kind == "count":
        return AnswerForm(kind)
    return AnswerForm()


def compose_answer(
    kind: str,
    choice: Any = None,
    checks: Sequence[str] | None = None,
    picks: Sequence[Any] = (),
    number: Any = None,
) -> str | None:
    """The learner's answer as text the grader reads, or None when nothing was chosen."""
    if kind == "single_choice":
        return str(choice) if choice else None
    if kind == "multi_choice":
        return ", ".join(sorted(checks)) if checks else None
    chosen = [str(p) if p else "" for p in picks]
    if kind == "match":
        pairs = [f"{i}={p}" for i, p in enumerate(chosen, start=1) if p]
        return "; ".join(pairs) if pairs else None
    if kind == "order":
        order = [p for p in chosen if p]
        return ", ".join(order) if order else None
    if kind == "count":
        if number is None or number == "":
            return None
        value = float(number)
        return str(int(value)) if value.is_integer() else str(value)
    return None
