"""What the web page shows, as plain data (no gradio here, so it is quick to test).

`ChatView` turns the engine's events into Gradio chat message dicts: streamed text, tool calls
as collapsible "thought" messages with their real output and duration, and notices as a short
⚠ line. The stepper, progress and transcript renderings live here too.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tutor.events import Event, Notice, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.render import TOOL_TITLES
from tutor.tools import DEMO

if TYPE_CHECKING:
    from tutor.engine import TutorSession

Message = dict[str, Any]

STATUS_NOTES = {
    "interrupted": "⚠ This answer was interrupted (the server stopped). Ask again to continue.",
    "in_progress": "⚠ This answer was interrupted. Ask again to continue.",
    "cut_off": "⚠ This answer was cut off.",
}


def tool_title(name: str, ok: bool = True) -> str:
    title = TOOL_TITLES.get(name, f"Ran {name}")
    return title if ok else f"{title} (failed)"


def tool_body(name: str, display: str, ok: bool = True) -> str:
    """A tool's result as the learner sees it (the engine's `display`): the demo as code."""
    if not ok:
        return f"⚠ {display}"
    if name == DEMO:
        printed, _, analysis = display.partition("\n\n")
        return f"```text\n{printed.rstrip()}\n```\n\n{analysis.strip()}".rstrip()
    return display


def text_of(content: Any) -> str:
    """Gradio 6 hands chat content back as a list of parts; keep the text of each."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, Iterable):
        return "".join(text_of(part) for part in content)
    return ""


def normalise(message: dict[str, Any]) -> Message:
    """A chat message from the browser as a plain dict with string content."""
    out: Message = {
        "role": message.get("role", "assistant"),
        "content": text_of(message.get("content")),
    }
    metadata = {k: v for k, v in (message.get("metadata") or {}).items() if v is not None}
    if metadata:
        out["metadata"] = metadata
    return out


MAX_MESSAGES = 400  # the page keeps the recent conversation; the store keeps it all


class ChatView:
    """The chat as a list of message dicts, updated event by event."""

    def __init__(self, messages: Sequence[dict[str, Any]] = ()) -> None:
        self.messages: list[Message] = [normalise(m) for m in messages]
        self._tools: dict[str, int] = {}
        self._text: int | None = None  # index of the answer message being streamed

    def user(self, text: str) -> None:
        """A new learner message (which starts a turn: older messages may be let go)."""
        if len(self.messages) >= MAX_MESSAGES:
            del self.messages[: len(self.messages) - MAX_MESSAGES + 1]
        self.messages.append({"role": "user", "content": text})
        self._tools.clear()  # indices of the previous turn's tool calls
        self._text = None

    def apply(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._append_text(event.text)
        elif isinstance(event, ToolStarted):
            self._tool_started(event)
        elif isinstance(event, ToolFinished):
            self._tool_finished(event)
        elif isinstance(event, Notice):
            self.messages.append({"role": "assistant", "content": f"⚠ {event.message}"})
            self._text = None
        elif isinstance(event, TurnDone):
            self._text = None

    def snapshot(self) -> list[Message]:
        """Fresh dicts every time: Gradio must see new objects to stream an update."""
        return copy.deepcopy(self.messages)

    def _append_text(self, text: str) -> None:
        if self._text is None:
            self.messages.append({"role": "assistant", "content": ""})
            self._text = len(self.messages) - 1
        self.messages[self._text]["content"] += text

    def _tool_started(self, event: ToolStarted) -> None:
        self.messages.append(
            {
                "role": "assistant",
                "content": "…",
                "metadata": {
                    "title": tool_title(event.name),
                    "status": "pending",
                    "id": event.call_id,
                },
            }
        )
        self._tools[event.call_id] = len(self.messages) - 1
        self._text = None  # text after a tool call starts a new bubble below it

    def _tool_finished(self, event: ToolFinished) -> None:
        index = self._tools.get(event.call_id)
        message = {
            "role": "assistant",
            "content": tool_body(event.name, event.display, event.ok),
            "metadata": {
                "title": tool_title(event.name, event.ok),
                "status": "done",
                "duration": round(event.duration_s, 3),
                "id": event.call_id,
            },
        }
        if index is None:
            self.messages.append(message)
        else:
            self.messages[index] = message
        self._text = None


def transcript_messages(records: Iterable[Any]) -> list[Message]:
    """Rebuild the chat from stored turns: learner and tutor text, tool results, statuses."""
    messages: list[Message] = []
    for record in records:
        if record.role == "user":
            messages.append({"role": "user", "content": record.content})
            if record.status in ("interrupted", "in_progress"):
                messages.append({"role": "assistant", "content": STATUS_NOTES[record.status]})
        elif record.role == "assistant":
            messages += stored_tools(record.meta)
            if record.content:
                messages.append({"role": "assistant", "content": record.content})
            if record.status == "cut_off" and not record.content.endswith("cut off]"):
                messages.append({"role": "assistant", "content": STATUS_NOTES["cut_off"]})
        elif record.role == "notice":
            messages.append({"role": "assistant", "content": f"⚠ {record.content}"})
    return messages


def stored_tools(meta: dict[str, Any]) -> list[Message]:
    """The tool calls a stored turn made, as done "thought" messages (no duration is stored)."""
    tools = meta.get("tools") if isinstance(meta, dict) else None
    out: list[Message] = []
    for tool in tools or []:
        if not isinstance(tool, dict) or "name" not in tool:
            continue
        ok = bool(tool.get("ok", True))
        out.append(
            {
                "role": "assistant",
                "content": tool_body(
                    tool["name"], str(tool.get("display") or tool.get("output", "")), ok
                ),
                "metadata": {"title": tool_title(tool["name"], ok), "status": "done"},
            }
        )
    return out


def final_text(view: ChatView, start: int) -> str:
    """The reply as one string for API clients: answer text and notices since `start`."""
    parts = [
        m["content"]
        for m in view.messages[start:]
        if m["role"] == "assistant" and "metadata" not in m and m["content"]
    ]
    return "\n\n".join(parts)


def stepper_html(session: TutorSession) -> str:
    """The three try-it prompts as a checklist; the next one highlighted, an end state after."""
    step, total = session.guided_step, session.steps_total
    items = []
    for index, guided in enumerate(session.pack.steps):
        state = "done" if index < step else "current" if index == step else "todo"
        mark = {"done": "✓", "current": "▶", "todo": str(index + 1)}[state]
        items.append(
            f'<li class="step {state}" data-state="{state}">'
            f'<span class="mark">{mark}</span><div><b>{html.escape(guided.title)}</b>'
            f'<div class="prompt">{html.escape(guided.prompt)}</div></div></li>'
        )
    end = ""
    if step >= total:
        end = (
            '<p class="steps-end" id="steps-end">All three try-it prompts done. '
            "Take the quiz, plan your own team, or ask anything.</p>"
        )
    head = f'<p class="steps-head">Try-it prompts: <b>{min(step, total)}/{total}</b> done</p>'
    return f'<div class="tutor-steps">{head}<ol>{"".join(items)}</ol>{end}</div>'


def next_label(session: TutorSession) -> tuple[str, bool]:
    """The Next button's label and whether it can be clicked."""
    step, total = session.guided_step, session.steps_total
    if step >= total:
        return "All prompts done ✓", False
    return f"Next prompt ({step + 1}/{total})", True
