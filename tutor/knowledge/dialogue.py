"""Dialogue state the offline tutor reads back from the conversation: the question it asked
last (a quick check or "describe your team"), the questions it offered as `/ask N`, and the
stage or responsibility whose owner its last message stated (the subject of "no, it's X").

Nothing is kept in memory: everything is read from the tutor's own last message, so a resumed
session behaves the same. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.text import Lexicon

# "- `/ask 2` — What is a handoff?" (the format of `Answerer._decline`, see OFFLINE_API.md).
SUGGESTION = re.compile(r"^\s*(?:[-*]\s*)?`?/ask\s+(\d+)`?\s*[—–-]+\s*(.+?)\s*$", re.M)
# The owner fact of `Answerer._fact` ("In the lesson's demo, **on-call / incidents** is owned
# by …", "In the planner's catalogue, **data contract** is owned by the …").
FACT = re.compile(r"(?:lesson's demo|planner's catalogue), \*\*(.+?)\*\* is owned by", re.I)
# Words that open a new question rather than answer one ("what…", "who…", "explain…"); a
# tentative answer ("is it the SRE?", "the SRE?") is still an answer.
_OPENERS = frozenset(
    {"what", "whats", "who", "whom", "whose", "why", "how", "when", "where", "which", "explain",
     "describe", "define", "tell", "show", "walk", "can", "could", "would", "should", "difference"}
)  # fmt: skip


def suggestions_in(text: str) -> list[str]:
    """The questions a tutor message offered, in /ask order."""
    found = sorted((int(n), q) for n, q in SUGGESTION.findall(text or ""))
    return [q for _, q in found]


def suggested(previous_texts: Sequence[str], number: int) -> str | None:
    """Question `number` (1-based) of the latest tutor message that offered any."""
    for text in reversed(previous_texts):
        offered = suggestions_in(text)
        if offered:
            return offered[number - 1] if 1 <= number <= len(offered) else None
    return None


def is_new_question(lexicon: Lexicon, text: str) -> bool:
    """A question or request of its own, not an answer to the tutor's pending question."""
    tokens = lexicon.read(text).tokens
    if not tokens or text.strip().startswith("/"):
        return bool(text.strip().startswith("/"))
    return tokens[0].norm in _OPENERS and (text.rstrip().endswith("?") or len(tokens) > 3)


def asked(last_tutor_text: str, questions: Sequence[str]) -> int | None:
    """Which of the tutor's own questions its last message ended by asking, if any."""
    flat = " ".join((last_tutor_text or "").split())
    for index, question in enumerate(questions):
        if question and " ".join(question.split()) in flat:
            return index
    return None


def subject(last_tutor_text: str) -> str | None:
    """The stage or responsibility whose owner the tutor's last message stated, if one: what a
    bare claim that follows ("no, I'm sure it's the data scientist") is about."""
    found = FACT.findall(last_tutor_text or "")
    return found[0] if len(set(found)) == 1 else None
