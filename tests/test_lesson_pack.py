"""The lesson pack loads, matches the lesson, and broken files fail with the file and field."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from support.lesson import demo_code

from tutor.content import files as resources
from tutor.content.pack import Guided, OfflineAnswers, check_template, load_pack
from tutor.errors import LessonPackError

SEED = next((Path(__file__).parents[2] / "shared" / "seeds").glob("*.txt"), None)
PACK = load_pack()


@pytest.mark.skipif(SEED is None, reason="the lesson seed (../shared/seeds) is not beside the repo")
def test_every_line_of_the_lesson_is_in_the_pack_verbatim() -> None:
    pack_lines = {line.strip() for line in PACK.lesson.splitlines()}
    seed_lines = SEED.read_text(encoding="utf-8").splitlines()
    # The seed glues the demo's last comment to the run command; the pack splits them.
    last = seed_lines.pop()
    comment, command = last.split("python3 main.py")[0], "python3 main.py"
    for line in [*seed_lines, comment]:
        assert line.strip() in pack_lines, line
    assert command in pack_lines


def test_try_it_prompts_are_the_lessons_three_in_order() -> None:
    prompts = [s.prompt for s in PACK.steps]
    positions = [PACK.lesson.index(p) for p in prompts]
    assert positions == sorted(positions) and len(prompts) == 3


def test_demo_code_in_the_lesson_is_runnable_python(capsys) -> None:
    exec(compile(demo_code(PACK), "main.py", "exec"), {})
    assert capsys.readouterr().out.startswith("Risky handoffs (ownership changes hands):\n")


def test_system_prompt_carries_rules_lesson_and_tools() -> None:
    prompt = PACK.system_prompt(["run_handoff_demo", "allocate_team"])
    assert "{{" not in prompt
    assert PACK.lesson.strip() in prompt
    assert "Tools available to you: run_handoff_demo, allocate_team." in prompt
    for rule in ("Beyond the lesson", "Never invent", "Never reveal", "question"):
        assert rule in prompt


def test_offline_answers_cover_each_handoff_of_the_demo() -> None:
    lifecycle = re.findall(r'\("([^"]+)", "([^"]+)"\)', demo_code(PACK))
    pairs = {f"{a[0]} -> {b[0]}" for a, b in pairwise(lifecycle)}
    assert pairs == set(PACK.offline.why_breaks)


def test_broken_toml_names_the_file() -> None:
    with pytest.raises(LessonPackError, match=r"prompts/guided.toml: invalid TOML"):
        resources.parse_toml("guided.toml", "steps = [", Guided)


def test_missing_field_names_file_and_field() -> None:
    text = 'steps = [{ prompt = "Explain the roles please", title = "t", goal = "g" }]'
    with pytest.raises(LessonPackError) as err:
        resources.parse_toml("guided.toml", text, Guided)
    assert "prompts/guided.toml" in str(err.value) and "steps.0.key_points" in str(err.value)


def test_offline_answers_missing_a_field_is_named() -> None:
    with pytest.raises(LessonPackError, match=r"offline/answers.toml.*field label"):
        resources.parse_toml("offline/answers.toml", 'greeting = "hi"', OfflineAnswers)


def test_missing_file_is_named() -> None:
    with pytest.raises(LessonPackError, match=r"prompts/nope.md: file is missing"):
        resources.read_text("nope.md")


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{{lesson}} only", "missing variable(s) ['tools']"),
        ("{{lesson}} {{tools}} {{secret}}", "unknown variable(s) ['secret']"),
    ],
)
def test_system_template_variables_are_checked(template: str, problem: str) -> None:
    with pytest.raises(LessonPackError) as err:
        check_template("system.md", template)
    assert problem in str(err.value)
