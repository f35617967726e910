"""Who is a person: the issue's own examples, read as a user typed them (issue 20).

Capitalised words become people only with evidence from the sentence; products, companies,
places, acronyms and sentence-initial words do not; names that are also words do when bound
to a role; the stated count wins; nothing that is not a team is planned."""

from __future__ import annotations

import pytest

from tutor.content.pack import planning_content
from tutor.content.planner import looks_like_team, read_team

HATS = planning_content().skills.hats


def people(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.name, HATS(p.roles)) for p in read_team(text, assume=False).team.people]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We're 3 people building an LLM customer-support bot on top of a hosted model API. "
            "Priya is our backend dev, Tomás is the PM, and I'm a data analyst.",
            [("Priya", ("ML Engineer",)), ("Tomás", ("Product",)), ("Me", ("Data Scientist",))],
        ),
        (
            "Fintech, 5 of us, fraud detection model. Oluwaseun is the data scientist, Mei Lin "
            "is a data engineer, Dmitri is a backend dev who built the payments API, Aroha is "
            "our infra person.",
            [
                ("Oluwaseun", ("Data Scientist",)),
                ("Mei Lin", ("Data Engineer",)),
                ("Dmitri", ("ML Engineer",)),
                ("Aroha", ("SRE/Platform",)),
                ("Person 5", ()),  # the stated count wins
            ],
        ),
        (
            "Small e-commerce shop. Hiroshi (backend dev), Sofía (frontend), Kwame (data "
            "analyst), Inès (PM)",
            [
                ("Hiroshi", ("ML Engineer",)),
                ("Sofía", ()),  # a frontend developer wears no MLOps hat
                ("Kwame", ("Data Scientist",)),
                ("Inès", ("Product",)),
            ],
        ),
        (
            "We have a data scientist, a data engineer and an SRE.",
            [
                ("Person 1", ("Data Scientist",)),
                ("Person 2", ("Data Engineer",)),
                ("Person 3", ("SRE/Platform",)),
            ],
        ),
        ("it's me and my cofounder Amara who does sales", [("Me", ()), ("Amara", ())]),
        (
            "team of 6 at an e-commerce co in Berlin. Grace (PM), Will (backend), Hope does our "
            "recommender models, Bill is the infra guy. plus two interns",
            [
                ("Grace", ("Product",)),
                ("Will", ("ML Engineer",)),
                ("Hope", ("Data Scientist",)),
                ("Bill", ("SRE/Platform",)),
                ("Person 5", ()),
                ("Person 6", ()),
            ],
        ),
    ],
)
def test_people_come_from_structure(text: str, expected: list) -> None:
    assert people(text) == expected


def test_a_solo_founder_is_one_person() -> None:
    assert [p for p, _ in people("solo founder, I do everything")] == ["Me"]


def test_a_count_that_cannot_be_met_asks_one_line() -> None:
    reading = read_team("we're 2: Ana (DS), Ben (SRE) and Chen (PM)")
    assert reading.question == "Is your team Ana, Ben and Chen — 3 people (you said 2)?"
    assert reading.confidence < 0.5
    assert read_team("Ana (DS), Ben (SRE) and Chen (PM)").question is None


@pytest.mark.parametrize(
    "text",
    [
        "Honestly this roles stuff is org-chart trivia for big companies, why should I care?",
        "We have CI that runs our eval suite on every merge. Is that enough for an eval gate?",
        "can you write the FastAPI + Docker + Kubernetes setup for serving our model?",
        "Grace Hopper would have hated MLOps lol",
        "No, I'm sure the data scientist is the one who gets paged",
    ],
)
def test_what_is_not_a_team_is_not_planned(text: str) -> None:
    assert not looks_like_team(text)


DS, ML, SRE, P = "Data Scientist", "ML Engineer", "SRE/Platform", "Product"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name listed beside a person's name is a person too, and shares their job
        (
            "Tane and Aroha are both data scientists, and Rangi is our designer",
            [("Tane", (DS,)), ("Aroha", (DS,)), ("Rangi", ())],
        ),
        (
            "Data science: Arjun + Meera\nMLE: me",
            [("Arjun", (DS,)), ("Meera", (DS,)), ("Me", (ML,))],
        ),
        ("Product: Tomasz. Data science: Oyelaran.", [("Tomasz", (P,)), ("Oyelaran", (DS,))]),
        # not beside a thing ("on Vercel and Modal"), nor across a clause about one person
        (
            "Chase owns prompts and evals, Grace (the CTO) does the backend + deploys on Vercel "
            "and Modal, and Hope is head of support",
            ["Chase", "Grace", "Hope"],
        ),
        # a copula binds a job, not any predicate; a dash before another name opens a list
        (
            "Tama handles the pipelines, Wiremu is the PM. Jira is a mess though.",
            ["Tama", "Wiremu"],
        ),
        ("Sure — Bongani (PM), Ayşe (ML eng), me (DE)", ["Bongani", "Ayşe", "Me"]),
        ("Us: Ekow (MLE) and me (data eng).", ["Ekow", "Me"]),
        # people the team deals with, a group a name owns, a second name: not teammates
        (
            "Us: Ekow (MLE) and me (data eng). Our investor Sarah keeps asking about LLMs and "
            "our customer Walmart wants on-prem.",
            ["Ekow", "Me"],
        ),
        ("The platform team (Ravi's team) gives us tables. Our team is Pooja (DS).", ["Pooja"]),
        ("Hamid aka Hami handles deployments, Parisa trains the models", ["Hamid", "Parisa"]),
        # joining the team binds a job said later in the item; a day after "last" is a date
        (
            "Kenji is our MLE. Priyanka joined last Friday as the cloud engineer. We hired "
            "Zainab last month to own the data warehouse.",
            [("Kenji", (ML,)), ("Priyanka", (SRE,)), ("Zainab", ("Data Engineer",))],
        ),
        # "on" a job binds in a list of people, not "Docker on AWS"
        (
            "we have Hana (data analyst), Kenji (backend), and Yuki on platform/on-call",
            ["Hana", "Kenji", "Yuki"],
        ),
        ("Using FastAPI + Docker on AWS ECS. Arjun trains the models.", ["Arjun"]),
        # a relation's possession is not a teammate; a duty goes on past a dash
        ("My friend's startup is 3 people: Kofi (ML), Efua (DE) and Yaw", ["Kofi", "Efua", "Yaw"]),
        (
            "Team of 3. Me (analyst), Bich Ngoc (data eng), and Quang who does MLOps — "
            "deploying, monitoring, the whole CI/CD thing",
            ["Me", "Bich Ngoc", "Quang"],
        ),
        # names said again share the job said of them together; "I do" is not plural
        (
            "we are 4: Amir, Sara, Reza and me. Amir + Sara are data scientists, Reza does infra",
            [("Amir", (DS,)), ("Sara", (DS,)), ("Reza", (SRE,)), ("Me", ())],
        ),
        (
            "its just me and jake, i do the models and he does everything else",
            [("Me", (DS,)), ("jake", ("Data Engineer", ML, SRE))],
        ),
        # a copula binds a job, not a tool's name; a tool used is a duty
        (
            "Stack is Airflow → Postgres → XGBoost. Team: Oksana (data engineer), Dmitri (DS).",
            ["Oksana", "Dmitri"],
        ),
        ("Ruby writes our Python services, Precious runs our Airflow DAGs", ["Ruby", "Precious"]),
        # "=" binds a lowercase name as ":" does
        ("3 of us. me = ML eng. ana = data sci. bo = does data + infra", ["Me", "ana", "bo"]),
        # from a new-user trial: a hyphenated verb binds; someone who left is not on the team;
        # a job word in parentheses is not a lowercase name
        (
            "Rosa writes the dbt models, Yusuf fine-tunes the LLM and runs evals, and Lena is "
            "on call",
            ["Rosa", "Yusuf", "Lena"],
        ),
        ("Team: Noor (PM), Carmen (MLE). Ex-colleague Tom built the model.", ["Noor", "Carmen"]),
        ("Ana is a data scientist, Kwame is our SRE (contractor).", ["Ana", "Kwame"]),
        # a header's copula opens the list ("my team is 2 …")
        ("the team is a PM, a data scientist and me", ["Person 1", "Person 2", "Me"]),
        # a lowercase word listed is a name only with a job; "I'm …" is not an apposition
        ("hello, I'm May from Auckland, just starting this lesson", ["Me"]),
        # apposition takes a comma: "Oh and a contractor" is a list
        (
            "Team is Adaeze (founder) and Kemi, a data analyst. Oh and a DevOps contractor.",
            ["Adaeze", "Kemi", "Person 3"],
        ),
    ],
)
def test_structure_binds_names(text: str, expected: list) -> None:
    got = people(text)
    if isinstance(expected[0], str):
        assert [name for name, _ in got] == expected
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("roles", "hats"),
    [
        (["ML stuff (training, evals)"], (DS,)),  # a field word narrowed by a job within it
        (["ML", "on-call"], (ML, SRE)),  # beside a job outside it, the field word counts
        (["cloud engineer"], (SRE,)),  # "engineer" after a job word is its head noun
        (["research engineer"], (DS,)),
        (["data analyst", "SQL dashboards"], (DS,)),  # SQL is a tool, not a job
        (["frontend dev"], ()),  # "dev" after a job with no hat is its head noun
        (["some data work", "SQL"], (DS, "Data Engineer")),
        (["product + some data work"], (P,)),  # data, lightly: a backup (levels, below)
        (["backend dev"], (ML,)),
        (["the ML guy"], (ML,)),  # alone, a field word gives its hats
        (["handles deployment"], (ML,)),  # a light hat beside a strong one is a backup's
        (["data"], (DS, "Data Engineer")),  # with no strong hat, the light ones are worn
    ],
)
def test_field_words_give_hats_only_where_no_job_does(roles: list[str], hats: tuple) -> None:
    assert HATS(roles) == hats


def test_a_field_word_across_a_list_mark_is_a_job_of_its_own() -> None:
    """'product + some data work': "data" is not product's head noun, so the speaker can back up
    data work (and gets the data contract when nobody else has the hat)."""
    levels = planning_content().skills.levels(["product + some data work"])
    assert levels == {P: 2, "Data Engineer": 1, DS: 1}
