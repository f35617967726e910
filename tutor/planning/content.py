"""`Planning`: everything the planner reads, bundled once — the validated data of
prompts/responsibilities.toml, the shared lexicon and the skills table built from both.

Built by `tutor.content.pack.planning_content()` (the content module does the loading); domain code
receives it. Immutable and shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.planning.catalogue import Catalogue, PlanningData
from tutor.planning.skills import Skills
from tutor.text import Lexicon


@dataclass(frozen=True)
class Planning:
    data: PlanningData
    lexicon: Lexicon
    skills: Skills = field(init=False)
    catalogue: Catalogue = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", Skills(self.data, self.lexicon))
        object.__setattr__(self, "catalogue", self.data.catalogue)
