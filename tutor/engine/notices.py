"""What the learner is told when an answer ends early: the engine says it as the turn ends, and
the web view says the same words for a stored turn that has no notice of its own (its process
died mid-answer). One place, so the two never drift apart."""

from __future__ import annotations

#: appended to the text the learner saw when an answer is cut off (kept in the history too)
CUT_OFF_MARK = " […cut off]"
STOPPED = "You stopped this answer. Retry to ask again."
INTERRUPTED = (
    "This answer was interrupted (the page was closed or the tutor stopped). Retry to ask again."
)
#: a stored turn still "in progress" whose process is gone
ABANDONED = "This answer was interrupted (the tutor stopped). Retry to ask again."
CUT_OFF = "This answer was cut off."
