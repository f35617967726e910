"""Questions about a plan, answered by name from the allocation: who owns something (who gets
paged, "Oluwaseun or Carlos?"), is anything unowned, someone's load, a single point of
failure, whom to hire next. Each reader returns an `Answer` (its words, the people it names as
owners/backups/members, the facts it used) or None when the follow-up is not that question.
Only people in the plan are ever named. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutor.planning.edits import topic_ids
from tutor.planning.followup import FollowUp
from tutor.planning.model import HATS, Hat, Person
from tutor.planning.results import Allocation, Assignment
from tutor.planning.skills import STRONG
from tutor.planning.talkwords import TeamTalk
from tutor.planning.teamplan import TeamPlan
from tutor.text import agrees, join_names, spoken


@dataclass(frozen=True)
class Answer:
    text: str
    named: tuple[str, ...]
    facts: tuple[str, ...]


QuestionReader = Callable[[FollowUp, TeamPlan, Allocation, TeamTalk], Answer | None]


def _said(name: str, start: bool = False) -> str:
    return spoken(name, start=start)


def _names(names: Sequence[str]) -> str:
    return join_names(_said(n) for n in names)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def assignment_fact(a: Assignment, plan: TeamPlan) -> str:
    """One fact line a model can be given: "on-call: owner Kwame (full-time), backup Tomás"."""
    avail = plan.person(a.owner).availability
    backup = f", backup {a.backup}" if a.backup else ", no backup in the team"
    return f"{a.id}: owner {a.owner} ({avail}, wears {a.hat}){backup}"


def owner_line(a: Assignment, plan: TeamPlan, talk: TeamTalk) -> str:
    """ "Kwame owns on-call; Tomás is the backup." plus why, when availability shaped it."""
    own = agrees([a.owner], "owns", "own")
    line = f"{_said(a.owner, True)} {own} {talk.owned(a.id)}"
    line += (
        f"; {_said(a.backup)} {agrees([a.backup], 'is', 'are')} the backup." if a.backup else "."
    )
    if any(p.availability != "full-time" for p in plan.team.people):
        part = [p for p in plan.team.people if p.availability != "full-time"]
        if a.id in _paging_ids(talk) and plan.person(a.owner).availability == "full-time":
            line += (
                f" {_names([p.name for p in part])[:1].upper()}{_names([p.name for p in part])[1:]}"
                f" {agrees([p.name for p in part], 'is', 'are')} part-time or a contractor, so "
                "never the only one paged."
            )
    return line


def _paging_ids(talk: TeamTalk) -> set[str]:
    return {r.id for r in talk.planning.catalogue.responsibilities if r.pages}


def _only_counted(plan: TeamPlan, talk: TeamTalk) -> bool:
    """The learner only counted the team ("a 3-person team"): every member is an unnamed
    "Person k" (drafts.py) holding the default split's roles, which nobody gave."""
    people = plan.team.people
    unnamed = all(re.fullmatch(r"Person \d+", p.name) for p in people)
    split = talk.planning.data.split_for(len(people))
    return unnamed and [p.roles for p in people] == [[role] for role in split]


def who_owns(f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk) -> Answer | None:
    """Who owns what the follow-up names; with "A or B?", says which of the two (or neither)."""
    ids = topic_ids(f, allocation)
    if not ids or not f.question or f.has("compare"):
        return None  # "is a handoff the same thing as a deployment?" compares two ideas
    if _only_counted(plan, talk) and not f.names and not f.has("team"):
        return None  # a team only counted and not pointed at: a question about the lesson
    found = [a for a in allocation.assignments if a.id in ids[:2]]
    lines = [owner_line(a, plan, talk) for a in found]
    members = {p.name for p in plan.team.people}
    names = [n for n in f.names if n in members]
    asked = [n for n in names if n not in {x for a in found for x in (a.owner, a.backup)}]
    # "Jakub or Olga?" with no Jakub in the plan: say so, never answer as if he were there
    strangers = list(f.newcomers) if found and names and len(names) + len(f.newcomers) >= 2 else []
    chosen: tuple[str, ...] = ()
    if (len(names) >= 2 or strangers) and found and f.has("backup"):
        choice, chosen = _better_backup(names, found[0], plan, talk)
        lines.insert(0, choice)
    elif len(names) >= 2 and found:
        lines.insert(0, _either(names, found[0]))
    elif asked and found:
        lines.append(
            f"{_said(asked[0], True)} {agrees([asked[0]], 'is', 'are')} not on "
            f"{talk.short(found[0].id)} in this plan."
        )
    if strangers:
        lines.insert(0, _not_in_team(strangers))
    named = [*chosen, *(x for a in found for x in (a.owner, a.backup) if x)]
    return Answer(
        " ".join(lines), tuple(dict.fromkeys(named)), tuple(assignment_fact(a, plan) for a in found)
    )


def _not_in_team(strangers: Sequence[str]) -> str:
    """ "Jakub isn't in your team as I have it" — and how to add them."""
    be = agrees(strangers, "isn't", "aren't")
    return (
        f"{_names(strangers)} {be} in your team as I have it (if they joined, tell me: "
        f'"we hired {strangers[0]}, a <role>").'
    )


def _either(names: Sequence[str], a: Assignment) -> str:
    """The answer to "A or B?": the one who owns it, else neither (and which one backs up)."""
    if a.owner in names:
        return f"Of {_names(names)}: {_said(a.owner)}."
    neither = f"Neither {' nor '.join(_said(n) for n in names)} owns it"
    if a.backup in names:
        return f"{neither}; {_said(a.backup)} {agrees([a.backup], 'is', 'are')} the backup."
    return f"{neither}."


def _better_backup(
    names: Sequence[str], a: Assignment, plan: TeamPlan, talk: TeamTalk
) -> tuple[str, tuple[str, ...]]:
    """The answer to "A or B as the backup?" and whom it puts forward: the one already backing
    it up, else the one with the owner's hat's skills (then full-time) — never the owner, who
    cannot back up themself."""
    short = talk.short(a.id)
    of = f"Of {_names(names)}, " if len(names) > 1 else ""
    if a.backup in names:
        return f"{of}{_said(a.backup, not of)} is already the backup for {short}.", (a.backup,)
    candidates = [n for n in names if n != a.owner]
    if not candidates:
        return f"{_said(a.owner, True)} owns {short}, so cannot also be its backup.", ()

    def fit(name: str) -> tuple[int, bool]:
        person = plan.person(name)
        level = talk.planning.skills.levels(person.roles).get(a.hat, 0)
        return level, person.availability == "full-time"

    best = max(candidates, key=fit)
    tied = [n for n in candidates if fit(n) == fit(best)]
    say = f'say "make {best} the backup for {short}"'
    if len(tied) > 1:
        lacking = "neither has" if not fit(best)[0] else "both have"
        text = (
            f"{_names(tied)} fit equally ({lacking} {a.hat} skills): pick one, write the "
            f"runbook with them, and {say} (or another name) to re-plan."
        )
        return text, tuple(tied)
    if not of:  # one teammate named (the other is not in the team)
        can = f"has the {a.hat} skills to" if fit(best)[0] else f"could, without {a.hat} skills,"
        text = f"{_said(best, True)} {can} back up {short}; {say}."
        return text, (best,)
    why = "has skills for the hat it needs" if fit(best)[0] else "is the better fit"
    text = f"{of}{_said(best)} {why} ({a.hat}) as the backup for {short}; {say}."
    return text, (best,)


def unowned(f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk) -> Answer | None:
    """From the allocator's check: nothing is unowned; say what is thin instead."""
    if not f.has("unowned"):
        return None
    total = len(allocation.assignments)
    backed = " and a backup" if len(plan.team.people) > 1 else ""
    lines = [f"Nothing is unowned: all {total} responsibilities have an owner{backed}."]
    busiest = max(allocation.people, key=lambda p: p.owned)
    lines.append(
        f"{_said(busiest.name, True)} {agrees([busiest.name], 'owns', 'own')} the most "
        f"({busiest.owned} of {total})."
    )
    named = [busiest.name]
    for hat in HATS:
        gaps = [g for g in allocation.gaps if g.hat == hat]
        if gaps:
            owners = list(dict.fromkeys(g.owner for g in gaps))
            lines.append(
                f"Thin: nobody has {hat} skills, so {_names(owners)} "
                f"{agrees(owners, 'wears', 'wear')} that hat for "
                f"{join_names(talk.short(g.id) for g in gaps)}."
            )
            named += owners
    if len(plan.team.people) == 1:
        lines.append("Nobody backs anything up: arrange an outside backup for on-call.")
    facts = (
        f"unowned: none of {total}",
        *(f"gap: {g.id} ({g.hat}) owned by {g.owner}" for g in allocation.gaps),
    )
    return Answer(" ".join(lines), tuple(dict.fromkeys(named)), facts)


def load(f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk) -> Answer | None:
    """One person's share ("is Rania overloaded?", "does Sofía even need to be in this?",
    "what do I own?"), and what could move off them to its backup."""
    if not f.has("load") or len(f.names) != 1:
        return None
    name = f.names[0]
    person = next(p for p in allocation.people if p.name == name)
    owned = [a for a in allocation.assignments if a.owner == name]
    average = sum(p.load for p in allocation.people) / len(allocation.people)
    who = _said(name, True)
    if owned:
        text = (
            f"{who} {agrees([name], 'owns', 'own')} {join_names(talk.short(a.id) for a in owned)}"
            f" and {agrees([name], 'backs', 'back')} up {person.backups} "
            f"(load {person.load} points; the team's average is {average:.0f})."
        )
    else:
        text = (
            f"{who} {agrees([name], 'owns', 'own')} nothing in this plan and "
            f"{agrees([name], 'backs', 'back')} up {person.backups}: the skill match placed the "
            "work elsewhere, so they could take some over to even the load."
        )
    named = [name]
    if person.load > average or f.has("move-off"):
        moves = _hand_overs(name, owned, plan, allocation, talk)[:2]
        if moves:
            said = join_names(f"{talk.short(a.id)} to {_said(n)}" for a, n in moves)
            text += f" To lighten it, hand {said}: they already work in that stage."
            named += [n for _, n in moves]
    facts = (f"{name}: owns {person.owned}, backs up {person.backups}, load {person.load}",)
    return Answer(text, tuple(dict.fromkeys(named)), facts)


def _hand_overs(
    name: str, owned: Sequence[Assignment], plan: TeamPlan, allocation: Allocation, talk: TeamTalk
) -> list[tuple[Assignment, str]]:
    """Who could take each piece of `name`'s work: someone who already owns work in that stage
    (no new handoff), with the hat or a neighbouring one, the least busy first."""
    levels = {p.name: talk.planning.skills.levels(p.roles) for p in plan.team.people}
    loads = {p.name: p.load for p in allocation.people}
    moves = []
    for a in sorted(owned, key=lambda a: a.critical):
        near = {a.hat, *talk.planning.data.adjacent[a.hat]}
        fits = [
            n
            for n, lv in levels.items()
            if n != name
            and set(lv) & near
            and any(b.owner == n and b.stage == a.stage for b in allocation.assignments)
        ]
        if fits:
            moves.append((a, min(fits, key=lambda n: loads[n])))
    return moves


def single_point(
    f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk
) -> Answer | None:
    """What only this person can do: the work they own whose hat nobody else has skills for."""
    if not f.has("single-point") or len(f.names) != 1:
        return None
    name = f.names[0]
    levels = {p.name: talk.planning.skills.levels(p.roles) for p in plan.team.people}
    only = [
        a
        for a in allocation.assignments
        if a.owner == name and not any(a.hat in lv for n, lv in levels.items() if n != name)
    ]
    if not only:
        owns = agrees([name], "owns", "own")
        text = f"No: for everything {_said(name)} {owns}, someone else has the skills too."
        return Answer(text, (name,), (f"{name}: no work only they have skills for",))
    backups = list(dict.fromkeys(a.backup for a in only if a.backup))
    text = (
        f"Yes: {_said(name)} {agrees([name], 'is', 'are')} the only one with the skills for "
        f"{join_names(talk.short(a.id) for a in only)}."
    )
    if backups:
        back = agrees(backups, "backs", "back")
        text += (
            f" {_cap(_names(backups))} {back} it up without those skills: write runbooks and "
            "pair on it."
        )
    facts = tuple(f"only {name} has skills for {a.id} (backup {a.backup})" for a in only)
    return Answer(text, (name, *backups), facts)


def hire_next(f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk) -> Answer | None:
    """The hat the team lacks skills for (the one with the most critical work), else the
    thinnest: a hat only one person has, for critical work."""
    if not f.has("hire-next"):
        return None
    levels = [talk.planning.skills.levels(p.roles) for p in plan.team.people]
    hat, holders = _neediest_hat(allocation, plan.team.people, levels)
    work = [a for a in allocation.assignments if a.hat == hat]
    owners = list(dict.fromkeys(a.owner for a in work))
    if not holders:
        text = (
            f"Hire someone with {hat} skills next: nobody on the team has them, so "
            f"{_names(owners)} {agrees(owners, 'wears', 'wear')} the hat for "
            f"{join_names(talk.short(a.id) for a in work)}."
        )
    else:
        text = (
            f"Every hat has someone with the skills; the thinnest is {hat}: only "
            f"{_names(holders)} {agrees(holders, 'has', 'have')} them, for "
            f"{join_names(talk.short(a.id) for a in work)}. A second {hat} would give that work "
            "a skilled backup."
        )
    named = holders or owners
    return Answer(text, tuple(named), (f"hire next: {hat} (skilled now: {holders or 'nobody'})",))


def _neediest_hat(
    allocation: Allocation, people: Sequence[Person], levels: Sequence[dict[Hat, int]]
) -> tuple[Hat, list[str]]:
    def need(hat: Hat) -> tuple[int, int]:
        holders = [p for p, lv in zip(people, levels, strict=True) if lv.get(hat, 0) >= STRONG]
        critical = sum(1 for a in allocation.assignments if a.hat == hat and a.critical)
        return (-len(holders), critical)

    hat = max(HATS, key=need)
    holders = [p.name for p, lv in zip(people, levels, strict=True) if lv.get(hat, 0) >= STRONG]
    return hat, holders


#: at most this many words, a follow-up naming the handoffs refers to the plan just shown
ELLIPTICAL_WORDS = 4


def handoffs(f: FollowUp, plan: TeamPlan, allocation: Allocation, talk: TeamTalk) -> Answer | None:
    """ "And the handoffs?", "where are our handoffs?": the plan's own, as the planner found
    them (not "what is a handoff?", which asks the lesson)."""
    if not f.has("handoffs") or f.has("define"):
        return None
    # "and the handoffs?" is elliptical; a longer question is about the team only when it
    # points at it ("where are the handoffs in our plan?", "Ana's handoffs"), else the lesson.
    if len(f.text.split()) > ELLIPTICAL_WORDS and not (f.has("team") or f.names):
        return None
    found = allocation.handoffs
    named = [n for h in found.handoffs for n in (*h.leaves, *h.joins, *h.continues)]
    facts = tuple(f"handoff: {h.from_stage} -> {h.to_stage} ({h.kind})" for h in found.handoffs)
    text = f"Handoffs in your team:\n{found.render_text()}"
    return Answer(text, tuple(dict.fromkeys(named)), facts)


QUESTIONS: Sequence[QuestionReader] = (
    hire_next,
    unowned,
    single_point,
    handoffs,
    who_owns,
    load,
)
