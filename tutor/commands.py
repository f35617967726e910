"""Slash commands shared by every surface: /next, /quiz, /progress, /export, /reset, /help."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from tutor.events import Event, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.progress import progress_markdown
from tutor.render import display_for, format_question, parse_json
from tutor.tools import ASK, run_tool

if TYPE_CHECKING:
    from tutor.engine import TutorSession

EXPORT_HINT = (
    "To save this conversation with your progress as Markdown, press **Export transcript** "
    "under the chat (in the terminal, `/export [file]` saves it)."
)
HELP = (
    "Commands: /next — the next try-it prompt · /quiz — a quiz question · /progress — your "
    "progress · /export — the transcript as Markdown · /reset — start over · /help — this list."
)


def dispatch(session: TutorSession, text: str) -> AsyncIterator[Event] | None:
    """The event stream of a slash command, or None when `text` is not one."""
    word = text.strip().split(maxsplit=1)[0].lower() if text.strip().startswith("/") else ""
    handlers: dict[str, Callable[[TutorSession], AsyncIterator[Event]]] = {
        "/next": lambda s: s.next_prompt(),
        "/quiz": quiz,
        "/progress": lambda s: reply(s, progress_markdown(s)),
        "/export": lambda s: reply(s, EXPORT_HINT),
        "/reset": reset,
        "/help": lambda s: reply(s, HELP),
    }
    handler = handlers.get(word)
    if handler is None:
        return reply(session, f"Unknown command {word}. {HELP}") if word else None
    return handler(session)


async def reply(session: TutorSession, text: str) -> AsyncIterator[Event]:
    yield TextDelta(text)
    yield TurnDone(text, status="command", step=session.guided_step)


async def reset(session: TutorSession) -> AsyncIterator[Event]:
    session.reset()
    async for event in reply(session, "Started over: conversation and progress cleared."):
        yield event


async def quiz(session: TutorSession) -> AsyncIterator[Event]:
    """Ask the next question through the quiz tool itself, so it works with any model."""
    tool = next(t for t in session.tools if t.name == ASK)
    call_id = f"quiz_{int(time.time() * 1000)}"
    turn_id = session.store.begin_turn(session.id, "/quiz") if session.store else None
    yield ToolStarted(call_id, ASK, {})
    started = time.perf_counter()
    outcome = run_tool(tool, {}, call_id)
    output, ok = outcome.content, outcome.ok
    yield ToolFinished(
        call_id, ASK, {}, output, time.perf_counter() - started, ok, display_for(ASK, outcome)
    )
    view = parse_json(output) or {}
    text = (
        session.pack.offline.quiz_done
        if view.get("done")
        else f"{session.pack.offline.quiz_intro}\n\n{format_question(view)}"
    )
    session.history += [
        HumanMessage("Quiz me."),
        AIMessage("", tool_calls=[{"name": ASK, "args": {}, "id": call_id, "type": "tool_call"}]),
        ToolMessage(output, tool_call_id=call_id, name=ASK),
        AIMessage(text),
    ]
    session.compact()
    if session.store and turn_id is not None:
        tools = [{"name": ASK, "args": {}, "ok": ok, "display": display_for(ASK, outcome)}]
        session.store.finish_turn(turn_id, text, {"tools": tools}, status="complete")
    session.save_progress()
    yield TextDelta(text)
    yield TurnDone(text, status="complete", step=session.guided_step)
