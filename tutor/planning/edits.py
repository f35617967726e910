"""Edits to a planned team read from a follow-up: someone leaves or is away, someone joins,
someone's availability or roles change, a backup is chosen, or "what if we were two?".

Each reader returns an `Edit` (the new plan, whether it is only a what-if, who left or joined)
or None when the follow-up is not that edit or is not clear enough to act on. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutor.errors import TeamError
from tutor.planning.followup import FollowUp
from tutor.planning.model import HATS, Availability, Hat, Person
from tutor.planning.results import Allocation, Pin
from tutor.planning.talkwords import TeamTalk
from tutor.planning.teamplan import TeamPlan
from tutor.text import is_speaker, join_names, spoken

_CLAUSE_END = re.compile(r"[.;!?\n,\u2013\u2014]|\s-\s|\band\b")
NEW_HIRE = "New hire"


@dataclass(frozen=True)
class Edit:
    """A changed plan. `hypothetical`: a what-if to show, not to keep. `question`: instead of
    a plan, one clear question to ask (the edit is missing something)."""

    plan: TeamPlan | None
    lead: str = ""
    hypothetical: bool = False
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    question: str = ""
    about: tuple[str, ...] = ()  # who the edit is about and stays in the team


EditReader = Callable[[FollowUp, TeamPlan, TeamTalk], Edit | None]


def leave(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "Aisha is leaving", "Abdi got poached", "Gabriel's contract ends"; "on holiday" is a
    what-if: the plan while they are away."""
    away = f.has("away")
    if not (f.has("leave") or away) or (f.has("join") and f.newcomers):
        return None
    others = [n for n in f.names if not is_speaker(n)]
    gone = others or list(f.names)
    staying = [p for p in plan.team.people if p.name not in gone]
    if not gone or not staying:
        return None
    # "What if Tomás leaves?" is kept like "Tomás is leaving": the learners of two labelled
    # batches go on talking in that team ("can Lin take on-call instead?"); only an absence
    # ("on holiday") is shown without being kept.
    lead = f"While {_names(gone)} {'is' if len(gone) == 1 else 'are'} away" if away else ""
    return Edit(plan.with_people(staying), lead, hypothetical=away, removed=tuple(gone))


def join(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "We just hired Dana, an ML engineer", "we're hiring an SRE next month"."""
    if not f.has("join") or (f.question and not f.newcomers):
        return None
    names = list(f.newcomers) or [_free_name(plan)]
    people = []
    for name in names:
        roles = _roles_after(f.text, name if f.newcomers else "", talk)
        if not roles:
            return None
        people.append(Person(name, roles, availability=_availability(f) or "full-time"))
    try:
        new = plan.with_people([*plan.team.people, *people])
    except TeamError:
        return None
    return Edit(new, added=tuple(names))


def availability(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "Carlos is part-time and a contractor", "Santiago can only do weekdays"."""
    status = _availability(f)
    who = [n for n in f.names if not is_speaker(n)] or list(f.names)
    if status is None or len(who) != 1:
        return None
    people = [
        p.model_copy(update={"availability": status}) if p.name == who[0] else p
        for p in plan.team.people
    ]
    return Edit(plan.with_people(people))


def backup(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "Make Mei the backup for on-call" (a statement naming one person first)."""
    if f.question or not f.has("backup") or not f.names:
        return None
    chosen = f.names[0]
    ids = topic_ids(f, plan.allocation(talk.planning))
    if not ids:
        return Edit(None, question="Backup for what: on-call, the eval gate, the data contract?")
    current = plan.allocation(talk.planning)
    new = plan
    for rid in ids[:1]:
        owner = next(a for a in current.assignments if a.id == rid)
        if owner.owner == chosen:  # the backup takes over; the chosen one backs them up
            new = new.with_pin(Pin(responsibility=rid, owner=owner.backup, backup=chosen))
        else:
            new = new.with_pin(Pin(responsibility=rid, owner=owner.owner, backup=chosen))
    return Edit(new)


def roles(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "Kwame also runs our Kubernetes cluster" adds roles; "Youssef isn't technical" takes
    away the engineering ones."""
    if f.question or len(f.names) != 1:
        return None
    name = f.names[0]
    person = plan.person(name)
    fragment = _after(f.text, name, _where(f.text, name, f))
    if f.denied("technical") or _denied_hats(fragment, talk):
        hats = set(_denied_hats(fragment, talk)) | (
            set(talk.data.technical_hats) if f.denied("technical") else set()
        )
        kept = [r for r in person.roles if not set(talk.planning.skills.levels([r])) & hats]
        return _replace(plan, person.model_copy(update={"roles": kept}), talk)
    added = _roles_after(f.text, name, talk)
    if not added:
        return None
    new_roles = [*person.roles, *added] if f.has("also") else added
    return _replace(plan, person.model_copy(update={"roles": new_roles}), talk)


def size(f: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """ "What if we were two?", "only Arjun and Chen", "if we grew to 3 engineers"."""
    if not (f.has("what-if") and (f.has("size") or f.count)):
        return None
    people = plan.team.people
    if f.count is None and f.names:
        return _kept(plan, [p for p in people if p.name in f.names])
    if f.count is None:
        return None
    if f.counts_engineers:
        extra = _grown(plan, f.count, talk)
        new = plan.with_people([*people, *extra])
        return Edit(new, hypothetical=True, added=tuple(p.name for p in extra)) if extra else None
    if f.count >= len(people):
        return None
    # "only two, Ji-woo and Callum": the people named stay; the planner chooses the rest.
    named = [p for p in people if p.name in f.names]
    if len(named) > f.count:
        return None  # more names than places: not a reading to act on
    return _kept(plan, _keep(plan, f.count, talk, named))


def _kept(plan: TeamPlan, kept: Sequence[Person]) -> Edit | None:
    gone = tuple(p.name for p in plan.team.people if p not in kept)
    if not kept or not gone:
        return None
    return Edit(plan.with_people(kept), hypothetical=True, removed=gone)


EDITS: Sequence[EditReader] = (leave, join, size, backup, availability, roles)


def topic_ids(f: FollowUp, allocation: Allocation) -> list[str]:
    """The responsibilities the follow-up's topics mean in this plan (first match per topic)."""
    present = {a.id for a in allocation.assignments}
    found = [next((r for r in ids if r in present), None) for ids in f.topics]
    return list(dict.fromkeys(r for r in found if r))


# -- helpers -----------------------------------------------------------------------------------


def _names(names: Sequence[str]) -> str:
    return join_names(spoken(n) for n in names)


def _availability(f: FollowUp) -> Availability | None:
    if f.has("contractor"):
        return "contractor"
    if f.has("part-time"):
        return "part-time"
    return "full-time" if f.has("full-time") else None


def _where(text: str, name: str, f: FollowUp | None = None) -> int | None:
    """Where `name` is written in the follow-up (None when it is not)."""
    hit = next((h.start for h in f.people if h.person == name), None) if f else None
    if hit is not None:
        return hit
    found = text.find(name) if name else -1
    return found if found >= 0 else None


def _after(text: str, name: str, start: int | None) -> str:
    """The words after `name` up to the end of its clause (all of it when it is not there)."""
    if start is None:
        return text
    rest = text[start + len(name) :]
    # An apposition ("Dana, an ML engineer") is the clause after the comma.
    if rest.lstrip().startswith(","):
        rest = rest.lstrip()[1:]
    end = _CLAUSE_END.search(rest, 1)
    return rest[: end.start()] if end else rest


def _roles_after(text: str, name: str, talk: TeamTalk) -> list[str]:
    """The learner's words said of `name` ("runs our Kubernetes cluster"), when they name a hat."""
    fragment = _after(text, name, _where(text, name)).strip(" ,.")
    words = fragment.split()
    stop = talk.planning.lexicon.stopwords
    while words and words[0].casefold() in stop:
        words = words[1:]
    role = " ".join(words)
    return [role] if role and talk.planning.skills.levels([role]) else []


def _denied_hats(fragment: str, talk: TeamTalk) -> list[Hat]:
    skills = talk.planning.skills
    reading = skills.lexicon.read(skills.content_text(fragment))
    denied = [m for m in reading.of_kind("role") if not m.asserted]
    return [h for h in HATS if any(h in skills.levels([reading.quote(m)]) for m in denied)]


def _replace(plan: TeamPlan, person: Person, talk: TeamTalk) -> Edit:
    """The plan with this person's new roles; the lead says which hats that gives them."""
    people = [person if p.name == person.name else p for p in plan.team.people]
    hats = talk.planning.skills.hats(person.roles)
    skills = f"{join_names(hats)} skills" if hats else "no hat's skills"
    lead = (
        f"Noted: {spoken(person.name)} now {'have' if is_speaker(person.name) else 'has'} {skills}."
    )
    return Edit(plan.with_people(people), lead, about=(person.name,))


def _free_name(plan: TeamPlan) -> str:
    taken = {p.name.casefold() for p in plan.team.people}
    number = 1
    while f"{NEW_HIRE} {number}".casefold() in taken and number < 60:
        number += 1
    return NEW_HIRE if NEW_HIRE.casefold() not in taken else f"{NEW_HIRE} {number}"


def _keep(
    plan: TeamPlan, count: int, talk: TeamTalk, chosen: Sequence[Person] = ()
) -> list[Person]:
    """The `count` people who together cover the most critical work, starting from those the
    learner `chosen`: full-time people first, then whoever adds the hats of the most critical
    responsibilities not yet covered."""
    allocation = plan.allocation(talk.planning)
    weight = {h: sum(1 for a in allocation.assignments if a.critical and a.hat == h) for h in HATS}
    skills = talk.planning.skills
    kept: list[Person] = list(chosen)
    covered: set[Hat] = {h for p in kept for h in skills.levels(p.roles)}
    pool = [p for p in plan.team.people if p not in kept]
    while len(kept) < count and pool:
        gains = [
            (
                p.availability == "full-time",
                sum(weight[h] for h in set(skills.levels(p.roles)) - covered),
                -k,
            )
            for k, p in enumerate(pool)
        ]
        best = pool[gains.index(max(gains))]
        kept.append(best)
        covered |= set(skills.levels(best.roles))
        pool.remove(best)
    order = [p.name for p in plan.team.people]
    return sorted(kept, key=lambda p: order.index(p.name))


def _grown(plan: TeamPlan, count: int, talk: TeamTalk) -> list[Person]:
    """New people up to `count` engineers, each taking a hat the team lacks (then a second
    person for the busiest hat)."""
    skills = talk.planning.skills
    have = {h for p in plan.team.people for h in skills.levels(p.roles)}
    technical = list(talk.data.technical_hats)
    engineers = sum(1 for p in plan.team.people if set(skills.levels(p.roles)) & set(technical))
    missing = [h for h in technical if h not in have] or technical
    extra = []
    for k in range(max(0, count - engineers)):
        hat = missing[k % len(missing)]
        extra.append(Person(f"{NEW_HIRE} {k + 1}", [hat]))
    return extra
