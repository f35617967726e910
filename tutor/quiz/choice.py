"""Which options an answer picks: option letters in any phrasing, or an option's own words.

Reads the answer through the shared text module (tokens with spans, lemmas, typo tolerance,
polarity); used by the exact graders for single and multiple choice, match and order.
"""

from __future__ import annotations

import itertools
import re

from tutor.quiz.reading import locate, span_polarity
from tutor.text import Lexicon, Reading, Token, tokenize

# "a" (and "i") are English words as well as option letters: they count as a letter only in
# answer-like positions. Any other option letter standing alone as a word is a letter.
_WORDLIKE_LETTERS = frozenset("ai")
_LETTER_CUES = frozenset({"option", "choice", "letter", "answer"})
_CLAIM_AFTER = ("is correct", "is right", "is the answer", "is my answer", "because", "since")
_LIST_WORDS = frozenset({"or", "and"})
_DIRECTED = re.compile(r"->|\u2192")  # "Data Scientist -> ML Engineer": order matters


def _gap(text: str, tokens: tuple[Token, ...], k: int) -> str:
    """The characters between token k-1 and token k (k == len: after the last token)."""
    start = tokens[k - 1].end if k else 0
    end = tokens[k].start if k < len(tokens) else len(text)
    return text[start:end]


def _is_abbreviation(text: str, tokens: tuple[Token, ...], k: int) -> bool:
    """'e.g.', 'a.m.', 'A/B test': single letters glued by '.' or '/' to another letter."""
    glued = {".", "/"}
    before = k > 0 and _gap(text, tokens, k) in glued and len(tokens[k - 1].surface(text)) == 1
    after = k + 1 < len(tokens) and _gap(text, tokens, k + 1) in glued
    after = after and len(tokens[k + 1].surface(text)) == 1
    if not (before or after):
        return False
    last = max(k, k + 1 if after else k)
    # "A/B" alone lists two letters; "A/B test" and "3 a.m." are words.
    return last + 1 < len(tokens) or _gap(text, tokens, last + 1).startswith(".")


def _is_letter_use(text: str, tokens: tuple[Token, ...], k: int, letters: str) -> bool:
    """Is a lone "a" at token k an option letter rather than the article?"""
    before, after = _gap(text, tokens, k), _gap(text, tokens, k + 1)
    if before.rstrip().endswith(("(", "[")) or (k and tokens[k - 1].norm in _LETTER_CUES):
        return True
    if k + 1 == len(tokens) or after.strip()[:1] in {".", "!", "?", ",", ";", ":", ")", "]"}:
        return True
    for j in (k - 1, k + 1):  # "A C D F": among other option letters
        if 0 <= j < len(tokens) and _gap(text, tokens, max(j, k)).strip(" ,/&") == "":
            other = tokens[j].surface(text).lower()
            if len(other) == 1 and other in letters and other not in _WORDLIKE_LETTERS:
                return True
    rest = " ".join(t.surface(text).lower() for t in tokens[k + 1 : k + 4])
    if rest.startswith(_CLAIM_AFTER):
        return True
    for j in (k - 2, k + 2):
        if 0 <= j < len(tokens) and tokens[(j + k) // 2].norm in _LIST_WORDS:
            other = tokens[j].surface(text).lower()
            if len(other) == 1 and other in letters:
                return True
    return False


def _letter_tokens(answer: str, letters: str) -> list[tuple[str, int]]:
    """(letter, token index) of every option letter the answer names as a standalone word."""
    tokens = tokenize(answer)
    found = []
    for k, token in enumerate(tokens):
        letter = token.surface(answer).lower()
        if len(letter) != 1 or letter not in letters or _is_abbreviation(answer, tokens, k):
            continue
        if letter in _WORDLIKE_LETTERS and not _is_letter_use(answer, tokens, k, letters):
            continue
        found.append((letter, k))
    return found


def letters_named(answer: str, letters: str) -> list[str]:
    """The option letters (among `letters`) the answer names as standalone words, in order."""
    return [letter for letter, _ in _letter_tokens(answer, letters)]


def letters_claimed(lexicon: Lexicon, answer: str, letters: str) -> tuple[list[str], list[str]]:
    """(letters the answer picks, letters it denies: "not C", "definitely not A")."""
    reading = lexicon.read(answer)
    picked, denied = [], []
    for letter, k in _letter_tokens(answer, letters):
        hit = span_polarity(lexicon, reading, reading.tokens[k].start, reading.tokens[k].end)
        (picked if hit is None or hit.asserted else denied).append(letter)
    return picked, denied


def _entity_ids(lexicon: Lexicon, reading: Reading, *, asserted_only: bool) -> list[str]:
    seen = [
        f"{m.kind}:{m.id}"
        for m in reading.mentions
        if not asserted_only or (m.asserted and not m.aside)
    ]
    return list(dict.fromkeys(seen))


def _has_alternatives(reading: Reading) -> bool:
    """'ML engineer or SRE': alternatives, not one joint option."""
    ids = [i for i, m in enumerate(reading.mentions) if m.asserted and not m.aside]
    for a, b in itertools.pairwise(ids):
        between = reading.norms[reading.mentions[a].last : reading.mentions[b].first]
        if "or" in between or "either" in between:
            return True
    return False


def _entity_only(lexicon: Lexicon, option: str) -> bool:
    """Is the option just names of vocabulary entries ('ML Engineer + SRE/Platform')?"""
    reading = lexicon.read(option)
    covered = {i for m in reading.mentions for i in range(m.first, m.last)}
    rest = [
        t.norm
        for i, t in enumerate(reading.tokens)
        if i not in covered and t.norm not in lexicon.stopwords
    ]
    return bool(reading.mentions) and not rest


def _by_concepts(lexicon: Lexicon, options: tuple[str, ...], answer: str) -> int | None:
    """The one option whose own concepts the answer asserts ('nobody knowing who owns the
    boundaries' says 'unclear ownership of the boundaries'), when the answer denies nothing."""
    reading = lexicon.read(answer)
    covered = {i for m in reading.mentions for i in range(m.first, m.last)}
    negators = set(lexicon.cues.negators)
    if _has_alternatives(reading) or any(
        t.norm in negators for i, t in enumerate(reading.tokens) if i not in covered
    ):
        return None
    forms = [set(_entity_ids(lexicon, lexicon.read(o), asserted_only=False)) for o in options]
    own = [
        f - set().union(*(g for j, g in enumerate(forms) if j != i)) for i, f in enumerate(forms)
    ]
    said = set(_entity_ids(lexicon, reading, asserted_only=True))
    picked = [i for i, o in enumerate(own) if o & said]
    return picked[0] if len(picked) == 1 else None


def _by_entities(lexicon: Lexicon, options: tuple[str, ...], answer: str) -> int | None:
    """The option whose roles/stages/concepts the answer asserts exactly (in order when the
    option is directed, 'A -> B'). Options must all be made of vocabulary entries."""
    if not all(_entity_only(lexicon, o) for o in options):
        return None
    forms = [_entity_ids(lexicon, lexicon.read(o), asserted_only=False) for o in options]
    if len({tuple(f) for f in forms}) != len(forms):
        return None
    reading = lexicon.read(answer)
    if _has_alternatives(reading):
        return None
    said = _entity_ids(lexicon, reading, asserted_only=True)
    kinds = {f.split(":")[0] for form in forms for f in form}
    said = [s for s in said if s.split(":")[0] in kinds and any(s in f for f in forms)]
    picked = [
        i
        for i, form in enumerate(forms)
        if (said == form if _DIRECTED.search(options[i]) else set(said) == set(form))
    ]
    return picked[0] if len(picked) == 1 else None


def _content(lexicon: Lexicon, text: str) -> list[str]:
    return [
        t.norm
        for t in tokenize(text)
        if t.norm not in lexicon.stopwords and (len(t.norm) > 1 or t.norm.isdigit())
    ]


def _by_label(lexicon: Lexicon, options: tuple[str, ...], answer: str) -> int | None:
    """'Full: nobody carries on': options with a short label before ':' are picked by it."""
    labels = [o.split(":", 1)[0] if ":" in o else "" for o in options]
    if not all(labels) or any(len(label.split()) > 3 for label in labels):
        return None
    reading = lexicon.read(answer)
    said = [
        i
        for i, label in enumerate(labels)
        if (hits := locate(lexicon, reading, label)) and any(h.counts for h in hits)
    ]
    return said[0] if len(said) == 1 else None


def _by_words(
    lexicon: Lexicon, options: tuple[str, ...], answer: str, loose: bool = False
) -> int | None:
    """A paraphrased option: the answer asserts at least 2, and at least a third, of the words
    only that option has (one is enough when `loose`: a part of a list answer, which names one
    option for sure), and none that only another option has."""
    reading = lexicon.read(answer)
    if _has_alternatives(reading):
        return None
    contents = [set(_content(lexicon, o)) for o in options]
    own = [
        c - set().union(*(d for j, d in enumerate(contents) if j != i))
        for i, c in enumerate(contents)
    ]
    used = []
    for words in own:
        hits = [h for w in words for h in locate(lexicon, reading, w)]
        if any(not h.asserted for h in hits):
            used.append(-1)  # the answer denies this option's own words
        else:
            used.append(len({h.item for h in hits}))
    if any(n < 0 for n in used):
        return None
    ranked = sorted(range(len(used)), key=lambda j: -used[j])
    i, runner_up = ranked[0], used[ranked[1]] if len(ranked) > 1 else 0
    # One option clearly ahead: at least twice the words of any other.
    if used[i] == 0 or runner_up * 2 > used[i]:
        return None
    needed = 1 if loose or len(contents[i]) == 1 else max(2, -(-len(own[i]) // 3))
    return i if used[i] >= needed else None


def option_by_text(
    lexicon: Lexicon, options: tuple[str, ...], answer: str, loose: bool = False
) -> int | None:
    """The one option an answer names by its words (entities first, then a paraphrase)."""
    said = _content(lexicon, answer)
    alternatives = _has_alternatives(lexicon.read(answer))
    for i, option in enumerate(options):
        if said and not alternatives and _content(lexicon, option) == said:
            return i  # the option's text itself, whatever its words
    for way in (_by_label, _by_entities):
        found = way(lexicon, options, answer)
        if found is not None:
            return found
    found = _by_words(lexicon, options, answer, loose)
    return found if found is not None else _by_concepts(lexicon, options, answer)


def choice_index(lexicon: Lexicon, options: tuple[str, ...], answer: str) -> int | None:
    """Which option the answer picks, or None when it picks none or is ambiguous.

    One option letter standing alone ("B", "It's B", "I'd say B", "(B)", "B) ML Engineer")
    picks that option; two different letters are ambiguous, and so is a letter with another
    option's text ("B) Data Engineer" where B is ML Engineer).
    """
    letters = "abcdefgh"[: len(options)]
    picked, denied = letters_claimed(lexicon, answer, letters)
    named = set(picked)
    if denied and not named:
        return None  # "not C" picks nothing
    by_text = option_by_text(lexicon, options, answer)
    if len(named) > 1:
        return None
    if named:
        index = letters.index(named.pop())
        return index if by_text in (None, index) else None
    return by_text
