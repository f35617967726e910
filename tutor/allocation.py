"""Team model and allocator of MLOps responsibilities (pure).

`allocate(team)` gives every responsibility of the catalogue (prompts/responsibilities.toml)
exactly one owner and, when the team has two or more people, a backup who is someone else.
Owners are matched by skill first — the hat a responsibility needs, strong skills before light
ones, then a neighbouring hat — and then by load, so the work spreads out. Responsibilities nobody
has the skill for are still owned, and reported as gaps with a suggestion. The result also shows
the team's own handoffs along the lesson's lifecycle, computed by `tutor.handoffs`.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tutor.errors import TeamError
from tutor.handoffs import STAGE_NAMES, HandoffAnalysis, Stage, analyze_stages
from tutor.resources import load_toml

Hat = Literal["Product", "Data Scientist", "Data Engineer", "ML Engineer", "SRE/Platform"]
ProductKind = Literal["llm", "ml"]
HATS: tuple[Hat, ...] = (
    "Product",
    "Data Scientist",
    "Data Engineer",
    "ML Engineer",
    "SRE/Platform",
)
PRODUCTS: tuple[ProductKind, ...] = ("llm", "ml")

MAX_PEOPLE = 50
MAX_NAME_CHARS = 80
MAX_ROLES = 20
MAX_ROLE_CHARS = 100
NO_PEOPLE = (
    "A team needs at least one person: tell me who is on it, "
    "e.g. 'Ana is a data scientist, Ben runs infra'."
)

# Load points: owning critical work weighs most; being a backup still costs attention.
OWN_CRITICAL_POINTS = 3
OWN_POINTS = 2
BACKUP_POINTS = 1
# Among equally skilled people, one already wearing the hat counts this much lighter.
HAT_AFFINITY = 2

# --- skills: free role words -> hats ---------------------------------------------------------

STRONG, LIGHT = 2, 1

# Each row: the hats a phrase gives ("Hat" strong, "Hat~" light), then the phrases. Judgement:
# - generalists ("full-stack", "backend", "software engineer") cover the engineering hats only
#   lightly, so a specialist with the hat is preferred as owner when the team has one;
# - "ML"/"AI"/"LLM" as a skill means building ML systems (ML Engineer), with some modelling;
# - "on-call", "infra", "devops", "cloud" are SRE/Platform; "founder" and "PM" are Product;
# - "data" alone is ambiguous, so it gives Data Engineer and Data Scientist lightly.
# Matching takes the longest phrase first, so "data scientist" never also counts as "data".
_SKILL_ROWS: tuple[tuple[str, str], ...] = (
    (
        "Product",
        "pm, product, product manager, product owner, po, tpm, program manager, project manager,"
        " product lead, head of product, founder, co founder, cofounder, ceo, business,"
        " domain expert",
    ),
    ("Product~", "designer, ux, product designer, ux designer"),
    ("Product~, ML Engineer~, SRE/Platform~", "cto"),
    (
        "Data Scientist",
        "data scientist, data science, ds, scientist, statistician, statistics, researcher,"
        " research, research scientist, ml researcher, modeling, modelling, evaluation,"
        " evaluations, evals, eval, experimentation",
    ),
    ("Data Scientist, ML Engineer~", "applied scientist, ml scientist"),
    ("Data Scientist~", "analyst, data analyst, analytics, business analyst"),
    (
        "Data Engineer",
        "data engineer, data eng, data engineering, de, etl, elt, pipeline, pipelines,"
        " data pipeline, data pipelines, analytics engineer, dbt, spark, airflow, sql, warehouse,"
        " data warehouse",
    ),
    ("Data Engineer, SRE/Platform~", "data platform, data infra, data infrastructure"),
    ("Data Engineer~, Data Scientist~", "data"),
    (
        "ML Engineer",
        "ml engineer, ml eng, mle, machine learning engineer, ml engineering, ai engineer,"
        " llm engineer, genai engineer, applied ml, model serving, serving",
    ),
    (
        "ML Engineer, Data Scientist~",
        "ml, machine learning, ai, llm, llms, genai, nlp, deep learning",
    ),
    ("ML Engineer, SRE/Platform~", "mlops, mlops engineer, ml ops, llmops, ml platform"),
    ("ML Engineer~, Data Scientist~", "prompt engineer, prompt engineering, prompts"),
    (
        "SRE/Platform",
        "sre, platform, platform engineer, platform engineering, infra, infrastructure, devops,"
        " ops, on call, oncall, pager, site reliability, site reliability engineer, reliability,"
        " cloud, kubernetes, k8s, sysadmin, observability",
    ),
    ("SRE/Platform~", "security"),
    (
        "ML Engineer~, Data Engineer~",
        "backend, back end, backend engineer, backend developer, software engineer, swe,"
        " developer, dev, engineer, programmer, python",
    ),
    (
        "ML Engineer~, Data Engineer~, SRE/Platform~",
        "full stack, fullstack, full stack engineer, full stack developer, generalist,"
        " tech lead, staff engineer, architect, lead engineer",
    ),
)


def _parse_skills(spec: str) -> tuple[tuple[Hat, int], ...]:
    skills = []
    for item in spec.split(","):
        hat = item.strip().removesuffix("~")
        if hat not in HATS:
            raise ValueError(f"unknown hat {hat!r} in the synonym table")
        skills.append((hat, LIGHT if item.strip().endswith("~") else STRONG))
    return tuple(skills)  # type: ignore[return-value]


SYNONYMS: Mapping[str, tuple[tuple[Hat, int], ...]] = MappingProxyType(
    {
        phrase.strip(): _parse_skills(spec)
        for spec, phrases in _SKILL_ROWS
        for phrase in phrases.split(",")
    }
)
_LONGEST_PHRASE = max(len(p.split()) for p in SYNONYMS)

# A hat's neighbours: who is the least bad owner when nobody on the team has the hat itself.
ADJACENT: Mapping[str, tuple[Hat, ...]] = MappingProxyType(
    {
        "Product": ("Data Scientist",),
        "Data Scientist": ("Product", "ML Engineer"),
        "Data Engineer": ("ML Engineer", "SRE/Platform"),
        "ML Engineer": ("Data Scientist", "Data Engineer", "SRE/Platform"),
        "SRE/Platform": ("ML Engineer", "Data Engineer"),
    }
)


def _tokens(text: str) -> list[str]:
    # "on-call", "SRE/Platform", "full_stack" -> separate lowercase words.
    return re.sub(r"[\W_]+", " ", text.casefold()).split()


def _lookup(words: Sequence[str]) -> tuple[tuple[Hat, int], ...] | None:
    phrase = " ".join(words)
    found = SYNONYMS.get(phrase)
    if found is None and phrase.endswith("s"):  # plurals: "data scientists", "SREs"
        found = SYNONYMS.get(phrase[:-1])
    return found


def skill_levels(roles: Iterable[str]) -> dict[Hat, int]:
    """Each hat the role words give, with its strength (STRONG or LIGHT); longest phrase wins."""
    levels: dict[Hat, int] = {}
    for role in roles:
        words = _tokens(role)
        i = 0
        while i < len(words):
            for size in range(min(_LONGEST_PHRASE, len(words) - i), 0, -1):
                found = _lookup(words[i : i + size])
                if found is not None:
                    for hat, level in found:
                        levels[hat] = max(level, levels.get(hat, 0))
                    i += size
                    break
            else:
                i += 1
    return levels


def hats_for(roles: Iterable[str]) -> set[Hat]:
    """The hats someone with these role words can wear (strongly or lightly)."""
    return set(skill_levels(roles))


# --- team -----------------------------------------------------------------------------------


_UNSET: Any = object()


class Person(BaseModel):
    """A team member: a name and free role/skill words ("data scientist", "infra", "PM").

    Whitespace is tidied here; whether the name and roles are usable is checked by `Team`,
    which can say which person (by position) is wrong.
    """

    name: str
    roles: list[str] = Field(default_factory=list)

    def __init__(self, name: str = _UNSET, roles: Iterable[str] = _UNSET, **data: Any) -> None:
        # Positional use reads naturally: Person("Ana", ["data scientist"]).
        given = {k: v for k, v in (("name", name), ("roles", roles)) if v is not _UNSET}
        super().__init__(**given, **data)

    @field_validator("name", mode="before")
    @classmethod
    def _tidy_name(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value

    @field_validator("roles", mode="before")
    @classmethod
    def _tidy_roles(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        roles = [" ".join(r.split()) if isinstance(r, str) else r for r in value]
        return [r for r in roles if r != ""]

    @property
    def hats(self) -> tuple[Hat, ...]:
        """The hats this person's roles give, in the lesson's order."""
        have = hats_for(self.roles)
        return tuple(h for h in HATS if h in have)


def _person_problem(person: Person) -> str | None:
    if not person.name:
        return "the name is empty: give every person a name (e.g. 'Ana')."
    if len(person.name) > MAX_NAME_CHARS:
        return f"the name is over {MAX_NAME_CHARS} characters: {person.name[:40]!r}…"
    if len(person.roles) > MAX_ROLES:
        return f"at most {MAX_ROLES} roles per person (got {len(person.roles)})."
    for role in person.roles:
        if len(role) > MAX_ROLE_CHARS:
            return f"a role is over {MAX_ROLE_CHARS} characters: {role[:40]!r}…"
    return None


class Team(BaseModel):
    """The people (1 to 50, unique names) and the kind of product they ship."""

    people: list[Person]
    product: ProductKind = "llm"

    def __init__(
        self, people: Iterable[Person] = _UNSET, product: str = _UNSET, **data: Any
    ) -> None:
        """Team([Person("Ana")], "llm"); TeamError with a clear message if it is not valid."""
        given = {k: v for k, v in (("people", people), ("product", product)) if v is not _UNSET}
        try:
            super().__init__(**given, **data)
        except ValidationError as exc:
            raise team_error(exc) from None

    @field_validator("product", mode="before")
    @classmethod
    def _lower_product(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("people")
    @classmethod
    def _check_people(cls, people: list[Person]) -> list[Person]:
        if not people:
            raise ValueError(NO_PEOPLE)
        if len(people) > MAX_PEOPLE:
            raise ValueError(too_many_people(len(people)))
        seen: dict[str, str] = {}
        for number, person in enumerate(people, start=1):
            problem = _person_problem(person)
            if problem:
                raise ValueError(f"Person {number}: {problem}")
            key = person.name.casefold()
            if key in seen:
                raise ValueError(
                    f"Two people are called {seen[key]!r} and {person.name!r}: names must be "
                    "unique (ignoring case), e.g. 'Ana' and 'Ana B'."
                )
            seen[key] = person.name
        return people

    @classmethod
    def build(
        cls, people: Iterable[Person | Mapping[str, Any] | str], product: str = "llm"
    ) -> Team:
        """A validated Team from Persons, {"name", "roles"} mappings or bare names; TeamError."""
        if isinstance(people, str | bytes | Mapping):
            raise TeamError("People must be a list of persons, e.g. [{'name': 'Ana'}].")
        items = [{"name": p} if isinstance(p, str) else p for p in people]
        try:
            return cls.model_validate({"people": items, "product": product})
        except ValidationError as exc:
            raise team_error(exc) from None


def too_many_people(count: int) -> str:
    """The message for a team over the limit (shared with the free-text parser)."""
    return (
        f"A team can have at most {MAX_PEOPLE} people (got {count}): "
        "allocate each sub-team separately."
    )


def make_team(people: Iterable[Person | Mapping[str, Any] | str], product: str = "llm") -> Team:
    """Same as `Team.build`: a validated Team, or TeamError with a clear message."""
    return Team.build(people, product)


def team_error(exc: ValidationError) -> TeamError:
    """A TeamError whose message says which person (1-based) or field is wrong, and why."""
    messages: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] == "people" and loc[1].isdigit():
            where = f"Person {int(loc[1]) + 1} ({'.'.join(loc[2:]) or 'entry'})"
        else:
            where = "" if loc == ["people"] else ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        msg = f"{where}: {msg}" if where else msg
        if msg not in messages:
            messages.append(msg)
    return TeamError("; ".join(messages))


# --- catalogue ------------------------------------------------------------------------------


class Responsibility(BaseModel):
    """One MLOps responsibility: its stage, its hat, how critical, for which products."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)
    name: str = Field(min_length=1, max_length=80)
    stage: str
    hat: Hat
    critical: bool
    products: tuple[ProductKind, ...] = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=200)

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, stage: str) -> str:
        if stage not in STAGE_NAMES:
            raise ValueError(f"unknown stage {stage!r}; use one of {list(STAGE_NAMES)}")
        return stage


class Catalogue(BaseModel):
    """All responsibilities; every product kind has a critical one in every stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    responsibilities: tuple[Responsibility, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        ids = [r.id for r in self.responsibilities]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate responsibility ids: {duplicates}")
        for product in PRODUCTS:
            missing = [
                stage
                for stage in STAGE_NAMES
                if not any(r.critical and r.stage == stage for r in self.for_product(product))
            ]
            if missing:
                raise ValueError(f"product {product!r} has no critical responsibility in {missing}")
        return self

    def for_product(self, product: str) -> tuple[Responsibility, ...]:
        """The product's responsibilities in lifecycle order (file order within a stage)."""
        items = [r for r in self.responsibilities if product in r.products]
        return tuple(sorted(items, key=lambda r: STAGE_NAMES.index(r.stage)))


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue in prompts/responsibilities.toml (validated once, then cached)."""
    return load_toml("responsibilities.toml", Catalogue)


# --- allocation result ----------------------------------------------------------------------


class Assignment(BaseModel):
    """Who owns one responsibility, who backs them up, and which hat the owner wears for it."""

    id: str
    name: str
    stage: str
    critical: bool
    hat: Hat
    owner: str
    backup: str | None
    skill_match: bool


class PersonLoad(BaseModel):
    """One person's share: hats worn as owner, counts, and load points."""

    name: str
    skills: list[Hat]
    hats: list[Hat]
    owned: int
    backups: int
    load: int


class Gap(BaseModel):
    """A responsibility whose hat nobody on the team has: still owned, with a suggestion."""

    id: str
    name: str
    stage: str
    hat: Hat
    critical: bool
    owner: str
    suggestion: str


class HatSwitch(BaseModel):
    """The same person continues from one stage to the next but changes hat."""

    person: str
    from_stage: str
    to_stage: str
    from_hats: list[Hat]
    to_hats: list[Hat]


class Allocation(BaseModel):
    """A verified allocation: every responsibility owned (`unowned` is always empty)."""

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
        """Markdown table, then load per person, gaps, the team's handoffs and notes."""
        sections = [_table(self.assignments), _load_lines(self.people, self.load_spread)]
        if self.gaps:
            sections.append(_gap_lines(self.gaps))
        sections.append(
            "Handoffs in your team (who owns each stage's critical work):\n"
            + self.handoffs.render_text()
        )
        if self.hat_switches:
            sections.append(
                "Hat switches (same person, next stage, different hat):\n"
                + "\n".join(f"- {_switch_line(s)}" for s in self.hat_switches)
            )
        if self.notes:
            sections.append("Notes:\n" + "\n".join(f"- {n}" for n in self.notes))
        return "\n\n".join(sections) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(assignments: Sequence[Assignment]) -> str:
    rows = [
        "| Stage | Responsibility | Owner (hat) | Backup | Gap |",
        "|---|---|---|---|---|",
    ]
    for a in assignments:
        star = " ★" if a.critical else ""
        rows.append(
            f"| {_cell(a.stage)} | {_cell(a.name)}{star} | {_cell(a.owner)} ({a.hat}) "
            f"| {_cell(a.backup or '—')} | {'' if a.skill_match else '⚠'} |"
        )
    rows.append("")
    rows.append("★ critical · ⚠ nobody on the team has the skills for this hat (still owned)")
    return "\n".join(rows)


def _load_lines(people: Sequence[PersonLoad], spread: int) -> str:
    lines = [
        f"Load (owning critical work {OWN_CRITICAL_POINTS} points, other work {OWN_POINTS}, "
        f"backup {BACKUP_POINTS}); spread {spread} point{'' if spread == 1 else 's'}:"
    ]
    for p in people:
        hats = ", ".join(p.hats) or "no hat"
        lines.append(f"- {p.name} — {hats}: owns {p.owned}, backs up {p.backups}, {p.load} points")
    return "\n".join(lines)


def _gap_lines(gaps: Sequence[Gap]) -> str:
    """One line per missing hat (not per responsibility), so a no-skills team stays readable."""
    lines = ["Gaps (still owned):"]
    for hat in HATS:
        mine = [g for g in gaps if g.hat == hat]
        if not mine:
            continue
        owners = {}
        for g in mine:
            owners.setdefault(g.owner, []).append(_lower_first(g.name))
        who = "; ".join(f"{owner} owns {_and(tasks)}" for owner, tasks in owners.items())
        lines.append(f"- ⚠ nobody on the team has {hat} skills: {who}; {_ADVICE[hat]}")
    return "\n".join(lines)


def _switch_line(s: HatSwitch) -> str:
    return (
        f"{s.person}: {' + '.join(s.from_hats)} for {s.from_stage!r} -> "
        f"{' + '.join(s.to_hats)} for {s.to_stage!r}"
    )


# --- the allocator --------------------------------------------------------------------------

_ADVICE: Mapping[str, str] = MappingProxyType(
    {
        "Product": "make one person explicitly responsible for users and the success metric",
        "Data Scientist": (
            "consider a part-time data scientist or advisor, an off-the-shelf evaluation "
            "framework, or training"
        ),
        "Data Engineer": (
            "consider a managed ingestion/ETL service, a written data contract, or training"
        ),
        "ML Engineer": (
            "consider managed model serving or an LLM gateway, pairing with an ML engineer, "
            "or training"
        ),
        "SRE/Platform": (
            "consider a managed platform (hosted serving, monitoring and paging) or training"
        ),
    }
)


def _tier(levels: Mapping[Hat, int], hat: Hat) -> int:
    """How well someone fits a hat: 3 strong skill, 2 light skill, 1 a neighbouring hat, 0 none."""
    if hat in levels:
        return 1 + levels[hat]
    return 1 if any(h in levels for h in ADJACENT[hat]) else 0


def _pick(
    candidates: Iterable[int],
    hat: Hat,
    levels: Sequence[Mapping[Hat, int]],
    load: Sequence[int],
    worn: Sequence[set[Hat]],
) -> int:
    """Best fit for the hat first, then the lightest load, then the earliest in the team.

    Someone already wearing the hat counts as lighter by HAT_AFFINITY points, so one person
    tends to keep one hat and switches hats less (the lesson's closing point).
    """

    def key(i: int) -> tuple[int, int, int]:
        affinity = HAT_AFFINITY if hat in worn[i] else 0
        return (-_tier(levels[i], hat), load[i] - affinity, i)

    return min(candidates, key=key)


def _weight(r: Responsibility) -> int:
    return OWN_CRITICAL_POINTS if r.critical else OWN_POINTS


def _gap_groups(
    items: Sequence[Responsibility], team_hats: set[Hat]
) -> list[tuple[Hat, list[Responsibility]]]:
    """Work whose hat nobody has, grouped by hat, heaviest group first (then lesson order)."""
    groups = [(h, [r for r in items if r.hat == h]) for h in HATS if h not in team_hats]
    groups = [(h, rs) for h, rs in groups if rs]
    return sorted(groups, key=lambda g: -sum(_weight(r) for r in g[1]))


def _assign(
    items: Sequence[Responsibility], levels: Sequence[Mapping[Hat, int]]
) -> tuple[dict[str, int], dict[str, int | None], list[int]]:
    """Owner and backup indexes per responsibility id, and each person's load points.

    Skill-matched work is placed first, critical before the rest, one responsibility at a
    time. Work nobody has the skill for then goes a whole hat at a time to the best-placed
    person, so an unskilled team still gets one coherent hat per person where it can.
    """
    everyone = range(len(levels))
    load = [0] * len(levels)
    worn: list[set[Hat]] = [set() for _ in everyone]
    owners: dict[str, int] = {}

    def own(r: Responsibility, person: int) -> None:
        owners[r.id] = person
        worn[person].add(r.hat)
        load[person] += _weight(r)

    team_hats = {h for person in levels for h in person}
    matched = sorted((r for r in items if r.hat in team_hats), key=lambda r: not r.critical)
    for r in matched:
        own(r, _pick(everyone, r.hat, levels, load, worn))
    gaps = _gap_groups(items, team_hats)
    for hat, group in gaps:
        person = _pick(everyone, hat, levels, load, worn)
        for r in group:
            own(r, person)
    order = matched + [r for _, group in gaps for r in group]
    return owners, _assign_backups(order, owners, levels, load), load


def _assign_backups(
    order: Sequence[Responsibility],
    owners: Mapping[str, int],
    levels: Sequence[Mapping[Hat, int]],
    load: list[int],
) -> dict[str, int | None]:
    """A backup other than the owner for every responsibility (none in a one-person team)."""
    backed: list[set[Hat]] = [set() for _ in levels]
    backups: dict[str, int | None] = {}
    for r in sorted(order, key=lambda r: not r.critical):
        others = [i for i in range(len(levels)) if i != owners[r.id]]
        backup = _pick(others, r.hat, levels, load, backed) if others else None
        backups[r.id] = backup
        if backup is not None:
            backed[backup].add(r.hat)
            load[backup] += BACKUP_POINTS
    return backups


def allocate(
    team: Team | Mapping[str, Any],
    product: str | None = None,
    catalogue: Catalogue | None = None,
) -> Allocation:
    """Allocate every responsibility for the team's product (or `product`); TeamError if invalid."""
    team = _valid_team(team, product)
    items = (catalogue or default_catalogue()).for_product(team.product)
    names = [p.name for p in team.people]
    levels = [skill_levels(p.roles) for p in team.people]
    owners, backups, load = _assign(items, levels)
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
        gaps=_gaps(assignments, levels),
        load_spread=max(load) - min(load),
        handoffs=analyze_stages(stages),
        hat_switches=_hat_switches(stages, assignments),
        notes=_notes(assignments, people, levels),
    )


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
    people: Sequence[Person],
    levels: Sequence[Mapping[Hat, int]],
    assignments: Sequence[Assignment],
    load: Sequence[int],
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


def _gaps(assignments: Sequence[Assignment], levels: Sequence[Mapping[Hat, int]]) -> list[Gap]:
    team_hats = {h for person in levels for h in person}
    return [
        Gap(
            id=a.id,
            name=a.name,
            stage=a.stage,
            hat=a.hat,
            critical=a.critical,
            owner=a.owner,
            suggestion=(
                f"nobody on the team has {a.hat} skills: {a.owner} owns "
                f"{_lower_first(a.name)}; {_ADVICE[a.hat]}"
            ),
        )
        for a in assignments
        if a.hat not in team_hats
    ]


def _lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    # Keep acronyms ("API", "ML") as written.
    word = first if first.isupper() else first[:1].lower() + first[1:]
    return f"{word} {rest}" if rest else word


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


def _notes(
    assignments: Sequence[Assignment],
    people: Sequence[PersonLoad],
    levels: Sequence[Mapping[Hat, int]],
) -> list[str]:
    notes = []
    if len(people) == 1:
        notes.append(_solo_note(assignments))
        notes.append(SOLO_BACKUP_NOTE)
    gaps = sum(1 for a in assignments if not a.skill_match)
    if gaps:
        notes.append(
            f"{gaps} of {len(assignments)} responsibilities need a hat nobody on the team has "
            "(⚠): they are still owned, but plan the help suggested under Gaps."
        )
    idle = [p.name for p in people if p.owned == 0]
    if idle:
        notes.append(
            f"{_and(idle)} own{'s' if len(idle) == 1 else ''} nothing: the skill match placed "
            "the work elsewhere; they back it up, and can take work over to even the load."
        )
    if not any(levels):
        notes.append(
            "No roles were given, so work was spread by load alone: name each person's roles "
            "(e.g. 'Ana is a data scientist') for a skill-matched allocation."
        )
    return notes


SOLO_BACKUP_NOTE = (
    "No backup is possible inside a one-person team: if you are asleep, ill or away, nobody "
    "covers the critical work (★). Arrange an external backup — a managed on-call/paging "
    "service, or a friend or contractor who agrees to be on-call — and keep runbooks they can "
    "follow."
)


def _solo_note(assignments: Sequence[Assignment]) -> str:
    by_hat = {h: [_lower_first(a.name) for a in assignments if a.hat == h] for h in HATS}
    parts = [f"{h} for {', '.join(tasks)}" for h, tasks in by_hat.items() if tasks]
    return (
        "You own everything; for each task know which hat you're wearing: " + "; ".join(parts) + "."
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
