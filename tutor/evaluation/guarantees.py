"""Checks of what the app guarantees by construction, reported apart from the model's score.

The engine counts guided steps, runs the demo at step 2 and the team planner at step 3 (and
for a described team) before the model speaks, asks quiz questions through the quiz tool for
`/quiz` and shows the grader's verdict verbatim whenever the grader runs. These checks confirm
that happened — they pass or fail the same for every backend, so they never count in the
model's percentage.
"""

from __future__ import annotations

from tutor.demo.handoffs import run_handoff_demo
from tutor.evaluation import scripts as es
from tutor.evaluation.context import Context, Outcome, Rule, planner_run
from tutor.evaluation.record import TurnRecord, parse_json
from tutor.text import normalize
from tutor.tools.registry import ASK, DEMO, GRADE


def _shown(part: str, text: str) -> bool:
    """Is `part` in the reply, word for word (spacing and markup aside)?"""
    words = " ".join(normalize(part))
    return bool(words) and words in " ".join(normalize(text))


def check_guided_step(check: es.GuidedStep, turn: TurnRecord, ctx: Context) -> Outcome:
    return turn.step == check.expect, f"guided_step = {turn.step} (expected {check.expect})"


def check_demo_shown(check: es.DemoShown, turn: TurnRecord, ctx: Context) -> Outcome:
    runs = turn.ran(DEMO)
    if not runs:
        return False, f"{DEMO} did not run (tools: {turn.tool_names()})"
    printed = run_handoff_demo()
    if not _shown(printed, turn.text):
        return False, "the demo ran, but its printed output is not in the reply"
    return True, "the demo ran and its real output is in the reply"


def check_allocation_complete(
    check: es.AllocationComplete, turn: TurnRecord, ctx: Context
) -> Outcome:
    allocation, missing = planner_run(turn)
    if allocation is None:
        return False, missing
    names = [p.name for p in allocation.people]
    left_out = [n for n in check.people if n.casefold() not in {m.casefold() for m in names}]
    if left_out:
        return False, f"the planner ran without {', '.join(left_out)} (people: {names})"
    problems = _problems(allocation)
    if problems:
        return False, "; ".join(problems)
    if not _shown(allocation.render_table().split("\n\n")[0], turn.text):
        return False, "the planner ran, but its table is not in the reply"
    critical = sum(1 for a in allocation.assignments if a.critical)
    return True, f"{critical} critical responsibilities owned and backed up; the table is shown"


def _problems(allocation: object) -> list[str]:
    people = getattr(allocation, "people", [])
    solo = len(people) < 2
    problems = [f"{r} is unowned" for r in getattr(allocation, "unowned", [])]
    for a in (a for a in getattr(allocation, "assignments", []) if a.critical):
        if not a.owner:
            problems.append(f"{a.name} has no owner")
        elif not solo and (a.backup is None or a.backup == a.owner):
            problems.append(f"{a.name} has no backup besides {a.owner}")
    return problems


def check_quiz_asked(check: es.QuizAsked, turn: TurnRecord, ctx: Context) -> Outcome:
    runs = turn.ran(ASK)
    if not runs:
        return False, f"{ASK} did not run (tools: {turn.tool_names()})"
    view = parse_json(runs[-1].output)
    if view.get("done"):
        return True, "the quiz tool ran (every question already mastered)"
    if not _shown(str(view.get("prompt", "")), turn.text):
        return False, f"question {view.get('id')} was asked, but the reply does not show it"
    return True, f"question {view.get('id')} from the quiz tool is shown"


def check_quiz_tool_used(check: es.QuizToolUsed, turn: TurnRecord, ctx: Context) -> Outcome:
    return check_quiz_asked(check, turn, ctx)  # type: ignore[arg-type]


def check_answer_graded(check: es.AnswerGraded, turn: TurnRecord, ctx: Context) -> Outcome:
    runs = turn.ran(GRADE)
    if not runs:
        return False, f"{GRADE} did not run: nobody graded the answer (tools: {turn.tool_names()})"
    verdict = parse_json(runs[-1].output).get("verdict", "?")
    return True, f"the grader ran ({verdict})"


def check_verdict_shown(check: es.VerdictShown, turn: TurnRecord, ctx: Context) -> Outcome:
    runs = turn.ran(GRADE)
    if not runs:  # whether it ran is the model's check (answer_graded); nothing to show
        return True, f"{GRADE} did not run this turn: no verdict to show"
    verdict = str(parse_json(runs[-1].output).get("verdict", ""))
    if not verdict or verdict.casefold() not in turn.app_text.casefold():
        return False, f"the grader said {verdict or '?'}, but the app did not show it"
    return True, f"the grader's verdict ({verdict}) is shown by the app"


APP_RULES: dict[str, tuple[str, Rule]] = {
    "guided_step": ("progression", check_guided_step),
    "demo_shown": ("grounding", check_demo_shown),
    "allocation_complete": ("grounding", check_allocation_complete),
    "quiz_asked": ("grounding", check_quiz_asked),
    "verdict_shown": ("grounding", check_verdict_shown),
    # The engine asks a question asked for in words, and grades an answer to the open
    # question, for every backend (tutor.engine.intent): guarantees, not the model's score.
    "quiz_tool_used": ("grounding", check_quiz_tool_used),
    "answer_graded": ("grounding", check_answer_graded),
}
