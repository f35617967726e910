"""The demo-variant reader on its labelled set (tests/data/demo_variants.toml): a variant read
is exactly the labelled lifecycle, a message labelled `abstain` is never read as one, and most
labelled variants are read."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tutor.backends.offline import OfflineBackend
from tutor.content.pack import knowledge
from tutor.demo.handoffs import LESSON_LIFECYCLE, run_handoff_demo
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta, ToolFinished, TurnDone
from tutor.store import Store

DATA = Path(__file__).parent / "data" / "demo_variants.toml"
RECALL_FLOOR = 0.85

Pairs = list[tuple[str, str]]


def _pairs(rows: list[str]) -> Pairs:
    return [(s.strip(), o.strip()) for s, o in (row.rsplit(" | ", 1) for row in rows)]


def expected(case: dict[str, Any]) -> Pairs | None:
    """The labelled lifecycle, or None for `abstain`."""
    if case.get("abstain"):
        return None
    if "lifecycle" in case:
        return _pairs(case["lifecycle"])
    stages = [s for s, _ in (_pairs(case["ran"]) if "ran" in case else LESSON_LIFECYCLE)]
    return list(zip(stages, case["owners"], strict=True))


def read(case: dict[str, Any]) -> Pairs | None:
    ran = _pairs(case["ran"]) if "ran" in case else None
    variant = knowledge().variant(
        case["text"], ran, about_demo=case.get("about_demo", False), subject=case.get("subject")
    )
    return None if variant is None else [(s, o) for s, o in variant.lifecycle]


@dataclass
class Score:
    right: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    abstained: int = 0
    labelled: int = 0


def score() -> Score:
    result = Score()
    for case in tomllib.loads(DATA.read_text())["case"]:
        want, got = expected(case), read(case)
        result.labelled += want is not None
        if got == want:
            result.right += want is not None
            result.abstained += want is None
        elif got is None:
            result.missed.append(case["text"])
        else:
            result.wrong.append(f"{case['text']!r}: {got}")
    return result


@pytest.fixture(scope="module")
def scored() -> Score:
    return score()


def test_no_variant_is_read_wrong(scored: Score) -> None:
    """Precision first: a wrong lifecycle would show the learner output of a demo they never
    described."""
    assert scored.wrong == []


def test_most_labelled_variants_are_read(scored: Score) -> None:
    assert scored.right >= RECALL_FLOOR * scored.labelled, scored.missed


def test_the_set_covers_variants_and_non_variants() -> None:
    cases = tomllib.loads(DATA.read_text())["case"]
    assert len(cases) >= 40 and sum(1 for c in cases if c.get("abstain")) >= 10


# -- in a session: the learner sees the variant's real output, or an honest reply ------------------

LESSON_ONLY = "Data Engineer -> Data Scientist"  # a line only the lesson's own output prints


async def turn(session: TutorSession, text: str) -> tuple[str, list[ToolFinished]]:
    events = [e async for e in session.send(text)]
    assert isinstance(events[-1], TurnDone)
    said = "".join(e.text for e in events if isinstance(e, TextDelta))
    return said, [e for e in events if isinstance(e, ToolFinished)]


def printed(text: str) -> list[str]:
    """The demo output the learner sees: the lines of the reply's code block."""
    block = re.search(r"```text\n(.*?)```", text, re.S)
    return block.group(1).rstrip("\n").splitlines() if block else []


@pytest.fixture
def session(tmp_path) -> TutorSession:
    return TutorSession(OfflineBackend(), store=Store(tmp_path / "t.db"))


async def test_the_learner_sees_the_demo_run_on_their_variant(session) -> None:
    text, tools = await turn(
        session,
        "in the demo, what if 'Kim' frames and trains, 'Lee' builds the pipeline and 'Ops' "
        "does serving, deploy and on-call — what prints?",
    )
    owners = ["Kim", "Lee", "Kim", "Ops", "Ops", "Ops"]
    lifecycle = [(s, o) for (s, _), o in zip(LESSON_LIFECYCLE, owners, strict=True)]
    assert [t.name for t in tools] == ["run_handoff_demo"]
    assert printed(text) == run_handoff_demo(lifecycle).splitlines()
    assert printed(text)[1:] == [" Kim -> Lee", " Lee -> Kim", " Kim -> Ops"]


async def test_it_is_the_stage_the_last_answer_was_about(session) -> None:
    await turn(session, "who owns deploy & monitor?")
    text, tools = await turn(session, "ok make it just 'ML Engineer' and show me the demo output")
    assert [t.name for t in tools] == ["run_handoff_demo"]
    assert printed(text)[-2:] == [" Data Scientist -> ML Engineer", " ML Engineer -> SRE/Platform"]


async def test_an_unread_change_gets_an_honest_reply_not_the_lessons_output(session) -> None:
    text, tools = await turn(
        session, "in the demo, what if deploy & monitor were shared by whoever is free? what prints"
    )
    assert tools == [] and printed(text) == [] and LESSON_ONLY not in text
    assert text.strip() == knowledge().data.variants.unread


async def test_a_change_to_the_demo_wins_over_the_team_plan_follow_up(session) -> None:
    await turn(
        session,
        "we are a team of three: Ana is a data scientist, Ben is an ML engineer and Cho is a "
        "platform engineer. who owns what?",
    )
    text, tools = await turn(
        session,
        "put Ana on framing and training and Ben on everything else in the demo, what prints?",
    )
    assert [t.name for t in tools] == ["run_handoff_demo"]
    assert printed(text)[1:] == [" Ana -> Ben", " Ben -> Ana", " Ana -> Ben"]
    unread, tools = await turn(
        session, "in the demo, what if Cho took whatever is left? what prints"
    )
    assert tools == [] and "backup" not in unread and LESSON_ONLY not in unread


async def test_people_put_in_the_demo_are_a_variant_not_a_team_to_plan(session) -> None:
    text, tools = await turn(
        session,
        "my team: Rosa frames and trains, Jo does the pipeline and serving, 'Infra' does "
        "deploy & on-call. put that in the demo, what prints",
    )
    assert [t.name for t in tools] == ["run_handoff_demo"]
    assert printed(text)[1:] == [" Rosa -> Jo", " Jo -> Rosa", " Rosa -> Jo", " Jo -> Infra"]


if __name__ == "__main__":
    found = score()
    print(
        f"read exactly {found.right}/{found.labelled}, wrong {len(found.wrong)}, "
        f"abstained right {found.abstained}"
    )
    for line in found.wrong:
        print("WRONG", line)
    for line in found.missed:
        print("MISSED", line)


@pytest.mark.parametrize(
    "text",
    [
        # A claim about the lesson's demo, to be judged, not run (conversations_6, p25).
        "so according to the demo the SRE deploys the model on their own?",
        "in the demo the data scientist trains the model, right?",
    ],
)
def test_a_claim_about_the_demo_is_no_variant(text: str) -> None:
    assert knowledge().variant(text) is None


def test_a_request_to_run_the_demo_with_names_is_a_variant() -> None:
    text = (
        "Run the demo with our names: Ana frames, Bilal pipeline, Ana trains, Chen serves, "
        "Chen deploys & monitors, Chen on-call."
    )
    variant = knowledge().variant(text)
    assert variant is not None
    assert [o for _, o in variant.lifecycle] == ["Ana", "Bilal", "Ana", "Chen", "Chen", "Chen"]
