"""Forgetting a learner's team ("forget my team", said or pressed): the plan leaves the
dialogue state (`Conversation.after_turn`), and here its people's names are masked wherever
the conversation keeps them — the messages a model reads and the stored transcript — so no
later request, reload or other process brings them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from tutor.planning.teamplan import TeamPlan
from tutor.store import Store, rewrite_strings
from tutor.text import is_speaker


def team_names(plan: TeamPlan) -> list[str]:
    """The names a plan holds (the speaker's "Me" is no one's name)."""
    return [p.name for p in plan.team.people if not is_speaker(p.name)]


def name_mask(names: Iterable[str], mask: str) -> Callable[[str], str]:
    """A rewrite that puts `mask` in place of each name written as a whole word (longest
    first, so "Ana Lima" goes whole before "Ana")."""
    ordered = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not ordered:
        return lambda text: text
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")
    return lambda text: pattern.sub(mask, text)


def rewrite_history(history: list[BaseMessage], rewrite: Callable[[str], str]) -> None:
    """Apply `rewrite` to every message's text and tool-call arguments, in place."""
    for index, message in enumerate(history):
        update: dict[str, Any] = {
            "content": rewrite_strings(message.content, rewrite),
            # the turn's pinned context note (engine.request.NOTE_KEY) names the team too
            "additional_kwargs": rewrite_strings(message.additional_kwargs, rewrite),
        }
        if isinstance(message, AIMessage) and message.tool_calls:
            update["tool_calls"] = [
                {**call, "args": rewrite_strings(call["args"], rewrite)}
                for call in message.tool_calls
            ]
        history[index] = message.model_copy(update=update)


def forget_people(
    plan: TeamPlan,
    mask: str,
    history: list[BaseMessage],
    store: Store | None = None,
    session_id: str = "",
) -> None:
    """Mask the plan's people in the model's view and, with a store, in the transcript."""
    rewrite = name_mask(team_names(plan), mask)
    rewrite_history(history, rewrite)
    if store is not None:
        store.rewrite_transcript(session_id, rewrite)
