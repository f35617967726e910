"""The demo-variant reader on its labelled set (tests/data/demo_variants.toml): a variant read
is exactly the labelled lifecycle, a message labelled `abstain` is never read as one, and most
labelled variants are read."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tutor.content.pack import knowledge
from tutor.demo.handoffs import LESSON_LIFECYCLE

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


if __name__ == "__main__":
    found = score()
    print(f"read exactly {found.right}/{found.labelled}, wrong {len(found.wrong)}, "
          f"abstained right {found.abstained}")
    for line in found.wrong:
        print("WRONG", line)
    for line in found.missed:
        print("MISSED", line)
