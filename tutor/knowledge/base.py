"""The knowledge base's content: prompts/knowledge.toml as frozen models, checked against the
lesson (every `source` quoted verbatim) and the vocabulary (every `slot` names a real stage
or concept). Pure: `tutor.content.pack.knowledge()` loads and builds it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutor.demo.variants import VariantCues
from tutor.knowledge.dialogue import DialogueCues
from tutor.knowledge.focus import FocusCues

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Entry(BaseModel):
    """One question the offline tutor can answer, its paraphrases and its grounded answer."""

    model_config = _FROZEN

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    question: str = Field(min_length=3)
    paraphrases: tuple[str, ...] = Field(min_length=1)
    answer: str = Field(min_length=10)
    source: str = Field(min_length=5)
    slot: str | None = Field(None, pattern=r"^(role|stage|term):[a-z_]+$")
    stage: str | None = None
    responsibility: str | None = None
    handoff: str | None = Field(None, pattern=r"^.+ -> .+$")
    decline: bool = False
    #: a "no X / solo" answer: preferred when the question sets a team premise ("we have no
    #: data engineer", "I'm a solo founder"), over the stock owner fact
    premise: bool = False
    #: an answer for a one-person team: it never answers a message about a team of several
    #: ("why should a 4 person team care about roles? we all do everything")
    solo: bool = False
    #: what the tutor does instead of answering: "secret" (a request for its instructions, keys
    #: or answers: the authored refusal, verbatim), "quiz" (ask a quiz question), "greeting"
    action: Literal["secret", "quiz", "greeting"] | None = None
    #: a common wrong belief on the lesson's ground: the answer corrects it with the lesson's
    #: reason, and `hold` is what the tutor says when the learner pushes back
    misconception: bool = False
    hold: str | None = None

    @model_validator(mode="after")
    def _owner_fact(self) -> Entry:
        owned = self.slot and not self.slot.startswith("role:")
        if owned and not (self.stage or self.responsibility):
            raise ValueError(f"entry {self.id!r}: a slot needs `stage` or `responsibility`")
        if self.stage and self.responsibility:
            raise ValueError(f"entry {self.id!r}: give `stage` or `responsibility`, not both")
        return self

    @property
    def texts(self) -> tuple[str, ...]:
        """Every wording retrieval indexes for this entry."""
        return (self.question, *self.paraphrases)


class FollowUp(BaseModel):
    """Other wordings of one entry's answer, for "simpler", "an example", "why"."""

    model_config = _FROZEN

    entry: str
    #: other entries these wordings serve too (a misconception and its owner fact)
    also: tuple[str, ...] = ()
    simpler: str | None = None
    example: str | None = None
    why: str | None = None
    #: the entry that states who owns this topic ("who owns it?" after "what is a data
    #: contract?")
    owner: str | None = None

    def wording(self, act: str) -> str | None:
        """The wording for a follow-up act ("more" is the example, else the reason)."""
        if act == "more":
            return self.example or self.why
        return getattr(self, act, None)


class KnowledgeData(BaseModel):
    """prompts/knowledge.toml, validated."""

    model_config = _FROZEN

    threshold: float = Field(gt=0, lt=1)
    action_threshold: float = Field(0.5, gt=0, lt=1)
    role_words: tuple[str, ...] = ()
    claim_tags: tuple[str, ...] = ()
    work_verbs: tuple[str, ...] = ()
    product_qualifiers: tuple[str, ...] = ()
    #: discourse fillers retrieval leaves out, like stopwords ("but", "tho", "tbh")
    fillers: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = Field(min_length=3)
    decline_intro: str
    decline_offer: str
    suggest_intro: str
    #: the words that name a change to the demo (tutor/demo/variants.py)
    variants: VariantCues
    dialogue: DialogueCues
    #: the words that open a request for one thing (tutor/knowledge/focus.py)
    focus: FocusCues
    followup: tuple[FollowUp, ...] = ()
    #: a misconception entry answers when it covers at least this share of the message
    misconception_threshold: float = Field(0.5, gt=0, lt=1)
    #: ... and scores at least this many times the best plain entry
    misconception_margin: float = Field(1.5, ge=1)
    entry: tuple[Entry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> KnowledgeData:
        ids = [e.id for e in self.entry]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate entry ids: {duplicates}")
        unknown = [s for s in self.suggestions if s not in ids]
        unknown += [
            i for f in self.followup for i in (f.entry, *f.also, f.owner or f.entry) if i not in ids
        ]
        if unknown:
            raise ValueError(f"suggestions name unknown entries: {unknown}")
        return self

    def followup_for(self, entry_id: str | None) -> FollowUp | None:
        return next((f for f in self.followup if entry_id in (f.entry, *f.also)), None)

    def get(self, entry_id: str) -> Entry:
        return next(e for e in self.entry if e.id == entry_id)

    def problems(
        self, lesson: str, stages: set[str], slots: set[str], catalogue: set[str]
    ) -> list[str]:
        """What in the data does not match the lesson, the vocabulary or the catalogue."""
        found = []
        flat = " ".join(lesson.split())
        for e in self.entry:
            if " ".join(e.source.split()) not in flat:
                found.append(f"entry {e.id!r}: source is not quoted verbatim from lesson.md")
            for stage in (e.handoff or "").split(" -> ") if e.handoff else ():
                if stage not in stages:
                    found.append(f"entry {e.id!r}: unknown handoff stage {stage!r}")
            if e.stage and e.stage not in stages:
                found.append(f"entry {e.id!r}: unknown stage {e.stage!r}")
            if e.slot and e.slot not in slots:
                found.append(f"entry {e.id!r}: slot {e.slot!r} is not in vocabulary.toml")
            if e.responsibility and e.responsibility not in catalogue:
                found.append(f"entry {e.id!r}: unknown responsibility {e.responsibility!r}")
        return found
