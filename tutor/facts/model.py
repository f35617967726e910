"""The fact checker's contract: what a reply is checked against (`Facts`) and what it finds
(`FactIssue`). The allocation is read through small protocols, so the checker does not depend
on where the team planner lives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tutor.demo.handoffs import LESSON_LIFECYCLE

IssueKind = Literal["handoff", "owner"]


class AssignmentLike(Protocol):
    name: str
    stage: str
    owner: str
    backup: str | None


class PersonLike(Protocol):
    name: str


class AllocationLike(Protocol):
    """What the checker reads of `tutor.planning.Allocation` (people, assignments by stage)."""

    @property
    def assignments(self) -> Sequence[AssignmentLike]: ...

    @property
    def people(self) -> Sequence[PersonLike]: ...


@dataclass(frozen=True)
class Facts:
    """What a reply is checked against: the demo's output when it ran, the lesson's lifecycle
    (stage, owner) pairs, and the allocation the team planner produced, if any."""

    demo_output: str | None = None
    lifecycle: tuple[tuple[str, str], ...] = LESSON_LIFECYCLE
    allocation: AllocationLike | None = None


@dataclass(frozen=True)
class FactIssue:
    """One claim that contradicts the facts: the reply's words, a one-line note for the
    learner ("Check: in the lesson, on-call / incidents is owned by SRE/Platform.") and what
    was wrong, plainly, to follow "the model's reply" ("names the Data Scientist as owner of
    on-call / incidents; the lesson says SRE/Platform")."""

    kind: IssueKind
    claim: str
    note: str
    reason: str
