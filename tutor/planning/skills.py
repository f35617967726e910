"""Role words -> hats: the skills table read through the shared text module.

`Skills.levels(["data scientist", "runs the pipelines"])` gives each hat the words give, STRONG
or LIGHT. Matching is the text module's (lemmas, plurals, typos in long words, negation:
"isn't technical" gives nothing); the longest phrase wins, so "data scientist" never also
counts as "data". Small words ("the", "of") are left out on both sides, so "builds the models"
matches "build model". Pure: built from `PlanningData` and the shared `Lexicon`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tutor.planning.catalogue import PlanningData
from tutor.planning.model import HATS, Hat
from tutor.text import Entry, Lexicon, Vocabulary

STRONG, LIGHT = 2, 1
_LIST_MARKS = re.compile(r"[+,/&;]|\band\b")


class Skills:
    """The hats role words give. Immutable; build once per content and share."""

    def __init__(self, data: PlanningData, lexicon: Lexicon) -> None:
        self.shared = lexicon
        self.stopwords = lexicon.stopwords
        entries, self._gives, self._fields = [], {}, set()
        for i, row in enumerate(data.skills):
            if row.field:
                self._fields.add(f"skill{i}")
            phrases = tuple(p for p in (self.content_text(p) for p in row.phrases) if p)
            entries.append(Entry(id=f"skill{i}", name=row.phrases[0], phrases=phrases))
            gives = {h: LIGHT for h in row.light} | {h: STRONG for h in row.hats}
            self._gives[f"skill{i}"] = gives
        base = lexicon.vocabulary
        self.lexicon = Lexicon(
            Vocabulary(
                fuzzy_min_chars=base.fuzzy_min_chars,
                fuzzy_min_score=base.fuzzy_min_score,
                fuzzy_short_words=True,  # job words: "infa" is infra, "devosp" DevOps
                role=tuple(entries),
                stage=(),
                term=(),
                polarity=base.polarity,
            )
        )

    def content_text(self, text: str) -> str:
        """The words of `text` that can name a skill (normalised, small words left out)."""
        norms = [t.norm for t in self.shared.read(text).tokens]
        return " ".join(n for n in norms if n not in self.stopwords)

    def levels(self, roles: Iterable[str]) -> dict[Hat, int]:
        """Each hat the role words give, with its strength; denied roles give nothing.

        A word that gives only light hats is ambiguous ("data": engineering or science); when
        the person's other words give one of its hats strongly ("the data side (pipelines)"),
        that is the one it meant, and its other hats go. A word naming a field ("ML", "data")
        goes when another word names a job within it ("ML stuff (training, evals)" is data
        science), and stays beside a job outside it ("ML and on-call")."""
        roles = list(roles)
        found = [i for role in roles for i in self._matched(role)]
        # "backend engineer, doesn't touch ML": a hat the words deny is not worn, even where
        # another word gives it lightly
        denied = {
            h for role in roles for i in self._matched(role, denied=True) for h in self._gives[i]
        }
        jobs = {h for i in found if i not in self._fields for h in self._gives[i]}
        fields = self._fields
        gives = [self._gives[i] for i in found if i not in fields or not jobs & set(self._gives[i])]
        strong = {h for g in gives for h, level in g.items() if level == STRONG}
        levels: dict[Hat, int] = {}
        for g in gives:
            meant = strong & set(g) if g and STRONG not in g.values() else set()
            for hat, level in g.items():
                if (not meant or hat in meant) and not (hat in denied and level == LIGHT):
                    levels[hat] = max(level, levels.get(hat, 0))
        return levels

    def _matched(self, role: str, denied: bool = False) -> list[str]:
        """The skill rows one role phrase names (or, `denied`, names only to deny). A field
        word right after a job word is that job's head noun, not a second job ("cloud
        engineer", "research engineer"); across a list mark it is a job of its own ("product
        + some data work")."""
        return [i for part in _LIST_MARKS.split(role) for i in self._matched_in(part, denied)]

    def _matched_in(self, part: str, denied: bool = False) -> list[str]:
        found = list(self.lexicon.read(self.content_text(part)).of_kind("role"))
        kept = [
            m
            for k, m in enumerate(found)
            if not (
                m.id in self._fields
                and k > 0
                and found[k - 1].id not in self._fields
                and found[k - 1].last == m.first
            )
        ]
        return [m.id for m in kept if m.asserted != denied]

    def hats(self, roles: Iterable[str]) -> tuple[Hat, ...]:
        """The hats a person wears: those the words give strongly, or, with none, lightly. A
        light hat beside a strong one ("deploys": ML engineering, and some SRE) makes them a
        backup for it (`levels`), not its wearer."""
        have = self.levels(roles)
        strong = {h for h, level in have.items() if level == STRONG}
        return tuple(h for h in HATS if h in (strong or have))

    def names_a_skill(self, text: str) -> bool:
        """Whether the words give some hat ("backend", "runs the pipelines")."""
        return bool(self.levels([text]))

    def names_a_job(self, text: str) -> bool:
        """Whether the words name a job by a row that is not a field: "scientist", "SRE",
        "designer", but not "LLM" or "data" alone."""
        found = self.lexicon.read(self.content_text(text)).of_kind("role")
        return any(m.asserted and m.id not in self._fields for m in found)

    def names_a_role(self, text: str) -> bool:
        """Whether the words name a job, with a hat or without one ("designer", "sales")."""
        found = self.lexicon.read(self.content_text(text)).of_kind("role")
        return any(m.asserted for m in found)

    def unread(self, roles: Iterable[str]) -> list[str]:
        """Role words that name no job the table knows ("wizard"): the reader is unsure."""
        return [r for r in roles if not self.names_a_role(r)]
