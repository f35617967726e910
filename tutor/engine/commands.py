"""Slash commands shared by every surface: /next, /quiz, /retry, /progress, /export, /reset, /help.

Plain functions: `run_command` reads a command and says what the turn should do
(`CommandReply`); the engine runs that turn through its one turn path, so a command is
stored, bounded and interrupted like any other turn. Nothing here imports the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tutor.content.pack import LessonPack
from tutor.engine.progress import ProgressHost, progress_markdown
from tutor.knowledge.dialogue import suggested
from tutor.tools.registry import ASK

EXPORT_HINT = (
    "To save this conversation with your progress as Markdown, press **Export transcript** "
    "under the chat (in the terminal, `/export [file]` saves it)."
)
HELP = """Commands:
- /next — the next try-it prompt
- /quiz — a quiz question
- /ask N — ask question N of the ones I offered
- /retry — ask again when an answer did not finish
- /progress — your progress
- /export — the transcript as Markdown
- /reset — start over
- /help — this list"""
ALL_DONE = (
    "You've completed all three try-it prompts. Take a quiz to check yourself, describe your "
    "own team for an allocation, or ask anything."
)
NOTHING_TO_RETRY = "There is no unfinished answer to retry."


class CommandHost(ProgressHost, Protocol):
    """What commands need from a learner's session."""

    pack: LessonPack

    @property
    def next_guided_prompt(self) -> str | None: ...

    @property
    def retry_text(self) -> str | None: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class CommandReply:
    """What a command's turn does: show `text`, send a learner message, or run a tool."""

    text: str = ""
    #: run this as the learner's message (a try-it prompt, a retried message)
    send: str | None = None
    #: a tool the engine runs and shows, and the learner turn a model sees for it
    tool: str | None = None
    model_prompt: str | None = None
    #: False for /reset: it deletes everything stored, its own turn included
    record: bool = True


def run_command(host: CommandHost, text: str) -> CommandReply | None:
    """The command in `text` (its effect done, e.g. /reset), or None when it is not one."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word = stripped.split(maxsplit=1)[0].lower()
    if word == "/next":
        prompt = host.next_guided_prompt
        return CommandReply(send=prompt) if prompt else CommandReply(ALL_DONE)
    if word == "/quiz":
        return quiz_command(host)
    if word == "/retry":
        again = host.retry_text
        return CommandReply(send=again) if again else CommandReply(NOTHING_TO_RETRY)
    if word == "/reset":
        host.reset()
        return CommandReply("Started over: conversation and progress cleared.", record=False)
    replies = {"/progress": lambda: progress_markdown(host), "/export": lambda: EXPORT_HINT}
    if word in replies:
        return CommandReply(replies[word]())
    if word == "/help":
        return CommandReply(HELP)
    if word == "/ask":
        return ask_offered(host, stripped)
    return CommandReply(f"Unknown command {word}.\n\n{HELP}")


def quiz_command(host: CommandHost) -> CommandReply:
    """/quiz: a question; while one is open, say so (asking again would repeat it)."""
    words, current = host.pack.offline, host.quiz_state.current
    if current and current in host.quiz_bank.ids():
        return CommandReply(words.quiz_open.format(question=host.quiz_bank.get(current).prompt))
    return CommandReply(words.quiz_intro, tool=ASK, model_prompt="Quiz me.")


NOTHING_OFFERED = "There is no question {n} to ask: `/ask N` picks one of the questions I offered."


def ask_offered(host: CommandHost, text: str) -> CommandReply:
    """/ask N: send question N of the ones the tutor last offered (see OFFLINE_API.md)."""
    arg = text.split(maxsplit=1)[1].strip() if len(text.split()) > 1 else ""
    number = int(arg) if arg.isdigit() else 0
    said = [m.text for m in getattr(host, "history", ()) if getattr(m, "type", "") == "ai"]
    question = suggested(said, number)
    return (
        CommandReply(send=question)
        if question
        else CommandReply(NOTHING_OFFERED.format(n=arg or "?"))
    )
