"""The fact checker (tutor/facts/) on hand-labelled reply sentences: wrong owners and invented
handoffs are flagged with a learner-facing note, correct replies get no note."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tutor.content.pack import lexicon
from tutor.demo.handoffs import run_handoff_demo
from tutor.facts import FactIssue, Facts, check_claims
from tutor.tools.registry import PersonIn, allocate_people

DATA = Path(__file__).parent / "data" / "fact_claims.toml"
CASES: list[dict[str, Any]] = tomllib.loads(DATA.read_text())["cases"]


def claims(text: str, facts: Facts) -> list[FactIssue]:
    return check_claims(text, facts, lexicon())


@cache
def team_allocation() -> Any:
    """The planner's allocation for the labelled sentences' team (through the tool's own call)."""
    people = [
        PersonIn(name="Ana", roles=["data scientist"]),
        PersonIn(name="Ben", roles=["backend engineer"]),
        PersonIn(name="Chen", roles=["infra", "on-call"]),
    ]
    return allocate_people(people, "llm")[1]


def facts_for(case: dict[str, Any]) -> Facts:
    allocation = team_allocation() if case.get("allocation") else None
    return Facts(demo_output=run_handoff_demo(), allocation=allocation)


def kinds(issues: list[FactIssue]) -> list[str]:
    return sorted({i.kind for i in issues})


def confusion() -> dict[str, int]:
    counts = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    for case in CASES:
        flagged = bool(claims(case["text"], facts_for(case)))
        wrong = bool(case["issues"])
        counts[("t" if flagged == wrong else "f") + ("p" if flagged else "n")] += 1
    return counts


def test_no_false_notes_and_few_misses() -> None:
    """On the labelled sentences: no note on a correct one; at most 1 in 20 wrong ones missed."""
    counts = confusion()
    assert counts["fp"] == 0, counts
    assert counts["fn"] <= len(CASES) // 20, counts


# Wrong sentences the checker misses today (within the 1 in 20 allowed above). Each is a strict
# expected failure: a fix turns it into a failure that says to remove it from this list.
KNOWN_MISSES = {"holdout: DS on deployment (lesson: MLE + SRE)"}


def wrong_cases() -> list[Any]:
    miss = pytest.mark.xfail(strict=True, reason="a known miss (counted in the test above)")
    return [
        pytest.param(c, id=c["why"][:40], marks=[miss] if c["why"] in KNOWN_MISSES else [])
        for c in CASES
        if c["issues"]
    ]


@pytest.mark.parametrize("case", wrong_cases())
def test_a_wrong_sentence_gets_exactly_its_labelled_notes(case: dict[str, Any]) -> None:
    found = kinds(claims(case["text"], facts_for(case)))
    assert found == sorted(case["issues"]), (case["why"], found)


def test_the_note_names_the_lesson_owner() -> None:
    text = "The data scientist gets paged at 3am, because they own the on-call rotation."
    [issue] = claims(text, Facts())
    assert issue.kind == "owner"
    assert issue.note == "Check: in the lesson, on-call / incidents is owned by SRE/Platform."
    assert "data scientist gets paged" in issue.claim


def test_an_invented_handoff_note_lists_the_demo_handoffs() -> None:
    [issue] = claims("Data Engineer → SRE/Platform is the risky one.", Facts(run_handoff_demo()))
    assert issue.kind == "handoff"
    assert "Data Engineer → SRE/Platform" in issue.note
    assert "Data Scientist -> ML Engineer" in issue.note
    assert issue.claim == "Data Engineer → SRE/Platform"


def test_a_custom_demo_output_is_the_reference() -> None:
    output = run_handoff_demo([("a", "Data Engineer"), ("b", "SRE/Platform")])
    assert claims("Data Engineer -> SRE/Platform", Facts(demo_output=output)) == []
    assert kinds(claims("Data Scientist -> ML Engineer", Facts(demo_output=output))) == ["handoff"]


def test_the_allocation_note_names_owner_and_backup() -> None:
    [issue] = claims("Ana owns on-call.", Facts(allocation=team_allocation()))
    assert issue.note == (
        "Check: in your team's allocation, on-call / incidents is owned by Chen (backup: Ben)."
    )


def test_the_reason_says_plainly_who_was_named_for_what_and_what_the_facts_say() -> None:
    [lesson] = claims("The data scientist gets paged at 3am.", Facts())
    assert lesson.reason == (
        "names the Data Scientist as owner of on-call / incidents; the lesson says SRE/Platform"
    )
    plan = claims("Ana owns on-call.", Facts(allocation=team_allocation()))[0]
    assert plan.reason == (
        "names Ana as owner of on-call / incidents; the plan says Chen (backup: Ben)"
    )


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        ("Who gets paged at 3am?", "The data scientist.", "names the Data Scientist as owner"),
        ("Who gets paged at 3am?", "Ana.", "names Ana as owner of on-call / incidents"),
        ("who trains the model?", "Ben, clearly.", "names Ben as owner of train"),
        ("Who gets paged at 3am?", "Chen.", None),
        ("Who gets paged at 3am?", "SRE/Platform.", None),
        ("Who gets paged at 3am?", "The data scientist? No: SRE/Platform.", None),
        ("Tell me about Ana.", "Ana.", None),  # nothing asked of a stage
        ("Who gets paged at 3am?", "Ana helps Chen with the model when it breaks.", None),
    ],
)
def test_a_bare_owner_answers_the_question_it_follows(
    question: str, answer: str, reason: str | None
) -> None:
    facts = Facts(allocation=team_allocation())
    issues = check_claims(answer, facts, lexicon(), question=question)
    if reason is None:
        assert issues == []
    else:
        assert issues and issues[0].reason.startswith(reason), issues


def test_empty_and_plain_text_have_no_issues() -> None:
    assert claims("", Facts()) == []
    assert claims("Let's look at the roles together.", Facts()) == []
