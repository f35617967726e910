"""Plain-text and Markdown renderings of tool results, shared by the UIs and the offline tutor."""

from __future__ import annotations

import json
import string
from typing import Any

from tutor.planning import Allocation
from tutor.tools.names import ToolName
from tutor.tools.registry import DemoRun

# How a tool call is named to the learner, on every surface.
TOOL_TITLES = {
    ToolName.DEMO: "Ran the handoff demo",
    ToolName.ALLOCATE: "Ran the team planner",
    ToolName.ASK: "Picked a quiz question",
    ToolName.GRADE: "Graded your answer",
}
VERDICT_MARKS = {"correct": "✅", "partial": "🟡", "incorrect": "❌", "skipped": "⏭️"}


def parse_json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def format_question(view: dict[str, Any]) -> str:
    """A quiz question as the learner sees it (the view never holds the answer)."""
    lines = [f"**Question** ({view.get('topic', 'lesson')}): {view.get('prompt', '')}"]
    for number, item in enumerate(view.get("items") or [], start=1):
        lines.append(f"{number}. {item}")
    for letter, option in zip(string.ascii_uppercase, view.get("options") or [], strict=False):
        lines.append(f"- **{letter})** {option}")
    # The quiz says how each kind is answered (tutor.quiz.QuestionView.instructions).
    lines.append(f"\n{view.get('instructions') or 'Answer in a sentence or two.'}")
    if "not_mastered" in view:
        lines.append(f"\n_{left_line(view)}_")
    return "\n".join(lines)


def left_line(view: dict[str, Any]) -> str:
    """How many questions are left, as the learner reads it under a question."""
    topic, rest = int(view.get("topic_left") or 0), int(view.get("not_mastered") or 0)
    more = f"{topic} more on this topic" if topic else "the last new one on this topic"
    return f"{more}; {rest} other {'question' if rest == 1 else 'questions'} not yet mastered."


def format_grade(result: dict[str, Any]) -> str:
    """A grader verdict in words; every fact comes from the grader's result."""
    verdict = str(result.get("verdict", ""))
    mark = VERDICT_MARKS.get(verdict, "")
    lines = [f"{mark} **{verdict.title() or 'Graded'}.** {result.get('message', '')}".strip()]
    if result.get("hit") and result.get("verdict") != "correct":
        lines.append("You got: " + "; ".join(result["hit"]) + ".")
    if result.get("hint") and not result.get("revealed"):
        lines.append(f"Hint: {result['hint']}")
    if result.get("explanation") and (result.get("revealed") or result.get("verdict") == "correct"):
        lines.append(f"Explanation: {result['explanation']}")
    return "\n\n".join(lines)


def display_for(name: str, outcome: Any) -> str:
    """The one-line summary of a tool result for the collapsible tool step.

    The result itself (demo output, allocation, question, verdict) is shown once, in the
    reply body (`artifact_for`), never a second time here.
    """
    if not outcome.ok:
        return outcome.content
    artifact = outcome.artifact
    if name == ToolName.DEMO and isinstance(artifact, DemoRun):
        return f"{artifact.summary} The output is in the answer."
    if name == ToolName.ALLOCATE and isinstance(artifact, Allocation):
        owners = {a.owner for a in artifact.assignments}
        return (
            f"{len(artifact.assignments)} responsibilities across {len(owners)} "
            f"{'person' if len(owners) == 1 else 'people'}; every one has an owner."
        )
    if name == ToolName.ASK:
        view = parse_json(outcome.content) or {}
        return "Every question is mastered." if view.get("done") else f"Question {view.get('id')}."
    if name == ToolName.GRADE:
        verdict = (artifact or parse_json(outcome.content) or {}).get("verdict", "graded")
        return f"Verdict: {verdict}."
    return outcome.content.split("\n", 1)[0]


def artifact_for(name: str, outcome: Any) -> str | None:
    """What the app shows in the reply body from a tool result (None: nothing to show).

    These are facts the learner must see as the tool produced them, whatever the model
    then says: the demo's printed output, the verified allocation, the question, the verdict.
    """
    if not outcome.ok:
        return None
    artifact = outcome.artifact
    if name == ToolName.DEMO and isinstance(artifact, DemoRun):
        return f"```text\n{artifact.output.rstrip()}\n```"
    if name == ToolName.ALLOCATE and isinstance(artifact, Allocation):
        return artifact.render_table().rstrip()
    if name == ToolName.ASK:
        view = parse_json(outcome.content) or {}
        return "Every question is mastered." if view.get("done") else format_question(view)
    if name == ToolName.GRADE:
        return format_grade(artifact or parse_json(outcome.content) or {})
    return None
