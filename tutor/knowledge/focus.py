"""What a "what is X?" / "explain X" / "write me X" question is about, and whether the
knowledge base knows it.

Retrieval scores the words a question shares with an entry, so "write me a poem about data
pipelines" or "can you explain what a feature store is" reach the pipeline and skew entries on
their lesson words alone. The phrase a request frame points at says what is asked: the words
after the frame (`FocusCues.frames`), past determiners and fillers, up to a preposition or the
clause's end ("a poem" before "about", "the best laptop" before "for"). When that phrase names
nothing of the lesson's vocabulary and holds a word the knowledge base never uses, the
question is about something else, however many lesson words follow: the tutor declines.

Pure: the cues, the reading and what the index knows are passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cache

from pydantic import BaseModel, ConfigDict

from tutor.text import Reading, normalize


class FocusCues(BaseModel):
    """prompts/knowledge.toml `[focus]`: the words that open a request for one thing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: verbs that ask for one thing to be explained or made ("explain X", "write me X")
    frames: tuple[str, ...]
    #: "what" opens a definition only when one of these follows ("what's a", "what are the")
    what_openers: tuple[str, ...]
    #: words that end the asked-for phrase once it has begun (prepositions, conjunctions)
    ends: tuple[str, ...]
    #: nouns that name the kind of answer wanted, not its topic ("the reason", "the diff")
    kinds: tuple[str, ...]
    #: "how big", "how many", "how often": a question for a quantity, answered only by an
    #: entry that gives one
    quantities: tuple[str, ...]


def focus(reading: Reading, cues: FocusCues, stopwords: frozenset[str]) -> list[int]:
    """Token indices of the phrase the last request frame points at ([] when none)."""
    norms = [t.norm for t in reading.tokens]
    frames, openers, ends = _words(cues.frames), _words(cues.what_openers), _words(cues.ends)
    skipped = stopwords | openers | ends | _words(cues.kinds)
    start = None
    for i, word in enumerate(norms):
        opens_what = word == "what" and i + 1 < len(norms) and norms[i + 1] in openers
        if word in frames or opens_what:
            start = i + 1
    if start is None:
        return []
    phrase: list[int] = []
    for i in range(start, len(norms)):
        if reading.clause_of[i] != reading.clause_of[start]:
            break
        if norms[i] in ends and phrase:
            break
        if norms[i] not in skipped:
            phrase.append(i)
    return phrase


def asks_about_unknown(
    reading: Reading,
    cues: FocusCues,
    stopwords: frozenset[str],
    known: Callable[[str], bool],
) -> bool:
    """The asked-for phrase names nothing of the lesson and holds a word the knowledge base
    does not know (`known`: the index's vocabulary, typos included)."""
    phrase = focus(reading, cues, stopwords)
    if not phrase:
        return False
    named = {i for m in reading.mentions for i in range(m.first, m.last)}
    if any(i in named for i in phrase):
        return False
    return any(not known(reading.tokens[i].norm) for i in phrase)


@cache  # the cues are fixed content: normalised once, not on every message
def _words(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for phrase in phrases for w in normalize(phrase))


def asks_quantity(reading: Reading, cues: FocusCues) -> bool:
    """ "how big should the rotation be?", "how many handoffs does it print?" """
    norms, amounts = reading.norms, _words(cues.quantities)
    return any(a == "how" and b in amounts for a, b in itertools.pairwise(norms))
