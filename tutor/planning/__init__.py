"""The team planner: read a team from free text, allocate every MLOps responsibility, render it.

Modules, one job each:
- `model`: hats, `Person`, `Team` (validated, clear errors);
- `catalogue`: the content schema of prompts/responsibilities.toml (responsibilities, skills
  table, advice, default split, the reader's words) as frozen models;
- `skills`: role words -> hats, through the shared text module;
- `content`: `Planning`, the content bundle the other modules receive;
- `segments`, `words`, `names`, `evidence`, `people`, `drafts`, `availability`, `doubts`,
  `reader`: a free-text description -> `TeamReading` (cutting it up, the vocabulary, names and
  the evidence they are people, who each piece names, the people found, their time, what is
  unsure, and the team);
- `allocator`: `allocate` (every responsibility owned, critical work backed up, skill first);
- `results`, `render`: the `Allocation` and its Markdown.

Everything here is pure and takes a `Planning`; `tutor.content.planner` binds the shared one
that the content module (`tutor.content.pack.planning_content`) loads from prompts/.
"""

from __future__ import annotations

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
    "make_team",
    "too_many_people",
]
