"""The lesson's handoff demo, and a richer analysis of each handoff (pure functions).

A handoff is where the owner of one lifecycle stage differs from the owner of the next — the
same rule as the lesson's demo code. The analysis then splits each owner on "+" to say who
leaves, who joins and who continues: a *full* handoff has nobody continuing (the riskiest, all
context must be written down), a *partial* one keeps at least one owner across.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, computed_field

from tutor.errors import LifecycleError
from tutor.text.lexicon import agrees, spoken

LESSON_LIFECYCLE: tuple[tuple[str, str], ...] = (
    ("frame problem & metrics", "Product + Data Scientist"),
    ("build data pipeline", "Data Engineer"),
    ("train & evaluate model", "Data Scientist"),
    ("productionize / serve", "ML Engineer"),
    ("deploy & monitor", "ML Engineer + SRE/Platform"),
    ("on-call / incidents", "SRE/Platform"),
)
STAGE_NAMES: tuple[str, ...] = tuple(stage for stage, _ in LESSON_LIFECYCLE)
DEMO_HEADER = "Risky handoffs (ownership changes hands):"
MAX_STAGES = 50
MAX_NAME_CHARS = 120

Lifecycle = Sequence[Any]


class Stage(BaseModel):
    """One lifecycle stage: its name, the owner string as written, and the owner's roles."""

    name: str
    owner: str
    roles: list[str]


class Handoff(BaseModel):
    """One change of owner between consecutive stages."""

    from_stage: str
    to_stage: str
    from_owner: str
    to_owner: str
    leaves: list[str]
    joins: list[str]
    continues: list[str]
    kind: Literal["full", "partial"]
    summary: str


class HandoffAnalysis(BaseModel):
    """All stages of a lifecycle and the handoffs between them."""

    stages: list[Stage]
    handoffs: list[Handoff]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def full_count(self) -> int:
        return sum(1 for h in self.handoffs if h.kind == "full")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def partial_count(self) -> int:
        return sum(1 for h in self.handoffs if h.kind == "partial")

    def render_text(self) -> str:
        """A short readable explanation: counts, then one line per handoff."""
        if not self.handoffs:
            return (
                f"No handoffs: the same owner runs all {len(self.stages)} stages. That is fine "
                "in a small team, as long as they know which hat they wear for each task."
            )
        lines = [
            f"{len(self.stages)} stages, {len(self.handoffs)} handoffs: "
            f"{self.full_count} full, {self.partial_count} partial.",
            "Full handoffs are the riskiest: nobody carries the context across, so it has to "
            "be written down (data contract, eval gate, runbook). In a partial handoff someone "
            "continues and can brief whoever joins.",
        ]
        lines += [f"- {h.summary}" for h in self.handoffs]
        return "\n".join(lines)


def run_handoff_demo(lifecycle: Lifecycle | None = None) -> str:
    """Exactly what the lesson's demo code prints, for its lifecycle or a custom one."""
    pairs = LESSON_LIFECYCLE if lifecycle is None else validate_lifecycle(lifecycle)
    lines = [DEMO_HEADER]
    for (_, a), (_, b) in itertools.pairwise(pairs):
        if a != b:
            lines.append(f" {a} -> {b}")
    return "".join(line + "\n" for line in lines)


def validate_lifecycle(lifecycle: Lifecycle) -> list[tuple[str, str]]:
    """Clean (stage, owner) pairs from pairs or {"stage", "owner"} mappings, or LifecycleError."""
    if isinstance(lifecycle, str | bytes) or not isinstance(lifecycle, Sequence):
        raise LifecycleError(
            "A lifecycle must be a list of (stage, owner) pairs or "
            "{'stage': ..., 'owner': ...} entries."
        )
    if not lifecycle:
        raise LifecycleError("The lifecycle is empty: give at least two (stage, owner) pairs.")
    if len(lifecycle) > MAX_STAGES:
        raise LifecycleError(
            f"The lifecycle has {len(lifecycle)} stages; at most {MAX_STAGES} are allowed."
        )
    pairs = [_check_stage(i, item) for i, item in enumerate(lifecycle, start=1)]
    if len(pairs) == 1:
        raise LifecycleError(
            "The lifecycle has a single stage, so there is no handoff to show: "
            "give at least two stages."
        )
    return pairs


def _check_stage(index: int, item: Any) -> tuple[str, str]:
    stage, owner = _unpack(index, item)
    stage, owner = stage.strip(), owner.strip()
    if not stage:
        raise LifecycleError(f"Stage {index}: the stage name is blank.")
    if not owner:
        raise LifecycleError(f"Stage {index} ({stage!r}): the owner is blank.")
    for label, value in (("stage name", stage), ("owner", owner)):
        if len(value) > MAX_NAME_CHARS:
            raise LifecycleError(
                f"Stage {index}: the {label} is {len(value)} characters long; "
                f"the limit is {MAX_NAME_CHARS}."
            )
    if any(not part.strip() for part in owner.split("+")):
        raise LifecycleError(
            f"Stage {index} ({stage!r}): the owner {owner!r} has an empty role around '+'."
        )
    return stage, owner


def _unpack(index: int, item: Any) -> tuple[str, str]:
    """Accept a 2-item pair, a {"stage", "owner"} mapping, or an object with those attributes."""
    if isinstance(item, Mapping):
        values: tuple[Any, Any] = (item.get("stage"), item.get("owner"))
    elif isinstance(item, Stage):
        values = (item.name, item.owner)
    elif isinstance(item, Sequence) and not isinstance(item, str | bytes) and len(item) == 2:
        values = (item[0], item[1])
    elif hasattr(item, "stage") and hasattr(item, "owner"):
        values = (item.stage, item.owner)
    else:
        values = (None, None)
    if not all(isinstance(v, str) for v in values):
        raise LifecycleError(
            f"Stage {index} must be a (stage, owner) pair of text, or "
            f"{{'stage': ..., 'owner': ...}}; got {item!r:.80}."
        )
    return values[0], values[1]


def split_roles(owner: str) -> list[str]:
    """Roles in an owner string: "ML Engineer + SRE/Platform" -> both, in order, no repeats."""
    roles: list[str] = []
    for part in owner.split("+"):
        role = part.strip()
        if role and role not in roles:
            roles.append(role)
    return roles


def analyze_handoffs(lifecycle: Lifecycle | None = None) -> HandoffAnalysis:
    """Every handoff of the lifecycle (the lesson's when None), each classed full or partial."""
    pairs = LESSON_LIFECYCLE if lifecycle is None else validate_lifecycle(lifecycle)
    stages = [Stage(name=name, owner=owner, roles=split_roles(owner)) for name, owner in pairs]
    return analyze_stages(stages)


def analyze_stages(stages: Sequence[Stage]) -> HandoffAnalysis:
    """The analysis over already-split stages (the allocator passes people as roles)."""
    handoffs = [_handoff(a, b) for a, b in itertools.pairwise(stages) if a.owner != b.owner]
    return HandoffAnalysis(stages=list(stages), handoffs=handoffs)


def _handoff(a: Stage, b: Stage) -> Handoff:
    # Case-insensitive, so "Data Scientist" and "data scientist" count as the same role.
    before = {r.casefold() for r in a.roles}
    after = {r.casefold() for r in b.roles}
    continues = [r for r in b.roles if r.casefold() in before]
    joins = [r for r in b.roles if r.casefold() not in before]
    leaves = [r for r in a.roles if r.casefold() not in after]
    kind: Literal["full", "partial"] = "partial" if continues else "full"
    return Handoff(
        from_stage=a.name,
        to_stage=b.name,
        from_owner=a.owner,
        to_owner=b.owner,
        leaves=leaves,
        joins=joins,
        continues=continues,
        kind=kind,
        summary=_summary(a, b, continues, joins, leaves),
    )


def _summary(a: Stage, b: Stage, continues: list[str], joins: list[str], leaves: list[str]) -> str:
    where = f"{a.name!r} -> {b.name!r}"
    if not continues:
        return (
            f"Full handoff {where}: {spoken(a.owner, start=True)} "
            f"{_verb(a.roles, 'hands', 'hand', a.owner)} over to {spoken(b.owner)}; "
            "nobody continues, so the context must be written down."
        )
    parts = [f"{_said(continues, True)} {agrees(continues, 'continues', 'continue')}"]
    if joins:
        parts.append(f"{_said(joins)} {agrees(joins, 'joins', 'join')}")
    if leaves:
        parts.append(f"{_said(leaves)} {agrees(leaves, 'steps away', 'step away')}")
    if not joins and not leaves:
        parts.append("the same owners, only written differently")
    return f"Partial handoff {where}: {_join(parts)}."


def _verb(subjects: list[str], singular: str, plural: str, owner: str = "") -> str:
    return singular if len(subjects) == 1 and spoken(owner) == owner else plural


def _said(names: list[str], start: bool = False) -> str:
    """Names as the learner reads them (the speaker, "Me", is "you")."""
    return _join([spoken(n, start=start and k == 0) for k, n in enumerate(names)])


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
