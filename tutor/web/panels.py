"""The Lesson and Team planner tabs as plain functions (no gradio: quick to test)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tutor.content.planner import allocate, read_team
from tutor.demo.diagram import handoff_svg
from tutor.demo.handoffs import analyze_handoffs, run_handoff_demo
from tutor.errors import InputError, TutorError
from tutor.planning import Team, TeamReading

AUTO = "auto"
MAX_TABLE_ROWS = 50


def demo_panel() -> tuple[str, str, str]:
    """The Lesson tab's demo: what it prints, the analysis, and the picture."""
    analysis = analyze_handoffs()
    picture = svg_block(handoff_svg(analysis), handoff_svg(analysis, vertical=True))
    return run_handoff_demo(), analysis.render_text(), picture


def svg_block(svg: str, tall: str | None = None) -> str:
    """Wrap an SVG so a long lifecycle scrolls sideways instead of shrinking to unreadable;
    with `tall` (the same picture drawn top to bottom), a phone shows that one instead."""
    if tall is None:
        return f'<div class="handoff-svg" style="overflow-x:auto;max-width:100%">{svg}</div>'
    return (
        f'<div class="handoff-svg" style="overflow-x:auto;max-width:100%">'
        f'<div class="wide">{svg}</div><div class="tall">{tall}</div></div>'
    )


def lesson_sections(lesson: str) -> tuple[str, str]:
    """(the lesson from its first section up to "Try it", the "Try it" intro line).

    The lines before the first section address a reader outside the app ("Open this lesson
    in your favourite AI…"), so the tab starts with the lesson itself; the try-it prompts
    become buttons (from the lesson pack's steps), so their paragraphs are left out here.
    """
    title, _, rest = lesson.partition("\n")
    if not title.startswith("# "):
        title, rest = "", lesson
    body = title + "\n" + rest[rest.find("\n## ") :] if "\n## " in rest else lesson
    head, _, tail = body.partition("\n## Try it")
    intro = next((line.strip() for line in tail.splitlines() if line.strip()), "")
    return head.strip(), intro


def table_people(rows: Any) -> list[dict[str, Any]]:
    """People ({"name", "roles"}) from the planner's table rows; blank rows are skipped."""
    people: list[dict[str, Any]] = []
    for row in _rows(rows)[: MAX_TABLE_ROWS + 1]:
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


def build_team(text: str, rows: Any, product: str) -> tuple[Team, TeamReading | None]:
    """The team from the table when it has people, else read from the free-text description
    (with what the reader understood, to show the learner)."""
    kind = None if product in (None, "", AUTO) else product
    people = table_people(rows)
    if people:
        return Team.build(people, kind or "llm"), None  # TeamError names the bad row
    if not (text or "").strip():
        raise InputError(
            "Describe your team (e.g. 'Ana is a data scientist, Ben runs infra') "
            "or fill in the table of people."
        )
    reading = read_team(text, product=kind)
    return reading.team, reading


def plan_team(text: str, rows: Any, product: str) -> tuple[str, str]:
    """(ownership matrix as Markdown, handoff picture as HTML); a clear message on bad input."""
    try:
        team, reading = build_team(text, rows, product)
        allocation = allocate(team)
    except TutorError as exc:
        return f"⚠ {exc}", ""
    header = f"**Product:** {'LLM product' if allocation.product == 'llm' else 'classic ML'}"
    if reading is not None:
        header = f"{reading.summary}\n\n{header}"
        if reading.unsure:
            header += "\n\n**Please check:** " + "; ".join(reading.unsure)
    title = "Your team's handoffs along the lifecycle"
    svg = svg_block(
        handoff_svg(allocation.handoffs, title=title),
        handoff_svg(allocation.handoffs, title=title, vertical=True),
    )
    return f"{header}\n\n{allocation.render_table()}", svg
