"""How the fact checker reads a reply: sentences, and which mentions make a claim.

A mention claims nothing when it is denied, a reported or dropped belief, in a question, in a
hypothetical ("if…") or small-team caveat sentence, or — for an everyday noun that can name a
role ("the product", "a managed platform") — not written as a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.demo.handoffs import split_roles
from tutor.text import Lexicon, Mention, Reading, normalize

# Sentence ends; a sentence ending in "?" asks rather than claims.
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|\*)|\n")


@dataclass
class ClaimView:
    """The reply as the checker needs it: sentences, claim-free places, role groups."""

    reading: Reading
    lexicon: Lexicon
    sentence_of: list[int] = field(init=False)
    quiet: set[int] = field(init=False)  # sentences that claim nothing (questions, caveats)
    # sentence -> first token of a supposition after a colon ("A -> B matters: if …, …")
    hedged_from: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        text = self.reading.text
        ends = [(m.start(), m.group()) for m in SENTENCE_END.finditer(text)]
        self.sentence_of, self.quiet, self.hedged_from = [], set(), {}
        index = 0
        for token in self.reading.tokens:
            while index < len(ends) and ends[index][0] < token.start:
                index += 1
            self.sentence_of.append(index)
        for index, (_, mark) in enumerate(ends):
            if "?" in mark:
                self.quiet.add(index)
        self.quiet |= {self.sentence_of[m.first] for m in self._caveats()}
        self.quiet |= self._hypothetical_sentences()

    def _caveats(self) -> list[Mention]:
        """Small-team caveats ("in a small team one person wears all the hats")."""
        return [
            m
            for m in self.reading.of_kind("term", asserted=True)
            if m.id == "small_team"
            and not self.reading.quote(m).strip().isdigit()
            and not all(n.isdigit() for n in normalize(self.reading.quote(m)))
        ]

    def _hypothetical_sentences(self) -> set[int]:
        """Sentences with a supposed clause ("if …"); one that follows a colon or semicolon
        supposes only from there on (see `hedged_from`), so it leaves its sentence alone."""
        opener = {normalize(w)[0] for w in self.lexicon.cues.hypothetical if normalize(w)}
        clause_starts = {c.lo for c in self.reading.clauses}
        found = set()
        for i, t in enumerate(self.reading.tokens):
            if t.norm in opener and (i in clause_starts or i == 0):
                if self._after_colon(i):
                    self.hedged_from.setdefault(self.sentence_of[i], i)
                else:
                    found.add(self.sentence_of[i])
        return found

    def _after_colon(self, i: int) -> bool:
        tokens, text = self.reading.tokens, self.reading.text
        return i > 0 and bool(re.search(r"[:;]", text[tokens[i - 1].end : tokens[i].start]))

    def claims(self, mention: Mention) -> bool:
        """Is this mention part of a claim (asserted, not a question or caveat, and a role
        only when it reads as one)?"""
        return (
            mention.asserted
            and self.claims_at(mention.first)
            and (mention.kind != "role" or reads_as_role(self.lexicon, self.reading, mention))
        )

    def claims_at(self, token: int) -> bool:
        """Does the word at `token` stand in a claiming place (no question, caveat, or
        supposition)?"""
        sentence = self.sentence_of[token]
        return sentence not in self.quiet and token < self.hedged_from.get(sentence, token + 1)

    def clause_text(self, clause: int) -> str:
        idx = [i for i, c in enumerate(self.reading.clause_of) if c == clause]
        tokens = self.reading.tokens
        return self.reading.text[tokens[idx[0]].start : tokens[idx[-1]].end]


def stage_id(lexicon: Lexicon, stage: str) -> str | None:
    entry = lexicon.by_name(stage, "stage")
    return entry.id if entry else None


def role_ids(lexicon: Lexicon, owner: str) -> frozenset[str]:
    ids = set()
    for role in split_roles(owner):
        entry = lexicon.by_name(role, "role")
        if entry:
            ids.add(entry.id)
    return frozenset(ids)


def reads_as_role(lexicon: Lexicon, reading: Reading, mention: Mention) -> bool:
    """An everyday noun that can name a role ("the product", "a managed platform") counts
    only written as a name: capitalised, or joined to another role ("SRE/Platform")."""
    quote = reading.quote(mention)
    generic = {w for g in lexicon.vocabulary.generic for w in normalize(g)}
    if not set(normalize(quote)) <= generic or any(ch.isupper() for ch in quote):
        return True
    text = reading.text
    around = text[max(0, mention.start - 2) : mention.start] + text[mention.end : mention.end + 2]
    return "/" in around or "+" in around
