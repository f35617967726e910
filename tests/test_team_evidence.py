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
