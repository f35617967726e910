"""The words of a learner's change to the demo: which stages it names (by name, by the lesson's
stage words, by position — "the first three", "everything after training", "the rest", "it")
and which owners (in quotes as written, roles by the demo's name, people by where they stand:
"kai does framing", "Priya: serving"). Pure; read by `tutor.demo.variants`.

Every cue is data (`VariantCues`, prompts/knowledge.toml `[variants]`), normalised with the same
tokenizer as the message, so "backwards", "owned" and "deploys" meet their lemmas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tutor.text import Lexicon, Reading, is_ordinary_word, normalize

Pairs = list[tuple[str, str]]

# A quoted name: opened and closed by a quote that does not touch a letter outside it, so
# the apostrophes of "there's" and "SRE's" never open one.
_OPEN, _CLOSE = "['\"\u2018\u201c]", "['\"\u2019\u201d]"
_QUOTED = re.compile(rf"(?<![\w]){_OPEN}([^'\"\u2018\u2019\u201c\u201d]{{1,80}}?){_CLOSE}(?![\w])")
# A ("stage", "owner") pair written as in the demo's list.
_TUPLE = re.compile(rf"\(\s*{_OPEN}([^'\"]+){_CLOSE}\s*,\s*{_OPEN}([^'\"]+){_CLOSE}\s*\)")
_SENTENCE_END = re.compile(r"[.?!\n]")
_SEGMENT_END = re.compile(r"[.?!\n,;:\u2013\u2014]|\s-\s")
# An arrow, or an assignment as the lesson's own code writes it ("deploy & monitor = ML
# Engineer"); not a comparison ("==", "!=").
_ARROW = re.compile(r"->|→|=>|(?<![=!<>])=(?![=>])")
_PLUS = re.compile(r"^\s*(\+|&)\s*$")


class VariantCues(BaseModel):
    """The words that name each change to the demo, and the words the tutor says around a
    run on a variant. Phrases are matched on normal forms ("up to", "everything else")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: words that make a message about the demo's code or output
    demo: tuple[str, ...]
    #: words that ask for the demo's output ("what prints", "the output")
    output: tuple[str, ...]
    #: words that ask to run it on something ("run the demo with our names: …")
    run: tuple[str, ...] = ()
    #: words that keep the lesson's own list as the base, not the last variant
    original: tuple[str, ...]
    reverse: tuple[str, ...]
    replace: tuple[str, ...]
    every: tuple[str, ...]
    remove: tuple[str, ...]
    add: tuple[str, ...]
    #: verbs that change an owner ("change", "make", "give")
    set: tuple[str, ...]
    #: words that suppose a change ("if", "say", "imagine")
    suppose: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    #: "up to training": a range that ends with the named stage
    until: tuple[str, ...]
    #: "from deploy onwards": a range that starts with the named stage
    since: tuple[str, ...]
    first: tuple[str, ...]
    last: tuple[str, ...]
    #: "the rest", "everything else": the stages nobody was given yet
    rest: tuple[str, ...]
    #: "it": the stage the tutor's last answer was about
    it: tuple[str, ...]
    start: tuple[str, ...]
    #: words that open a question, not a change ("does the ML engineer own deploy?")
    asks: tuple[str, ...]
    #: words that open a question about the demo, never a request to change it ("why")
    explains: tuple[str, ...]
    #: words after which an owner follows ("owned by", "to", "is just")
    owner_follows: tuple[str, ...]
    #: words after an owner that give it the stages that follow ("does", "for", "owns")
    owner_takes: tuple[str, ...]
    #: words skipped between such a word and the owner ("to the", "is just the")
    fillers: tuple[str, ...]
    #: words a person's name may follow at the start of a clause ("and nico builds")
    lead_in: tuple[str, ...]
    #: the learner as an owner ("I do framing")
    speaker: tuple[str, ...]
    #: "too", "also": an owner added to a stage's, not put instead (not read: abstain)
    additive: tuple[str, ...]
    #: words that end a new stage's name ("a retrain step", "a redeploy after that")
    name_ends: tuple[str, ...]
    stage_words: tuple[str, ...]
    #: what the tutor says when a change to the demo was asked for but not read exactly
    unread: str
    intro: str
    no_handoffs: str
    new_lines: str
    gone_lines: str
    same_lines: str
    outro: str

    @property
    def changes(self) -> tuple[str, ...]:
        """Every word that changes the list: set, add, remove, replace, reverse."""
        return self.set + self.add + self.remove + self.replace + self.reverse


@cache
def norms_of(phrases: tuple[str, ...]) -> frozenset[str]:
    """The normal forms of one-word cues."""
    return frozenset(w for p in phrases for w in normalize(p))


@cache
def phrases_of(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Cue phrases as normal-form sequences, longest first."""
    return tuple(sorted((normalize(p) for p in phrases if normalize(p)), key=len, reverse=True))


@dataclass(frozen=True)
class Ref:
    """Stages the message names at tokens [first, last): base indices, or the rest."""

    first: int
    last: int
    stages: frozenset[int]
    rest: bool = False


@dataclass(frozen=True)
class Owner:
    """An owner the message names at tokens [first, last), as the demo would print it."""

    first: int
    last: int
    name: str
    kind: Literal["quoted", "role", "name"]
    #: a common English word read as a name: trusted only inside a whole assignment
    ordinary: bool = False


@dataclass(frozen=True)
class Words:
    """The message as the variant reader sees it."""

    reading: Reading
    norms: tuple[str, ...]
    refs: list[Ref]
    owners: list[Owner]
    quotes: list[tuple[int, int, str]]  # (first token, last token, text) of non-stage quotes
    pair: tuple[str, str] | None
    quoted_stage: bool

    def gap(self, i: int) -> str:
        """The text between token i-1 and token i (the start of the text for i=0)."""
        tokens, text = self.reading.tokens, self.reading.text
        start = tokens[i - 1].end if i > 0 else 0
        end = tokens[i].start if i < len(tokens) else len(text)
        return text[start:end]

    def sentence_of(self, i: int) -> int:
        return sum(1 for k in range(1, i + 1) if _SENTENCE_END.search(self.gap(k)))

    def segment_start(self, i: int) -> int:
        """The first token of the clause token i is in (cut at punctuation)."""
        return next((k for k in range(i, 0, -1) if _SEGMENT_END.search(self.gap(k))), 0)

    def arrow_before(self, i: int) -> bool:
        return bool(_ARROW.search(self.gap(i)))

    def colon_before(self, i: int) -> bool:
        return ":" in self.gap(i) or bool(_ARROW.search(self.gap(i)))

    def has(self, words: tuple[str, ...]) -> bool:
        """Any of the cue phrases `words` occurs ("as well" as two words in a row)."""
        phrases = phrases_of(words)
        return any(_at(self.norms, i, phrases) for i in range(len(self.norms)))


def read_words(
    text: str, lexicon: Lexicon, cues: VariantCues, base: Pairs, subject: str | None = None
) -> Words:
    reading = lexicon.read(text)
    names = {s.casefold(): i for i, (s, _) in enumerate(base)}
    quotes, stage_quotes = [], []
    for m in _QUOTED.finditer(text):
        first, last = _token_span(reading, m.start(1), m.end(1))
        quoted = m.group(1).strip()
        if quoted.casefold() in names:
            stage_quotes.append(Ref(first, last, frozenset({names[quoted.casefold()]})))
        elif last > first:
            quotes.append((first, last, quoted))
    taken = [(r.first, r.last) for r in stage_quotes] + [(a, b) for a, b, _ in quotes]
    refs = stage_quotes + _named_stages(reading, lexicon, base, taken)
    refs = _positions(reading.norms, refs, cues, len(base))
    if not refs and subject is not None and subject.casefold() in names:
        refs = _pronoun(reading.norms, cues, names[subject.casefold()])
    pair = _TUPLE.search(text)
    words = Words(
        reading,
        reading.norms,
        sorted(refs, key=lambda r: r.first),
        [],
        quotes,
        (pair.group(1).strip(), pair.group(2).strip()) if pair else None,
        bool(stage_quotes),
    )
    owners = _owners(words, lexicon, cues)
    return replace(words, owners=owners)


# -- stages ------------------------------------------------------------------------------------


def _token_span(reading: Reading, start: int, end: int) -> tuple[int, int]:
    inside = [i for i, t in enumerate(reading.tokens) if start <= t.start and t.end <= end]
    first = inside[0] if inside else len(reading.tokens)
    return first, (inside[-1] + 1 if inside else first)


def _named_stages(
    reading: Reading, lexicon: Lexicon, base: Pairs, taken: list[tuple[int, int]]
) -> list[Ref]:
    """Stages named by the lesson's stage words ("framing", "deploys", "the pager")."""
    ids: dict[str, int] = {}
    for i, (stage, _) in enumerate(base):
        entry = lexicon.by_name(stage, "stage")
        if entry is not None:
            ids.setdefault(entry.id, i)
    refs = []
    for m in reading.of_kind("stage", asserted=None):
        if m.id in ids and not any(a <= m.first < b for a, b in taken):
            refs.append(Ref(m.first, m.last, frozenset({ids[m.id]})))
    return refs


def _at(norms: Sequence[str], i: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """The length of the first cue phrase that starts at token i (0: none)."""
    return next((len(p) for p in phrases if tuple(norms[i : i + len(p)]) == p), 0)


def _positions(norms: Sequence[str], refs: list[Ref], cues: VariantCues, size: int) -> list[Ref]:
    """Stages named by position ("the first three", "everything after training", "every
    stage", "the rest"); the stage named inside a range is the range's, not its own."""
    found: list[Ref] = []
    i = 0
    while i < len(norms):
        ref = _range(norms, i, refs, cues, size) or _counted(norms, i, cues, size)
        ref = ref or _quantified(norms, i, cues, size)
        if ref is not None:
            found.append(ref)
            i = ref.last
        else:
            i += 1
    inner = [r for r in refs if any(f.first <= r.first and r.last <= f.last for f in found)]
    return found + [r for r in refs if r not in inner]


def _range(
    norms: Sequence[str], i: int, refs: list[Ref], cues: VariantCues, size: int
) -> Ref | None:
    """'everything after training', 'all stages before serving', 'everything up to training',
    'everything from deploy onwards'."""
    if norms[i] not in norms_of(cues.every) and norms[i] not in norms_of(cues.stage_words):
        return None
    j = i + 1
    while j < len(norms) and norms[j] in norms_of(cues.stage_words):
        j += 1
    kinds = (("after", cues.after), ("before", cues.before), ("until", cues.until))
    for kind, words in (*kinds, ("since", cues.since)):
        n = _at(norms, j, phrases_of(words))
        target = next((r for r in refs if r.first == j + n + _article(norms, j + n)), None)
        if n and target is not None and len(target.stages) == 1:
            at = next(iter(target.stages))
            span = {
                "after": range(at + 1, size),
                "before": range(at),
                "until": range(at + 1),
                "since": range(at, size),
            }[kind]
            return Ref(i, target.last, frozenset(span))
    return None


def _article(norms: Sequence[str], i: int) -> int:
    return 1 if i < len(norms) and norms[i] in ("the", "a") else 0


def _counted(norms: Sequence[str], i: int, cues: VariantCues, size: int) -> Ref | None:
    """'the first three (stages)', 'the last two steps', 'the last stage'."""
    side = "first" if norms[i] in norms_of(cues.first) else None
    side = side or ("last" if norms[i] in norms_of(cues.last) else None)
    if side is None or i + 1 >= len(norms):
        return None
    count, end = (int(norms[i + 1]), i + 2) if norms[i + 1].isdigit() else (1, i + 1)
    stage_word = end < len(norms) and norms[end] in norms_of(cues.stage_words)
    if (count == 1 and not stage_word) or not 0 < count <= size:
        return None
    span = range(count) if side == "first" else range(size - count, size)
    return Ref(i, end + stage_word, frozenset(span))


def _quantified(norms: Sequence[str], i: int, cues: VariantCues, size: int) -> Ref | None:
    """'everything', 'every stage', 'all six stages', 'every owner'; 'the rest'."""
    n = _at(norms, i, phrases_of(cues.rest))
    if n:
        return Ref(i, i + n, frozenset(), rest=True)
    if norms[i] not in norms_of(cues.every):
        return None
    j = i + 1 + (i + 1 < len(norms) and norms[i + 1].isdigit())
    nouns = norms_of(cues.stage_words) | {"owner"}
    if j < len(norms) and norms[j] in nouns:
        return Ref(i, j + 1, frozenset(range(size)))
    return Ref(i, i + 1, frozenset(range(size))) if norms[i] == "everything" else None


def _pronoun(norms: Sequence[str], cues: VariantCues, stage: int) -> list[Ref]:
    """'make it just Product': "it" is the stage the tutor's last answer stated."""
    return [
        Ref(i, i + 1, frozenset({stage})) for i, n in enumerate(norms) if n in norms_of(cues.it)
    ][:1]


# -- owners ------------------------------------------------------------------------------------


def _owners(words: Words, lexicon: Lexicon, cues: VariantCues) -> list[Owner]:
    owners = [Owner(a, b, q, "quoted") for a, b, q in words.quotes]
    inside = [(o.first, o.last) for o in owners] + [(r.first, r.last) for r in words.refs]
    for m in words.reading.of_kind("role"):
        if m.asserted and not any(a <= m.first < b for a, b in inside):
            owners.append(Owner(m.first, m.last, lexicon.entry(m.id).name, "role"))
    owners = _joined(words, sorted(owners, key=lambda o: o.first))
    taken = [(o.first, o.last) for o in owners] + [(r.first, r.last) for r in words.refs]
    mentioned = {i for m in words.reading.mentions for i in range(m.first, m.last)}
    for i in range(len(words.norms)):
        if i not in mentioned and not any(a <= i < b for a, b in taken):
            person = _person(words, lexicon, cues, i)
            if person is not None:
                owners.append(person)
    return sorted(owners, key=lambda o: o.first)


def _joined(words: Words, owners: list[Owner]) -> list[Owner]:
    """'ML Engineer + SRE/Platform': two owners joined by '+' are one shared owner; 'SRE' and
    'Platform' in "SRE/Platform" are one role named twice."""
    out: list[Owner] = []
    for owner in owners:
        prev = out[-1] if out else None
        touching = prev is not None and prev.last == owner.first
        if prev is not None and touching and prev.name == owner.name:
            out[-1] = Owner(prev.first, owner.last, prev.name, prev.kind)
        elif prev is not None and touching and _PLUS.match(words.gap(owner.first)):
            out[-1] = Owner(prev.first, owner.last, f"{prev.name} + {owner.name}", prev.kind)
        else:
            out.append(owner)
    return out


def _person(words: Words, lexicon: Lexicon, cues: VariantCues, i: int) -> Owner | None:
    """A one-word name that stands where an owner stands: at the start of a clause before a
    word that gives it stages ("kai does framing", "Priya: serving", "lee frames"), or, when
    capitalised, after a word an owner follows ("give framing to Omar")."""
    surface = words.reading.tokens[i].surface(words.reading.text)
    norm = words.norms[i]
    speaker = norm in norms_of(cues.speaker)
    plain = lexicon.stopwords | lexicon.question_words | _cue_words(cues)
    if not speaker and (not surface.isalpha() or norm in plain):
        return None
    name = "Me" if speaker else surface
    lead = i > 0 and words.norms[i - 1] in norms_of(cues.lead_in + cues.suppose + cues.set)
    at_start = i == 0 or lead or bool(_SEGMENT_END.search(words.gap(i)))
    ordinary = is_ordinary_word(surface) and name != "Me"
    if at_start and takes_after(words, cues, i + 1, directly=ordinary):
        return Owner(i, i + 1, name, "name", ordinary)
    capital = surface[:1].isupper() and not is_ordinary_word(surface) and name != "Me"
    if capital and i > 0 and follows_cue(words, cues, i) and not _capital(words, i + 1):
        return Owner(i, i + 1, name, "name")
    return None


@cache
def _cue_words(cues: VariantCues) -> frozenset[str]:
    groups = (cues.demo, cues.set, cues.suppose, cues.add, cues.remove, cues.replace, cues.every)
    groups += (cues.owner_takes, cues.owner_follows, cues.fillers, cues.lead_in)
    return frozenset().union(*(norms_of(g) for g in groups)) | norms_of(cues.stage_words)


def _capital(words: Words, i: int) -> bool:
    """Token i is capitalised (a name of two words is not read as its first word)."""
    tokens = words.reading.tokens
    return i < len(tokens) and tokens[i].surface(words.reading.text)[:1].isupper()


def takes_after(words: Words, cues: VariantCues, i: int, directly: bool = False) -> bool:
    """Token i follows an owner and gives it what comes next: "does", "for", "owns", ":",
    or a stage word itself ("lee frames and trains"); `directly`: with no filler between
    (a common word is a name only as the subject of a verb: "and carries the pager" is not)."""
    while not directly and i < len(words.norms) and words.norms[i] in norms_of(cues.fillers):
        i += 1
    if i >= len(words.norms):
        return False
    starts_ref = any(r.first == i for r in words.refs)
    return words.colon_before(i) or words.norms[i] in norms_of(cues.owner_takes) or starts_ref


def follows_cue(words: Words, cues: VariantCues, i: int) -> bool:
    """The owner at token i follows "to", "by", "is", "just" or an arrow (fillers between)."""
    k = i
    while k > 0 and words.norms[k - 1] in norms_of(cues.fillers):
        if words.arrow_before(k):
            return True
        k -= 1
    return words.arrow_before(k) or (k > 0 and words.norms[k - 1] in norms_of(cues.owner_follows))
