"""The handoff picture: valid SVG, one marker per handoff, kinds told apart, text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tutor.demo.diagram import arrow_kinds, handoff_svg
from tutor.demo.handoffs import analyze_handoffs

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def handoff_groups(root: ET.Element) -> list[ET.Element]:
    return [
        g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if "handoff" in (g.get("class") or "").split()
    ]


def test_lesson_lifecycle_is_valid_svg_with_one_marker_per_handoff() -> None:
    analysis = analyze_handoffs()
    root = parse(handoff_svg(analysis))
    groups = handoff_groups(root)
    assert len(groups) == len(analysis.handoffs) == 5
    for group in groups:
        assert len(group.findall("svg:circle", NS)) == 1  # exactly one risk marker
    assert [g.get("data-kind") for g in groups] == [h.kind for h in analysis.handoffs]
    stages = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "stage"]
    assert len(stages) == 6


def test_full_and_partial_handoffs_look_different() -> None:
    root = parse(handoff_svg(analyze_handoffs()))
    groups = handoff_groups(root)
    full = next(g for g in groups if g.get("data-kind") == "full")
    partial = next(g for g in groups if g.get("data-kind") == "partial")
    full_line = full.find("svg:line", NS)
    partial_line = partial.find("svg:line", NS)
    assert full_line is not None and partial_line is not None
    assert full_line.get("stroke") != partial_line.get("stroke")
    assert full_line.get("stroke-dasharray") is None
    assert partial_line.get("stroke-dasharray")
    text = ET.tostring(root, encoding="unicode")
    assert "full handoff — nobody continues" in text
    assert "partial — someone continues" in text


def test_owner_text_is_escaped() -> None:
    lifecycle = [("<script>alert(1)</script>", 'A & "B" <x>'), ("ship", "C")]
    svg = handoff_svg(analyze_handoffs(lifecycle))
    assert "<script>" not in svg
    root = parse(svg)  # would raise on unescaped markup
    texts = "".join(root.itertext())
    assert 'A & "B" <x>' in texts
    assert "<script>alert(1)</script>"[:10] in texts


def test_same_owner_gets_a_plain_arrow_and_no_marker() -> None:
    analysis = analyze_handoffs([("a", "Ana"), ("b", "Ana"), ("c", "Ben")])
    assert [k for k, _ in arrow_kinds(analysis)] == ["same", "full"]
    root = parse(handoff_svg(analysis))
    assert len(handoff_groups(root)) == 1
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 1


def test_repeated_stage_names_still_match_handoffs_in_order() -> None:
    analysis = analyze_handoffs([("x", "A"), ("x", "A"), ("x", "B"), ("x", "B + A")])
    assert [k for k, _ in arrow_kinds(analysis)] == ["same", "full", "partial"]


@pytest.mark.parametrize("count", [2, 6, 20])
def test_width_scales_with_stage_count(count: int) -> None:
    lifecycle = [(f"stage {i}", f"Owner {i % 3}") for i in range(count)]
    root = parse(handoff_svg(analyze_handoffs(lifecycle)))
    width = int(root.get("width") or 0)
    assert width >= 140 * count
    assert root.get("viewBox", "").split()[2] == str(width)


def test_team_allocation_handoffs_draw() -> None:
    from tutor.content.planner import allocate
    from tutor.planning import Person, Team

    team = Team(
        people=[
            Person(name="Ana", roles=["data scientist"]),
            Person(name="Ben", roles=["ml engineer"]),
            Person(name="Cy", roles=["sre"]),
        ],
        product="llm",
    )
    analysis = allocate(team).handoffs
    root = parse(handoff_svg(analysis, title="Your team's handoffs"))
    assert len(handoff_groups(root)) == len(analysis.handoffs)
    assert "Your team's handoffs" in "".join(root.itertext())


def test_long_names_are_cut_with_an_ellipsis() -> None:
    lifecycle = [("s" * 110, "R" * 110), ("t", "Q")]
    svg = handoff_svg(analyze_handoffs(lifecycle))
    parse(svg)
    assert "…" in svg
