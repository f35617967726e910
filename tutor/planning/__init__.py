"""The team planner: read a team from free text, allocate every MLOps responsibility, render it.

Modules, one job each:
- `model`: hats, `Person`, `Team` (validated, clear errors);
- `catalogue`: the content schema of prompts/responsibilities.toml (responsibilities, skills
  table, advice, default split, the reader's words) as frozen models;
- `skills`: role words -> hats, through the shared text module;
- `content`: `Planning`, the content bundle the other modules receive;
- `segments`, `drafts`, `reader`: a free-text description -> `TeamReading` (cutting it up,
  the people found, and who each piece names);
- `allocator`: `allocate` (every responsibility owned, critical work backed up, skill first);
- `results`, `render`: the `Allocation` and its Markdown.

Everything here is pure and takes a `Planning`; the functions below default to the shared one
that the content module (`tutor.lesson.planning_content`) loads from prompts/.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.planning.catalogue import Catalogue, PlanningData, Responsibility
from tutor.planning.content import Planning
from tutor.planning.model import (
    HATS,
    MAX_PEOPLE,
    PRODUCTS,
    Hat,
    Person,
    ProductKind,
    Team,
    make_team,
    too_many_people,
)
from tutor.planning.reader import MAX_TEXT_CHARS, TeamReader, TeamReading
from tutor.planning.results import Allocation, Assignment, Gap, HatSwitch, PersonLoad
from tutor.planning.skills import LIGHT, STRONG


def default_content() -> Planning:
    """The shared planner content (loaded once by the content module)."""
    from tutor.lesson import planning_content

    return planning_content()


def _reader(content: Planning | None) -> TeamReader:
    from tutor.lesson import team_reader

    return TeamReader(content) if content is not None else team_reader()


def allocate(
    team: Team | Mapping[str, Any],
    product: str | None = None,
    catalogue: Catalogue | None = None,
    *,
    content: Planning | None = None,
) -> Allocation:
    """Allocate every responsibility for the team's product (or `product`); TeamError if invalid."""
    from tutor.planning import allocator

    return allocator.allocate(team, content or default_content(), product, catalogue)


def read_team(
    text: str,
    product: str | None = None,
    *,
    assume: bool = True,
    content: Planning | None = None,
) -> TeamReading:
    """A team from a free-text description, with what the reader is unsure of; TeamError.
    People whose roles the text doesn't give get the default split unless `assume=False`."""
    return _reader(content).read(text, product, assume)


def parse_team(text: str, product: str | None = None) -> Team:
    """Just the team of `read_team` (kept for callers of the old `tutor.team_parser`)."""
    return read_team(text, product).team


def looks_like_team(text: str, *, content: Planning | None = None) -> bool:
    """Whether a chat message describes a team (a head count, or people with roles)."""
    return _reader(content).looks_like_team(text)


def detect_product(text: str) -> ProductKind:
    return _reader(None).product(text)


def default_catalogue() -> Catalogue:
    return default_content().catalogue


def skill_levels(roles: list[str] | tuple[str, ...]) -> dict[Hat, int]:
    return default_content().skills.levels(roles)


def hats_for(roles: list[str] | tuple[str, ...]) -> set[Hat]:
    return set(skill_levels(roles))


__all__ = [
    "HATS",
    "LIGHT",
    "MAX_PEOPLE",
    "MAX_TEXT_CHARS",
    "PRODUCTS",
    "STRONG",
    "Allocation",
    "Assignment",
    "Catalogue",
    "Gap",
    "Hat",
    "HatSwitch",
    "Person",
    "PersonLoad",
    "Planning",
    "PlanningData",
    "ProductKind",
    "Responsibility",
    "Team",
    "TeamReader",
    "TeamReading",
    "allocate",
    "default_catalogue",
    "default_content",
    "detect_product",
    "hats_for",
    "looks_like_team",
    "make_team",
    "parse_team",
    "read_team",
    "skill_levels",
    "too_many_people",
]
