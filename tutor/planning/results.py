"""The allocator's result: who owns each responsibility, who backs it up, and what follows
(its rows are in `parts`, re-exported here)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tutor.demo.handoffs import HandoffAnalysis
from tutor.planning.model import ProductKind
from tutor.planning.parts import Assignment, Gap, HatSwitch, PersonLoad, Pin
from tutor.planning.render import render_allocation, render_for_model


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
        return render_allocation(*self._parts())

    def render_for_model(self) -> str:
        """The same facts as compact lines: what a model reads of the allocation."""
        return render_for_model(*self._parts())

    def _parts(self) -> tuple[Any, ...]:
        """What both renderings read, in their parameters' order."""
        return (self.assignments, self.people, self.gaps, self.handoffs, self.hat_switches,
                self.notes)  # fmt: skip


__all__ = ["Allocation", "Assignment", "Gap", "HatSwitch", "PersonLoad", "Pin"]
