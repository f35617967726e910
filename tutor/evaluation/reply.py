"""`Reply`: a model's reply read once by the lexicon and cut into sentences, the one reading
every eval rule and claim reader works on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from tutor.facts import reads_as_role
from tutor.text import Kind, Lexicon, Mention, Reading
from tutor.text.clauses import negated

_SENTENCE_END = re.compile(r"[.!?]+(?=[\s*_)\]\"']|$)|\n")


@dataclass
class Reply:
    """A reply read once: lexicon reading, each token's sentence, sentence starts."""

    text: str
    lexicon: Lexicon
    reading: Reading = field(init=False)
    sentence_of: list[int] = field(init=False)
    starts: set[int] = field(init=False)  # token indexes that begin a sentence

    def __post_init__(self) -> None:
        self.reading = self.lexicon.read(self.text)
        ends = [m.start() for m in _SENTENCE_END.finditer(self.text)]
        self.sentence_of, self.starts, index = [], set(), 0
        for i, token in enumerate(self.reading.tokens):
            while index < len(ends) and ends[index] < token.start:
                index += 1
            if i == 0 or self.sentence_of[-1] != index:
                self.starts.add(i)
            self.sentence_of.append(index)

    @cached_property
    def norms(self) -> list[str]:
        return list(self.reading.norms)

    def sentence(self, mention: Mention) -> int:
        return self.sentence_of[mention.first]

    def mentions(
        self, kind: Kind, ids: Iterable[str], asserted: bool | None = True
    ) -> list[Mention]:
        wanted = set(ids)
        return [m for m in self.roles_or(kind, asserted) if m.id in wanted]

    def roles_or(self, kind: Kind, asserted: bool | None = True) -> list[Mention]:
        """Mentions of `kind`; for roles, only those that read as one ("a managed platform"
        is no SRE/Platform)."""
        found = self.reading.of_kind(kind, asserted=asserted)
        if kind != "role":
            return found
        return [m for m in found if reads_as_role(self.lexicon, self.reading, m)]

    def phrase_spans(self, phrase: str) -> list[tuple[int, int]]:
        return self.lexicon.find(self.text, phrase)

    def asserted_span(self, lo: int, hi: int) -> bool:
        """The words [lo, hi) are not denied in their clause."""
        ids = list(self.reading.clause_of)
        return not negated(self.norms, ids, lo, hi, self.lexicon.cues, [])
