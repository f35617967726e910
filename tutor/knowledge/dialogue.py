"""Whether a learner's message opens a question of its own rather than answering the tutor's
open one ("what is a handoff?" vs "the SRE?"). Pure.

The conversation's state (the open question, the subject of the last answer, the questions
offered) is data the engine keeps (`tutor.backends.context.TurnContext`), never read back
from the tutor's words.
"""

from __future__ import annotations

from tutor.text import Lexicon

# Words that open a new question rather than answer one ("what…", "who…", "explain…"); a
# tentative answer ("is it the SRE?", "the SRE?") is still an answer.
_OPENERS = frozenset(
    {"what", "whats", "who", "whom", "whose", "why", "how", "when", "where", "which", "explain",
     "describe", "define", "tell", "show", "walk", "can", "could", "would", "should", "difference"}
)  # fmt: skip


def is_new_question(lexicon: Lexicon, text: str) -> bool:
    """A question or request of its own, not an answer to the tutor's pending question."""
    tokens = lexicon.read(text).tokens
    if not tokens or text.strip().startswith("/"):
        return bool(text.strip().startswith("/"))
    return tokens[0].norm in _OPENERS and (text.rstrip().endswith("?") or len(tokens) > 3)
