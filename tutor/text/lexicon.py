"""The lesson's vocabulary, and reading text with it: which roles, stages and concepts a text
names, where, and whether it asserts or denies them.

Built from `Vocabulary` (prompts/vocabulary.toml, loaded by `tutor.content.pack.lexicon()`); pure.
Typos are tolerated with rapidfuzz: a close ratio in words of at least `fuzzy_min_chars`
letters ("enginner" is "engineer"), and, for a vocabulary of job words (`fuzzy_short_words`),
a length-aware threshold: one edit (a swap of neighbours counts as one) in words of 4 to 8
letters ("infa", "devosp") and two beyond;
"sre", "de" and "pm" must be spelt exactly, and a real English word is never a typo.

A one-word phrasing written as a verb form ("running", "paged", "shared") names a state, and
its lemma is an everyday verb with other meanings ("run the demo", "this page", "share the
table"): such a phrasing matches the word as written (typos allowed), not every form of its
lemma. Plurals ("metrics", "evals") still match through the lemma.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import simplemma
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from tutor.text.clauses import Clause, Cues, clauses, negated
from tutor.text.tokens import Token, normalize, tokenize

Kind = Literal["role", "stage", "term"]
KINDS: tuple[Kind, ...] = ("role", "stage", "term")


class Entry(BaseModel):
    """One role, stage or concept: its id, display name and the phrasings that name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    phrases: tuple[str, ...] = Field(min_length=1)


class Vocabulary(BaseModel):
    """prompts/vocabulary.toml, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fuzzy_min_chars: int = Field(5, ge=3)
    fuzzy_min_score: float = Field(84, ge=50, le=100)
    # One edit in short words ("infa", "devosp") too: for a vocabulary of job words only (the
    # team reader's skills), where a near miss is a typo; in open text "Paris" is not "pairs".
    fuzzy_short_words: bool = False
    role: tuple[Entry, ...]
    stage: tuple[Entry, ...]
    term: tuple[Entry, ...]
    polarity: Cues
    stopwords: tuple[str, ...] = ()
    # Role phrasings that are also everyday nouns ("the product", "a managed platform"): a
    # reader that needs certainty (the fact checker) takes them as a role only when written
    # as a name (capitalised, or joined to another role: "SRE/Platform", "Product + DS").
    generic: tuple[str, ...] = ()
    # Words that open a question ("what", "who", "does", "can"): with a final "?", how
    # `Lexicon.is_question` tells a question from a statement.
    question_words: tuple[str, ...] = ()
    # Words that may open any sentence without changing its form ("so who is on call").
    openers: tuple[str, ...] = ()
    # Endings that turn a statement into a question ("Luca is the only one, isn't he"):
    # auxiliaries and pronouns of a tag (an auxiliary, "not", a pronoun), and one-word tags
    # that ask only after a comma ("…, right").
    tag_auxiliaries: tuple[str, ...] = ()
    tag_pronouns: tuple[str, ...] = ()
    tag_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """A place where a text names an entry; `start`/`end` are character offsets."""

    kind: Kind
    id: str
    name: str
    start: int
    end: int
    first: int  # token index
    last: int  # token index, exclusive
    clause: int
    negated: bool
    rejected: bool
    aside: bool

    @property
    def asserted(self) -> bool:
        """Named as true: not denied, and not a belief the writer says they dropped."""
        return not self.negated and not self.rejected


@dataclass(frozen=True)
class Reading:
    """A text as the lexicon read it."""

    text: str
    tokens: tuple[Token, ...]
    clause_of: tuple[int, ...]
    clauses: tuple[Clause, ...]
    mentions: tuple[Mention, ...]

    def of_kind(self, kind: Kind, *, asserted: bool | None = None) -> list[Mention]:
        return [
            m
            for m in self.mentions
            if m.kind == kind and (asserted is None or m.asserted == asserted)
        ]

    def ids(self, kind: Kind, *, asserted: bool | None = True) -> list[str]:
        """Distinct entry ids of `kind` in text order (asserted ones by default)."""
        return list(dict.fromkeys(m.id for m in self.of_kind(kind, asserted=asserted)))

    def names(self, entry_id: str, *, asserted: bool | None = True) -> bool:
        return any(
            m.id == entry_id and (asserted is None or m.asserted == asserted) for m in self.mentions
        )

    def quote(self, mention: Mention) -> str:
        return self.text[mention.start : mention.end]

    @property
    def norms(self) -> tuple[str, ...]:
        return tuple(t.norm for t in self.tokens)


class Lexicon:
    """Reads text with one vocabulary. Build once per vocabulary and share (it is immutable)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.cues = vocabulary.polarity
        self.stopwords = frozenset(w for s in vocabulary.stopwords for w in normalize(s))
        self.question_words = frozenset(w for s in vocabulary.question_words for w in normalize(s))
        self.openers = frozenset(w for s in vocabulary.openers for w in normalize(s))
        self._tag_aux = frozenset(w for s in vocabulary.tag_auxiliaries for w in normalize(s))
        self._tag_pronouns = frozenset(w for s in vocabulary.tag_pronouns for w in normalize(s))
        self._tag_words = frozenset(w for s in vocabulary.tag_words for w in normalize(s))
        self._entries: dict[str, tuple[Kind, Entry]] = {}
        self._phrases: dict[Kind, list[tuple[tuple[str, ...], Entry]]] = {}
        for kind in KINDS:
            rows = []
            for entry in getattr(vocabulary, kind):
                self._entries[entry.id] = (kind, entry)
                rows += [(_phrase_words(p), entry) for p in entry.phrases if normalize(p)]
            # Longest phrasing first: "data platform team" wins over "platform".
            self._phrases[kind] = sorted(rows, key=lambda row: -len(row[0]))
        self._read = lru_cache(maxsize=4096)(self._read_uncached)
        #: every word of the role, stage and term names and phrasings
        self.entry_words = frozenset(
            w
            for kind in ("role", "stage", "term")
            for e in getattr(vocabulary, kind)
            for p in (e.name, *e.phrases)
            for w in normalize(p)
        )

    # -- lookups ---------------------------------------------------------------------------

    def entry(self, entry_id: str) -> Entry:
        return self._entries[entry_id][1]

    def entries(self, kind: Kind) -> tuple[Entry, ...]:
        return getattr(self.vocabulary, kind)

    def by_name(self, name: str, kind: Kind | None = None) -> Entry | None:
        """The entry a short text (a role or stage as written anywhere) names, if exactly one."""
        found = [
            m for m in self.read(name).mentions if (kind is None or m.kind == kind) and m.asserted
        ]
        ids = list(dict.fromkeys(m.id for m in found))
        return self.entry(ids[0]) if len(ids) == 1 else None

    # -- matching -------------------------------------------------------------------------

    def same_word(self, a: str, b: str) -> bool:
        """Equal normal forms, or a typo of a long enough word."""
        v = self.vocabulary
        return same_word(a, b, v.fuzzy_min_chars, v.fuzzy_min_score, v.fuzzy_short_words)

    def read(self, text: str) -> Reading:
        """Every role, stage and concept `text` names, with polarity and clause."""
        return self._read(text)

    def _read_uncached(self, text: str) -> Reading:
        tokens = tokenize(text)
        ids, found_clauses = clauses(text, tokens, self.cues)
        norms = [t.norm for t in tokens]
        written = [t.surface(text).lower() for t in tokens]
        mentions: list[Mention] = []
        found = {kind: self._spans(norms, written, self._phrases[kind]) for kind in KINDS}
        spans = sorted({(lo, hi) for rows in found.values() for lo, hi, _ in rows})
        for kind in KINDS:
            for first, last, entry in found[kind]:
                clause = found_clauses[_index_of(found_clauses, first)]
                mentions.append(
                    Mention(
                        kind,
                        entry.id,
                        entry.name,
                        tokens[first].start,
                        tokens[last - 1].end,
                        first,
                        last,
                        ids[first],
                        negated(norms, ids, first, last, self.cues, spans),
                        clause.rejected,
                        clause.aside,
                    )
                )
        mentions.sort(key=lambda m: (m.start, -m.end))
        return Reading(text, tokens, tuple(ids), tuple(found_clauses), tuple(mentions))

    def _spans(
        self,
        norms: list[str],
        written: list[str],
        phrases: list[tuple[tuple[str, ...], Entry]],
    ) -> list[tuple[int, int, Entry]]:
        """Non-overlapping matches, longest phrasing first, then leftmost. A phrasing kept as
        written (`_phrase_words`) is compared with the words as written, not their lemmas."""
        taken = [False] * len(norms)
        spans: list[tuple[int, int, Entry]] = []
        for words, entry in phrases:
            n = len(words)
            text = norms
            if words[0].startswith(_WRITTEN):
                text, words = written, (words[0][len(_WRITTEN) :],)
            for i in range(len(norms) - n + 1):
                if any(taken[i : i + n]):
                    continue
                if all(self.same_word(text[i + k], words[k]) for k in range(n)):
                    spans.append((i, i + n, entry))
                    taken[i : i + n] = [True] * n
        return sorted(spans, key=lambda s: s[0])

    def find(self, text: str, phrase: str) -> list[tuple[int, int]]:
        """Token spans where `phrase` (normalised, typo-tolerant) occurs in `text`."""
        words, norms = normalize(phrase), self.read(text).norms
        n = len(words)
        if not n:
            return []
        return [
            (i, i + n)
            for i in range(len(norms) - n + 1)
            if all(self.same_word(norms[i + k], words[k]) for k in range(n))
        ]

    def content_terms(self, text: str) -> list[str]:
        """Normalised words without stopwords, plus one `kind:id` term per mention: the
        tokens a ranking library (BM25) should index or query with."""
        reading = self.read(text)
        words = [t.norm for t in reading.tokens if t.norm not in self.stopwords]
        return words + [f"{m.kind}:{m.id}" for m in reading.mentions]

    def spoken(self, reading: Reading) -> tuple[str, ...]:
        """The normal forms from the message's head on: openers that leave a sentence's form
        alone ("so", "and", "ok") are skipped, so "so what does…" asks and "and if…" supposes."""
        norms = reading.norms
        start = next((i for i, n in enumerate(norms) if n not in self.openers), len(norms))
        return norms[start:]

    def is_question(self, text: str) -> bool:
        """Asks something: ends with '?', opens with a question word ("who owns …") after
        any opener ("so who is on call"), or ends with a tag ("…, isn't he", "…, right")."""
        if text.rstrip().endswith("?"):
            return True
        head = next(iter(self.spoken(self.read(text))), None)
        return head in self.question_words or self.tag_start(text) is not None

    def tag_start(self, text: str) -> int | None:
        """Where a closing question tag starts: an auxiliary, "not" and a pronoun ("isn't
        he", "don't they"), or a one-word tag after a comma ("…, right"); None without one.
        The tag asks; it does not deny the statement before it."""
        tokens = self.read(text.rstrip(" ?!.")).tokens
        norms = [t.norm for t in tokens]
        if len(norms) >= 4 and norms[-2] in self.cues.negators:
            aux = norms[-3] in self._tag_aux and norms[-1] in self._tag_pronouns
            return tokens[-3].start if aux else None
        if len(norms) >= 3 and norms[-1] in self._tag_words:
            comma = text[: tokens[-1].start].rstrip().endswith(",")
            return tokens[-1].start if comma else None
        return None


_WRITTEN = "="  # marks a word compared as written (no normal form starts with "=")


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrasing's words as matched: normal forms, except a one-word verb form ("running",
    "paged"), which is kept as written so its everyday lemma ("run", "page") does not match."""
    words = normalize(phrase)
    written = phrase.strip().lower()
    if len(words) != 1 or words[0] == written or _is_plural(written, words[0]):
        return words
    return (_WRITTEN + written,)


def _is_plural(word: str, lemma: str) -> bool:
    """Regular English plural (or third person) of `lemma`: "metrics", "boundaries", "ops"."""
    plurals = (lemma + "s", lemma + "es", lemma[:-1] + "ies" if lemma.endswith("y") else "")
    return word in plurals


def _index_of(found: tuple[Clause, ...] | list[Clause], token: int) -> int:
    return next(i for i, c in enumerate(found) if c.lo <= token < c.hi)


@lru_cache(maxsize=262144)
def same_word(
    a: str, b: str, min_chars: int = 5, min_score: float = 84, short_words: bool = False
) -> bool:
    """Equal, or (both at least `min_chars` long) within `min_score` of each other.

    `a` is the writer's word, `b` the vocabulary's: a real English word (in simplemma's
    dictionary) is never a typo of another one ("produces" is not "product").
    """
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or simplemma.is_known(a, lang="en"):
        return False
    if len(a) >= min_chars and len(b) >= min_chars and fuzz.ratio(a, b) >= min_score:
        return True
    if not short_words:
        return False
    return a[:1] == b[:1] and OSA.distance(a, b, score_cutoff=_edits(len(b))) <= _edits(len(b))


def _edits(length: int) -> int:
    """Typos a word of this length may carry, a swap of neighbours counting as one: none
    under 4 letters ("sre", "pm"), one up to 8 ("infa", "devosp", "mdoels"), two beyond."""
    return 0 if length < 4 else 1 if length <= 8 else 2


SPEAKER = "Me"  # the team reader's name for the person describing the team


def is_speaker(name: str) -> bool:
    """Whether a person's name is the speaker's ("Me")."""
    return name.strip().casefold() == SPEAKER.casefold()


def spoken(name: str, start: bool = False) -> str:
    """A person's name as the learner reads it in a sentence: the speaker is "you" ("You"
    at the start); in "Me + Ana" each part is spoken."""
    parts = [p.strip() for p in name.split(" + ")]
    said = [("you" if is_speaker(p) else p) for p in parts]
    text = " + ".join(said)
    return text[:1].upper() + text[1:] if start and said[0] == "you" else text


def agrees(names: Sequence[str], singular: str, plural: str) -> str:
    """The verb for a subject of these names: "Ana owns", "Ana and Ben own", "you own"."""
    return singular if len(names) == 1 and not is_speaker(names[0]) else plural


def join_names(names: Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
