"""The offline tutor talked to as a learner would: labelled multi-turn conversations, scored
turn by turn (`tutor.evaluation.conversations`), and the readers behind them.

`python -m tutor.evaluation.conversations tests/data/independent/conversations.toml
tests/data/conversations.toml --show unlabelled` prints the scores, the confusion tables and
any reply that changed since it was labelled.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tutor.content.pack import knowledge, lexicon
from tutor.demo.handoffs import LESSON_LIFECYCLE, run_handoff_demo
from tutor.evaluation.conversations import (
    Report,
    asserts,
    conveys,
    load_conversations,
    run,
    summary,
)
from tutor.knowledge.dialogue import read_act

DATA = Path(__file__).parent / "data"
INDEPENDENT = DATA / "independent" / "conversations.toml"
OWN = DATA / "conversations.toml"
LABELS = DATA / "conversation_labels.toml"
# The issue's ceiling for wrong turns is 5%; the wrong turns left come from the engine's team
# reader (a belief or a pushback read as a team to plan) and the quiz's reading of a message
# while a check is open — wiring outside the offline tutor's answers (see the README).
WRONG_NOW = 0.07
WRONG_ISSUE = 0.05


@pytest.fixture(scope="module")
def reports() -> dict[Path, Report]:
    return run([INDEPENDENT, OWN], LABELS)


def union(reports: dict[Path, Report]) -> Report:
    return Report([s for r in reports.values() for s in r.scored])


def test_the_labelled_conversations_are_enough(reports) -> None:
    both = union(reports)
    assert len({s.conversation for s in both.scored}) >= 80 and len(both.scored) >= 250
    assert len(load_conversations(INDEPENDENT)) >= 30


def test_every_reply_is_graded_by_a_rule_or_a_current_label(reports) -> None:
    """A reply that changed since it was labelled needs a fresh teacher label."""
    missing = [f"{s.conversation}#{s.index} ({s.played.hash})" for s in union(reports).unlabelled]
    assert not missing, f"label these replies (see the module docstring): {missing}"


def test_scores_meet_the_issue_thresholds_in_scope(reports, capsys) -> None:
    both = union(reports)
    with capsys.disabled():
        for path, report in reports.items():
            print("\n" + summary(report, path.name))
        print(summary(both, "all"))
    scope = both.in_scope
    assert both.share({"good", "partial"}, scope) >= 0.70
    assert both.share({"declined"}, scope) <= 0.20
    assert both.share({"wrong"}) <= WRONG_NOW
    independent = reports[INDEPENDENT]
    assert independent.share({"good", "partial"}, independent.in_scope) >= 0.70


def test_wrong_turns_are_at_most_five_percent(reports) -> None:
    assert union(reports).share({"wrong"}) <= WRONG_ISSUE


# -- the held-out batch ------------------------------------------------------------------------

#: Batches written and labelled apart, each scored first before any change made for it (the
#: honest estimate for conversations the project has not seen), then kept as floors: the
#: numbers below are where each batch stands now, so a change can only make them better.
#: conversations_2: first contact (cbb11e8) 23 wrong of 129 (17.8%); now 3.
#: conversations_3: first contact (ec1b681) 25 wrong of 134 (18.7%); now 10 (7.5%; session
#: 11: a question about a role is answered only by a reply that names it).
#: conversations_4: first contact (c2f0d12, after the batch-3 work) 28 wrong of 140 (20.0%);
#: now 12 (8.6%; session 9's team reading fixed m15 and m06; session 10's "an answer names
#: the owned thing asked about" declines m29#1 instead of the SRE paragraph).
#: conversations_5: first contact (b252535, session 8) 28 wrong of 157 (17.8%); now 7 (4.5%).
#: conversations_6: first contact (21d74f4, session 11) 36 wrong of 152 (23.7%); now 22.
HELD_OUT = DATA / "independent"
#: file: (turns, wrong at most, in-scope good-or-partial at least)
FLOORS = {
    HELD_OUT / "conversations_2.toml": (129, 3, 0.86),
    HELD_OUT / "conversations_3.toml": (134, 10, 0.77),
    HELD_OUT / "conversations_4.toml": (140, 12, 0.72),
    HELD_OUT / "conversations_5.toml": (157, 7, 0.74),
    # session 11's batch: first contact 36 wrong of 152 at 21d74f4, then tuned on
    HELD_OUT / "conversations_6.toml": (152, 22, 0.65),
}


@pytest.fixture(scope="module")
def held_out() -> dict[Path, Report]:
    return run(list(FLOORS), LABELS)


@pytest.mark.parametrize("path", list(FLOORS), ids=lambda p: p.name)
def test_the_held_out_batches_are_labelled_and_no_worse(held_out, path, capsys) -> None:
    report = held_out[path]
    with capsys.disabled():
        print("\n" + summary(report, path.name))
    assert not report.unlabelled, [f"{s.conversation}#{s.index}" for s in report.unlabelled]
    turns, wrong, useful = FLOORS[path]
    assert len(report.scored) == turns
    assert report.share({"wrong"}) <= wrong / turns
    assert report.share({"good", "partial"}, report.in_scope) >= useful


# -- the readers -------------------------------------------------------------------------------


def _demo_turns() -> list[tuple[str, str]]:
    data = tomllib.loads(INDEPENDENT.read_text())["conversation"]
    data += tomllib.loads(OWN.read_text())["conversation"]
    return [(t["learner"], t["demo_output"]) for c in data for t in c["turn"]]


def test_demo_variants_read_give_the_real_output_and_abstain_otherwise() -> None:
    """Precision first: every variant read prints exactly the labelled output; a message
    with no demo output labelled is never read as a variant (on its own, without context)."""
    kb, read, right = knowledge(), 0, 0
    for text, expected in _demo_turns():
        variant = kb.variant(text)
        if variant is None:
            continue
        read += 1
        assert expected, f"read a variant from {text!r}"
        right += run_handoff_demo(variant.lifecycle).strip() == expected.strip()
    labelled = sum(1 for _, expected in _demo_turns() if expected)
    assert right == read and read >= 0.8 * labelled


def test_no_labelled_question_reads_as_a_variant_or_an_act() -> None:
    cases = tomllib.loads((DATA / "questions.toml").read_text())["case"]
    kb, cues = knowledge(), knowledge().data.dialogue
    assert not [c["q"] for c in cases if kb.variant(c["q"]) is not None]
    acts = [c["q"] for c in cases if read_act(c["q"], lexicon(), cues) == "ack"]
    assert not acts


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("k", "ack"),
        ("ty 🙏", "ack"),
        ("🙏", "ack"),
        ("makes sense, thx", "ack"),
        ("can you say it simpler?", "simpler"),
        ("give me an example of one going wrong", "example"),
        ("why tho", "why"),
        ("say more", "more"),
        ("are you sure?", "pushback"),
        ("who owns the eval gate?", None),
        ("ok so what is a data contract", None),
    ],
)
def test_dialogue_acts(text: str, act: str | None) -> None:
    assert read_act(text, lexicon(), knowledge().data.dialogue) == act


def test_misconceptions_are_corrected_and_held_under_pushback() -> None:
    kb = knowledge()
    first = kb.answer("the data scientist built the model, so the data scientist should be on call")
    assert first.entry == "mc-ds-oncall" and "SRE/Platform" in first.text
    held = kb.answer("are you sure? they know the model best", topic=first.entry)
    assert held.entry == first.entry and "SRE/Platform" in held.text
    # A learner who denies the belief is judged by the owner lookup, not corrected.
    agreed = kb.answer("on-call isn't the data scientist's job, is it?")
    assert agreed.entry == "stage-oncall" and agreed.verdict == "yes"


def test_a_role_leaving_is_answered_for_that_role() -> None:
    kb = knowledge()
    assert kb.answer("what if our SRE quits?").entry == "no-sre"
    assert kb.answer("what if the data engineer leaves?").entry == "no-data-engineer"


def test_the_scorer_reads_claims_by_polarity_and_order() -> None:
    lex = lexicon()
    assert asserts("Data scientists productionize models.", "data scientist productionizes", lex)
    assert not asserts(
        "ML engineers productionize the models data scientists build.",
        "data scientist productionizes",
        lex,
    )
    assert not asserts("The SRE does not own the data contract.", "SRE owns the data contract", lex)
    assert asserts("ML Engineer -> SRE/Platform", "ML Engineer -> SRE/Platform", lex)
    assert not asserts(
        "ML Engineer + SRE/Platform -> SRE/Platform", "SRE/Platform -> SRE/Platform", lex
    )
    assert conveys("the **Data Engineer** owns it", "data engineer", lex)


def test_the_lessons_own_demo_is_not_a_variant() -> None:
    kb = knowledge()
    assert kb.variant("run the demo") is None
    assert kb.variant("what does the demo print?") is None
    variant = kb.variant("what if every owner in the demo is 'Me'?")
    assert variant is not None and {o for _, o in variant.lifecycle} == {"Me"}
    assert len(variant.lifecycle) == len(LESSON_LIFECYCLE)
