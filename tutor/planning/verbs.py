"""Small facts of English verbs the team reader's structure rests on: copulas, the adverbs
that stand between a subject and its verb, and a verb in the third person ("trains",
"keeps"). Shared by `tutor.planning.evidence` and `tutor.planning.words`. Pure.
"""

from __future__ import annotations

import simplemma

from tutor.text import is_ordinary_word

# Adverbs of focus and frequency, which stand between a subject and its verb.
FOCUS_ADVERBS = frozenset({"also", "just", "only", "mostly", "mainly", "usually", "really"})
COPULAS = frozenset({"is", "was", "are", "were", "be"})  # "be": how tokens lemmatise "are"


def third_person(word: str) -> bool:
    """'advises', 'trains', 'keeps': a lowercase verb in the third person after a name."""
    if not word.islower() or not word.endswith("s") or word.endswith("ss") or len(word) < 4:
        return False
    return is_ordinary_word(word) and simplemma.lemmatize(word, lang="en") != word
