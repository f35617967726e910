"""Where an answer says a rubric item, and whether it asserts it.

An item is a vocabulary reference ("role:data_engineer": every phrasing of that entry in
prompts/vocabulary.toml) or a phrase ("owner ... unclear": up to GAP_WORDS words where it
says " ... "). Both are found through the shared text module (`tutor.text`): its tokens,
lemmas, typo tolerance and clause polarity. Nothing here normalises text itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tutor.quiz.bank import is_ref
from tutor.text import Lexicon, Reading, normalize
from tutor.text.clauses import negated

GAP_WORDS = 4


@dataclass(frozen=True)
class Hit:
    """One place an item occurs: token range [first, last), character span, polarity."""

    item: str
    first: int
    last: int
    start: int
    end: int
    asserted: bool
    aside: bool

    @property
    def counts(self) -> bool:
        """Said as the writer's own claim: asserted and not an aside."""
        return self.asserted and not self.aside


def _segments(phrase: str) -> list[tuple[str, ...]]:
    return [normalize(part) for part in phrase.split("...")]


def _run_at(lexicon: Lexicon, norms: tuple[str, ...], words: tuple[str, ...], i: int) -> bool:
    return i + len(words) <= len(norms) and all(
        lexicon.same_word(norms[i + k], w) for k, w in enumerate(words)
    )


def _ends(
    lexicon: Lexicon,
    norms: tuple[str, ...],
    clause_of: tuple[int, ...],
    segs: list[tuple[str, ...]],
    pos: int,
    clause: int,
) -> list[int]:
    """Ends of matches of the remaining segments, each within GAP_WORDS of the last."""
    if not segs:
        return [pos]
    out = []
    for i in range(pos, min(pos + GAP_WORDS + 1, len(norms))):
        if clause_of[i] != clause:
            break
        if _run_at(lexicon, norms, segs[0], i):
            out += _ends(lexicon, norms, clause_of, segs[1:], i + len(segs[0]), clause)
    return out


def phrase_spans(lexicon: Lexicon, reading: Reading, phrase: str) -> list[tuple[int, int]]:
    """Token spans where `phrase` occurs (gaps only where it says '...', within one clause)."""
    segs = _segments(phrase)
    if not all(segs):
        return []
    norms, clause_of = reading.norms, reading.clause_of  # norms is computed: read it once
    spans = []
    for i in range(len(norms)):
        if _run_at(lexicon, norms, segs[0], i):
            ends = _ends(lexicon, norms, clause_of, segs[1:], i + len(segs[0]), clause_of[i])
            if ends:
                spans.append((i, min(ends)))
    return spans


def _polarity(lexicon: Lexicon, reading: Reading, first: int, last: int) -> tuple[bool, bool]:
    """(asserted, aside) of the tokens [first, last), read as the text module reads mentions."""
    clause = next(c for c in reading.clauses if c.lo <= first < c.hi)
    spans = [(m.first, m.last) for m in reading.mentions] + [(first, last)]
    denied = negated(list(reading.norms), list(reading.clause_of), first, last, lexicon.cues, spans)
    return not denied and not clause.rejected, clause.aside


def locate(lexicon: Lexicon, reading: Reading, item: str) -> list[Hit]:
    """Every occurrence of one item in the read answer, in text order."""
    hits: list[Hit] = []
    if is_ref(item):
        kind, _, entry_id = item.partition(":")
        for m in reading.mentions:
            if m.kind == kind and m.id == entry_id:
                hits.append(Hit(item, m.first, m.last, m.start, m.end, m.asserted, m.aside))
        return hits
    for first, last in phrase_spans(lexicon, reading, item):
        asserted, aside = _polarity(lexicon, reading, first, last)
        start, end = reading.tokens[first].start, reading.tokens[last - 1].end
        hits.append(Hit(item, first, last, start, end, asserted, aside))
    return hits


def locate_all(lexicon: Lexicon, reading: Reading, items: Iterable[str]) -> list[Hit]:
    return sorted(
        (h for item in items for h in locate(lexicon, reading, item)), key=lambda h: h.first
    )


def token_range(reading: Reading, start: int, end: int) -> tuple[int, int] | None:
    """Tokens covered by the character span [start, end), if any."""
    inside = [i for i, t in enumerate(reading.tokens) if t.start >= start and t.end <= end]
    return (inside[0], inside[-1] + 1) if inside else None


def span_polarity(lexicon: Lexicon, reading: Reading, start: int, end: int) -> Hit | None:
    """A quoted span of the answer as a Hit (None when it covers no word)."""
    rng = token_range(reading, start, end)
    if rng is None:
        return None
    asserted, aside = _polarity(lexicon, reading, *rng)
    return Hit("span", rng[0], rng[1], start, end, asserted, aside)


def phrase_in(words: tuple[str, ...], phrase: str) -> bool:
    """Do normalised `words` hold `phrase` as whole words (gaps only where it says '...')?

    Exact words, no typo tolerance: for callers that already hold normalised words.
    """
    segs = _segments(phrase)
    if not all(segs):
        return False

    def from_(pos: int, rest: list[tuple[str, ...]], gap: int) -> bool:
        if not rest:
            return True
        run = rest[0]
        for s in range(pos, min(pos + gap, len(words) - len(run)) + 1):
            if words[s : s + len(run)] == run and from_(s + len(run), rest[1:], GAP_WORDS):
                return True
        return False

    return from_(0, segs, len(words))
