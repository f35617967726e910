"""What changed between two allocations, in a sentence or two: "Tomás's framing and budgets
move to you; Priya is now the on-call backup." Computed from the two plans, never guessed.
Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutor.planning.results import Allocation, Assignment
from tutor.planning.talkwords import TeamTalk
from tutor.text import agrees, is_speaker, join_names, spoken

# At most this many "X's A and B move to Y" groups; the rest is counted.
MAX_MOVES = 3


@dataclass(frozen=True)
class Change:
    """The sentence, and the people it names as new owners or backups."""

    text: str
    named: tuple[str, ...]
    #: the responsibilities whose new owner the text states
    said: frozenset[str] = frozenset()


def _possessive(name: str) -> str:
    return "your" if is_speaker(name) else f"{name}'s"


def _moves(
    before: Sequence[Assignment], after: Sequence[Assignment], talk: TeamTalk
) -> list[tuple[str, str, list[str]]]:
    """(old owner, new owner, responsibilities) for each owner change, grouped, biggest first."""
    old = {a.id: a.owner for a in before}
    groups: dict[tuple[str, str], list[str]] = {}
    for a in after:
        if a.id in old and old[a.id] != a.owner:
            groups.setdefault((old[a.id], a.owner), []).append(talk.short(a.id))
    return sorted(((o, n, rs) for (o, n), rs in groups.items()), key=lambda g: -len(g[2]))


def _move_text(old: str, new: str, items: list[str], first: bool) -> str:
    whose = _possessive(old)
    whose = whose[:1].upper() + whose[1:] if first else whose
    verb = "moves" if len(items) == 1 else "move"
    return f"{whose} {join_names(items)} {verb} to {spoken(new)}"


def _paging_backup(before: Allocation, after: Allocation) -> tuple[str, str] | None:
    """(responsibility name, new backup) when the backup of paging work changed."""
    old = {a.id: a.backup for a in before.assignments}
    for a in after.assignments:
        if a.id == "on-call" and a.backup and old.get(a.id) != a.backup:
            return a.id, a.backup
    return None


def _members(allocation: Allocation) -> set[str]:
    return {p.name for p in allocation.people}


def describe(
    before: Allocation, after: Allocation, talk: TeamTalk, added: Sequence[str] = ()
) -> Change:
    """One or two sentences: who takes what over, the new on-call backup, what joiners take."""
    moves = _moves(before.assignments, after.assignments, talk)
    old = {a.id: a.owner for a in before.assignments}
    shown = {(o, n) for o, n, _ in moves[:MAX_MOVES]}
    said = frozenset(a.id for a in after.assignments if (old.get(a.id), a.owner) in shown)
    parts = [_move_text(o, n, rs, k == 0) for k, (o, n, rs) in enumerate(moves[:MAX_MOVES])]
    if len(moves) > MAX_MOVES:
        parts.append(f"{len(moves) - MAX_MOVES} more changes are in the table")
    named = [n for o, n, _ in moves[:MAX_MOVES] for n in (n, o) if n in _members(after)]
    backup = _paging_backup(before, after)
    if backup:
        rid, who = backup
        parts.append(f"{spoken(who)} {agrees([who], 'is', 'are')} now the {talk.short(rid)} backup")
        named.append(who)
    for name in added:
        if not any(n == name for _, n, _ in moves):
            load = next((p for p in after.people if p.name == name), None)
            backs = load.backups if load else 0
            parts.append(f"{spoken(name)} takes no work over yet and backs up {backs}")
            named.append(name)
    if not parts:
        return Change("Nothing moves: the plan stays as it was.", ())
    text = "; ".join(parts) + "."
    return Change(text[:1].upper() + text[1:], tuple(dict.fromkeys(named)), said)
