"""`tutor chat`: the tutor in a terminal; piped stdin gives one learner message per line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown

from tutor.engine import TutorSession
from tutor.engine.events import (
    LessonFallback,
    Notice,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnDone,
)
from tutor.engine.progress import offered_lines
from tutor.errors import InputError
from tutor.runtime import build_runtime
from tutor.tools.presentation import TOOL_TITLES


async def chat(
    resume: str | None = None, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    stdin, out = stdin or sys.stdin, out or sys.stdout
    runtime = build_runtime()
    try:
        if resume and runtime.store is not None and not runtime.store.session_exists(resume):
            raise InputError(
                f"There is no saved session {resume!r}. Start a new one with "
                "`tutor chat` (its id is printed at the top)."
            )
        session = runtime.session(resume)
        interactive = stdin.isatty()
        print(f"MLOps Roles Tutor — {runtime.banner()}", file=out)
        print(
            f"Session {session.id} (resume with: tutor chat --resume {session.id}). "
            "Type /help for commands, /quit to leave.\n",
            file=out,
        )
        while True:
            line = await read_line(stdin, interactive, out)
            if line is None or line.strip().lower() in ("/quit", "/exit"):
                break
            if not interactive:
                print(f"you> {line}", file=out)
            if line.strip().lower() == "/next" and session.next_guided_prompt:
                step = session.guided_step + 1
                print(
                    f"(try-it prompt {step}/{session.steps_total}) {session.next_guided_prompt}",
                    file=out,
                )
            if line.split(maxsplit=1)[:1] == ["/export"]:
                export(session, line, out)
                continue
            await print_turn(session, line, out)
    finally:
        await runtime.aclose()
    return 0


async def read_line(stdin: TextIO, interactive: bool, out: TextIO) -> str | None:
    if interactive:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:
            return None
    line = await asyncio.to_thread(stdin.readline)
    return line.rstrip("\n") if line else None


async def print_turn(session: TutorSession, text: str, out: TextIO) -> None:
    """Stream the reply as plain text, or — writing to a terminal — render it as Markdown
    (bold, tables, code) once it is complete."""
    if out.isatty():
        await print_rendered(session, text, out)
        return
    started = False
    async for event in session.send(text):
        if isinstance(event, TextDelta):
            if not started:
                out.write("tutor> ")
                started = True
            out.write(event.text)
            out.flush()
        elif isinstance(event, ToolStarted):
            pass
        elif isinstance(event, ToolFinished):
            # One line per tool step: the result itself is printed in the reply body.
            title = TOOL_TITLES.get(event.name, f"Ran {event.name}")
            status = "" if event.ok else " (failed)"
            out.write(f"\n  · {title.lower()}{status}: {event.display}\n")
        elif isinstance(event, Notice):
            out.write(f"\n[!] {event.message}\n")
        elif isinstance(event, LessonFallback):
            # A terminal cannot fold what it printed: the lesson's answer follows it.
            out.write(f"\n\n{event.lesson}\n")
        elif isinstance(event, TurnDone):
            offered = offered_lines(list(event.offered))
            out.write("\n\n" + ("\n".join(offered) + "\n" if offered else ""))
    out.flush()


async def print_rendered(session: TutorSession, text: str, out: TextIO) -> None:
    console = Console(file=out)
    reply: list[str] = []
    async for event in session.send(text):
        if isinstance(event, TextDelta):
            reply.append(event.text)
        elif isinstance(event, ToolFinished):
            title = TOOL_TITLES.get(event.name, f"Ran {event.name}")
            status = "" if event.ok else " (failed)"
            console.print(f"  · {title.lower()}{status}: {event.display}", markup=False)
        elif isinstance(event, Notice):
            console.print(f"[!] {event.message}", markup=False)
        elif isinstance(event, LessonFallback):
            # Nothing is printed yet: the reply can take the lesson's answer on top.
            so_far = "".join(reply)
            reply = [so_far.removesuffix(event.tail) + event.text]
        elif isinstance(event, TurnDone):
            console.print("tutor>", style="bold")
            console.print(Markdown("".join(reply)))
            offered = offered_lines(list(event.offered))
            console.print("\n".join(offered) + "\n" if offered else "", markup=False)


def export(session: TutorSession, line: str, out: TextIO) -> None:
    parts = line.split(maxsplit=1)
    path = Path(parts[1]).expanduser() if len(parts) > 1 else default_export_path(session.id)
    try:
        path.write_text(session.export_markdown(), encoding="utf-8")
    except OSError as exc:
        print(f"[!] Could not save to {path}: {exc.strerror or exc}. Try another path.\n", file=out)
        return
    print(f"Saved the transcript and progress to {path}\n", file=out)


def default_export_path(session_id: str) -> Path:
    return Path.cwd() / f"tutor-transcript-{session_id[:8]}.md"
