"""The team reader, measured on learners' own team descriptions, and the same reading on
every surface (CLI, chat, planner tab).

tests/data/teams.toml holds descriptions labelled with every person's name and hats.
`python -m pytest -q -s tests/test_team_reading.py -k score` prints the failures by kind.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tutor.backends.offline import OfflineBackend
from tutor.cli.main import main
from tutor.content.pack import planning_content
from tutor.content.planner import looks_like_team, read_team
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta, ToolFinished
from tutor.planning import TeamReading
from tutor.tools.registry import ALLOCATE
from tutor.web.panels import build_team

CASES = tomllib.loads((Path(__file__).parent / "data" / "teams.toml").read_text())["case"]
CODES = {
    "P": "Product",
    "DS": "Data Scientist",
    "DE": "Data Engineer",
    "ML": "ML Engineer",
    "SRE": "SRE/Platform",
}
SKILLS = planning_content().skills


def expected(case: dict) -> list[tuple[str, frozenset[str]]]:
    people = []
    for item in case["people"]:
        name, hats = item.rsplit(":", 1)
        people.append(
            (name.strip().casefold(), frozenset(CODES[h] for h in hats.split() if h != "-"))
        )
    return people


def read(reading: TeamReading) -> list[tuple[str, frozenset[str]]]:
    return [(p.name.casefold(), frozenset(SKILLS.hats(p.roles))) for p in reading.team.people]


def kind_of_miss(want: list, got: list) -> str:
    if len(got) < len(want):
        return "person dropped"
    if len(got) > len(want):
        return "person added"
    if [n for n, _ in got] != [n for n, _ in want]:
        return "name wrong"
    return "hats wrong"


def test_the_labelled_set_is_big_and_varied() -> None:
    assert len(CASES) >= 80
    assert sum(1 for c in CASES if c["text"] != c["text"].lower()) >= 60  # capitalised names
    assert any(c["text"].islower() for c in CASES)  # and lowercase ones


def test_score_team_descriptions_are_read_exactly(capsys) -> None:
    misses: Counter[str] = Counter()
    silent_drops = []
    for case in CASES:
        reading = read_team(case["text"])
        want, got = expected(case), read(reading)
        if "product" in case:
            assert reading.team.product == case["product"], case["text"]
        if got != want:
            misses[kind_of_miss(want, got)] += 1
            if len(got) < len(want) and not reading.unsure:
                silent_drops.append(case["text"])
    exact = len(CASES) - sum(misses.values())
    with capsys.disabled():
        print(f"\nteam reader: {exact}/{len(CASES)} = {exact / len(CASES):.1%} read exactly")
        print("misses by kind: " + (", ".join(f"{k}: {n}" for k, n in misses.items()) or "none"))
    assert exact / len(CASES) >= 0.95
    assert silent_drops == []


def test_every_labelled_team_looks_like_a_team() -> None:
    assert [c["text"] for c in CASES if not looks_like_team(c["text"])] == []


@pytest.mark.parametrize(
    "text",
    [
        "my team has no SRE, who should hold the pager?",
        "can one person be both the data scientist and the ML engineer?",
        "I'm sure the data scientist is the one who gets paged",
        "Who owns the data contract?",
        "Thanks Ana!",
        "I'm a PM",
        # A head count alone, in a remark about the lesson (conversations_6, first contact).
        "ok so handoffs are a big-company thing. we're 3 people so we basically don't have any",
        "honestly this feels like a lot of process for two people",
        # Lowercase words that are no list of people.
        "ok danke, verstanden",
    ],
)
def test_questions_and_remarks_are_not_teams(text: str) -> None:
    assert not looks_like_team(text)


def test_an_unsure_reading_says_how_it_read_the_team() -> None:
    reading = read_team("ana, ben and chen")
    assert reading.summary.startswith("I read your team as: ana")
    assert reading.unsure  # lowercase words taken as names, roles assumed
    assert "assumed a common split" in reading.summary


# --- the same team on every surface ---------------------------------------------------------

UNNAMED = "a 3-person team shipping an LLM product"


def chat_turn(text: str) -> tuple[str, list[ToolFinished]]:
    """The offline tutor's reply in chat (the engine reads the message, as for any backend)."""

    async def run() -> list:
        return [e async for e in TutorSession(OfflineBackend()).send(text)]

    events = asyncio.run(run())
    said = "".join(e.text for e in events if isinstance(e, TextDelta))
    return said, [e for e in events if isinstance(e, ToolFinished)]


def chat_people(text: str) -> list[dict]:
    _, tools = chat_turn(text)
    assert tools and tools[0].name == ALLOCATE
    return tools[0].args["people"]


@pytest.mark.parametrize(
    "text", [UNNAMED, "The team is Marco, Priya and me.", "Raj and Meera are data scientists"]
)
def test_chat_cli_and_planner_tab_read_the_same_people(text: str, capsys) -> None:
    reading = read_team(text)
    people = [
        {"name": p.name, "roles": p.roles, "availability": p.availability}
        for p in reading.team.people
    ]
    assert chat_people(text) == people
    assert main(["allocate", text, "--json"]) == 0
    cli = capsys.readouterr().out
    for person in people:
        assert f'"owner": "{person["name"]}"' in cli or f'"name": "{person["name"]}"' in cli
    tab = build_team(text, [], "auto")
    tab_team = tab[0] if isinstance(tab, tuple) else tab
    assert [(p.name, p.roles) for p in tab_team.people] == [(p["name"], p["roles"]) for p in people]


def test_an_unnamed_team_gets_the_default_split_explained_in_one_line(capsys) -> None:
    reading = read_team(UNNAMED)
    split = planning_content().data.split_for(3)
    assert [p.roles for p in reading.team.people] == [[r] for r in split]
    assert main(["allocate", UNNAMED]) == 0
    out = capsys.readouterr().out
    first = out.split("\n\n", 1)[0]
    assert "assumed a common split" in first and "\n" not in first.strip()
    assert "Missing skills (" not in out  # the split covers every hat


def test_the_chat_asks_to_confirm_an_unsure_reading() -> None:
    said, tools = chat_turn("team: maria (ml), jorge (data), pablo (ops)")
    assert tools and tools[0].name == ALLOCATE
    assert said.startswith("I read your team as: maria (ml), jorge (data) and pablo (ops).")
    assert "tell me the right names and roles" in said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "3 of us: me (data scientist), a part-time data engineer, "
            "and Kaito who does DevOps on contract",
            {"Me": "full-time", "Person 2": "part-time", "Kaito": "contractor"},
        ),
        ("Ana (DS, 20%) and Ben (freelance DevOps)", {"Ana": "part-time", "Ben": "contractor"}),
        (
            "Mere (infra + devops, part time) and Ana (PM)",
            {"Mere": "part-time", "Ana": "full-time"},
        ),
    ],
)
def test_part_time_and_contract_are_read_into_availability(text: str, expected: dict) -> None:
    reading = read_team(text, assume=False)
    assert {p.name: p.availability for p in reading.team.people} == expected
    # words that only say someone's time are not a job to confirm
    assert not [d for d in reading.doubts if d.kind == "unread"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PI is Haruto Sato, two PhD students (Lena and Omar) who train the models, and a "
            "research software engineer, Thandiwe, who keeps the GPU cluster alive.",
            ["Haruto Sato", "Lena", "Omar", "Thandiwe"],
        ),
        ("We are Ana, a data scientist, Bo, an SRE, and Cy, an ML engineer.", ["Ana", "Bo", "Cy"]),
        ("Our DE, Hamid, left in March so now it's just Beatrix (DS) and Julian.", None),
        (
            "a PM (Hope), one MLE (me), and two data scientists",
            ["Hope", "Me", "Person 3", "Person 4"],
        ),
        ("its just me and jake, i do the models and he does everything else", ["Me", "jake"]),
        (
            "rose does the data pipelines, will handles deployment, and i'm the PM",
            ["rose", "will", "Me"],
        ),
    ],
)
def test_people_bound_by_apposition_parentheses_and_verbs(text: str, expected) -> None:
    names = [p.name for p in read_team(text, assume=False).team.people]
    if expected is None:  # someone who left, named in apposition, is not on the team
        assert "Hamid" not in names
    else:
        assert names == expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Solo data scientist here (me). Priya from the infra team runs our deploys.", ["Priya"]),
        ("It's just me (I train the models) and Ken, our backend dev.", ["Ken"]),
    ],
)
def test_a_solo_cue_beside_others_given_a_job_plans_them_all(text: str, names: list[str]) -> None:
    """ "Solo" or "just me" next to teammates with jobs says the speaker works alone at their
    job: everyone named is planned, no "you said 1" question."""
    reading = read_team(text)
    assert reading.question is None
    assert [p.name for p in reading.team.people] == ["Me", *names]


def test_a_solo_cue_alone_is_still_a_team_of_one() -> None:
    alone = ("It's just me, a solo dev doing everything.", "Solo founder; my friend Sam helps.")
    for text in alone:
        assert [p.name for p in read_team(text).team.people] == ["Me"]


def test_the_chat_keeps_who_is_part_time_so_they_are_never_alone_on_call() -> None:
    text = "I'm the ML engineer; Ana is our data scientist and Bo, our SRE, is part-time."
    assert {p["name"]: p["availability"] for p in chat_people(text)}["Bo"] == "part-time"

    async def paged() -> str:
        session = TutorSession(OfflineBackend())
        [e async for e in session.send(text)]
        return "".join(
            [e.text async for e in session.send("who gets paged?") if isinstance(e, TextDelta)]
        )

    reply = asyncio.run(paged())
    assert not reply.startswith("Bo owns on-call") and "Bo is part-time" in reply


@pytest.mark.parametrize(
    ("text", "people"),
    [
        (
            "Olga (data eng), Santiago (ML eng) and Ayesha, a part-time SRE contractor (Tue-Thu).",
            [
                ("Olga", ["data eng"]),
                ("Santiago", ["ML eng"]),
                ("Ayesha", ["part-time SRE contractor"]),
            ],
        ),
        (
            "Chiara (data scientist, Fridays only) and Jakub (data eng)",
            [("Chiara", ["data scientist"]), ("Jakub", ["data eng"])],
        ),
        # A day alone may still be a name.
        (
            "Sunday is our data scientist and Bo is the SRE",
            [("Sunday", ["data scientist"]), ("Bo", ["SRE"])],
        ),
    ],
)
def test_days_someone_works_are_a_schedule_not_a_person(
    text: str, people: list[tuple[str, list[str]]]
) -> None:
    reading = read_team(text)
    assert [(p.name, p.roles) for p in reading.team.people] == people
    assert not reading.unsure


def test_a_role_the_team_says_it_lacks_is_never_assumed() -> None:
    """ "team of 5: 2 DS, 1 DE, 1 MLE, no SRE": the fifth person's job is assumed from the
    hats still missing, never the SRE's the learner said they don't have."""
    reading = read_team("team of 5: 2 DS, 1 DE, 1 MLE, no SRE. we're on a managed cloud platform")
    assert len(reading.team.people) == 5
    assert reading.assumed and not any("SRE" in a for a in reading.assumed)


# Session 9 (issue 20): mechanisms read from sentence structure, each with a case that must
# still read as before.
@pytest.mark.parametrize(
    ("text", "people"),
    [
        # a second verb stays with its subject; the duty can be anywhere in the predicate
        (
            "Pita runs our Kubeflow cluster and is on-call, Moana is the data scientist",
            [("Pita", {"SRE/Platform"}), ("Moana", {"Data Scientist"})],
        ),
        # ... but a list goes on after "and" when no verb follows it
        (
            "Ana does the models and Ben the pipelines",
            [("Ana", {"Data Scientist"}), ("Ben", {"Data Engineer"})],
        ),
        # a learner correcting a name: the corrected one is the person
        (
            "Tom — sorry, Tomasz — runs our cluster, Agnieszka does ETL",
            [("Tomasz", {"SRE/Platform"}), ("Agnieszka", {"Data Engineer"})],
        ),
        # a second name is the same person, also where it comes back later
        (
            "Alejandro (Ale) is our ML engineer and Bartholomew — everyone calls him Bart — is"
            " the SRE. Ale also covers on-call",
            [("Alejandro", {"ML Engineer", "SRE/Platform"}), ("Bartholomew", {"SRE/Platform"})],
        ),
        # a job in parentheses is no second name
        ("Ana (DS), Ben (Backend)", [("Ana", {"Data Scientist"}), ("Ben", {"ML Engineer"})]),
        # a mention of someone is headed by a job or a word for a person
        (
            "team = me (ds), Mateusz (ml eng), plus a devops contractor who manages our AWS"
            " infra and the on-call rota",
            [
                ("Me", {"Data Scientist"}),
                ("Mateusz", {"ML Engineer"}),
                ("Person 3", {"SRE/Platform"}),
            ],
        ),
        # a name in apposition after a job said of nobody yet is that person's
        (
            "Our data engineer, Ibrahim, and our ML engineer, Chiamaka, are both full-time.",
            [("Ibrahim", {"Data Engineer"}), ("Chiamaka", {"ML Engineer"})],
        ),
        (
            "Camille is our DS. We use a freelance DevOps person, Marek, a few hours a month.",
            [("Camille", {"Data Scientist"}), ("Marek", {"SRE/Platform"})],
        ),
        # ... not after a job someone named already has
        (
            "Emma is a PM, Noah and Liam are ML engineers",
            [("Emma", {"Product"}), ("Noah", {"ML Engineer"}), ("Liam", {"ML Engineer"})],
        ),
        # someone who has left is not on the team
        (
            "Our DE, Hamid, left in March so now it's just Beatrix (DS) and Julian (SRE).",
            [("Beatrix", {"Data Scientist"}), ("Julian", {"SRE/Platform"})],
        ),
        # a sentence about people off the team names no teammate
        (
            "Hamza - ML eng, Zeynep - data scientist. Our biggest customer, Acme Logistics,"
            " has a guy named Derek who keeps emailing about drift",
            [("Hamza", {"ML Engineer"}), ("Zeynep", {"Data Scientist"})],
        ),
        (
            "At my old job we had Rashid doing all of this alone. Here Hoang is DS and I do"
            " deployment.",
            [("Hoang", {"Data Scientist"}), ("Me", {"ML Engineer", "SRE/Platform"})],
        ),
        # ... but a job that starts with such a word is a job ("customer success")
        (
            "Grace – frontend\nNikolai – customer success\nme – ML engineer",
            [("Grace", set()), ("Nikolai", set()), ("Me", {"ML Engineer"})],
        ),
        # a place after "from" is no person, even before a verb
        (
            "Ana Paula is a contractor from São Paulo doing our MLOps",
            [("Ana Paula", {"ML Engineer", "SRE/Platform"})],
        ),
        # a spaced slash lists people; a word of grammar bound to a job is a name ("Can")
        (
            "Elif - DS / Burak - DE / Can - MLE / me - PM",
            [
                ("Elif", {"Data Scientist"}),
                ("Burak", {"Data Engineer"}),
                ("Can", {"ML Engineer"}),
                ("Me", {"Product"}),
            ],
        ),
        # an acronym heading a line is the job; a long lowercase noun ("fundraising") is a
        # thing done, not a name
        (
            "DS: Giulia / Matteo\nPM: our CEO, Enzo\nMLOps: me. I handle product & fundraising",
            [
                ("Giulia", {"Data Scientist"}),
                ("Matteo", {"Data Scientist"}),
                ("Enzo", {"Product"}),
                ("Me", {"ML Engineer", "Product", "SRE/Platform"}),
            ],
        ),
        # an opener before "I" still places the speaker; a verb of thinking does not
        (
            "Will does the infra. May trains models. Honestly I just do product lol."
            " I hope that's enough info?",
            [("Will", {"SRE/Platform"}), ("May", {"Data Scientist"}), ("Me", {"Product"})],
        ),
        (
            "Sunny does the infra, Ola trains models. I hope that's enough info",
            [("Sunny", {"SRE/Platform"}), ("Ola", {"Data Scientist"})],
        ),
        # the speaker who says the team is others is left out, unless they take a hat
        (
            "Ciarán's the data engineer, Seán does DevOps. Just the two of them, I'm their"
            " manager but not technical.",
            [("Ciarán", {"Data Engineer"}), ("Seán", {"SRE/Platform"})],
        ),
        (
            "Ana trains models, Bo runs infra. It's just the two of them, and I do product.",
            [("Ana", {"Data Scientist"}), ("Bo", {"SRE/Platform"}), ("Me", {"Product"})],
        ),
        # a job opening the sentence names the one after the copula
        (
            "I'm the only data scientist. Product is Hannah. our infra person is Kateryna",
            [("Me", {"Data Scientist"}), ("Hannah", {"Product"}), ("Kateryna", {"SRE/Platform"})],
        ),
        # what is said of a name in parentheses can put them off the team (a new-user
        # trial: a customer, someone joining later); "just quit" is a departure, not a name
        (
            "We build claims triage for Acme Insurance (our first big customer). Priya is our"
            " data scientist, Tom runs infra",
            [("Priya", {"Data Scientist"}), ("Tom", {"SRE/Platform"})],
        ),
        (
            "Frank (DevOps), Dmitri (SRE, joining in March, not here yet) and Ana (DS)",
            [("Frank", {"SRE/Platform"}), ("Ana", {"Data Scientist"})],
        ),
        (
            "Our ML engineer, Luke, just quit (models go straight from Ana to Ben now). Ana is"
            " the data scientist, Ben runs infra.",
            [("Ana", {"Data Scientist"}), ("Ben", {"SRE/Platform"})],
        ),
        # (the same trial) an organisation's name is no teammate; a lead-in before the speaker
        # is no one; of two counts the one nearest the people named
        (
            "Some context: I'm the PM at a fintech (about 200 people overall) and our ML team is"
            " 3 people. Our bank partner, First Harbor Bank, consumes the scores. Ana trains"
            " models, Chen Wei handles Kubernetes.",
            [("Me", {"Product"}), ("Ana", {"Data Scientist"}), ("Chen Wei", {"SRE/Platform"})],
        ),
        (
            "theres 3 of us. me (sanjay) doing the models. rose is our backend dev, she"
            " deploys. and we have a devops contractor, Bill, who set up k8s",
            [
                ("Me", {"Data Scientist"}),
                ("rose", {"ML Engineer", "SRE/Platform"}),
                ("Bill", {"SRE/Platform"}),
            ],
        ),
        # "im", as typed, is the speaker
        (
            "im the founder i do product, Dawn is a data engineer",
            [("Me", {"Product"}), ("Dawn", {"Data Engineer"})],
        ),
        # a word of grammar opening a sentence is no name
        (
            "The only other person is Oded, he's a part-time data engineer.",
            [("Oded", {"Data Engineer"})],
        ),
        # ... nor one before the phrase it governs ("As" is also a chemical symbol); "Will
        # and Grace" are people
        (
            "As the ML engineer on the team, Ana also owns deploys. Bo runs infra.",
            [("Ana", {"ML Engineer", "SRE/Platform"}), ("Bo", {"SRE/Platform"})],
        ),
        (
            "Will and Grace are both data scientists. Hope runs infra.",
            [
                ("Will", {"Data Scientist"}),
                ("Grace", {"Data Scientist"}),
                ("Hope", {"SRE/Platform"}),
            ],
        ),
    ],
)
def test_people_read_from_sentence_structure(text: str, people: list) -> None:
    from tutor.content.planner import hats_for

    team = read_team(text, assume=False).team
    assert [(p.name, hats_for(p.roles)) for p in team.people] == people


@pytest.mark.parametrize(
    ("text", "stated", "size"),
    [
        # the count the named people add up to, of two
        (
            "we're a startup of about 10 people total, but the ML side is just three: myself,"
            " Anahera (DS) and Wiremu (platform)",
            3,
            3,
        ),
        # a "+" after another number is no "over" ("GPT-4 + …")
        (
            "We build on GPT-4 + our own model. Four people: Ana (DS), Bo (DE), Cy (ML), Di (PM)",
            4,
            4,
        ),
        # the speaker named in an earlier sentence is counted ("… plus me. 5 people")
        ("Svetlana (DS), Emre (DE), 2 MLEs, plus me doing SRE. 5 people", 5, 5),
        # ... and a speaker who manages the team is one more than its count
        ("I manage a team of three: Ana, Ben and Chen", 4, 4),
    ],
)
def test_the_stated_count_is_the_teams(text: str, stated: int, size: int) -> None:
    reading = read_team(text, assume=False)
    assert (reading.stated, len(reading.team.people)) == (stated, size)


def test_a_hat_the_words_deny_is_not_worn() -> None:
    """'backend engineer, doesn't touch ML': the light ML hat of "backend" goes; a strong
    hat stays whatever else is denied ("data scientist, no infra")."""
    from tutor.content.planner import hats_for

    assert hats_for(["backend engineer", "doesn't touch ML"]) == set()
    assert hats_for(["backend engineer"]) == {"ML Engineer"}
    assert hats_for(["data scientist", "no infra"]) == {"Data Scientist"}
