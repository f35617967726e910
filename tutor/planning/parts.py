"""The rows an allocation is made of: assignments, each person's load, skill gaps, hat
switches, and the learner's pins. Pure data (the `Allocation` in `results` holds them)."""

from __future__ import annotations

from pydantic import BaseModel

from tutor.planning.model import Hat


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
