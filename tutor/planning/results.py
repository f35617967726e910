"""The allocator's result: who owns each responsibility, who backs it up, and what follows."""

from __future__ import annotations

from pydantic import BaseModel

from tutor.demo.handoffs import HandoffAnalysis
from tutor.planning.model import Hat, ProductKind


class Pin(BaseModel):
    """The learner's own choice for one responsibility ("make Mei the backup for on-call"):
    an owner, a backup, or both, kept across re-plans while those people are in the team."""

    responsibility: str
    owner: str | None = None
    backup: str | None = None


class Assignment(BaseModel):
    """Who owns one responsibility, who backs them up, and which hat the owner wears for it."""

    id: str
    name: str
    stage: str
    critical: bool
    hat: Hat
    owner: str
    backup: str | None
    skill_match: bool


class PersonLoad(BaseModel):
    """One person's share: the hats their roles give, hats worn as owner, counts, load points."""

    name: str
    skills: list[Hat]
    hats: list[Hat]
    owned: int
    backups: int
    load: int


class Gap(BaseModel):
    """A responsibility whose hat nobody on the team has: still owned, with a suggestion."""

    id: str
    name: str
    stage: str
    hat: Hat
    critical: bool
    owner: str
    suggestion: str


class HatSwitch(BaseModel):
    """The same person continues from one stage to the next but changes hat."""

    person: str
    from_stage: str
    to_stage: str
    from_hats: list[Hat]
    to_hats: list[Hat]


class Allocation(BaseModel):
    """A verified allocation: every responsibility owned (`unowned` is always empty).

    `load_spread` is the gap in load points (owning critical work 3, other work 2, a backup 1)
    between the busiest and the least busy person; the rendered text says it in plain words.
    """

    product: ProductKind
    assignments: list[Assignment]
    people: list[PersonLoad]
    unowned: list[str]
    gaps: list[Gap]
    load_spread: int
    handoffs: HandoffAnalysis
    hat_switches: list[HatSwitch]
    notes: list[str]

    @property
    def fully_backed_up(self) -> bool:
        """Every critical responsibility has a backup who is someone other than its owner.

        Always False for a one-person team (nobody on the team can back anyone up), so a
        closing text can ask for an external backup; True for any valid team of two or more.
        """
        return all(
            a.backup is not None and a.backup != a.owner for a in self.assignments if a.critical
        )

    def owner_of(self, responsibility_id: str) -> str:
        """The owner of a responsibility by id (KeyError if the product has no such one)."""
        for a in self.assignments:
            if a.id == responsibility_id:
                return a.owner
        raise KeyError(responsibility_id)

    def render_table(self) -> str:
        """Markdown: the ownership table, workload, missing skills, handoffs and notes."""
        from tutor.planning.render import render_allocation

        return render_allocation(self)
