"""The team planner bound to the shipped content: the calls surfaces, tools and the Python API
use (`allocate(team)`, `read_team(text)`), with prompts/responsibilities.toml loaded once.

`tutor.planning` itself is pure and takes its content as an argument; this module is the one
place that supplies the shared content, so no domain function hides a global default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tutor.content.pack import planning_content, team_reader, team_talk
from tutor.errors import TeamError
from tutor.planning import (
    Allocation,
    Catalogue,
    Hat,
    ProductKind,
    Team,
    TeamReading,
    talk,
)
from tutor.planning.allocator import allocate_with
from tutor.planning.talk import PlanReply
from tutor.planning.teamplan import TeamPlan


def allocate(
    team: Team | Mapping[str, Any], product: str | None = None, catalogue: Catalogue | None = None
) -> Allocation:
    """Allocate every responsibility for the team's product (or `product`); TeamError if invalid."""
    return allocate_with(team, planning_content(), product, catalogue)


def read_team(text: str, product: str | None = None, *, assume: bool = True) -> TeamReading:
    """A team from a free-text description, with what the reader is unsure of; TeamError.
    People whose roles the text doesn't give get the default split unless `assume=False`."""
    return team_reader().read(text, product, assume)


def parse_team(text: str, product: str | None = None) -> Team:
    """Just the team of `read_team`."""
    return read_team(text, product).team


def looks_like_team(text: str) -> bool:
    """Whether a chat message describes a team (a head count, or people with roles)."""
    return team_reader().looks_like_team(text)


def names_people_with_jobs(text: str) -> bool:
    """Two or more people on the team with jobs, one of them named."""
    return team_reader().names_people_with_jobs(text)


def teammates_named(text: str, team: Team) -> list[str]:
    """The people of `team` a message names, when it names nobody else and no head count:
    a remark about the planned team, not a new one (empty otherwise)."""
    try:
        reading = read_team(text, assume=False)
    except TeamError:
        return []
    if reading.stated is not None:
        return []  # "we are 3: Priya, Jin, Tom" describes the team again
    read = reading.team.people
    known = {p.name.casefold(): p.name for p in team.people}
    names = [known.get(p.name.casefold()) for p in read]
    return [n for n in names if n] if names and all(names) else []


def detect_product(text: str) -> ProductKind:
    return team_reader().product(text)


def skill_levels(roles: Iterable[str]) -> dict[Hat, int]:
    return planning_content().skills.levels(list(roles))


def hats_for(roles: Iterable[str]) -> set[Hat]:
    return set(skill_levels(roles))


def respond_about_plan(
    text: str, plan: TeamPlan | Team, topics: Sequence[Sequence[str]] = ()
) -> PlanReply | None:
    """A follow-up about a planned team, answered from its plan (see `tutor.planning.talk`);
    `topics`: what the previous follow-up was about."""
    return talk.respond_about_plan(text, plan, team_talk(), topics)


def forget_request(text: str) -> PlanReply | None:
    """ "Forget my team" when no team is kept (see `tutor.planning.talk.forget_request`)."""
    return talk.forget_request(text, team_talk())


def privacy_notice(provider: str) -> str:
    """The one sentence saying a team description goes to a hosted model's provider."""
    return team_talk().data.privacy_notice.format(provider=provider)
