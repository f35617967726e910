"""The offline answers to the three try-it prompts have the form the prompts ask for: try-it 1
"in one paragraph"; try-it 2 under about 250 words with each thing said once; try-it 3 ends on
its one question. The note a model gets for each step asks for the same form."""

from __future__ import annotations

import asyncio
import re

import pytest

from tutor.backends.offline import OfflineBackend
from tutor.content.pack import load_pack
from tutor.engine import TutorSession
from tutor.engine.events import TurnDone

PACK = load_pack()
CHECKS = [c.question for c in PACK.offline.checks]


def words(text: str) -> int:
    return len(text.split())


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def answer_part(text: str, check: str) -> str:
    """The reply without the demo's output (the tool's, shown above the answer) and without
    the quick check it ends with."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    kept = [p for p in paragraphs(text) if check not in p]
    return "\n\n".join(kept)


async def three_steps() -> list[str]:
    session, texts = TutorSession(OfflineBackend()), []
    for _ in range(3):
        async for event in session.send("/next"):
            if isinstance(event, TurnDone):
                texts.append(event.text)
    return texts


@pytest.fixture(scope="module")
def replies() -> list[str]:
    return asyncio.run(three_steps())


def test_try_it_1_is_one_paragraph(replies: list[str]) -> None:
    answer = answer_part(replies[0], CHECKS[0])
    assert len(paragraphs(answer)) == 1
    assert not re.search(r"^\s*[-*] ", answer, flags=re.M)  # no bullet list
    for role in ("data scientist", "data engineer", "ML engineer", "SRE", "handoff"):
        assert role.lower() in answer.lower()
    assert CHECKS[0] in replies[0]  # the quick check still follows


def test_try_it_2_is_under_250_words_and_says_each_thing_once(replies: list[str]) -> None:
    answer = answer_part(replies[1], CHECKS[1])
    assert words(answer) <= 250
    assert "Risky handoffs (ownership changes hands):" in replies[1]  # the real output
    low = answer.lower()
    assert low.count("nobody continues") == 1  # what "full" means, said once
    assert low.count("carries the context across") == 1
    assert low.count("which role") == 1
    # Every handoff is explained once, in order.
    bullets = [line for line in answer.splitlines() if line.startswith("- **")]
    assert len(bullets) == 5 and len(set(bullets)) == 5


def test_try_it_3_ends_on_its_one_question(replies: list[str]) -> None:
    assert paragraphs(replies[2])[-1].count("?") == 1
    assert CHECKS[2] in paragraphs(replies[2])[-1]


def test_the_note_a_model_gets_asks_for_the_same_form() -> None:
    first, second, _ = (step.explain for step in PACK.steps)
    assert "one paragraph" in first.lower()
    limit = re.search(r"under (\d+) words", second.lower())
    assert limit is not None and int(limit.group(1)) <= 250
