"""The team planner: every responsibility owned, critical work backed up, skill first."""

from __future__ import annotations

import itertools
import re
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.content.files import parse_toml, read_text
from tutor.content.pack import planning_content
from tutor.content.planner import allocate, hats_for, skill_levels
from tutor.demo.handoffs import LESSON_LIFECYCLE, STAGE_NAMES
from tutor.errors import LessonPackError, TeamError
from tutor.planning import (
    HATS,
    STRONG,
    Allocation,
    Person,
    PlanningData,
    Team,
    make_team,
)

ROLE_WORDS = [
    "data scientist", "data engineer", "ML engineer", "SRE", "PM", "backend", "full-stack",
    "infra", "on-call", "ML", "analyst", "designer", "frontend", "MLOps", "devops", "evals",
    "product manager", "data", "juggler", "tech lead",
]  # fmt: skip


def person(name: str, *roles: str) -> Person:
    return Person(name=name, roles=list(roles))


def by_id(allocation: Allocation) -> dict[str, tuple[str, str | None]]:
    return {a.id: (a.owner, a.backup) for a in allocation.assignments}


def fit(roles: list[str], hat: str) -> int:
    """2 strong skill, 1 light, 0 none: what 'skill first' compares."""
    return skill_levels(roles).get(hat, 0)  # type: ignore[call-overload]


# --- properties ------------------------------------------------------------------------------

names = st.lists(
    st.text(alphabet="AaBbCcDdEeZzÖö- ", min_size=1, max_size=8).filter(lambda s: s.strip()),
    min_size=1,
    max_size=12,
    unique_by=lambda s: " ".join(s.split()).casefold(),
)


@st.composite
def teams(draw: st.DrawFn) -> Team:
    people = [
        Person(name=name, roles=draw(st.lists(st.sampled_from(ROLE_WORDS), max_size=4)))
        for name in draw(names)
    ]
    return Team(people=people, product=draw(st.sampled_from(["llm", "ml"])))


@settings(max_examples=150, deadline=None)
@given(teams())
def test_every_responsibility_has_exactly_one_owner_on_the_team(team: Team) -> None:
    allocation = allocate(team)
    expected = [r.id for r in planning_content().catalogue.for_product(team.product)]
    assert [a.id for a in allocation.assignments] == expected
    assert allocation.unowned == []
    names_on_team = {p.name for p in team.people}
    assert all(a.owner in names_on_team for a in allocation.assignments)
    assert sum(p.owned for p in allocation.people) == len(expected)


@settings(max_examples=150, deadline=None)
@given(teams())
def test_backups_are_someone_else_whenever_the_team_has_two_people(team: Team) -> None:
    allocation = allocate(team)
    assert allocation.fully_backed_up == (len(team.people) >= 2)
    for a in allocation.assignments:
        if len(team.people) == 1:
            assert a.backup is None
        else:
            assert a.backup is not None and a.backup != a.owner
            assert a.backup in {p.name for p in team.people}


@settings(max_examples=150, deadline=None)
@given(teams())
def test_owner_is_the_best_skilled_person_and_gaps_are_exactly_missing_hats(team: Team) -> None:
    allocation = allocate(team)
    roles = {p.name: p.roles for p in team.people}
    # a person's words are read together (an ambiguous word yields to their strong hat)
    team_hats = {h for p in team.people for h in hats_for(p.roles)}
    for a in allocation.assignments:
        best = max(fit(rs, a.hat) for rs in roles.values())
        assert fit(roles[a.owner], a.hat) == best
        assert a.skill_match == (a.hat in team_hats)
    assert [g.id for g in allocation.gaps] == [
        a.id for a in allocation.assignments if a.hat not in team_hats
    ]


@settings(max_examples=100, deadline=None)
@given(teams(), st.randoms(use_true_random=False))
def test_allocation_is_deterministic(team: Team, rnd: object) -> None:
    first = allocate(team)
    assert allocate(team) == first
    again = Team.build([p.model_dump() for p in team.people], team.product)
    assert allocate(again) == first
    # The order of one person's roles does not matter.
    shuffled = [
        Person(name=p.name, roles=rnd.sample(p.roles, len(p.roles)))  # type: ignore[attr-defined]
        for p in team.people
    ]
    assert allocate(Team(people=shuffled, product=team.product)) == first


@settings(max_examples=100, deadline=None)
@given(teams())
def test_loads_and_team_handoffs_are_consistent(team: Team) -> None:
    allocation = allocate(team)
    loads = [p.load for p in allocation.people]
    assert allocation.load_spread == max(loads) - min(loads)
    assert [s.name for s in allocation.handoffs.stages] == list(STAGE_NAMES)
    for stage in allocation.handoffs.stages:
        owners = {a.owner for a in allocation.assignments if a.stage == stage.name and a.critical}
        assert set(stage.roles) == owners and owners
    for switch in allocation.hat_switches:
        assert switch.from_hats != switch.to_hats


# --- golden allocations ------------------------------------------------------------------------


def test_golden_three_person_llm_team() -> None:
    team = Team(
        people=[
            person("Ana", "data scientist"),
            person("Ben", "backend"),
            person("Chen", "infra", "on-call"),
        ]
    )
    allocation = allocate(team)
    owners = by_id(allocation)
    assert owners["on-call"] == ("Chen", "Ben")
    assert owners["provider-keys"][0] == "Chen"
    assert owners["eval-suite"][0] == "Ana"
    assert owners["guardrails"][0] == owners["eval-gate"][0] == "Ben"
    # A backend developer serves the model (ML, lightly); nobody wears the Data Engineer hat,
    # so the data contract goes to its first neighbour in the content ([adjacent]: ML Engineer).
    assert owners["data-contract"][0] == "Ben"
    # Nobody is a PM: product framing goes to the data scientist (the nearest hat), flagged.
    assert owners["problem-metrics"][0] == "Ana"
    gaps = ["problem-metrics", "latency-cost-budget", "data-contract", "retrieval-pipeline"]
    assert [g.id for g in allocation.gaps] == gaps
    assert allocation.gaps[0].suggestion.startswith(
        "Nobody on the team has Product skills yet: Ana wears the Product hat for"
    )
    stage_owners = [s.owner for s in allocation.handoffs.stages]
    assert stage_owners == ["Ana", "Ben", "Ana", "Ben + Chen", "Ben", "Chen"]
    assert (allocation.handoffs.full_count, allocation.handoffs.partial_count) == (4, 1)


def test_golden_four_specialists() -> None:
    team = make_team(
        [
            {"name": "Pia", "roles": ["PM"]},
            {"name": "Dan", "roles": ["data scientist"]},
            {"name": "Mo", "roles": ["ML engineer"]},
            {"name": "Sam", "roles": ["SRE"]},
        ]
    )
    owners = by_id(allocate(team))
    assert owners["problem-metrics"][0] == "Pia"
    assert owners["eval-suite"][0] == "Dan"
    assert {owners[i][0] for i in ("guardrails", "eval-gate", "quality-monitoring")} == {"Mo"}
    assert {owners[i][0] for i in ("on-call", "provider-keys", "release-pipeline")} == {"Sam"}
    assert [g.hat for g in allocate(team).gaps] == ["Data Engineer", "Data Engineer"]


def test_golden_classic_ml_team() -> None:
    team = Team(
        people=[
            person("Ana", "data scientist"),
            person("Ben", "ML engineer"),
            person("Chen", "data engineer"),
            person("Dana", "SRE"),
            person("Eve", "product manager"),
        ],
        product="ml",
    )
    allocation = allocate(team)
    owners = by_id(allocation)
    assert allocation.product == "ml"
    assert owners["training-evaluation"][0] == "Ana"
    assert owners["model-serving"][0] == "Ben"
    assert owners["feature-pipelines"][0] == "Chen"
    assert owners["on-call"][0] == "Dana"
    assert owners["problem-metrics"][0] == "Eve"
    assert allocation.gaps == []
    # A classic model passes an eval gate too: owned by the ML engineer, backed by the DS.
    assert owners["eval-gate"] == ("Ben", "Ana")
    assert "eval-suite" not in owners  # LLM-only work is not allocated for a classic model
    stage_owners = [s.owner for s in allocation.handoffs.stages]
    assert stage_owners == ["Eve", "Chen", "Ana", "Ben", "Ben", "Dana"]


def test_two_specialists_share_their_hat() -> None:
    team = Team(people=[person("A", "SRE"), person("B", "SRE"), person("C", "data scientist")])
    owners = by_id(allocate(team))
    sre_work = ("on-call", "provider-keys", "release-pipeline", "incident-review")
    assert {owners[i][0] for i in sre_work} == {"A", "B"}
    assert owners["on-call"][1] in {"A", "B"}  # the other SRE backs up on-call


def test_one_person_team_owns_everything_with_a_hat_note() -> None:
    allocation = allocate(Team(people=[person("Solo", "full-stack")]))
    assert {a.owner for a in allocation.assignments} == {"Solo"}
    assert all(a.backup is None for a in allocation.assignments)
    note = allocation.notes[0]
    assert note.startswith("You own everything; for each task know which hat you're wearing")
    assert "SRE/Platform for provider and API-key management" in note
    assert allocation.handoffs.handoffs == []
    assert len(allocation.hat_switches) == 5
    assert allocation.hat_switches[0].from_hats == ["Product"]
    assert not allocation.fully_backed_up


@pytest.mark.parametrize("product", ["llm", "ml"])
def test_one_person_team_is_told_to_find_an_external_backup(product: str) -> None:
    allocation = allocate(Team(people=[person("Me", "founder")], product=product))
    assert len(allocation.people) == 1 and not allocation.fully_backed_up
    backup_note = next(n for n in allocation.notes if n.startswith("No backup is possible"))
    assert "one-person team" in backup_note
    assert "managed on-call" in backup_note and "friend" in backup_note
    table = allocation.render_table()
    assert f"- {backup_note}" in table.split("Notes:\n", 1)[1]


def test_teams_of_two_or_more_get_no_solo_backup_note() -> None:
    allocation = allocate(Team(people=[person("Ana", "PM"), person("Ben", "SRE")]))
    assert allocation.fully_backed_up
    assert not any("No backup is possible" in n for n in allocation.notes)
    assert "No backup is possible" not in allocation.render_table()


def test_fully_backed_up_looks_only_at_critical_work() -> None:
    allocation = allocate(Team(people=[person("Ana", "PM"), person("Ben", "SRE")]))

    def with_backup(pick: object, backup: object) -> Allocation:
        changed = [
            a.model_copy(update={"backup": backup(a)}) if pick(a) else a  # type: ignore[operator]
            for a in allocation.assignments
        ]
        return allocation.model_copy(update={"assignments": changed})

    first_critical = next(a.id for a in allocation.assignments if a.critical)
    assert not with_backup(lambda a: a.id == first_critical, lambda a: None).fully_backed_up
    assert not with_backup(lambda a: a.id == first_critical, lambda a: a.owner).fully_backed_up
    assert with_backup(lambda a: not a.critical, lambda a: None).fully_backed_up


def test_team_without_roles_gets_one_coherent_hat_group_per_gap() -> None:
    allocation = allocate(Team(people=[Person(name=f"P{i}") for i in range(1, 4)]))
    owners_by_hat: dict[str, set[str]] = {}
    for a in allocation.assignments:
        owners_by_hat.setdefault(a.hat, set()).add(a.owner)
    assert all(len(owners) == 1 for owners in owners_by_hat.values())
    assert any("No roles were given" in n for n in allocation.notes)
    assert len({p.name for p in allocation.people if p.owned}) == 3


def test_product_argument_overrides_the_team() -> None:
    team = Team(people=[person("Ana", "data scientist")], product="llm")
    assert allocate(team, product="ml").product == "ml"
    assert "model-serving" in by_id(allocate(team, product="ml"))


# --- skills ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "hats"),
    [
        (["data scientist"], {"Data Scientist"}),
        (["Data Scientists"], {"Data Scientist"}),
        (["full-stack"], {"ML Engineer"}),
        (["tech lead"], {"ML Engineer", "Data Engineer", "SRE/Platform"}),
        (["designer"], set()),  # a job with no MLOps hat
        (["CTO"], set()),
        (["on-call"], {"SRE/Platform"}),
        (["runs infra and on-call"], {"SRE/Platform"}),
        (["PM"], {"Product"}),
        (["SREs"], {"SRE/Platform"}),
        (["SRE/Platform"], {"SRE/Platform"}),
        (["backend"], {"ML Engineer"}),
        (["data eng"], {"Data Engineer"}),  # an abbreviation, not "data" (which is ambiguous)
        (["ML eng"], {"ML Engineer"}),
        (["juggler"], set()),
        ([], set()),
    ],
)
def test_hats_for_role_words(roles: list[str], hats: set[str]) -> None:
    assert hats_for(roles) == hats


def test_generalists_are_light_specialists_strong() -> None:
    assert skill_levels(["tech lead"])["SRE/Platform"] < STRONG
    assert skill_levels(["full-stack"])["ML Engineer"] < STRONG
    assert skill_levels(["SRE"])["SRE/Platform"] == STRONG
    assert hats_for(Person(name="A", roles=["infra", "PM"]).roles) == {"Product", "SRE/Platform"}


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ([], "A team needs at least one person"),
        (["Ana", "  "], "Person 2: the name is empty"),
        (["Ana", "ana"], "Two people are called 'Ana' and 'ana'"),
        ([f"P{i}" for i in range(51)], "at most 50 people"),
        ([{"name": "Ana", "roles": ["x" * 101]}], "Person 1: a role is over 100 characters"),
        ([{"name": "A" * 81}], "over 80 characters"),
        ([{"name": "Ana", "roles": ["ds"] * 21}], "at most 20 roles"),
        ([{"nme": "Ana"}], r"Person 1 \(name\): Field required"),
    ],
)
def test_bad_teams_raise_team_error(people: list[object], message: str) -> None:
    with pytest.raises(TeamError, match=message):
        make_team(people)  # type: ignore[arg-type]
    with pytest.raises(TeamError, match=message):
        Team.build(people)  # type: ignore[arg-type]
    with pytest.raises(TeamError, match=message):
        allocate({"people": [{"name": p} if isinstance(p, str) else p for p in people]})


def test_constructing_a_bad_team_directly_is_a_team_error_too() -> None:
    with pytest.raises(TeamError, match="at least one person"):
        Team([])
    with pytest.raises(TeamError, match="Person 2: the name is empty"):
        Team([Person("Ana"), Person("   ")])
    with pytest.raises(TeamError, match="Two people are called"):
        Team(people=[Person(name="Ana"), Person(name="ANA")])
    with pytest.raises(TeamError, match="product"):
        Team([Person("Ana")], "vision")


def test_person_accepts_positional_arguments() -> None:
    assert Person("Ana", ["data scientist"]) == Person(name="Ana", roles=["data scientist"])
    assert Team([Person("Ana")], "ml").product == "ml"


def test_fifty_people_are_allowed() -> None:
    allocation = allocate(make_team([f"P{i}" for i in range(50)]))
    assert len(allocation.people) == 50 and allocation.unowned == []


def test_allocate_revalidates_a_team_changed_after_it_was_built() -> None:
    team = make_team(["Ana", "Ben"])
    team.people.append(Person(name="ANA"))
    with pytest.raises(TeamError, match="Two people are called"):
        allocate(team)


def test_unknown_product_is_a_team_error() -> None:
    with pytest.raises(TeamError, match="product"):
        allocate(make_team(["Ana"]), product="vision")
    with pytest.raises(TeamError, match="product"):
        make_team(["Ana"], product="nlp")


def test_names_are_tidied() -> None:
    team = make_team([{"name": "  Ana   Silva ", "roles": ["  data   scientist ", ""]}])
    assert team.people[0].name == "Ana Silva"
    assert team.people[0].roles == ["data scientist"]


# --- catalogue -------------------------------------------------------------------------------


def test_catalogue_covers_every_stage_with_critical_work_for_both_products() -> None:
    catalogue = planning_content().catalogue
    assert 14 <= len(catalogue.responsibilities) <= 20
    for product in ("llm", "ml"):
        items = catalogue.for_product(product)
        for stage in STAGE_NAMES:
            assert any(r.critical and r.stage == stage for r in items), (product, stage)
    llm = {r.id for r in catalogue.for_product("llm")}
    assert {
        "eval-suite", "eval-gate", "prompt-model-versions", "guardrails", "latency-cost-budget",
        "data-contract", "quality-monitoring", "on-call", "incident-review", "provider-keys",
    } <= llm  # fmt: skip
    ml = {r.id for r in catalogue.for_product("ml")}
    assert {
        "feature-pipelines", "training-data-contract", "training-evaluation", "model-registry",
        "model-serving", "drift-monitoring", "on-call", "eval-gate",
    } <= ml  # fmt: skip
    assert {r.hat for r in catalogue.responsibilities} == set(HATS)


def test_the_eval_gate_guards_the_model_handoff_to_production() -> None:
    """The catalogue agrees with the quiz: the gate sits at Data Scientist -> ML Engineer."""
    quiz = tomllib.loads(read_text("quiz.toml"))
    question = next(q for q in quiz["questions"] if q["id"] == "eval-gate")
    answer = question["options"]["abcd".index(question["answer"])]
    giver, receiver = (part.strip() for part in answer.split("->"))
    assert (giver, receiver) == ("Data Scientist", "ML Engineer")
    from_stage, to_stage = next(
        (a[0], b[0])
        for a, b in itertools.pairwise(LESSON_LIFECYCLE)
        if (a[1], b[1]) == (giver, receiver)
    )
    evals = {"llm": "eval-suite", "ml": "training-evaluation"}
    for product in ("llm", "ml"):
        items = {r.id: r for r in planning_content().catalogue.for_product(product)}
        gate = items["eval-gate"]
        # Before the model is served, owned by the ML engineer who receives it...
        assert (gate.stage, gate.hat, gate.critical) == (to_stage, receiver, True), product
        # ...on the evals the data scientist owns in the stage before.
        suite = items[evals[product]]
        assert (suite.stage, suite.hat, suite.critical) == (from_stage, giver, True), product
        assert "ML engineer owns the gate" in gate.summary
        assert "data scientist" in gate.summary


def test_the_eval_gate_is_owned_by_the_ml_engineer_and_backed_by_the_data_scientist() -> None:
    for product in ("llm", "ml"):
        team = Team(
            people=[person("Dan", "data scientist"), person("Mo", "ML engineer")], product=product
        )
        assert by_id(allocate(team))["eval-gate"] == ("Mo", "Dan"), product


BAD_CATALOGUES = [
    ('id = "on-call"', 'id = "problem-metrics"', "duplicate responsibility ids"),
    ('stage = "on-call / incidents"', 'stage = "on call"', "unknown stage"),
    ('hat = "SRE/Platform"', 'hat = "Ops"', "hat"),
    ('products = ["llm"]', "products = []", "products"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD_CATALOGUES)
def test_catalogue_errors_name_the_file_and_problem(old: str, new: str, message: str) -> None:
    text = read_text("responsibilities.toml")
    assert old in text
    with pytest.raises(LessonPackError, match=message) as info:
        parse_toml("responsibilities.toml", text.replace(old, new, 1), PlanningData)
    assert "prompts/responsibilities.toml" in str(info.value)


def test_catalogue_needs_critical_work_in_every_stage() -> None:
    text = read_text("responsibilities.toml").replace(
        'id = "on-call"\nname = "On-call rotation"\nstage = "on-call / incidents"\n'
        'hat = "SRE/Platform"\ncritical = true',
        'id = "on-call"\nname = "On-call rotation"\nstage = "on-call / incidents"\n'
        'hat = "SRE/Platform"\ncritical = false',
    )
    with pytest.raises(LessonPackError, match="no critical responsibility"):
        parse_toml("responsibilities.toml", text, PlanningData)


# --- rendering -------------------------------------------------------------------------------

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_render_table_is_a_markdown_table_with_loads_gaps_and_handoffs() -> None:
    team = Team(people=[person("Ana", "data scientist"), person("B|n", "backend")])
    allocation = allocate(team)
    text = allocation.render_table()
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows[0] == "| Stage | Responsibility | Owner (hat worn) | Backup | Skills |"
    assert len(rows) == len(allocation.assignments) + 2
    assert all(len(UNESCAPED_PIPE.findall(row)) == 6 for row in rows)
    for a in allocation.assignments:
        assert a.name in text
    assert "B\\|n (ML Engineer)" in text
    assert "⚠ Nobody on the team has SRE/Platform skills yet" in text
    assert "- Ana — " in text
    # Plain words: no load points or "spread N points" jargon.
    assert "point" not in text.lower() and "spread 9" not in text
    assert f"{allocation.handoffs.full_count} full" in text
    on_call = next(r for r in rows if "On-call rotation" in r)
    assert "★" in on_call and "⚠" in on_call


@pytest.mark.parametrize("roles", [["backend"], ["data scientist"], []])
def test_the_text_never_contradicts_who_wears_a_missing_hat(roles: list[str]) -> None:
    """Someone shown wearing a hat nobody has the skills for is named as taking it on, never
    beside a bare "nobody has these skills" (the contradiction learners could not read)."""
    team = Team(people=[person("Ana", *roles), person("Ben", "SRE")])
    text = allocate(team).render_table()
    for line in text.splitlines():
        if line.startswith("- ⚠"):
            hat = line.split(" has ", 1)[1].split(" skills", 1)[0]
            assert f"wears the {hat} hat for" in line


def test_allocation_round_trips_as_json() -> None:
    allocation = allocate(Team(people=[person("Ana", "PM"), person("Ben", "SRE")]))
    assert Allocation.model_validate_json(allocation.model_dump_json()) == allocation
