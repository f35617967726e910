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
(`tutor.engine.history.history_window`). Because earlier notes stay in what the model reads, a
note leaves out the state lines the window's earlier notes already state as they are
(`context_note`'s `shown`): the part of each request a cache cannot reuse stays small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from tutor.backends.base import neutralise_delimiters, with_context_note
from tutor.backends.context import TurnContext
from tutor.tools.names import ToolName

#: the note's first line (the eval treats a reply quoting it as leaking the prompt)
NOTE_HEADER = "Note from the tutor app (not written by the learner):"


#: where a learner message keeps the note it was first sent with
NOTE_KEY = "tutor_note"
#: and the state lines that note stated, by key (what later notes need not restate)
NOTE_STATE_KEY = "tutor_note_state"
_DATA = "  "  # the indent of a note's data lines (a plan's facts, the lesson's answer)
_QUOTE = f"{_DATA}>"

#: the state line for "no question is waiting", said only to replace an earlier one
_NO_QUESTION = "- No question is waiting for an answer now."


@dataclass(frozen=True)
class Note:
    """A context note and the state lines it states (key -> line), kept with it."""

    text: str
    state: dict[str, str] = field(default_factory=dict)


def pin_note(history: list[BaseMessage], note: Note) -> str:
    """The note of the newest learner turn: `note`, pinned to it if it has none yet, else the
    one it was first sent with (later rounds of a turn send the same bytes)."""
    last = next((m for m in reversed(history) if isinstance(m, HumanMessage)), None)
    if last is None:
        return note.text
    if NOTE_KEY not in last.additional_kwargs:
        last.additional_kwargs[NOTE_KEY] = note.text
        last.additional_kwargs[NOTE_STATE_KEY] = dict(note.state)
    return str(last.additional_kwargs[NOTE_KEY])


def shown_state(window: list[BaseMessage]) -> dict[str, str]:
    """What the notes of the window's earlier learner turns state, newest line per key:
    what the model can already read, so the newest note need not say it again."""
    learner = [m for m in window if isinstance(m, HumanMessage)][:-1]
    shown: dict[str, str] = {}
    for message in learner:
        state = message.additional_kwargs.get(NOTE_STATE_KEY)
        if isinstance(state, dict):
            shown.update({str(k): str(v) for k, v in state.items()})
    return shown


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


def context_note(
    ctx: TurnContext, *, brief: bool = False, shown: Mapping[str, str] | None = None
) -> Note:
    """The note: plain lines, written for the model, from the app (never the learner).

    Its state lines (the step, the team, the quiz score, the open question, the window) are
    left out when an earlier note in the window already states them as they are (`shown`):
    notes stay in the history the model reads, and a short newest note keeps each request's
    new part small, which is what a prompt cache cannot reuse. Lines about this message are
    always there. `brief` (a small model, ModelProfile.brief): only the task, the facts and
    the open question — small models do better with one concrete ask than with the whole
    picture."""
    if brief:
        return Note(_brief_note(ctx))
    state = {key: line for key, line in _state_lines(ctx).items() if line}
    shown = shown or {}
    said = {k: v for k, v in state.items() if _news(k, v, shown)}
    lines = [NOTE_HEADER, *said.values(), *_message_lines(ctx)]
    if len(said) < len(state):
        lines.append("- Anything not restated here is as the earlier notes say.")
    lines.append("- Answer the learner's message above; do not repeat this note.")
    return Note("\n".join(lines), said)


def _news(key: str, line: str, shown: Mapping[str, str]) -> bool:
    """Whether a state line tells the model something: not already the newest one shown
    for its key (and "no question" only to replace a question an earlier note named)."""
    if line == _NO_QUESTION:
        return key in shown and shown[key] != line
    return shown.get(key) != line


def _state_lines(ctx: TurnContext) -> dict[str, str]:
    """What holds across turns, one line per key ('' when there is nothing to say)."""
    team = ""
    if ctx.plan is not None:
        people = ", ".join(p.name for p in ctx.plan.team.people)
        team = f"- The learner's team, as planned earlier: {people}."
    quiz = (
        f"- Quiz so far: {ctx.quiz_correct} right on the first try of {ctx.quiz_answered} answered."
    )
    dropped = (
        f"- {ctx.dropped_turns} earlier turns are not shown, to keep this short."
        if ctx.dropped_turns
        else ""
    )
    return {
        "step": "" if ctx.is_step_prompt and ctx.step is not None else _step_line(ctx),
        "team": team,
        "quiz": quiz,
        "question": _waiting_line(ctx) or _NO_QUESTION,
        "window": dropped,
    }


def _message_lines(ctx: TurnContext) -> list[str]:
    """What is about this message alone."""
    lines = [_step_line(ctx)] if ctx.is_step_prompt and ctx.step is not None else []
    for name in ctx.engine_ran:
        lines.append(
            f"- The app already ran `{name}` for this message and showed the learner its "
            "output. Explain that output in your own words; do not retype it."
        )
    lines += [f"- What the app read from the message: {a}" for a in ctx.assumed]
    if ctx.plan_facts:
        lines.append("- Facts from that team's plan (answer from these, by name):")
        lines += [f"{_DATA}- {fact}" for fact in ctx.plan_facts]
    return lines + _lesson_lines(ctx) + _reading_lines(ctx)


def _brief_note(ctx: TurnContext) -> str:
    lines = [NOTE_HEADER]
    if ctx.step is not None and ctx.is_step_prompt:
        lines.append(f"- Your task: {ctx.step.explain}")
    elif ctx.engine_ran:
        lines.append(_ARTIFACT_ASKS.get(ctx.engine_ran[-1], _ARTIFACT_ASK))
    if ctx.plan_facts:
        lines.append("- Answer from these facts of the learner's team, by name:")
        lines += [f"{_DATA}- {fact}" for fact in ctx.plan_facts]
    lines += _lesson_lines(ctx)
    lines += _open_question_lines(ctx)
    if not (ctx.step is not None and ctx.is_step_prompt) and not ctx.lesson_answer:
        # a step's task and the lesson's answer say how long
        lines.append("- Answer the learner's message above in at most four sentences.")
    lines.append("- Do not repeat this note.")
    return "\n".join(lines)


def _lesson_lines(ctx: TurnContext) -> list[str]:
    """The lesson's answer to this message (the offline tutor's, when it is sure of one), for
    the model to say in its own words, with the verdict on the learner's claim as the words to
    begin with: measured on Qwen2.5-Coder-1.5B, told only to "say so where the learner is
    wrong" it opened with the learner's own claim ("No, I am sure it is the data scientist.")
    in most replies; told how to begin, it corrected them."""
    if not ctx.lesson_answer:
        return []
    verdict = ctx.lesson_acts.verdict if ctx.lesson_acts is not None else None
    ask = _LESSON_ASKS[verdict]
    quoted = [f"{_QUOTE} {line}".rstrip() for line in ctx.lesson_answer.splitlines()]
    return [ask, *quoted]


_ARTIFACT_ASK = "- The learner sees the app's output above: explain it briefly, do not retype it."
# What a small model is asked to do with each artifact the app showed outside the try-it
# prompts (whose tasks are the steps' own): one concrete ask each. Measured on
# Qwen2.5-Coder-1.5B, "explain it briefly" after a graded answer drew the question and the hint
# retyped, and a wrong answer praised.
_ARTIFACT_ASKS = {
    ToolName.GRADE: (
        "- The app graded the learner's answer and showed its verdict (final) and any hint "
        "above. In one or two sentences of your own, say what the answer got right or missed, "
        "without calling a wrong answer right and without naming the right answer."
    ),
    ToolName.ASK: (
        "- The learner sees the app's quiz question above. Say in one sentence that you are "
        "waiting for their answer; do not answer it, hint at it or retype it."
    ),
}


def note_instructions(note: str) -> str:
    """A note without the data it lists (the lesson's answer it quotes, a plan's facts, each
    indented): what the app asks of the model, which a reply that hands it back has not
    answered. The data is the lesson's and the plan's, which any reply may restate."""
    return "\n".join(line for line in note.splitlines() if not line.startswith(_DATA))


_LESSON_ASKS = {
    "no": (
        '- By the lesson, the learner\'s message is wrong. Begin your reply with "Not quite:" '
        "and then say what the lesson says, in your own words, in at most three sentences:"
    ),
    "yes": (
        '- By the lesson, the learner is right. Begin your reply with "Yes:" and then say '
        "why, in your own words, in at most three sentences:"
    ),
    None: (
        "- The lesson's answer to this message, found by the app. Say it in your own words, in "
        "at most three sentences, beginning with the answer (not with the learner's words):"
    ),
}


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
    """What a model must know of the question the tutor is waiting on: the app reads every
    message against it and grades answers itself, so the model never grades."""
    waiting = _waiting_line(ctx)
    return [waiting, *_reading_lines(ctx)] if waiting else []


def _waiting_line(ctx: TurnContext) -> str:
    question = ctx.open_question
    if question is None or question.kind == "team" or not question.id:
        return ""
    what = "A quiz question" if question.kind == "quiz" else "The quick check you asked"
    return (
        f"- {what} is waiting for an answer (id {question.id}). The app grades answers to "
        "it itself: do not call grade_quiz_answer, and never state its answer."
    )


def _reading_lines(ctx: TurnContext) -> list[str]:
    """How the app read this message against the open question, when not as an answer."""
    kind = ctx.reading.while_open
    if not _waiting_line(ctx) or kind is None or kind in ("answer", "dont_know"):
        return []
    return [
        f"- The app read this message as a {kind}, not an answer: reply to it as such "
        "(no verdict, no attempt used), then end with one line saying the question is "
        "still waiting."
    ]
