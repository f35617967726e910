"""The Lesson and Team planner tabs as plain functions (no gradio: quick to test)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tutor.content.planner import allocate, detect_product, hats_for, read_team
from tutor.demo.diagram import handoff_svg
from tutor.demo.handoffs import analyze_handoffs, run_handoff_demo
from tutor.errors import InputError, TeamError, TutorError
from tutor.planning import HATS, Team, TeamReading
from tutor.planning.model import Availability

AUTO = "auto"
# Said above a plan the tab shows because the chat made it (the two share one team).
CHAT_TEAM_NOTE = (
    "_This is the team from your chat; edit a row and the chat talks about the edited team._"
)
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


# The People table: what the planner read (or the learner typed) per person; hats are shown,
# computed from the roles, never typed.
TABLE_HEADERS = ["name", "roles", "availability", "hats"]
AVAILABILITIES: tuple[Availability, ...] = ("full-time", "part-time", "contractor")


def empty_rows() -> list[list[str]]:
    """The People table before anyone is read (three blank rows to type into)."""
    return [[""] * len(TABLE_HEADERS) for _ in range(3)]


def forgotten_tab() -> tuple[str, list[list[str]], str, str, None]:
    """The Team planner tab after "Forget my team": (description, table, result, picture,
    description read) all blank."""
    return "", empty_rows(), "", "", None


def team_rows(team: Team) -> list[list[str]]:
    """The table's rows for a team: name, role words, availability, the hats the roles give."""
    return [
        [p.name, ", ".join(p.roles), p.availability, ", ".join(hats_for_roles(p.roles))]
        for p in team.people
    ]


def hats_for_roles(roles: Iterable[str]) -> list[str]:
    have = hats_for(roles)
    return [h for h in HATS if h in have]


def _availability(text: str, number: int) -> Availability:
    """A cell's availability ("part time", "Contractor", blank = full-time); TeamError if not."""
    word = "-".join(text.lower().replace("_", " ").split()) or "full-time"
    for option in AVAILABILITIES:
        if word == option or word == option.replace("-", ""):
            return option
    raise TeamError(
        f"Person {number}: availability {text!r} is not one of {', '.join(AVAILABILITIES)}."
    )


def table_people(rows: Any) -> list[dict[str, Any]]:
    """People ({"name", "roles", "availability"}) from the table's rows (the hats column is
    computed, so ignored); blank rows are skipped; TeamError names a bad availability."""
    people: list[dict[str, Any]] = []
    for row in _rows(rows)[: MAX_TABLE_ROWS + 1]:
        cells = [str(c).strip() if c is not None else "" for c in list(row)[:3]]
        name, roles, availability = [*cells, "", "", ""][:3]
        if not name and not roles:
            continue
        split = [r.strip() for r in roles.replace(";", ",").split(",") if r.strip()]
        people.append(
            {
                "name": name or f"Person {len(people) + 1}",
                "roles": split,
                "availability": _availability(availability, len(people) + 1),
            }
        )
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


def _product(text: str, product: str) -> str:
    """The product chosen, or (auto) the one the description suggests; "llm" without one."""
    if product not in (None, "", AUTO):
        return product
    return detect_product(text) if (text or "").strip() else "llm"


def build_team(
    text: str, rows: Any, product: str, last_read: str | None = None
) -> tuple[Team, TeamReading | None]:
    """The team to plan. The description is read into the table when it is new (not the one
    last read); otherwise the table is the team, so a corrected row or an added person keeps
    everyone else. With an empty table the description is read."""
    kind = _product(text, product)
    people = table_people(rows)
    fresh = bool((text or "").strip()) and text != last_read
    if people and not fresh:
        return Team.build(people, kind), None  # TeamError names the bad row
    if not (text or "").strip():
        raise InputError(
            "Describe your team (e.g. 'Ana is a data scientist, Ben runs infra') "
            "or fill in the table of people."
        )
    reading = read_team(text, product=None if product in (None, "", AUTO) else product)
    return reading.team, reading


def plan_team(
    text: str, rows: Any, product: str, last_read: str | None = None
) -> tuple[str, str, Any, str | None]:
    """(the plan as Markdown, the handoff picture, the table's rows, the description read);
    a clear message (and the table as it was) on bad input."""
    try:
        team, reading = build_team(text, rows, product, last_read)
        result, svg = _planned(team, reading)
    except TutorError as exc:
        return f"⚠ {exc}", "", rows, last_read
    return result, svg, team_rows(team), text if reading is not None else last_read


def table_team(text: str, rows: Any, product: str) -> Team:
    """The team the table holds (the description only chooses the product); InputError
    when it is empty, TeamError naming a bad row."""
    people = table_people(rows)
    if not people:
        raise InputError("Add at least one person to the table.")
    return Team.build(people, _product(text, product))


def replan_table(text: str, rows: Any, product: str) -> tuple[str, str]:
    """Re-plan from the table as the learner edits it (the table itself is left alone, so
    nothing they are typing is overwritten)."""
    try:
        return _planned(table_team(text, rows, product), None)
    except TutorError as exc:
        return f"⚠ {exc}", ""


def tab_for_team(team: Team) -> tuple[list[list[str]], str, str]:
    """(the table's rows, the plan as Markdown, the picture) for a team the chat planned."""
    result, svg = _planned(team, None)
    return team_rows(team), f"{CHAT_TEAM_NOTE}\n\n{result}", svg


def table_people_or_none(rows: Any) -> list[dict[str, Any]]:
    """The table's people, or none when a row cannot be read (the tab says why)."""
    try:
        return table_people(rows)
    except TeamError:
        return []


def same_team(team: Team, rows: Any) -> bool:
    """Whether the table already shows `team` (names, roles and availability)."""
    shown = table_people_or_none(rows)
    return [(p.name, list(p.roles), p.availability) for p in team.people] == [
        (p["name"], p["roles"], p["availability"]) for p in shown
    ]


def _planned(team: Team, reading: TeamReading | None) -> tuple[str, str]:
    allocation = allocate(team)
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
