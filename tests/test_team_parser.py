"""Free-text team descriptions: the phrasings learners use, and clear errors for the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.content.planner import allocate, detect_product, looks_like_team, read_team
from tutor.errors import TeamError
from tutor.planning import MAX_TEXT_CHARS, Team


def parse_team(text: str, product: str | None = None) -> Team:
    """The team as written: no default split for people without roles (tested apart, in
    tests/test_team_reading.py)."""
    return read_team(text, product, assume=False).team


THIRD_TRY_IT = (
    "Given a 3-person team shipping an LLM product, help me allocate the MLOps "
    "responsibilities so nothing critical is unowned."
)


def people(team: Team) -> list[tuple[str, list[str]]]:
    return [(p.name, p.roles) for p in team.people]


@pytest.mark.parametrize(
    ("text", "expected", "product"),
    [
        (
            "3-person team shipping an LLM product",
            [("Person 1", []), ("Person 2", []), ("Person 3", [])],
            "llm",
        ),
        (THIRD_TRY_IT, [("Person 1", []), ("Person 2", []), ("Person 3", [])], "llm"),
        (
            "Ana is a data scientist, Ben does backend, Chen runs infra and on-call",
            [("Ana", ["data scientist"]), ("Ben", ["backend"]), ("Chen", ["infra", "on-call"])],
            "llm",
        ),
        (
            "two of us: me (full-stack) and a data engineer",
            [("Me", ["full-stack"]), ("Person 2", ["data engineer"])],
            "llm",
        ),
        # A solo team is the one describing it: the speaker.
        ("solo founder building a RAG chatbot", [("Me", ["founder"])], "llm"),
        (
            "a team of 4: a PM, a data scientist, an ML engineer and an SRE",
            [
                ("Person 1", ["PM"]),
                ("Person 2", ["data scientist"]),
                ("Person 3", ["ML engineer"]),
                ("Person 4", ["SRE"]),
            ],
            "llm",
        ),
        (
            "Ana (PM), Ben (ML, on-call) and Chen: infra. We build a churn model.",
            [("Ana", ["PM"]), ("Ben", ["ML", "on-call"]), ("Chen", ["infra"])],
            "ml",
        ),
        (
            "- Zoë: data scientist\n- José: SRE\n- Kai: backend",
            [("Zoë", ["data scientist"]), ("José", ["SRE"]), ("Kai", ["backend"])],
            "llm",
        ),
        (
            "Ana, a data scientist, and Ben, an SRE, on a fraud detection model",
            [("Ana", ["data scientist"]), ("Ben", ["SRE"])],
            "ml",
        ),
        (
            "two data scientists and an SRE",
            [
                ("Person 1", ["data scientist"]),
                ("Person 2", ["data scientist"]),
                ("Person 3", ["SRE"]),
            ],
            "llm",
        ),
        ("Ana, Ben and Chen", [("Ana", []), ("Ben", []), ("Chen", [])], "llm"),
        (
            "Two SREs and a PM",
            [("Person 1", ["SRE"]), ("Person 2", ["SRE"]), ("Person 3", ["PM"])],
            "llm",
        ),
        (
            "I'm a PM and Ben Silva is an ML engineer",
            [("Me", ["PM"]), ("Ben Silva", ["ML engineer"])],
            "llm",
        ),
        (
            "We're a team of 3 doing classic ML: Ana's our data scientist",
            [("Ana", ["data scientist"]), ("Person 2", []), ("Person 3", [])],
            "ml",
        ),
    ],
)
def test_phrasings(text: str, expected: list[tuple[str, list[str]]], product: str) -> None:
    team = parse_team(text)
    assert people(team) == expected
    assert team.product == product


@pytest.mark.parametrize(
    ("word", "n"),
    [("one", 1), ("two", 2), ("five", 5), ("seven", 7), ("ten", 10), ("twelve", 12), ("8", 8)],
)
def test_head_counts_in_words_and_digits(word: str, n: int) -> None:
    assert len(parse_team(f"a {word}-person team").people) == n
    assert len(parse_team(f"we are {word}").people) == n
    assert len(parse_team(f"team of {word}, building an agent").people) == n


@pytest.mark.parametrize(
    ("text", "expected", "product"),
    [
        # The speaker and a friend named by relation: two people, nobody lost.
        (
            "I'm a data scientist and my friend Sam does devops",
            [("Me", ["data scientist"]), ("Sam", ["devops"])],
            "llm",
        ),
        (
            "I'm a data scientist and my friend does devops",
            [("Me", ["data scientist"]), ("Person 2", ["devops"])],
            "llm",
        ),
        (
            "our PM Priya and my cofounder Sam (infra)",
            [("Priya", ["PM"]), ("Sam", ["infra"])],
            "llm",
        ),
        ("my best friend Kim is an SRE and I do ML", [("Kim", ["SRE"]), ("Me", ["ML"])], "llm"),
        # Names beside what the team builds: people without roles; a recommender is classic ML.
        ("Ana and Ben building a recommender system", [("Ana", []), ("Ben", [])], "ml"),
        ("Ana and Ben are building a recommender system", [("Ana", []), ("Ben", [])], "ml"),
        ("Sam and I", [("Sam", []), ("Me", [])], "llm"),
        # "ML product" names the product kind.
        (
            "a team of 3 for an ML product",
            [("Person 1", []), ("Person 2", []), ("Person 3", [])],
            "ml",
        ),
        # A solo founder in the first person is Me, wearing the founder (Product) hat.
        ("I'm a solo founder building a RAG chatbot", [("Me", ["founder"])], "llm"),
        (
            "me and two engineers",
            [("Me", []), ("Person 2", ["engineer"]), ("Person 3", ["engineer"])],
            "llm",
        ),
        (
            "Priya (PM), Omar (data eng) and Lee (SRE)",
            [("Priya", ["PM"]), ("Omar", ["data eng"]), ("Lee", ["SRE"])],
            "llm",
        ),
        (
            "We are 4: two data scientists, one backend engineer, one SRE",
            [
                ("Person 1", ["data scientist"]),
                ("Person 2", ["data scientist"]),
                ("Person 3", ["backend engineer"]),
                ("Person 4", ["SRE"]),
            ],
            "llm",
        ),
        ("just me", [("Me", [])], "llm"),
        ("just me and a data engineer", [("Me", []), ("Person 2", ["data engineer"])], "llm"),
        ("It's just me, I'm a full-stack dev", [("Me", ["full-stack dev"])], "llm"),
        (
            "Ana is a data scientist building a churn model, Ben is an SRE",
            [("Ana", ["data scientist"]), ("Ben", ["SRE"])],
            "ml",
        ),
        (
            "Ana is building the data pipeline, Ben is an SRE",
            [("Ana", ["data pipeline"]), ("Ben", ["SRE"])],
            "llm",
        ),
    ],
)
def test_reviewed_phrasings(text: str, expected: list[tuple[str, list[str]]], product: str) -> None:
    team = parse_team(text)
    assert people(team) == expected
    assert team.product == product
    assert looks_like_team(text)


def test_the_speaker_is_one_person_however_often_they_speak() -> None:
    assert people(parse_team("I'm a PM. I also run on-call")) == [("Me", ["PM", "on-call"])]
    assert people(parse_team("just me, I'm a founder")) == [("Me", ["founder"])]
    # One person describing themselves is not (yet) a team description.
    assert not looks_like_team("I'm a PM. I also run on-call")


def test_our_product_names_nobody() -> None:
    team = parse_team("our product is a churn model, I'm a data scientist and Sam is an SRE")
    assert people(team) == [("Me", ["data scientist"]), ("Sam", ["SRE"])]
    assert team.product == "ml"


def test_friend_and_speaker_both_get_work() -> None:
    allocation = allocate(parse_team("I'm a data scientist and my friend Sam does devops"))
    owners = {a.id: a.owner for a in allocation.assignments}
    assert owners["on-call"] == "Sam" and owners["eval-suite"] == "Me"
    assert allocation.fully_backed_up


def test_data_eng_abbreviation_is_a_data_engineer() -> None:
    allocation = allocate(parse_team("Priya (PM), Kai (backend), Omar (data eng) and Lee (SRE)"))
    owners = {a.id: a.owner for a in allocation.assignments}
    # Strong, so Omar owns data work before the backend generalist (lightly a data engineer).
    assert owners["data-contract"] == owners["retrieval-pipeline"] == "Omar"
    assert owners["problem-metrics"] == "Priya"
    assert "Data Engineer" not in {g.hat for g in allocation.gaps}


def test_solo_founder_wears_the_product_hat_and_has_no_backup() -> None:
    team = parse_team("I'm a solo founder building a RAG chatbot")
    allocation = allocate(team)
    assert allocation.owner_of("problem-metrics") == "Me"
    assert not any(g.id == "problem-metrics" for g in allocation.gaps)
    assert len(allocation.people) == 1 and not allocation.fully_backed_up


def test_named_people_fill_a_head_count_first() -> None:
    team = parse_team("a 3-person team: Ana is a data scientist and Ben runs infra")
    assert people(team) == [("Ana", ["data scientist"]), ("Ben", ["infra"]), ("Person 3", [])]


def test_unnamed_people_are_numbered_by_their_place_in_the_team() -> None:
    team = parse_team("Ana is a PM, plus a data engineer")
    assert people(team) == [("Ana", ["PM"]), ("Person 2", ["data engineer"])]


def test_solo_in_the_first_person_is_me() -> None:
    assert people(parse_team("just me, building a chatbot")) == [("Me", [])]


def test_parsed_team_allocates_with_skills() -> None:
    team = parse_team("Ana is a data scientist, Ben does backend, Chen runs infra and on-call")
    owners = {a.id: a.owner for a in allocate(team).assignments}
    assert owners["on-call"] == "Chen" and owners["eval-suite"] == "Ana"


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("fraud detection model", "ml"),
        ("a classic ML churn model", "ml"),
        ("demand forecasting with xgboost", "ml"),
        ("a RAG chatbot", "llm"),
        ("an agent on GPT-4o", "llm"),
        ("an LLM product", "llm"),
        ("a team of three", "llm"),  # default
        ("an ML engineer and a data scientist", "llm"),  # roles are not a product kind
        ("a team of 3 for an ML product", "ml"),
        ("we ship a machine learning model", "ml"),
        ("an ML-powered product", "llm"),  # unclear: the default
        ("Ana and Ben building a recommender system", "ml"),
        ("an LLM product", "llm"),
        ("an ML system with a RAG chatbot on top", "llm"),  # LLM cues win
    ],
)
def test_detect_product(text: str, product: str) -> None:
    assert detect_product(text) == product


def test_explicit_product_wins_and_is_checked() -> None:
    assert parse_team("solo founder building a RAG chatbot", product="ml").product == "ml"
    with pytest.raises(TeamError, match="'llm' or 'ml'"):
        parse_team("two of us", product="vision")


@pytest.mark.parametrize(
    "text",
    [
        THIRD_TRY_IT,
        "Ana is a data scientist, Ben runs infra",
        "we are two: me and a data engineer",
        "solo founder building a RAG chatbot",
        "Ana, Ben and Chen",
        "a PM, a data scientist and an SRE",
    ],
)
def test_looks_like_team(text: str) -> None:
    assert looks_like_team(text)


@pytest.mark.parametrize(
    "text",
    [
        "In one paragraph, explain the main roles involved in running an ML system in "
        "production and what each does.",
        "Walk me through how an ML project flows across roles — data scientist, ML engineer, "
        "data engineer, SRE — and where the handoffs typically break.",
        "What does an SRE do?",
        "Who owns the eval gate?",
        "Thanks, that helps",
        "Latency is a problem for the SRE",
        "I'm a data scientist, what should I learn?",
        "next",
        "",
        "x" * (MAX_TEXT_CHARS + 1),
    ],
)
def test_does_not_look_like_team(text: str) -> None:
    assert not looks_like_team(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("hello there", "Tell me who is on the team"),
        ("What does an SRE do?", "Tell me who is on the team, e.g. 'Ana is a data scientist"),
        ("0 people", "A team needs at least one person"),
        ("51 people", "at most 50 people"),
        ("50+ people", "at most 50 people"),
        ("a team of 1000000", "at most 50 people"),
        (", ".join(f"Qx{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(51)), "at most 50"),
        ("a" * (MAX_TEXT_CHARS + 1), "2,000"),
    ],
)
def test_bad_descriptions_raise_team_error(text: str, message: str) -> None:
    with pytest.raises(TeamError, match=message):
        parse_team(text)


def test_limits_are_inclusive() -> None:
    assert len(parse_team("50 people").people) == 50
    text = "Ana is a data scientist" + " " * (MAX_TEXT_CHARS - 23)
    assert len(text) == MAX_TEXT_CHARS
    assert parse_team(text).people[0].name == "Ana"


WORDS = [
    "Ana", "Ben", "is", "a", "an", "data", "scientist", "SRE", "and", ",", ":", "(", ")", "me",
    "I'm", "team", "of", "3", "two", "people", "person", "-", "runs", "infra", "on-call", ".",
    "we", "are", "50+", "solo", "LLM", "churn", "model", "Person", "'s", "\n", "- ", "plus",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join))
)
def test_any_text_gives_a_team_or_a_team_error(text: str) -> None:
    looks = looks_like_team(text)
    try:
        team = parse_team(text)
    except TeamError as exc:
        assert str(exc)
        return
    assert 1 <= len(team.people) <= 50
    assert isinstance(looks, bool)


def test_the_longest_description_is_parsed() -> None:
    text = ("Ana is a data scientist (evals, on-call), " * 60)[:MAX_TEXT_CHARS]
    assert looks_like_team(text)
    assert [p.name for p in parse_team(text).people] == ["Ana"]


def test_a_name_said_twice_is_one_person_with_both_roles() -> None:
    team = parse_team("Ana is a PM and ana is an SRE")
    assert [(p.name, p.roles) for p in team.people] == [("Ana", ["PM", "SRE"])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a placeholder named later is one person, not two
        ("We have a data engineer and an SRE. The data engineer is Ana.", ["Ana", "Person 2"]),
        ("it's me and two freelancers. Kasia trains the models, Olu does the infra.",
         ["Me", "Kasia", "Olu"]),
        # the speaker beside a count said of others, inside a count said with "we"
        ("I manage a team of three: Nia (DS), Omar (DE) and Ike (SRE).",
         ["Me", "Nia", "Omar", "Ike"]),
        ("we're three: me, Lucas and Aiko. Lucas does data eng", ["Me", "Lucas", "Aiko"]),
        # a relation is an unnamed teammate
        ("I do product. Our contractor handles the AWS setup", ["Me", "Person 2"]),
    ],
)  # fmt: skip
def test_placeholders_counts_and_relations(text: str, expected: list[str]) -> None:
    assert [p.name for p in read_team(text, assume=False).team.people] == expected
