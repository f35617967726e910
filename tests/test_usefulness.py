"""Usefulness checks: which model replies are useless to the learner (empty, a stray question,
an echo of the learner or of the app's note, a repeat, a loop, nothing about the question) —
calibrated on labelled replies so that at most 5% of good ones would be replaced."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from tutor.content.pack import lexicon, load_pack
from tutor.facts.usefulness import usefulness

DATA = Path(__file__).parent / "data" / "usefulness.toml"
MAX_GOOD_FLAGGED = 0.05
MIN_RECALL = 0.9


def cases() -> tuple[dict[str, str], list[dict[str, Any]]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return data["notes"], data["cases"]


def step_points(learner: str) -> list[list[str]]:
    """The key points' phrasings when the message is a try-it prompt (as the engine passes)."""
    step = next((s for s in load_pack().steps if s.prompt == learner.strip()), None)
    return [p.any_of for p in step.key_points] if step else []


def judged(case: dict[str, Any], notes: dict[str, str]) -> Any:
    return usefulness(
        lexicon(),
        case["learner"],
        notes[case["note"]],
        case.get("previous", ""),
        case["reply"],
        lesson=load_pack().lesson,
        asked_for_question=case.get("asked_for_question", False),
        step_points=step_points(case["learner"]),
    )


def test_the_labelled_set_has_80_cases_of_every_shape() -> None:
    _, rows = cases()
    assert len(rows) >= 80
    shapes = {r.get("shape") for r in rows if r["label"] == "useless"}
    assert shapes == {
        "empty",
        "question",
        "echo-learner",
        "echo-note",
        "repeat",
        "loop",
        "off-question",
    }
    assert sum(r["label"] == "good" for r in rows) >= 40


def test_at_most_5_percent_of_good_replies_are_flagged_and_useless_ones_are_caught() -> None:
    notes, rows = cases()
    good = [r for r in rows if r["label"] == "good"]
    useless = [r for r in rows if r["label"] == "useless"]
    flagged = [(r["reply"], judged(r, notes).reason) for r in good if judged(r, notes).useless]
    caught = [r for r in useless if judged(r, notes).useless]
    assert len(flagged) <= MAX_GOOD_FLAGGED * len(good), flagged
    assert len(caught) >= MIN_RECALL * len(useless), len(caught) / len(useless)


@pytest.mark.parametrize(
    ("learner", "note", "previous", "reply", "reason"),
    [
        ("Who owns on-call?", "", "", "  ", "is empty"),
        (
            "Walk me through the handoffs",
            "",
            "",
            "What is the full context of the stage?",
            "is only a question",
        ),
        (
            "the data scientist should be on call",
            "",
            "",
            "The data scientist should be on call.",
            "echoes the learner",
        ),
        (
            "Tomás is leaving, what changes?",
            "- The learner has not started the three try-it prompts yet.",
            "",
            "I see you've not started the three try-it prompts yet",
            "echoes the app's context note",
        ),
        (
            "And the eval gate?",
            "",
            "SRE/Platform owns on-call.",
            "SRE/Platform owns on-call.",
            "repeats its previous",
        ),
        (
            "Tomás is leaving, what changes?",
            "",
            "",
            "Happy to help! Anything else?",
            "says nothing about",
        ),
    ],
)
def test_each_useless_shape_is_named(
    learner: str, note: str, previous: str, reply: str, reason: str
) -> None:
    found = usefulness(lexicon(), learner, note, previous, reply)
    assert found.useless and found.reason.startswith(reason), found


def test_a_correction_that_quotes_the_learner_is_no_echo() -> None:
    learner = "I think the data scientist should be on call, since they built the model."
    reply = "The data scientist should not be on call: in the lesson SRE/Platform owns it."
    assert not usefulness(lexicon(), learner, "", "", reply).useless


def test_a_question_is_an_answer_when_the_learner_asked_to_be_quizzed() -> None:
    reply = "Which role owns the pipelines?"
    assert usefulness(lexicon(), "quiz me", "", "", reply).useless
    assert not usefulness(lexicon(), "quiz me", "", "", reply, asked_for_question=True).useless


@pytest.mark.parametrize(
    ("learner", "reply"),
    [
        (
            "Can you run the demo for me?",
            "Sure: the demo prints each stage and its owner, then the handoffs where "
            "ownership changes.",
        ),
        ("run the demo", "Here it is: the output lists the six stages in order."),
    ],
)
def test_a_good_reply_about_running_the_demo_is_not_off_the_question(
    learner: str, reply: str
) -> None:
    # "run" is not the lesson's "keeping it running": the learner asked about no concept here.
    found = usefulness(lexicon(), learner, "", "", reply, lesson=load_pack().lesson)
    assert not found.useless, found


def test_handing_back_the_learner_turn_with_the_app_output_is_an_echo() -> None:
    # A small model given the demo's output as text in the learner's turn handed it all back.
    learner = "Walk me through how an ML project flows across roles and where handoffs break."
    output = (
        "Risky handoffs (ownership changes hands):\n Product + Data Scientist -> Data Engineer\n"
        " Data Engineer -> Data Scientist\n Data Scientist -> ML Engineer\n"
        "- Partial handoff 'deploy & monitor' -> 'on-call / incidents': SRE/Platform continues."
    )
    reply = f"{learner}\n\n[run_handoff_demo]\n{output}"
    found = usefulness(lexicon(), learner, "", "", reply, app_output=output)
    assert found.useless and found.reason.startswith("hands back what it was sent"), found
    explained = (
        "Five handoffs: the data scientist hands the model to the ML engineer, which is where "
        "an eval gate matters; the last two are partial because someone carries on."
    )
    assert not usefulness(lexicon(), learner, "", "", explained, app_output=output).useless
