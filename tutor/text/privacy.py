"""Personal names out of a learner's words before they are kept apart from the learner (the
declined questions a course author reads). Pure.

A word is taken for a name when it is one the learner gave as a person (their team), when the
maintained word list knows it only as a proper noun ("lisbon", any case), or when it is written
capitalised and is no ordinary English word; never when it names the lesson's vocabulary. All-caps and inner-capital words are kept (SRE, MLflow):
they are acronyms and products far more often than people. A capitalised product name that is
no English word ("Kubernetes") is masked too: an author loses a word, no learner is named.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.text.english import is_ordinary_word, is_proper_noun
from tutor.text.lexicon import Lexicon

NAME_MARK = "[name]"


def mask_names(text: str, lexicon: Lexicon, known: Iterable[str] = ()) -> str:
    """`text` with each word that names a person replaced by NAME_MARK."""
    reading = lexicon.read(text)
    vocabulary = {i for m in reading.mentions for i in range(m.first, m.last)}
    people = {w.lower() for name in known for w in name.split()}
    spans = {  # a set: a word split in two ("Ana's") is one span
        (t.start, t.end)
        for i, t in enumerate(reading.tokens)
        if i not in vocabulary and _looks_like_name(t.surface(text), people)
    }
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + NAME_MARK + text[end:]
    return text


def _looks_like_name(word: str, people: set[str]) -> bool:
    bare = word.removesuffix("'s").removesuffix("\u2019s")
    if bare.lower() in people or is_proper_noun(bare):
        return True
    capitalised = bare[:1].isupper() and bare[1:].islower()
    return capitalised and bare.isalpha() and not is_ordinary_word(bare)
