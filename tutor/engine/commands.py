"""Slash commands shared by every surface: /next, /quiz, /retry, /progress, /export, /reset, /help.

Plain functions of data: `run_command` reads a command against a `CommandContext` and says
what the turn should do (`CommandReply`); the session does it (a reset included) and runs the
turn through its one turn path, so a command is stored, bounded and interrupted like any
other turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tutor.content.pack import LessonPack
from tutor.quiz import QuizBank
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
STARTED_OVER = "Started over: conversation and progress cleared."


@dataclass(frozen=True)
class CommandContext:
    """What commands read of a learner's conversation: plain data, and the progress report
    as a function (it reads the store, so only /progress pays for it)."""

    pack: LessonPack
    quiz_bank: QuizBank
    #: the id of the quiz question waiting for an answer, if one is
    open_quiz: str | None
    next_prompt: str | None
    retry_text: str | None
    #: the questions the tutor offered last (what `/ask N` picks from)
    offered: tuple[str, ...]
    progress: Callable[[], str]


@dataclass(frozen=True)
class CommandReply:
    """What a command's turn does: show `text`, send a learner message, or run a tool."""

    text: str = ""
    #: run this as the learner's message (a try-it prompt, a retried message)
    send: str | None = None
    #: a tool the engine runs and shows, and the learner turn a model sees for it
    tool: str | None = None
    model_prompt: str | None = None
    #: forget the conversation first (/reset)
    reset: bool = False
    #: False for /reset: it deletes everything stored, its own turn included
    record: bool = True


#: the Next-prompt button's message
NEXT_COMMAND = "/next"


def run_command(ctx: CommandContext, text: str) -> CommandReply | None:
    """What the command in `text` does, or None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return _next_in_words(ctx, stripped)
    word = stripped.split(maxsplit=1)[0].lower()
    if word == NEXT_COMMAND:
        return CommandReply(send=ctx.next_prompt) if ctx.next_prompt else CommandReply(ALL_DONE)
    if word == "/quiz":
        return quiz_command(ctx)
    if word == "/retry":
        again = ctx.retry_text
        return CommandReply(send=again) if again else CommandReply(NOTHING_TO_RETRY)
    if word == "/reset":
        return CommandReply(STARTED_OVER, reset=True, record=False)
    replies = {"/progress": ctx.progress, "/export": lambda: EXPORT_HINT, "/help": lambda: HELP}
    if word in replies:
        return CommandReply(replies[word]())
    if word == "/ask":
        return ask_offered(ctx, stripped)
    return CommandReply(f"Unknown command {word}.\n\n{HELP}")


def _next_in_words(ctx: CommandContext, text: str) -> CommandReply | None:
    """ "Next prompt", "next pls", "ok continue": the Next-prompt button typed (the learner
    copies its label), while a try-it prompt is left; None for anything else."""
    requests = ctx.pack.guided.requests
    words = re.findall(r"[\w'-]+", text.lower())
    fillers = set(requests.next_fillers)
    said = " ".join(w for w in words if w not in fillers) or " ".join(words)
    if ctx.next_prompt is None or said not in requests.next_prompt:
        return None
    return CommandReply(send=ctx.next_prompt)


def quiz_command(ctx: CommandContext) -> CommandReply:
    """/quiz: a question; while one is open, another one (the open one comes back later, as
    when the learner says "another question")."""
    words, current = ctx.pack.offline, ctx.open_quiz
    if current and current in ctx.quiz_bank.ids():
        return CommandReply(words.quiz_open, tool=ASK, model_prompt="Another question, please.")
    return CommandReply(words.quiz_intro, tool=ASK, model_prompt="Quiz me.")


NOTHING_OFFERED = "There is no question {n} to ask: `/ask N` picks one of the questions I offered."


def ask_offered(ctx: CommandContext, text: str) -> CommandReply:
    """/ask N: send question N of the ones the tutor offered in its last reply."""
    arg = text.split(maxsplit=1)[1].strip() if len(text.split()) > 1 else ""
    number = int(arg) if arg.isdigit() else 0
    if 1 <= number <= len(ctx.offered):
        return CommandReply(send=ctx.offered[number - 1])
    return CommandReply(NOTHING_OFFERED.format(n=arg or "?"))
