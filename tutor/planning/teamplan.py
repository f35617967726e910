"""`TeamPlan`: the team a learner described and their own choices on top of the plan (pins),
the state a conversation keeps; its allocation is recomputed from it, never stored apart."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from tutor.planning.allocator import allocate_with
from tutor.planning.content import Planning
from tutor.planning.model import Person, Team
from tutor.planning.results import Allocation, Pin


class TeamPlan(BaseModel):
    team: Team
    pins: tuple[Pin, ...] = ()

    def allocation(self, content: Planning) -> Allocation:
        return allocate_with(self.team, content, pins=self.pins)

    def with_people(self, people: Iterable[Person]) -> TeamPlan:
        """The same plan for other people (pins on people who left are dropped)."""
        return self.with_team(Team(list(people), self.team.product))

    def with_team(self, team: Team) -> TeamPlan:
        """The plan for another team (pins on people who left are dropped)."""
        names = {p.name for p in team.people}
        pins = tuple(p for p in self.pins if p.owner in names or p.backup in names)
        return TeamPlan(team=team, pins=pins)

    def with_pin(self, pin: Pin) -> TeamPlan:
        kept = tuple(p for p in self.pins if p.responsibility != pin.responsibility)
        return TeamPlan(team=self.team, pins=(*kept, pin))

    def person(self, name: str) -> Person:
        return next(p for p in self.team.people if p.name == name)
