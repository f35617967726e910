"""An allocation as Markdown a learner can read: the table, each person's workload in plain
words, missing skills (who wears the hat nobody has, and what to do), the team's handoffs,
hat switches and notes. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from tutor.demo.handoffs import HandoffAnalysis
from tutor.planning.model import HATS
from tutor.planning.parts import Assignment, Gap, HatSwitch, PersonLoad
from tutor.text import agrees, join_names, spoken

TABLE_HEADER = "| Stage | Responsibility | Owner (hat worn) | Backup | Skills |"
LEGEND = (
    "★ critical · ⚠ the owner does not have this hat's skills yet and takes it on (see "
    "Missing skills; where a part-timer or contractor has them, they are the backup)"
)


def render_allocation(
    assignments: Sequence[Assignment],
    people: Sequence[PersonLoad],
    gaps: Sequence[Gap],
    handoffs: HandoffAnalysis,
    hat_switches: Sequence[HatSwitch],
    notes: Sequence[str],
) -> str:
    """An allocation's parts as Markdown (`Allocation.render_table` passes its own)."""
    sections = [_table(assignments), _workload(people)]
    if gaps:
        sections.append(_gap_lines(gaps))
    sections.append(
        "Handoffs in your team (who owns each stage's critical work):\n" + handoffs.render_text()
    )
    if hat_switches:
        sections.append(
            "Hat switches (the same person moves to the next stage wearing a different hat):\n"
            + "\n".join(f"- {_switch_line(s)}" for s in hat_switches)
        )
    if notes:
        sections.append("Notes:\n" + "\n".join(f"- {n}" for n in notes))
    return "\n\n".join(sections) + "\n"


def render_for_model(
    assignments: Sequence[Assignment],
    people: Sequence[PersonLoad],
    gaps: Sequence[Gap],
    handoffs: HandoffAnalysis,
    hat_switches: Sequence[HatSwitch],
    notes: Sequence[str],
) -> str:
    """The same allocation as compact plain lines, for the model: every fact of the table
    (owner, hat, backup, critical, skills) in about half its characters. The learner is
    shown the table itself; what the model reads afresh is what a local model waits on and
    what a prompt cache cannot reuse."""
    lines = ["Verified allocation (★ critical; ⚠ the owner lacks that hat's skills):"]
    stages: dict[str, list[str]] = {}
    for a in assignments:
        star, skill = " ★" if a.critical else "", "" if a.skill_match else " ⚠"
        backup = f", backup {a.backup}" if a.backup else ", no backup"
        stages.setdefault(a.stage, []).append(f"{a.name}{star}: {a.owner} ({a.hat}){skill}{backup}")
    lines += [f"- {stage}: {'; '.join(rows)}" for stage, rows in stages.items()]
    load = "; ".join(f"{p.name} ({', '.join(p.hats) or 'no hat'}) owns {p.owned}, backs up "
                     f"{p.backups}" for p in people)  # fmt: skip
    lines.append(f"Workload: {load}.")
    missing = sorted({g.hat for g in gaps}, key=HATS.index)
    if missing:
        lines.append(f"Nobody has these hats' skills yet (the work is still owned): "
                     f"{', '.join(missing)}.")  # fmt: skip
    lines.append(
        f"Handoffs: {handoffs.full_count} full, {handoffs.partial_count} partial: "
        + "; ".join(f"{h.from_stage} -> {h.to_stage} {h.kind}" for h in handoffs.handoffs)
    )
    lines += [f"Hat switch: {_switch_line(s)}" for s in hat_switches]
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(assignments: Sequence[Assignment]) -> str:
    rows = [TABLE_HEADER, "|---|---|---|---|---|"]
    for a in assignments:
        star = " ★" if a.critical else ""
        rows.append(
            f"| {_cell(a.stage)} | {_cell(a.name)}{star} | {_cell(a.owner)} ({a.hat}) "
            f"| {_cell(a.backup or '—')} | {'✓' if a.skill_match else '⚠'} |"
        )
    return "\n".join([*rows, "", LEGEND])


def _workload(people: Sequence[PersonLoad]) -> str:
    lines = ["Workload (how many responsibilities each person owns and backs up):"]
    for p in people:
        hats = ", ".join(p.hats) or "no hat of their own"
        own, back = agrees([p.name], "owns", "own"), agrees([p.name], "backs up", "back up")
        lines.append(
            f"- {spoken(p.name, start=True)} — {hats}: {own} {p.owned}, {back} {p.backups}"
            if p.owned
            else f"- {spoken(p.name, start=True)} — {back} {p.backups}, {own} nothing yet"
        )
    owned = [p.owned for p in people]
    if len(people) > 1:
        busiest = [p.name for p in people if p.owned == max(owned)]
        # A blank line first: in Markdown a line right after a list item continues that item.
        lines.append("")
        if max(owned) - min(owned) <= 1:
            lines.append("The work is spread evenly.")
        else:
            lines.append(
                f"{_names(busiest, start=True)} {agrees(busiest, 'owns', 'own')} the most "
                f"({max(owned)}); the least is {min(owned)}."
            )
    return "\n".join(lines)


def _gap_lines(gaps: Sequence[Gap]) -> str:
    """One line per missing hat (not per responsibility), so a no-skills team stays readable."""
    lines = ["Missing skills (the work is still owned):"]
    for hat in HATS:
        mine = [g for g in gaps if g.hat == hat]
        if mine:
            lines.append(f"- ⚠ {mine[0].suggestion.split(': ', 1)[0]}: " + _gap_detail(mine))
    return "\n".join(lines)


def _gap_detail(gaps: Sequence[Gap]) -> str:
    owners: dict[str, list[str]] = {}
    for g in gaps:
        owners.setdefault(g.owner, []).append(lower_first(g.name))
    who = "; ".join(
        f"{spoken(owner)} {agrees([owner], 'wears', 'wear')} the {gaps[0].hat} hat for "
        f"{join_names(tasks)}"
        for owner, tasks in owners.items()
    )
    return f"{who} — {gaps[0].suggestion.rsplit(' — ', 1)[-1]}"


def gap_suggestion(hat: str, owner: str, name: str, advice: str) -> str:
    """The one-line suggestion for a gap: who takes the hat on, and what would help."""
    return (
        f"Nobody on the team has {hat} skills yet: {spoken(owner)} "
        f"{agrees([owner], 'wears', 'wear')} the {hat} hat for "
        f"{lower_first(name)} — {advice}"
    )


def _names(names: Sequence[str], start: bool = False) -> str:
    """Names as the learner reads them in a sentence (the speaker, "Me", is "you")."""
    return join_names(spoken(n, start=start and k == 0) for k, n in enumerate(names))


def _switch_line(s: HatSwitch) -> str:
    return (
        f"{spoken(s.person, start=True)}: {' + '.join(s.from_hats)} for {s.from_stage!r} -> "
        f"{' + '.join(s.to_hats)} for {s.to_stage!r}"
    )


def lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    # Keep acronyms ("API", "ML") as written.
    word = first if first.isupper() else first[:1].lower() + first[1:]
    return f"{word} {rest}" if rest else word
