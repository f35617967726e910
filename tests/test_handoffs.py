"""The lesson's demo, reproduced byte for byte, and the full/partial handoff analysis."""

from __future__ import annotations

import contextlib
import io

import pytest

from tutor.content.files import read_text
from tutor.demo.handoffs import (
    LESSON_LIFECYCLE,
    analyze_handoffs,
    run_handoff_demo,
    validate_lifecycle,
)
from tutor.errors import LifecycleError

# The lesson's demo code, verbatim (indentation restored).
LESSON_LIFECYCLE_CODE = """\
lifecycle = [
    ("frame problem & metrics", "Product + Data Scientist"),
    ("build data pipeline", "Data Engineer"),
    ("train & evaluate model", "Data Scientist"),
    ("productionize / serve", "ML Engineer"),
    ("deploy & monitor", "ML Engineer + SRE/Platform"),
    ("on-call / incidents", "SRE/Platform"),
]
"""
LESSON_HANDOFF_CODE = """\
handoffs = [(lifecycle[i][1], lifecycle[i+1][1])
            for i in range(len(lifecycle)-1)
            if lifecycle[i][1] != lifecycle[i+1][1]]
print("Risky handoffs (ownership changes hands):")
for a, b in handoffs:
    print(f" {a} -> {b}")
# In a small team one person owns all stages — but must know WHICH role each task is.
"""


def run_lesson_code(code: str, namespace: dict[str, object] | None = None) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, dict(namespace or {}))
    return out.getvalue()


def test_our_copy_of_the_demo_code_is_the_lessons() -> None:
    lesson_lines = {line.strip() for line in read_text("lesson.md").splitlines()}
    for line in (LESSON_LIFECYCLE_CODE + LESSON_HANDOFF_CODE).splitlines():
        assert line.strip() in lesson_lines


def test_demo_output_is_byte_for_byte_what_the_lesson_code_prints() -> None:
    expected = run_lesson_code(LESSON_LIFECYCLE_CODE + LESSON_HANDOFF_CODE)
    assert run_handoff_demo() == expected
    assert run_handoff_demo(None) == expected
    assert expected.startswith("Risky handoffs (ownership changes hands):\n")
    assert expected.count("\n") == 6


def test_lesson_lifecycle_constant_is_the_lessons() -> None:
    namespace: dict[str, object] = {}
    exec(LESSON_LIFECYCLE_CODE, namespace)
    assert list(LESSON_LIFECYCLE) == namespace["lifecycle"]


CUSTOM_LIFECYCLES = [
    [("idea", "Ana"), ("build", "Ben")],
    [("idea", "Ana"), ("build", "Ana")],  # no handoff: header only
    [("a", "X"), ("b", "X"), ("c", "Y + X"), ("d", "Y"), ("e", "X")],
    [("frame", "PM"), ("data", "DE"), ("train", "DS"), ("serve", "MLE"), ("run", "SRE")],
]


@pytest.mark.parametrize("lifecycle", CUSTOM_LIFECYCLES)
def test_custom_lifecycle_matches_the_lesson_code(lifecycle: list[tuple[str, str]]) -> None:
    expected = run_lesson_code(LESSON_HANDOFF_CODE, {"lifecycle": lifecycle})
    assert run_handoff_demo(lifecycle) == expected


def test_custom_lifecycle_as_dicts_and_with_spaces_is_cleaned() -> None:
    dicts = [{"stage": " idea ", "owner": "Ana "}, {"stage": "build", "owner": " Ben"}]
    assert run_handoff_demo(dicts) == "Risky handoffs (ownership changes hands):\n Ana -> Ben\n"
    assert validate_lifecycle(dicts) == [("idea", "Ana"), ("build", "Ben")]


def test_lesson_has_three_full_and_two_partial_handoffs() -> None:
    analysis = analyze_handoffs()
    kinds = [(h.from_owner, h.to_owner, h.kind) for h in analysis.handoffs]
    assert kinds == [
        ("Product + Data Scientist", "Data Engineer", "full"),
        ("Data Engineer", "Data Scientist", "full"),
        ("Data Scientist", "ML Engineer", "full"),
        ("ML Engineer", "ML Engineer + SRE/Platform", "partial"),
        ("ML Engineer + SRE/Platform", "SRE/Platform", "partial"),
    ]
    assert (analysis.full_count, analysis.partial_count) == (3, 2)
    assert len(analysis.stages) == 6


def test_partial_handoffs_say_who_continues_joins_and_leaves() -> None:
    handoffs = analyze_handoffs().handoffs
    to_deploy, to_on_call = handoffs[3], handoffs[4]
    assert (to_deploy.continues, to_deploy.joins, to_deploy.leaves) == (
        ["ML Engineer"],
        ["SRE/Platform"],
        [],
    )
    assert (to_on_call.continues, to_on_call.joins, to_on_call.leaves) == (
        ["SRE/Platform"],
        [],
        ["ML Engineer"],
    )
    first = handoffs[0]
    assert first.leaves == ["Product", "Data Scientist"]
    assert first.joins == ["Data Engineer"] and first.continues == []
    assert first.from_stage == "frame problem & metrics"
    assert first.to_stage == "build data pipeline"


def test_summaries_and_render_text_are_plain_english() -> None:
    analysis = analyze_handoffs()
    assert "nobody continues" in analysis.handoffs[0].summary
    assert "ML Engineer continues and SRE/Platform joins" in analysis.handoffs[3].summary
    text = analysis.render_text()
    assert "5 handoffs: 3 full, 2 partial" in text
    assert all(h.summary in text for h in analysis.handoffs)


def test_analysis_only_counts_changes_of_owner_string_like_the_demo() -> None:
    lifecycle = [("a", "X"), ("b", "X"), ("c", "X + Y"), ("d", "Y + X")]
    analysis = analyze_handoffs(lifecycle)
    assert [(h.from_stage, h.to_stage) for h in analysis.handoffs] == [("b", "c"), ("c", "d")]
    reordered = analysis.handoffs[1]
    assert reordered.kind == "partial" and reordered.joins == reordered.leaves == []
    assert "No handoffs" in analyze_handoffs([("a", "X"), ("b", "X")]).render_text()


def test_analysis_json_includes_the_counts() -> None:
    data = analyze_handoffs().model_dump()
    assert data["full_count"] == 3 and data["partial_count"] == 2


@pytest.mark.parametrize(
    ("lifecycle", "message"),
    [
        ([], "empty"),
        ([("only", "Ana")], "single stage"),
        ([("", "Ana"), ("b", "Ben")], "stage name is blank"),
        ([("a", "   "), ("b", "Ben")], "owner is blank"),
        ([("a", "Ana + "), ("b", "Ben")], "empty role"),
        ([(f"s{i}", "Ana") for i in range(51)], "at most 50"),
        ([("x" * 121, "Ana"), ("b", "Ben")], "limit is 120"),
        ([("a", "Ana"), ("b", "y" * 121)], "limit is 120"),
        ("frame, build", "must be a list"),
        ([("a", "Ana", "extra"), ("b", "Ben")], "Stage 1"),
        ([{"stage": "a"}, {"stage": "b", "owner": "Ben"}], "Stage 1"),
        ([("a", 3), ("b", "Ben")], "Stage 1"),
    ],
)
def test_bad_lifecycles_raise_clear_errors(lifecycle: object, message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        run_handoff_demo(lifecycle)  # type: ignore[arg-type]
    with pytest.raises(LifecycleError, match=message):
        analyze_handoffs(lifecycle)  # type: ignore[arg-type]


def test_limits_are_inclusive() -> None:
    fifty = [(f"s{i}", "Ana" if i % 2 else "Ben") for i in range(50)]
    assert run_handoff_demo(fifty).count("\n") == 50
    long_names = [("x" * 120, "A" * 120), ("y" * 120, "B")]
    assert analyze_handoffs(long_names).full_count == 1
