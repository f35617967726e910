"""The Lesson and Team planner tabs as plain functions (no gradio: quick to test)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tutor.allocation import Team, allocate
from tutor.diagram import handoff_svg
from tutor.errors import InputError, TutorError
from tutor.handoffs import analyze_handoffs, run_handoff_demo

AUTO = "auto"
MAX_TABLE_ROWS = 50


def demo_panel() -> tuple[str, str, str]:
    """The Lesson tab's demo: what it prints, the analysis, and the picture."""
    analysis = analyze_handoffs()
    return run_handoff_demo(), analysis.render_text(), svg_block(handoff_svg(analysis))


def svg_block(svg: str) -> str:
    """Wrap an SVG so a long lifecycle scrolls sideways instead of shrinking to unreadable."""
    return f'<div class="handoff-svg" style="overflow-x:auto;max-width:100%">{svg}</div>'


def table_people(rows: Any) -> list[dict[str, Any]]:
    """People ({"name", "roles"}) from the planner's table rows; blank rows are skipped."""
    people: list[dict[str, Any]] = []
    for row in _rows(rows)[:MAX_TABLE_ROWS + 1]:
        cells = [str(c).strip() if c is not None else "" for c in list(row)[:2]]
        name, roles = [*cells, "", ""][:2]
        if not name and not roles:
            continue
        split = [r.strip() for r in roles.replace(";", ",").split(",") if r.strip()]
        people.append({"name": name or f"Person {len(people) + 1}", "roles": split})
    return people


def _rows(rows: Any) -> list[Iterable[Any]]:
    # Gradio hands a Dataframe value as a list of lists (type="array"), or a pandas frame.
    if rows is None:
        return []
    if hasattr(rows, "values") and hasattr(rows, "columns"):
        return rows.values.tolist()
    if isinstance(rows, dict):  # {"headers": [...], "data": [[...]]}
        return list(rows.get("data") or [])
    return list(rows)


def build_team(text: str, rows: Any, product: str) -> Team:
    """The team from the table when it has people, else from the free-text description."""
    from tutor.team_parser import parse_team

    kind = None if product in (None, "", AUTO) else product
    people = table_people(rows)
    if people:
        return Team.build(people, kind or "llm")  # TeamError names the bad row
    if not (text or "").strip():
        raise InputError("Describe your team (e.g. 'Ana is a data scientist, Ben runs infra') "
                         "or fill in the table of people.")
    return parse_team(text, product=kind)


def plan_team(text: str, rows: Any, product: str) -> tuple[str, str]:
    """(ownership matrix as Markdown, handoff picture as HTML); a clear message on bad input."""
    try:
        allocation = allocate(build_team(text, rows, product))
    except TutorError as exc:
        return f"⚠ {exc}", ""
    header = f"**Product:** {'LLM product' if allocation.product == 'llm' else 'classic ML'}"
    svg = handoff_svg(allocation.handoffs, title="Your team's handoffs along the lifecycle")
    return f"{header}\n\n{allocation.render_table()}", svg_block(svg)
