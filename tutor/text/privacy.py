"""Personal names out of a learner's words before they are kept apart from the learner (the
declined questions a course author reads). Pure.

A word is taken for a name when the learner gave it as a person (their team), when the
maintained word list knows it only as a proper noun ("lisbon", any case), or when it is
written capitalised and is either unknown to the list and the lemmatizer ("Priya") or, inside
a sentence, a proper noun of the list ("Grace"; a sentence's first word, "Will the SRE
...", must be only a proper noun); never when it names the lesson's vocabulary. All-caps and
inner-capital words are kept (SRE, MLflow): acronyms and products far more often than people.
A capitalised product name no list knows ("Kubernetes") is masked too: an author loses a
word, no learner is named.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.text.english import can_be_proper_noun, is_proper_noun
from tutor.text.lexicon import Lexicon
from tutor.text.tokens import is_dictionary_word

NAME_MARK = "[name]"


def mask_names(text: str, lexicon: Lexicon, known: Iterable[str] = ()) -> str:
    """`text` with each word that names a person replaced by NAME_MARK."""
    reading = lexicon.read(text)
    vocabulary = {i for m in reading.mentions for i in range(m.first, m.last)}
    people = {w.lower() for name in known for w in name.split()}
    spans = {  # a set: a word split in two ("Ana's") is one span
        (t.start, t.end)
        for i, t in enumerate(reading.tokens)
        if i not in vocabulary and _looks_like_name(t.surface(text), people, _opens(text, t.start))
    }
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + NAME_MARK + text[end:]
    return text


def _opens(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence (capitalised for that reason alone)."""
    before = text[:start].rstrip()
    return not before or before[-1] in ".?!:;\n"


def _looks_like_name(word: str, people: set[str], opens: bool) -> bool:
    bare = word.removesuffix("'s").removesuffix("\u2019s")
    if bare.lower() in people or is_proper_noun(bare):
        return True
    capitalised = bare[:1].isupper() and bare[1:].islower()
    if not (capitalised and bare.isalpha()):
        return False
    return not is_dictionary_word(bare.lower()) or (can_be_proper_noun(bare) and not opens)
