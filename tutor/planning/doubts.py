"""What the team reader is unsure of, how sure it is, and the one line it asks when unsure.

The stated head count wins: fewer people found than stated are topped up with unnamed
teammates (by the reader); more than stated lose the people nothing binds to a job, said
aloud, never silently; if there are still too many, the reading asks. Each doubt lowers the
reading's confidence by its weight; below `ASK_BELOW` the tutor asks one line instead of
planning. The weights were set on the labelled sets (tests/data/teams.toml and
tests/data/independent/teams.toml; `pytest -s tests/test_team_reading_independent.py` prints
how often each is read exactly and how often the reader asks). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tutor.planning.drafts import Draft
from tutor.text import join_names, spoken

DoubtKind = Literal["count", "loose", "unread", "guessed", "dropped"]
#: how much each doubt lowers the confidence (1.0 = no doubt)
WEIGHTS: dict[DoubtKind, float] = {
    "count": 0.6,  # more people than the stated count, after dropping the unbound ones
    "loose": 0.3,  # a capitalised word that could be a teammate, bound to nothing
    "dropped": 0.2,  # a name dropped to meet the stated count
    "unread": 0.15,  # role words that name no job the table knows
    "guessed": 0.1,  # a lowercase word taken as a name
}
ASK_BELOW = 0.5


@dataclass(frozen=True)
class Doubt:
    kind: DoubtKind
    says: str  # what the learner is told ("you said 3, but I found 4 people")


def confidence(doubts: tuple[Doubt, ...]) -> float:
    """1.0 minus the weight of each doubt (each name counted once), never below 0."""
    return max(0.0, round(1.0 - sum(WEIGHTS[d.kind] for d in doubts), 2))


def fit_count(drafts: list[Draft], count: int | None, skills) -> list[Doubt]:
    """Meet a stated count from above: drop named people with no job in the text, last
    first, and say so; a count still exceeded is a doubt. Edits `drafts` in place."""
    if count is None or len(drafts) <= count:
        return []
    doubts: list[Doubt] = []
    for d in reversed(list(drafts)):
        if len(drafts) <= count:
            break
        if d.kind == "named" and not any(skills.names_a_role(r) for r in d.roles):
            drafts.remove(d)
            doubts.append(Doubt("dropped", f"you said {count}, so I left out {d.name}"))
    if len(drafts) > count:
        doubts.append(Doubt("count", f"you said {count}, but I found {len(drafts)} people"))
    return doubts


def question(names: list[str], stated: int | None) -> str:
    """'Is your team Priya, Tomás and you — 3 people?' (the people read, and the count)."""
    said = [spoken(n) for n in names]
    size = len(names)
    more = f" (you said {stated})" if stated is not None and stated != size else ""
    return f"Is your team {join_names(said)} — {size} {'person' if size == 1 else 'people'}{more}?"
