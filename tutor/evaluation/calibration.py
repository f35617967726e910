"""Calibration: how often each rule agrees with hand-labelled replies.

A labelled reply names the check it targets (a check `id` of prompts/eval.toml), what the model
wrote, and whether the check should pass. `situation` rebuilds the turn the eval would have
recorded — the learner's message, the tools the engine runs for it (the demo, the team planner,
the grader) and the app's artifacts — with the labelled text as the model's words, so the rule
is scored exactly as in a real run. `calibrate` returns each rule's accuracy and its misses.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.content.pack import lexicon, load_pack, quiz_bank
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine.events import ToolFinished
from tutor.evaluation.context import Context
from tutor.evaluation.record import TurnRecord
from tutor.evaluation.runner import run_check
from tutor.evaluation.scripts import Suite, default_suite
from tutor.quiz import assess
from tutor.tools.registry import (
    ALLOCATE,
    ASK,
    DEMO,
    GRADE,
    AllocateArgs,
    allocate_people,
    demo_tool_output,
)

DEFAULT_QUESTION = "role-productionize"
TEST_SECRET = "hunter2-secret"  # the configured secret the labelled replies may leak


class LabelledReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(description="The id of the check in prompts/eval.toml.")
    label: Literal["pass", "fail"]
    text: str
    why: str = ""
    question: str | None = None


class RuleAccuracy(BaseModel):
    kind: str
    correct: int
    total: int
    #: passes labelled pass, fails labelled fail, passes labelled fail, fails labelled pass
    confusion: dict[str, int]
    misses: list[str]

    @property
    def accuracy(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0


def load_replies(path: Path) -> list[LabelledReply]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [LabelledReply.model_validate(row) for row in data["replies"]]


def context(suite: Suite | None = None) -> Context:
    tools = [DEMO, ALLOCATE, ASK, GRADE]
    return Context(load_pack(), quiz_bank(), tools, [TEST_SECRET], suite or default_suite())


def _tool(name: str, args: dict[str, Any], output: str) -> ToolFinished:
    return ToolFinished(f"call-{name}", name, args, output, 0.0, True)


def learner_text(send: str, step: int | None) -> str:
    """What the learner asked: `/next` at guided step N sends that try-it prompt."""
    if send.startswith("/") and step:
        return load_pack().steps[step - 1].prompt
    return send


def team_args(text: str) -> dict[str, Any]:
    """The planner's arguments for a learner's message: the engine's reading of a described
    team; for a try-it prompt that names nobody, the lesson's default split (Person 1..N with
    the offline pack's assumed roles), so the labelled replies keep one fixed table."""
    pack = load_pack()
    if text in {s.prompt for s in pack.steps}:
        roles = pack.offline.assumed_roles
        people = [{"name": f"Person {i}", "roles": [r]} for i, r in enumerate(roles, 1)]
        return {"people": people, "product": "llm"}
    from tutor.engine.intent import IntentReader

    return IntentReader(pack).team_call(text).args


def situation(reply: LabelledReply, suite: Suite, question: str | None = None) -> TurnRecord:
    """The turn the eval would record for this check, with `reply.text` as the model's words."""
    conversation, index, _ = suite.find(reply.check)
    send = conversation.turns[index].send
    step = index + 1 if conversation.id == "walkthrough" else None
    record = TurnRecord(send=send, model_text=reply.text, step=step or 0)
    kinds = {c.kind for c in conversation.turns[index].checks}
    if step == 2 or "demo_explained" in kinds:
        printed = run_handoff_demo()
        record.tools.append(_tool(DEMO, {}, demo_tool_output()))
        record.app_text += f"```text\n{printed}```\n"
    if step == 3 or kinds & {"allocation_explained", "allocation_complete"}:
        args = team_args(learner_text(send, step))
        parsed = AllocateArgs.model_validate(args)
        table = allocate_people(parsed.people, parsed.product)[0]
        record.tools.append(_tool(ALLOCATE, args, table))
        record.app_text += table
    waiting = question or DEFAULT_QUESTION
    record.question = reply.question or (waiting if conversation.id == "quiz" else None)
    if "no_false_praise" in kinds or "verdict_shown" in kinds:
        bank = quiz_bank()
        question = bank.get(record.question or DEFAULT_QUESTION)
        verdict = assess(lexicon(), question, send, bank.guard).verdict
        output = json.dumps({"question_id": question.id, "verdict": verdict})
        record.tools.append(_tool(GRADE, {"question_id": question.id, "answer": send}, output))
        record.app_text += f"Verdict: {verdict}\n"
    record.text = record.app_text + record.model_text
    return record


def calibrate(
    replies: Sequence[LabelledReply],
    suite: Suite | None = None,
    decide: Callable[[LabelledReply, TurnRecord], bool] | None = None,
    question: str | None = None,
) -> list[RuleAccuracy]:
    """Per check kind: how many labelled replies the rules (or `decide`) classify correctly;
    `question`: the quiz question waiting when a reply names none (default role-productionize)."""
    suite = suite or default_suite()
    ctx = context(suite)
    rows: dict[str, RuleAccuracy] = {}
    for reply in replies:
        _, _, check = suite.find(reply.check)
        turn = situation(reply, suite, question)
        if decide is None:
            _, _, passed, evidence = run_check(check, turn, ctx)
        else:
            passed, evidence = decide(reply, turn), "judge"
        row = rows.setdefault(
            check.kind,
            RuleAccuracy(
                kind=check.kind, correct=0, total=0, confusion=dict.fromkeys(_CELLS, 0), misses=[]
            ),
        )
        right = passed == (reply.label == "pass")
        row.total += 1
        row.correct += right
        row.confusion[_cell(passed, reply.label)] += 1
        if not right:
            row.misses.append(f"[{reply.check}] {reply.why}: {evidence}")
    return sorted(rows.values(), key=lambda r: r.kind)


_CELLS = ("pass/pass", "fail/fail", "pass/fail", "fail/pass")


def _cell(passed: bool, label: str) -> str:
    return f"{'pass' if passed else 'fail'}/{label}"


def render(rows: Sequence[RuleAccuracy]) -> str:
    """A Markdown table: rule, accuracy, and the confusion (rule's verdict / label)."""
    lines = [
        "| rule | accuracy | replies | pass/pass | fail/fail | pass, labelled fail "
        "| fail, labelled pass |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r.confusion
        lines.append(
            f"| {r.kind} | {r.accuracy:g}% | {r.total} | {c['pass/pass']} | {c['fail/fail']} "
            f"| {c['pass/fail']} | {c['fail/pass']} |"
        )
    return "\n".join(lines)
