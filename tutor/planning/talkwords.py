"""The words of team talk (prompts/team_talk.toml): cues (what a follow-up says: someone
leaves, joins, is part-time; a question about load, gaps, hiring) and topics (which
responsibility it is about), as validated frozen models, plus `TalkWords`, which reads a
follow-up's cues and topics through the shared text module. Pure: content passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from tutor.planning.content import Planning
from tutor.planning.model import Hat
from tutor.text import Entry, Lexicon, Vocabulary, normalize_word

_FROZEN = ConfigDict(frozen=True, extra="forbid")
CUE_IDS = (
    "leave",
    "away",
    "join",
    "part-time",
    "contractor",
    "full-time",
    "technical",
    "backup",
    "also",
    "what-if",
    "size",
    "forget",
    "hire-next",
    "unowned",
    "single-point",
    "load",
    "move-off",
    "handoffs",
    "define",
    "lesson",
    "compare",
    "team",
)


class Cue(BaseModel):
    model_config = _FROZEN
    id: str
    phrases: tuple[str, ...] = Field(min_length=1)


class Topic(BaseModel):
    model_config = _FROZEN
    responsibilities: tuple[str, ...] = Field(min_length=1)
    phrases: tuple[str, ...] = Field(min_length=1)


class TalkData(BaseModel):
    """prompts/team_talk.toml, validated."""

    model_config = _FROZEN
    min_confidence: float = Field(ge=0, le=1)
    technical_hats: tuple[Hat, ...]
    count_nouns: tuple[str, ...]
    #: what the tutor says when it forgets the team ({people}: how many it held)
    forgotten: str
    #: what stands in for a forgotten person's name in the kept conversation
    forgotten_name: str
    #: what it says when asked to forget and no team is kept
    nothing_to_forget: str
    unread: str
    what_if_kept: str
    #: said once, with a hosted model, when a team is first described ({provider}: its host)
    privacy_notice: str
    cue: tuple[Cue, ...]
    topic: tuple[Topic, ...]
    short: Mapping[str, str]
    #: the short names said with "the" after "owns" ("Ben owns the eval gate")
    with_the: frozenset[str] = frozenset()

    def problems(self, responsibility_ids: set[str]) -> list[str]:
        """What does not fit the catalogue or the readers (unknown ids, missing cues)."""
        found = [c.id for c in self.cue]
        out = [f"unknown cue id {c!r}" for c in found if c not in CUE_IDS]
        out += [f"missing cue {c!r}" for c in CUE_IDS if c not in found]
        named = {r for t in self.topic for r in t.responsibilities} | set(self.short)
        named |= set(self.with_the)
        out += [f"unknown responsibility {r!r}" for r in sorted(named - responsibility_ids)]
        out += [f"no short name for {r!r}" for r in sorted(responsibility_ids - set(self.short))]
        out += [
            f"{field} does not say {slot}"
            for field, text, slot in (
                ("forgotten", self.forgotten, "{people}"),
                ("privacy_notice", self.privacy_notice, "{provider}"),
            )
            if slot not in text
        ]
        return out


@dataclass(frozen=True)
class Said:
    """A cue or topic found in a follow-up: which, where (token span), and whether denied."""

    id: str
    first: int
    last: int
    negated: bool


class TalkWords:
    """Reads cues and topics in a follow-up. Immutable; build once per content and share."""

    def __init__(self, data: TalkData, lexicon: Lexicon) -> None:
        self.data = data
        base = lexicon.vocabulary
        cues = tuple(Entry(id=c.id, name=c.id, phrases=c.phrases) for c in data.cue)
        topics = tuple(
            Entry(id=f"topic{i}", name=t.phrases[0], phrases=t.phrases)
            for i, t in enumerate(data.topic)
        )
        self.lexicon = Lexicon(
            Vocabulary(
                fuzzy_min_chars=base.fuzzy_min_chars,
                fuzzy_min_score=base.fuzzy_min_score,
                role=(),
                stage=topics,
                term=cues,
                polarity=base.polarity,
                question_words=base.question_words,
                openers=base.openers,
                tag_auxiliaries=base.tag_auxiliaries,
                tag_pronouns=base.tag_pronouns,
                tag_words=base.tag_words,
            )
        )

    def cues(self, text: str) -> list[Said]:
        # "Luca is a single point of failure, isn't he": the tag asks, it denies nothing
        tag = self.lexicon.tag_start(text)
        said = self.lexicon.read(text[:tag] if tag is not None else text).of_kind("term")
        return [Said(m.id, m.first, m.last, m.negated) for m in said]

    def topics(self, text: str) -> list[tuple[str, ...]]:
        """The responsibility ids of each topic named (asserted), in text order."""
        ids = self.lexicon.read(text).ids("stage")
        return [self.data.topic[int(i.removeprefix("topic"))].responsibilities for i in ids]

    def is_question(self, text: str) -> bool:
        return self.lexicon.is_question(text)


@dataclass(frozen=True)
class TeamTalk:
    """Everything team talk reads: the planner's content, the talk words and their reader."""

    planning: Planning
    data: TalkData
    words: TalkWords = field(init=False)
    count_nouns: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", TalkWords(self.data, self.planning.lexicon))
        nouns = frozenset(normalize_word(n) for n in self.data.count_nouns)
        object.__setattr__(self, "count_nouns", nouns)

    def short(self, responsibility_id: str) -> str:
        return self.data.short.get(responsibility_id, responsibility_id)

    def owned(self, responsibility_id: str) -> str:
        """The short name as the object of "owns": "the eval gate", "on-call"."""
        short = self.short(responsibility_id)
        return f"the {short}" if responsibility_id in self.data.with_the else short
