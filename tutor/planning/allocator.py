"""The allocator: every responsibility of the catalogue gets exactly one owner and, in a team
of two or more, a backup who is someone else.

Owners are matched by skill first — the hat a responsibility needs, strong skills before light
ones, then a neighbouring hat — and then by load, so the work spreads out. Responsibilities
nobody has the skill for are still owned, and reported as gaps with advice. The result also
shows the team's own handoffs along the lesson's lifecycle (`tutor.demo.handoffs`) and where one
person switches hats. Pure: the content (`Planning`) is passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tutor.demo.handoffs import STAGE_NAMES, Stage, analyze_stages
from tutor.planning.catalogue import Catalogue, Responsibility
from tutor.planning.content import Planning
from tutor.planning.model import HATS, Hat, Person, Team, team_error
from tutor.planning.render import gap_suggestion, lower_first
from tutor.planning.results import Allocation, Assignment, Gap, HatSwitch, PersonLoad, Pin
from tutor.text import agrees, join_names, spoken

# Load points: owning critical work weighs most; being a backup still costs attention.
OWN_CRITICAL_POINTS = 3
OWN_POINTS = 2
BACKUP_POINTS = 1
# Among equally skilled people, one already wearing the hat counts this much lighter.
HAT_AFFINITY = 2

Levels = Sequence[Mapping[Hat, int]]


def allocate_with(
    team: Team | Mapping[str, Any],
    content: Planning,
    product: str | None = None,
    catalogue: Catalogue | None = None,
    pins: Sequence[Pin] = (),
) -> Allocation:
    """Allocate every responsibility for the team's product (or `product`) with the planner's
    `content`; TeamError if invalid (`tutor.allocate` binds the shipped content).

    `pins` are the learner's own choices ("make Mei the backup for on-call"): they win over
    the skill match; a pin naming someone not in the team is ignored."""
    team = _valid_team(team, product)
    items = (catalogue or content.catalogue).for_product(team.product)
    names = [p.name for p in team.people]
    levels = [content.skills.levels(p.roles) for p in team.people]
    full_time = [p.availability == "full-time" for p in team.people]
    assigner = _Assigner(content.data.adjacent, levels, full_time, _pinned(pins, names))
    owners, backups, load = assigner.run(items)
    assignments = [
        Assignment(
            id=r.id,
            name=r.name,
            stage=r.stage,
            critical=r.critical,
            hat=r.hat,
            owner=names[owners[r.id]],
            backup=None if backups[r.id] is None else names[backups[r.id]],
            skill_match=r.hat in levels[owners[r.id]],
        )
        for r in items
    ]
    unowned = [r.id for r in items if r.id not in owners]
    _check(assignments, unowned, len(names))
    people = _person_loads(team.people, levels, assignments, load)
    stages = _team_stages(assignments, names)
    return Allocation(
        product=team.product,
        assignments=assignments,
        people=people,
        unowned=unowned,
        gaps=_gaps(assignments, levels, content.data.advice),
        load_spread=max(load) - min(load),
        handoffs=analyze_stages(stages),
        hat_switches=_hat_switches(stages, assignments),
        notes=_notes(assignments, people, levels) + _availability_notes(items, team, owners),
    )


_Pins = dict[str, tuple[int | None, int | None]]


def _pinned(pins: Sequence[Pin], names: Sequence[str]) -> _Pins:
    """Pins as (owner, backup) positions in the team; people no longer in it are dropped."""
    index = {n: i for i, n in enumerate(names)}
    return {
        p.responsibility: (index.get(p.owner or ""), index.get(p.backup or ""))
        for p in pins
        if (p.owner in index or p.backup in index)
    }


class _Assigner:
    """Owner and backup per responsibility, and each person's load points."""

    def __init__(
        self,
        adjacent: Mapping[Hat, Sequence[Hat]],
        levels: Levels,
        full_time: Sequence[bool] = (),
        pins: _Pins | None = None,
    ) -> None:
        self.adjacent, self.levels = adjacent, levels
        self.full_time = list(full_time) or [True] * len(levels)
        self.pins = pins or {}
        self.load = [0] * len(levels)

    def owners_for(self, r: Responsibility) -> list[int]:
        """Who may own `r`: for work that pages at 3am, the full-time people when there are any
        (a part-timer or contractor is never its only owner)."""
        everyone = list(range(len(self.levels)))
        if not r.pages:
            return everyone
        return [i for i in everyone if self.full_time[i]] or everyone

    def tier(self, person: int, hat: Hat) -> int:
        """3 strong skill, 2 light skill, 1 a neighbouring hat, 0 none."""
        levels = self.levels[person]
        if hat in levels:
            return 1 + levels[hat]
        return 1 if any(h in levels for h in self.adjacent[hat]) else 0

    def nearness(self, person: int, hat: Hat) -> int:
        """Among neighbours, how far down the hat's list of neighbours the person's closest
        hat is (the content lists the closest first: on-call goes to an ML engineer before a
        data engineer); 0 for anyone with the hat itself."""
        levels, near = self.levels[person], self.adjacent[hat]
        if hat in levels:
            return 0
        return next((k for k, h in enumerate(near) if h in levels), len(near))

    def pick(self, candidates: Iterable[int], hat: Hat, worn: Sequence[set[Hat]]) -> int:
        """Best fit first (then the closest neighbouring hat), then the lightest load, then the
        earliest in the team.

        Someone already wearing the hat counts as lighter by HAT_AFFINITY points, so one person
        tends to keep one hat and switches hats less (the lesson's closing point).
        """

        def key(i: int) -> tuple[int, int, int, int]:
            affinity = HAT_AFFINITY if hat in worn[i] else 0
            return (-self.tier(i, hat), self.nearness(i, hat), self.load[i] - affinity, i)

        return min(candidates, key=key)

    def run(
        self, items: Sequence[Responsibility]
    ) -> tuple[dict[str, int], dict[str, int | None], list[int]]:
        """Skill-matched work first (critical before the rest), one responsibility at a time;
        then work nobody has the skill for, a whole hat at a time, to the best-placed person,
        so an unskilled team still gets one coherent hat per person where it can."""
        everyone = range(len(self.levels))
        worn: list[set[Hat]] = [set() for _ in everyone]
        owners: dict[str, int] = {}

        def own(r: Responsibility, person: int) -> None:
            owners[r.id] = person
            worn[person].add(r.hat)
            self.load[person] += _weight(r)

        for r in items:
            pinned = self.pins.get(r.id, (None, None))[0]
            if pinned is not None:
                own(r, pinned)
        free = [r for r in items if r.id not in owners]
        team_hats = {h for person in self.levels for h in person}
        matched = sorted((r for r in free if r.hat in team_hats), key=lambda r: not r.critical)
        for r in matched:
            own(r, self.pick(self.owners_for(r), r.hat, worn))
        gaps = _gap_groups(free, team_hats)
        for hat, group in gaps:
            person = self.pick(everyone, hat, worn)
            for r in group:
                allowed = self.owners_for(r)
                own(r, person if person in allowed else self.pick(allowed, hat, worn))
        order = [r for r in items if r.id not in {m.id for m in free}] + matched
        order += [r for _, group in gaps for r in group]
        return owners, self.backups(order, owners), self.load

    def backups(
        self, order: Sequence[Responsibility], owners: Mapping[str, int]
    ) -> dict[str, int | None]:
        """A backup other than the owner for every responsibility (none in a one-person team)."""
        backed: list[set[Hat]] = [set() for _ in self.levels]
        backups: dict[str, int | None] = {}
        for r in sorted(order, key=lambda r: not r.critical):
            others = [i for i in range(len(self.levels)) if i != owners[r.id]]
            pinned = self.pins.get(r.id, (None, None))[1]
            if pinned is not None and pinned != owners[r.id]:
                backup: int | None = pinned
            else:
                backup = self.pick(others, r.hat, backed) if others else None
            backups[r.id] = backup
            if backup is not None:
                backed[backup].add(r.hat)
                self.load[backup] += BACKUP_POINTS
        return backups


def _weight(r: Responsibility) -> int:
    return OWN_CRITICAL_POINTS if r.critical else OWN_POINTS


def _gap_groups(
    items: Sequence[Responsibility], team_hats: set[Hat]
) -> list[tuple[Hat, list[Responsibility]]]:
    """Work whose hat nobody has, grouped by hat, heaviest group first (then lesson order)."""
    groups = [(h, [r for r in items if r.hat == h]) for h in HATS if h not in team_hats]
    groups = [(h, rs) for h, rs in groups if rs]
    return sorted(groups, key=lambda g: -sum(_weight(r) for r in g[1]))


def _valid_team(team: Team | Mapping[str, Any], product: str | None) -> Team:
    # Re-validate even a Team: its lists may have been changed after it was built.
    data = team.model_dump() if isinstance(team, Team) else dict(team)
    if product is not None:
        data["product"] = product
    try:
        return Team.model_validate(data)
    except ValidationError as exc:
        raise team_error(exc) from None


def _check(assignments: Sequence[Assignment], unowned: Sequence[str], team_size: int) -> None:
    """The promises users rely on; a failure here is a bug in the allocator, not bad input."""
    if unowned:
        raise AssertionError(f"unowned responsibilities: {unowned}")
    for a in assignments:
        if team_size >= 2 and (a.backup is None or a.backup == a.owner):
            raise AssertionError(f"{a.id}: backup must be someone other than {a.owner}")


def _person_loads(
    people: Sequence[Person], levels: Levels, assignments: Sequence[Assignment], load: Sequence[int]
) -> list[PersonLoad]:
    result = []
    for i, person in enumerate(people):
        owned = [a for a in assignments if a.owner == person.name]
        worn = {a.hat for a in owned}
        result.append(
            PersonLoad(
                name=person.name,
                skills=[h for h in HATS if h in levels[i]],
                hats=[h for h in HATS if h in worn],
                owned=len(owned),
                backups=sum(1 for a in assignments if a.backup == person.name),
                load=load[i],
            )
        )
    return result


def _gaps(
    assignments: Sequence[Assignment], levels: Levels, advice: Mapping[Hat, str]
) -> list[Gap]:
    team_hats = {h for person in levels for h in person}
    return [
        Gap(
            id=a.id,
            name=a.name,
            stage=a.stage,
            hat=a.hat,
            critical=a.critical,
            owner=a.owner,
            suggestion=gap_suggestion(a.hat, a.owner, a.name, advice[a.hat]),
        )
        for a in assignments
        if a.hat not in team_hats
    ]


def _team_stages(assignments: Sequence[Assignment], names: Sequence[str]) -> list[Stage]:
    """Each lesson stage owned by whoever owns its critical work (in team order)."""
    stages = []
    for stage in STAGE_NAMES:
        owners = {a.owner for a in assignments if a.stage == stage and a.critical}
        ordered = [n for n in names if n in owners]
        stages.append(Stage(name=stage, owner=" + ".join(ordered), roles=ordered))
    return stages


def _hats_in(stage: str, person: str, assignments: Sequence[Assignment]) -> list[Hat]:
    worn = {a.hat for a in assignments if a.stage == stage and a.critical and a.owner == person}
    return [h for h in HATS if h in worn]


def _hat_switches(stages: Sequence[Stage], assignments: Sequence[Assignment]) -> list[HatSwitch]:
    switches = []
    for a, b in itertools.pairwise(stages):
        for person in (p for p in a.roles if p in b.roles):
            before = _hats_in(a.name, person, assignments)
            after = _hats_in(b.name, person, assignments)
            if before != after:
                switches.append(
                    HatSwitch(
                        person=person,
                        from_stage=a.name,
                        to_stage=b.name,
                        from_hats=before,
                        to_hats=after,
                    )
                )
    return switches


def _availability_notes(
    items: Sequence[Responsibility], team: Team, owners: Mapping[str, int]
) -> list[str]:
    """Say why work that pages went past a part-timer or contractor, or that it could not."""
    partial = [p.name for p in team.people if p.availability != "full-time"]
    if not partial:
        return []
    notes = []
    for r in (r for r in items if r.pages):
        owner = team.people[owners[r.id]]
        who = join_names(spoken(n) for n in partial)
        if owner.availability == "full-time":
            notes.append(
                f"{lower_first(r.name)[:1].upper()}{lower_first(r.name)[1:]} goes to "
                f"{spoken(owner.name)}, who is full-time: {who} "
                f"{agrees(partial, 'is', 'are')} part-time or a contractor, never the only "
                "one who gets paged."
            )
        else:
            notes.append(
                f"Nobody on the team is full-time, so {spoken(owner.name)} "
                f"{agrees([owner.name], 'owns', 'own')} {lower_first(r.name)} as a "
                f"{owner.availability}: arrange a managed paging service or an outside backup."
            )
    return notes


SOLO_BACKUP_NOTE = (
    "No backup is possible inside a one-person team: if you are asleep, ill or away, nobody "
    "covers the critical work (★). Arrange an external backup — a managed on-call/paging "
    "service, or a friend or contractor who agrees to be on-call — and keep runbooks they can "
    "follow."
)


def _notes(
    assignments: Sequence[Assignment], people: Sequence[PersonLoad], levels: Levels
) -> list[str]:
    notes = []
    if len(people) == 1:
        notes += [_solo_note(assignments), SOLO_BACKUP_NOTE]
    gaps = sum(1 for a in assignments if not a.skill_match)
    if gaps and any(levels):
        notes.append(
            f"{gaps} of {len(assignments)} responsibilities are owned by someone without that "
            "hat's skills (⚠): each is still owned; Missing skills says who takes on a hat "
            "nobody has and what helps."
        )
    idle = [p.name for p in people if p.owned == 0]
    if idle:
        notes.append(
            f"{join_names(spoken(n, start=k == 0) for k, n in enumerate(idle))} "
            f"{agrees(idle, 'owns', 'own')} nothing: the skill match "
            "placed the work elsewhere; they back it up, and can take work over to even the load."
        )
    if not any(levels):
        notes.append(
            "No roles were given, so the work was spread evenly: name each person's roles "
            "(e.g. 'Ana is a data scientist') for a skill-matched allocation."
        )
    return notes


def _solo_note(assignments: Sequence[Assignment]) -> str:
    by_hat = {h: [lower_first(a.name) for a in assignments if a.hat == h] for h in HATS}
    parts = [f"{h} for {', '.join(tasks)}" for h, tasks in by_hat.items() if tasks]
    return (
        "You own everything; for each task know which hat you're wearing: " + "; ".join(parts) + "."
    )
