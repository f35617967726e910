"""What one model request holds: one system message first, a window of the conversation,
and the app's per-turn context note at the end of the last learner turn, rendered from the
turn's `TurnContext` (the same object the backend gets as data).

Every chat template accepts this shape (strict ones reject a system message anywhere but
first). The note is added to the outgoing copy only, after the learner's words, so the
learner's stored words never change and the whole prefix up to the note stays cacheable.
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from tutor.backends.base import neutralise_delimiters, with_context_note
from tutor.backends.context import TurnContext

#: the note's first line (the eval treats a reply quoting it as leaking the prompt)
NOTE_HEADER = "Note from the tutor app (not written by the learner):"


def build_request(system: SystemMessage, window: list[BaseMessage], note: str) -> list[BaseMessage]:
    """[system, *window] with learner text defused and the note in the last learner turn."""
    last = max((i for i, m in enumerate(window) if isinstance(m, HumanMessage)), default=-1)
    messages: list[BaseMessage] = [system]
    for index, message in enumerate(window):
        if isinstance(message, HumanMessage):
            text = neutralise_delimiters(message.text)
            message = HumanMessage(with_context_note(text, note) if index == last else text)
        messages.append(message)
    return messages


def context_note(ctx: TurnContext, *, brief: bool = False) -> str:
    """The note: plain lines, written for the model, from the app (never the learner).
    `brief` (a small model, ModelProfile.brief): only the task, the facts and the open
    question — small models do better with one concrete ask than with the whole picture."""
    if brief:
        return _brief_note(ctx)
    lines = [NOTE_HEADER]
    lines.append(_step_line(ctx))
    for name in ctx.engine_ran:
        lines.append(
            f"- The app already ran `{name}` for this message and showed the learner its "
            "output. Explain that output in your own words; do not retype it."
        )
    lines += [f"- What the app read from the message: {a}" for a in ctx.assumed]
    if ctx.plan is not None:
        people = ", ".join(p.name for p in ctx.plan.team.people)
        lines.append(f"- The learner's team, as planned earlier: {people}.")
    if ctx.plan_facts:
        lines.append("- Facts from that team's plan (answer from these, by name):")
        lines += [f"  - {fact}" for fact in ctx.plan_facts]
    lines.append(
        f"- Quiz so far: {ctx.quiz_correct} right on the first try of {ctx.quiz_answered} answered."
    )
    lines += _open_question_lines(ctx)
    if ctx.dropped_turns:
        lines.append(f"- {ctx.dropped_turns} earlier turns are not shown, to keep this short.")
    lines.append("- Answer the learner's message above; do not repeat this note.")
    return "\n".join(lines)


def _brief_note(ctx: TurnContext) -> str:
    lines = [NOTE_HEADER]
    if ctx.step is not None and ctx.is_step_prompt:
        lines.append(f"- Your task: {ctx.step.explain}")
    elif ctx.engine_ran:
        lines.append(
            "- The learner sees the app's output above: explain it briefly, do not retype it."
        )
    if ctx.plan_facts:
        lines.append("- Answer from these facts of the learner's team, by name:")
        lines += [f"  - {fact}" for fact in ctx.plan_facts]
    lines += _open_question_lines(ctx)
    if not (ctx.step is not None and ctx.is_step_prompt):  # a step's task says how long
        lines.append("- Answer the learner's message above in at most four sentences.")
    lines.append("- Do not repeat this note.")
    return "\n".join(lines)


def _step_line(ctx: TurnContext) -> str:
    if ctx.step is None:
        return "- The learner has not started the three try-it prompts yet."
    must = "; ".join(k.name for k in ctx.step.key_points)
    if ctx.is_step_prompt:
        return (
            f"- This message is try-it prompt {ctx.step_number} of {ctx.steps_total}: "
            f'"{ctx.step.title}". What to write: {ctx.step.explain}'
        )
    return (
        f"- The learner last worked on try-it prompt {ctx.step_number} of {ctx.steps_total}: "
        f'"{ctx.step.title}". Goal: {ctx.step.goal} Must cover: {must}.'
    )


def _open_question_lines(ctx: TurnContext) -> list[str]:
    """What the model must know of the question the tutor is waiting on: the app reads every
    message against it and grades answers itself, so the model never grades."""
    question = ctx.open_question
    if question is None or question.kind == "team" or not question.id:
        return []
    what = "A quiz question" if question.kind == "quiz" else "The quick check you asked"
    lines = [
        f"- {what} is waiting for an answer (id {question.id}). The app grades answers to "
        "it itself: do not call grade_quiz_answer, and never state its answer."
    ]
    kind = ctx.reading.while_open
    if kind is not None and kind not in ("answer", "dont_know"):
        lines.append(
            f"- The app read this message as a {kind}, not an answer: reply to it as such "
            "(no verdict, no attempt used), then end with one line saying the question is "
            "still waiting."
        )
    return lines
