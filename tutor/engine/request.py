"""What one model request holds: one system message first, a window of the conversation,
and the app's per-turn context note inside each learner turn, rendered from that turn's
`TurnContext` (the same object the backend gets as data).

Every chat template accepts this shape (strict ones reject a system message anywhere but
first, so the note cannot be a trailing system or developer message). A prompt that caches
needs each request to start with the whole previous one: so a learner turn's note is rendered
once, when its first request is built, pinned to that message (`pin_note`) and sent with it
again on every later request, byte for byte. The learner's words never change (the note is
kept beside them, in the message's `additional_kwargs`, and stored with the reply so a reload
or another process sends the same bytes); only the window's start moves, at a compaction
(`tutor.engine.history.history_window`).
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from tutor.backends.base import neutralise_delimiters, with_context_note
from tutor.backends.context import TurnContext

#: the note's first line (the eval treats a reply quoting it as leaking the prompt)
NOTE_HEADER = "Note from the tutor app (not written by the learner):"


#: where a learner message keeps the note it was first sent with
NOTE_KEY = "tutor_note"


def pin_note(history: list[BaseMessage], note: str) -> str:
    """The note of the newest learner turn: `note`, pinned to it if it has none yet, else the
    one it was first sent with (later rounds of a turn send the same bytes)."""
    last = next((m for m in reversed(history) if isinstance(m, HumanMessage)), None)
    if last is None:
        return note
    return str(last.additional_kwargs.setdefault(NOTE_KEY, note))


def build_request(system: SystemMessage, window: list[BaseMessage]) -> list[BaseMessage]:
    """[system, *window] with learner text defused and each learner turn's pinned note."""
    messages: list[BaseMessage] = [system]
    for message in window:
        if isinstance(message, HumanMessage):
            text = neutralise_delimiters(message.text)
            note = message.additional_kwargs.get(NOTE_KEY)
            message = HumanMessage(with_context_note(text, note) if note else text)
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
