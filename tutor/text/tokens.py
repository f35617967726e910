"""Words of learner text, each with its place in the text and a normalised form.

The normal form folds what learners vary but does not change meaning: case, plurals and verb
forms (a lemmatizer, simplemma), British/American spelling ("productionise"), contractions
("isn't" -> "is" "not"), number words ("three" -> "3") and glued times ("3am" -> "3" "am").
Every token keeps its character span, so a caller can quote exactly what the learner wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import simplemma

# A word: letters/digits, with inner apostrophes ("isn't", "team's") and inner hyphens kept
# apart later. Underscores are separators.
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_GLUED_NUMBER = re.compile(r"^(\d+)([^\W\d_]+)$")
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
} | {"dozen": "12", "couple": "2", "pair": "2", "single": "1", "solo": "1"}
# Spelling variants fold to one form before lemmatising.
_SPELLING = (
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ise", "ize"),
)
# Verb and noun endings simplemma leaves alone on rare words ("productionizes", "handoffs").
_FALLBACK_ENDINGS = (("izes", "ize"), ("ized", "ize"), ("izing", "ize"), ("ies", "y"))
# Short words that look like plurals but are not ("sre" stays, "ops" stays).
_KEEP_S = frozenset({"ops", "devops", "mlops", "llmops", "its", "this", "has", "was", "is", "us"})
_NEGATIVE_CONTRACTION = ("n't", "n\u2019t")
_IRREGULAR_NEGATIVE = {"can't": "can", "won't": "will", "cannot": "can", "shan't": "shall"}
_CLITICS = ("'s", "'re", "'m", "'ll", "'ve", "'d")
# The plural of an acronym is written with a lowercase "s" ("DSs", "SREs", "PMs", "APIs").
_ACRONYM_PLURAL = re.compile(r"^([A-Z]{2,})s$")


@dataclass(frozen=True)
class Token:
    """One word: its normal form and where it stands in the original text."""

    norm: str
    start: int
    end: int

    def surface(self, text: str) -> str:
        return text[self.start : self.end]


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """The normal form of one lowercase word without apostrophes."""
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if len(word) <= 2:  # "am" after "3" is a time, "is"/"de"/"pm" stay as written
        return word
    if len(word) > 5:
        for old, new in _SPELLING:
            if word.endswith(old):
                word = word[: -len(old)] + new
                break
    lemma = simplemma.lemmatize(word, lang="en").lower()
    if lemma != word:
        return lemma
    for old, new in _FALLBACK_ENDINGS:
        if len(word) > len(old) + 2 and word.endswith(old):
            return word[: -len(old)] + new
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word not in _KEEP_S:
        return word[:-1]
    return word


def _split_clitic(word: str) -> tuple[str, list[str]]:
    """'isn't' -> ('is', ['not']); "team's" -> ('team', []); 'cannot' -> ('can', ['not'])."""
    lowered = word.lower().replace("\u2019", "'")
    if lowered in _IRREGULAR_NEGATIVE:
        return _IRREGULAR_NEGATIVE[lowered], ["not"]
    if lowered.endswith("n't"):
        return lowered[:-3], ["not"]
    for clitic in _CLITICS:
        if lowered.endswith(clitic):
            return lowered[: -len(clitic)], []
    return lowered.replace("'", ""), []


@lru_cache(maxsize=256)  # a long reply is ~100 kB of tokens: keep the cache small
def tokenize(text: str) -> tuple[Token, ...]:
    """The words of `text` in order, normalised, each with its character span.

    Cached: every reply is checked against the same lesson, note and learner text several
    times (tutor.facts.usefulness), and the result is immutable."""
    tokens: list[Token] = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        head, extra = _split_clitic(match.group())
        glued = _GLUED_NUMBER.match(head)
        if glued:  # "3am" -> "3", "am"
            cut = start + len(glued.group(1))
            tokens.append(Token(glued.group(1), start, cut))
            tokens.append(Token(glued.group(2), cut, end))  # a unit: 'am', 'pm', 'x'
        elif head:
            plural = _ACRONYM_PLURAL.match(match.group())
            norm = plural.group(1).lower() if plural else normalize_word(head)
            tokens.append(Token(norm, start, end))
        tokens.extend(Token(norm, start, end) for norm in extra)
    return tuple(tokens)


@lru_cache(maxsize=65536)
def is_dictionary_word(word: str) -> bool:
    """Whether a lowercase word is an English word the lemmatizer knows ("weather" is; the
    typo "diffrence" is not): only unknown words should be read as typos of known ones."""
    return simplemma.is_known(word, lang="en")


@lru_cache(maxsize=1024)  # tuples of shared strings (normalize_word's cache)
def normalize(text: str) -> tuple[str, ...]:
    """Just the normal forms of the words of `text` (cached, as `tokenize`)."""
    return tuple(t.norm for t in tokenize(text))
