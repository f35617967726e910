"""The model's view of a conversation: tool calls in and out, windows, trims, rebuilding.

Pure functions over langchain messages; the session owns the list they work on.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)

from tutor.engine.request import NOTE_KEY, NOTE_STATE_KEY
from tutor.engine.toolcalls import TextCall
from tutor.tools.registry import GRADE, ToolOutcome

# C0 and C1 control characters except tab, newline and carriage return. Format characters
# (zero-width joiners, RTL marks) are kept: emoji sequences and right-to-left text need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ToolCallIn:
    """A tool call as the model (or the engine) made it; `error` is set when its arguments
    were unusable."""

    id: str
    name: str
    args: dict[str, Any]
    error: str | None = None

    def as_tool_call(self) -> dict[str, Any]:
        return {"name": self.name, "args": self.args, "id": self.id, "type": "tool_call"}


def tool_message(call_id: str, name: str, outcome: ToolOutcome) -> ToolMessage:
    return ToolMessage(
        outcome.content,
        tool_call_id=call_id,
        name=name,
        artifact=outcome.artifact,
        status="success" if outcome.ok else "error",
    )


def parse_tool_calls(message: AIMessageChunk) -> list[ToolCallIn]:
    """Strictly parse streamed tool calls (langchain would silently turn bad JSON into {})."""
    calls = []
    for i, chunk in enumerate(message.tool_call_chunks):
        name = chunk.get("name") or ""
        call_id = chunk.get("id") or f"call_{i}"
        try:
            args = json.loads(chunk.get("args") or "{}")
        except json.JSONDecodeError:
            calls.append(ToolCallIn(call_id, name, {}, bad_json(name)))
            continue
        if not isinstance(args, dict):
            error = f"Error: the arguments for {name} must be a JSON object."
            calls.append(ToolCallIn(call_id, name, {}, error))
            continue
        calls.append(ToolCallIn(call_id, name, args))
    return calls


def bad_json(name: str) -> str:
    return (
        f"Error: the arguments for {name} were not valid JSON. "
        "Send a JSON object that fits the schema."
    )


def text_calls(found: list[TextCall], prefix: str) -> list[ToolCallIn]:
    """Tool calls the model wrote as text, as calls the engine runs (errors go back to it)."""
    calls = []
    for i, call in enumerate(found):
        error = f"Error: {call.error} Call the tool again with valid JSON." if call.error else None
        calls.append(ToolCallIn(f"{prefix}_{i}", call.name or "unknown", call.args, error))
    return calls


def answer_dangling_calls(history: list[BaseMessage], start: int) -> None:
    """Give every tool call from `start` on a result, so providers accept the history.

    A turn stopped between a model's tool calls and their results (a crash in a tool, a
    closed page) would otherwise leave calls no request may contain unanswered.
    """
    index = start
    while index < len(history):
        message = history[index]
        index += 1
        if not isinstance(message, AIMessage) or not message.tool_calls:
            continue
        answered: set[str] = set()
        while index < len(history) and isinstance(history[index], ToolMessage):
            answered.add(history[index].tool_call_id)
            index += 1
        results = [
            ToolMessage(
                "Error: not run (the turn was stopped).",
                tool_call_id=c["id"],
                name=c["name"],
                status="error",
            )
            for c in message.tool_calls
            if c["id"] not in answered
        ]
        history[index:index] = results
        index += len(results)


def compaction_block(max_turns: int) -> int:
    """How many turns a compaction drops from view: all but the last `max_turns // 8` (at
    least one kept, so "and that one?" still has its antecedent)."""
    return max(1, max_turns - max(1, max_turns // 8))


def trim_history(
    history: list[BaseMessage], max_messages: int, block: int
) -> tuple[list[BaseMessage], int]:
    """Drop the oldest whole turns until at most `max_messages` remain; keeps the last turn.

    Turns go in multiples of `block` (history_window's block) while possible, so the window
    the model sees starts at the same message before and after a trim: its prefix stays cached.
    """
    if len(history) <= max_messages:
        return history, 0
    starts = [i for i, m in enumerate(history) if isinstance(m, HumanMessage)]
    dropped = 0
    while dropped < len(starts) - 1 and len(history) - starts[dropped] > max_messages:
        dropped += block if dropped + block < len(starts) else 1
    if dropped == 0:
        return history, 0
    return history[starts[dropped] :], dropped


def history_window(history: list[BaseMessage], max_turns: int) -> tuple[list[BaseMessage], int]:
    """The turns of history the model sees, and how many earlier ones it does not.

    The history is only appended to, so each request starts with the whole previous one (what
    providers cache), until the window would pass `max_turns` turns: then it is compacted —
    its start jumps forward by `compaction_block(max_turns)` turns, keeping the last few. So a
    compaction (the one request whose history is not cached) comes once every
    `compaction_block` turns, and the window stays between the kept turns and `max_turns`.
    """
    starts = [i for i, m in enumerate(history) if isinstance(m, HumanMessage)]
    if len(starts) <= max_turns:
        return history, 0
    block = compaction_block(max_turns)
    first = ((len(starts) - max_turns - 1) // block + 1) * block
    return history[starts[first] :], first


def drop_last_turn(history: list[BaseMessage], said: str) -> None:
    """Forget the last turn if it began with `said` (a retry replaces it in the model's view)."""
    for index in range(len(history) - 1, -1, -1):
        if isinstance(history[index], HumanMessage):
            if history[index].text == said:
                del history[index:]
            return


def clean_message(text: str) -> str:
    """Normalise learner text: NFC, no control characters, trimmed."""
    text = unicodedata.normalize("NFC", text or "")
    return _CONTROL.sub("", text).strip()


def history_from_transcript(records: list[Any]) -> list[BaseMessage]:
    """Rebuild the model's view of a stored session: each learner turn, the tool calls and
    results of its reply (stored with it), and the model's own words — the same messages the
    session held in memory. Command turns (/help, /progress …) were never part of the model's
    conversation; replies stored before tool results were kept give their shown text."""
    messages: list[BaseMessage] = []
    for index, record in enumerate(records):
        reply = records[index + 1] if index + 1 < len(records) else None
        if record.role == "user" and not (reply is not None and is_command(reply)):
            meta = reply.meta if reply is not None and isinstance(reply.meta, dict) else {}
            note, state = meta.get(NOTE_KEY), meta.get(NOTE_STATE_KEY)
            pinned: dict[str, Any] = {NOTE_KEY: note} if isinstance(note, str) and note else {}
            if pinned and isinstance(state, dict):
                pinned[NOTE_STATE_KEY] = state
            messages.append(HumanMessage(record.content, additional_kwargs=pinned))
        elif record.role == "assistant" and record.content and not is_command(record):
            messages += stored_reply(record)
    return messages


def stored_reply(record: Any) -> list[BaseMessage]:
    """A stored reply as the model saw it: its tool rounds, then its own words."""
    meta = record.meta if isinstance(record.meta, dict) else {}
    tools = [t for t in meta.get("tools") or [] if isinstance(t, dict)]
    if not all("id" in t and "content" in t for t in tools) or "model_text" not in meta:
        return [AIMessage(model_safe_reply(record))]
    out: list[BaseMessage] = []
    for tool in tools:
        call = {"name": tool["name"], "args": tool.get("args") or {}, "id": tool["id"]}
        out.append(AIMessage("", tool_calls=[{**call, "type": "tool_call"}]))
        status = "success" if tool.get("ok", True) else "error"
        out.append(
            ToolMessage(
                str(tool["content"]), tool_call_id=tool["id"], name=tool["name"], status=status
            )
        )
    words = str(meta.get("model_text") or "")
    out.append(AIMessage(words if words.strip() else model_safe_reply(record)))
    return out


def is_command(record: Any) -> bool:
    return record.role == "assistant" and bool((record.meta or {}).get("command"))


def model_safe_reply(record: Any) -> str:
    """A stored reply as a model may see it again: a grading turn's words can hold the
    revealed explanation (the app shows it), which a model must never receive."""
    tools = (record.meta or {}).get("tools") or [] if isinstance(record.meta, dict) else []
    if any(isinstance(t, dict) and t.get("name") == GRADE for t in tools):
        return "(The tutor showed the grader's verdict on the learner's quiz answer.)"
    return record.content
