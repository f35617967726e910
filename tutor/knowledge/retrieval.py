"""Ranking the knowledge base's entries for a learner's question: BM25 (the `bm25s` library)
over the shared text module's terms (`Lexicon.content_terms`: lemmas without stopwords, one
`kind:id` term per role/stage/concept named, and `not:kind:id` when it is denied).

All wordings of an entry (its question and paraphrases) form one document. Besides the BM25
score, `coverage` says how much of the question the entry explains: the IDF-weighted share of
the question's terms its wordings contain, where a word the knowledge base has never seen
counts as rare. An entry whose own question names a role, stage or concept the learner's
question doesn't ranks a little lower (`PENALTY` per concept), so "data scientists and data
engineers" goes to their comparison, not to the data scientist vs ML engineer one. A
question about salaries or Python shares a few words with the lesson but is mostly unknown
words, so its coverage stays low. Typos in long words (not dictionary words) are mapped onto
the indexed words with the text module's own tolerance. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import bm25s
import numpy as np

from tutor.knowledge.base import Entry
from tutor.text import KINDS, Lexicon, is_dictionary_word, normalize

PENALTY = 0.15  # per concept of the entry's question the learner's question doesn't name


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    coverage: float
    #: the question had only stopwords ("what can you do?"): matched on those alone
    weak: bool = False
    #: the question's words the entry's wordings use
    matched: frozenset[str] = frozenset()


class Index:
    """BM25 over every wording of the entries. Immutable; build once and share."""

    def __init__(
        self, entries: tuple[Entry, ...], lexicon: Lexicon, fillers: tuple[str, ...] = ()
    ) -> None:
        self.lexicon, self.entries = lexicon, entries
        # Stopwords, and discourse fillers that say nothing of a topic ("but", "tho", "tbh")
        # though the quiz's reading keeps them ("anything but the data engineer").
        self.stopwords = lexicon.stopwords | {w for f in fillers for w in normalize(f)}
        # One document per entry: all its wordings together, so every way of asking adds
        # evidence (a question sharing the concepts of three paraphrases beats one sharing a
        # filler word with a single paraphrase).
        docs = [[t for text in entry.texts for t in self.terms(text)] for entry in entries]
        self._docs = [set(d) for d in docs]
        # What each entry is about: the roles, stages and concepts its own question names.
        self._core = [{t for t in self.terms(e.question) if ":" in t} for e in entries]
        df = Counter(t for d in self._docs for t in d)
        n = len(docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocab = sorted(self._idf)
        # The words of the vocabulary's phrases ("engineer" of "ML engineer"): known even
        # where a typo kept the phrase from being read whole ("machine lerning engineer").
        self._phrase_words = frozenset(
            w for kind in KINDS for e in lexicon.entries(kind) for p in e.phrases
            for w in normalize(p)
        )  # fmt: skip
        self._bm25 = bm25s.BM25(b=0.5)  # many wordings per entry: damp length
        self._bm25.index(docs, show_progress=False)

    def terms(self, text: str) -> list[str]:
        """Words outside any vocabulary phrase (stopwords left out), then one term per role,
        stage or concept named — so "data scientist" is one term, not "data" + "scientist",
        and cannot be confused with "data engineer" — and `not:` terms for denied ones."""
        reading = self.lexicon.read(text)
        inside = {i for m in reading.mentions for i in range(m.first, m.last)}
        words = [
            t.norm
            for i, t in enumerate(reading.tokens)
            if i not in inside and t.norm not in self.stopwords
        ]
        concepts = [f"{m.kind}:{m.id}" for m in reading.mentions]
        denied = [f"not:{m.kind}:{m.id}" for m in reading.mentions if m.negated]
        terms = words + concepts + denied
        # A question of stopwords only ("what can you do?") still has words to match.
        return terms or [t.norm for t in reading.tokens]

    def query_terms(self, text: str) -> list[str]:
        """The question's terms, a typo of an indexed word replaced by that word."""
        out = []
        for term in self.terms(text):
            if term in self._idf or ":" in term or is_dictionary_word(term):
                out.append(term)  # a real word ("weather") is not a typo of an indexed one
                continue
            near = next((w for w in self._vocab if self.lexicon.same_word(term, w)), None)
            out.append(near or term)
        return out

    def knows(self, word: str) -> bool:
        """An entry's wordings use `word` (or a word it is a typo of)."""
        if word in self._idf or word in self._phrase_words:
            return True
        return not is_dictionary_word(word) and any(
            self.lexicon.same_word(word, w) for w in self._vocab
        )

    def rank(self, text: str, k: int = 5) -> list[Hit]:
        """The best `k` entries for `text`, best first."""
        terms = self.query_terms(text)
        if not terms:
            return []
        weak = all(t in self.stopwords for t in terms)
        scores = np.asarray(self._bm25.get_scores(terms))
        # An entry about something the question doesn't name ("ML engineer" for a question
        # about data scientists and data engineers) ranks lower.
        named = {t for t in terms if ":" in t}
        missing = np.array([len(core - named) for core in self._core])
        scores = scores / (1 + PENALTY * missing)
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Hit(
                self.entries[i],
                float(scores[i]),
                self.coverage(terms, int(i)),
                weak,
                frozenset(terms) & self._docs[i],
            )
            for i in order
            if scores[i] > 0
        ]

    def core(self, entry: Entry) -> set[str]:
        """The roles, stages and concepts an entry's wordings name (`kind:id` terms)."""
        i = self.entries.index(entry)
        return {t for t in self._docs[i] if ":" in t and not t.startswith("not:")}

    def words(self, entry: Entry) -> set[str]:
        """Every term an entry's wordings use (plain words and `kind:id` terms)."""
        return set(self._docs[self.entries.index(entry)])

    def coverage(self, terms: list[str], doc: int) -> float:
        """IDF-weighted share of the question's terms that wording `doc` contains."""
        wanted = set(terms)
        weight = {t: self._idf.get(t, self._unknown_idf) for t in wanted}
        total = sum(weight.values())
        return sum(w for t, w in weight.items() if t in self._docs[doc]) / total if total else 0.0
