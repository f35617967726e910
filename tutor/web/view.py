"""What the chat shows, as plain data (no gradio here, so it is quick to test).

`ChatView` turns the engine's events into Gradio chat message dicts: streamed text, tool calls
as collapsed "thought" steps (the call and a one-line summary; the artifact itself is in the
answer), notices and turn statuses as a note after the text they concern, and learner
messages still waiting in the queue as pending bubbles at the end. `transcript_messages`
rebuilds the same view from the store after a reload or a restart.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from tutor.engine.events import (
    Event,
    LessonFallback,
    Notice,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnDone,
)
from tutor.engine.notices import ABANDONED, CUT_OFF, CUT_OFF_MARK, INTERRUPTED, STOPPED
from tutor.engine.progress import offered_lines
from tutor.tools.presentation import TOOL_TITLES

Message = dict[str, Any]

# Why an answer ended early, when the engine's own notice is not there to say it (a turn
# whose process died has no reply row). Retry is offered under the chat.
STATUS_NOTES = {
    "stopped": STOPPED,
    "interrupted": INTERRUPTED,
    "in_progress": ABANDONED,
    "cut_off": CUT_OFF,
}
UNFINISHED = ("stopped", "interrupted", "in_progress")
QUEUED_NOTE = '<span class="queued-note">Waiting: answered after the current reply</span>'
#: shown while a model reads the message, until its first own word (the page's script adds
#: the seconds: `tutor.web.style.READING_JS`)
READING = '<span class="tutor-reading">The model is reading your message…</span>'
SLOW_TOOL_S = 1.0  # a tool's duration is shown only when a learner would notice it
MAX_MESSAGES = 400  # the page keeps the recent conversation; the store keeps it all

# Slash commands are the terminal's words; on the page the same actions are buttons.
BUTTONS = {
    "/next": "Next prompt",
    "/quiz": "Quiz me",
    "/reset": "Reset conversation",
    "/export": "Export transcript",
    "/progress": "Progress",
    "/retry": "Retry",
}
_COMMAND = re.compile(
    r"(?:\b(type|press|use|try)\s+)?`?(?<![\w/])(/(?:"
    + "|".join(c[1:] for c in BUTTONS)
    + r"))(?![\w/-])`?(\s*\(or press [^)]*\))?",
    re.I,
)


def as_buttons(text: str) -> str:
    """A reply's slash commands as the page's buttons ("type /quiz" -> "press **Quiz me**")."""

    def button(match: re.Match[str]) -> str:
        name = f"**{BUTTONS[match.group(2).lower()]}**"
        verb = match.group(1)
        if verb:
            return f"{'Press' if verb[0].isupper() else 'press'} {name}"
        return name

    return _COMMAND.sub(button, text)


#: the key under which a reply's message dict keeps the questions it offered (as data from the
#: engine's `TurnDone.offered` or the stored meta; removed before the dict reaches Gradio)
OFFERED = "offered"
OFFER_INTRO = "Questions I can answer"


def with_offer(
    text: str, offered: Sequence[str], buttons: bool
) -> tuple[str, list[dict[str, str]]]:
    """A reply that offered questions, as the page shows it: with `buttons` (the last message
    of the chat), clickable options that send `/ask N`; otherwise plain bullets."""
    if not offered:
        return text, []
    if buttons:
        options = [{"label": q, "value": f"/ask {n}"} for n, q in enumerate(offered, start=1)]
        return f"{text}\n\n{OFFER_INTRO} — press one to ask it:", options
    return "\n".join([text, "", f"{OFFER_INTRO}:", *(f"- {q}" for q in offered)]), []


def said(text: str, offered: Sequence[str] = ()) -> str:
    """A learner message as shown: a button's command by the button's name ("Quiz me"), and
    `/ask N` by the question it picks from the tutor's latest offer."""
    word = text.strip().lower()
    if word.startswith("/ask"):
        number = word.removeprefix("/ask").strip()
        index = int(number) - 1 if number.isdigit() else -1
        return offered[index] if 0 <= index < len(offered) else text
    return BUTTONS.get(word, text)


def note(status: str, text: str | None = None) -> Message:
    """A status or notice line, set apart from the answer text it follows."""
    body = html.escape(text or STATUS_NOTES.get(status, status))
    return {"role": "assistant", "content": f'<div class="tutor-note note-{status}">{body}</div>'}


def tool_title(name: str, ok: bool = True) -> str:
    title = TOOL_TITLES.get(name, f"Ran {name}")
    return title if ok else f"{title} (failed)"


def tool_summary(name: str, args: dict[str, Any] | None, display: str, ok: bool = True) -> str:
    """A tool step as shown: the call, then the engine's one-line summary of its result (the
    artifact itself is part of the answer, so it is not repeated here)."""
    call = f"`{name}({_args(args)})`"
    if not ok:
        return f"{call}\n\nFailed: {_first_line(display)}"
    return f"{call}\n\n{_first_line(display)}"


def _args(args: dict[str, Any] | None) -> str:
    shown = []
    for key, value in (args or {}).items():
        text = value if isinstance(value, str) else repr(value)
        shown.append(f"{key}={text[:40] + '…' if len(text) > 40 else text}")
    return ", ".join(shown)


def _first_line(text: str) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line[:160] + ("…" if len(line) > 160 else "")


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
    if message.get(OFFERED):
        out[OFFERED] = [str(q) for q in message[OFFERED]]
    return out


def tool_message(
    name: str,
    args: dict[str, Any] | None,
    display: str,
    ok: bool,
    duration: float | None = None,
    call_id: str | None = None,
) -> Message:
    metadata: dict[str, Any] = {"title": tool_title(name, ok), "status": "done"}
    if duration is not None and duration >= SLOW_TOOL_S:
        metadata["duration"] = round(duration, 1)
    if call_id:
        metadata["id"] = call_id
    return {
        "role": "assistant",
        "content": tool_summary(name, args, display, ok),
        "metadata": metadata,
    }


class ChatView:
    """The chat as a list of message dicts, updated event by event, plus the waiting queue."""

    def __init__(
        self, messages: Sequence[dict[str, Any]] = (), queued: Iterable[tuple[int, str]] = ()
    ) -> None:
        self.messages: list[Message] = [normalise(m) for m in messages]
        #: learner messages waiting for their turn: (queue id, text), oldest first
        self.queued: list[tuple[int, str]] = list(queued)
        self._tools: dict[str, int] = {}
        self._text: int | None = None  # index of the answer message being streamed
        self.status: str | None = None  # how the last turn ended ("complete", "stopped", …)
        self._noticed = False  # the engine said why this turn ended early
        self._heard = True  # the model's own words (or the turn's end) came for this turn

    def enqueue(self, item_id: int, text: str) -> None:
        if all(i != item_id for i, _ in self.queued):
            self.queued.append((item_id, text))

    def user(self, text: str, item_id: int | None = None) -> None:
        """A new learner message starts its turn (leaving the queue if it waited there)."""
        self.queued = [(i, t) for i, t in self.queued if i != item_id]
        if len(self.messages) >= MAX_MESSAGES:
            del self.messages[: len(self.messages) - MAX_MESSAGES + 1]
        self.messages.append({"role": "user", "content": text})
        self._tools.clear()  # indices of the previous turn's tool calls
        self._text = None
        self.status = None
        self._noticed = False
        self._heard = False

    def apply(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._heard = self._heard or event.source == "model"
            self._append_text(event.text)
        elif isinstance(event, ToolStarted):
            self._tool_started(event)
        elif isinstance(event, ToolFinished):
            self._tool_finished(event)
        elif isinstance(event, Notice):
            self._strip_cut_mark()
            self.messages.append(note("notice", event.message))
            self._noticed = True
            self._text = None
        elif isinstance(event, LessonFallback):
            self._fold(event)
        elif isinstance(event, TurnDone):
            self.end(event.status)
            self._offer(event.offered)

    def end(self, status: str) -> None:
        """The turn is over; an unfinished one has a note after its partial text."""
        if status in UNFINISHED and not self._noticed:
            self._strip_cut_mark()
            self.messages.append(note(status))
            self._noticed = True
        self.status = status
        self._text = None
        self._heard = True

    def snapshot(self, busy: bool = True, reading: bool = False) -> list[Message]:
        """Fresh dicts every time: Gradio must see new objects to stream an update.

        Queued messages come last, marked as waiting (when nothing runs, the first of them
        is about to start, so it is not marked). Questions the last reply offers are buttons
        under it once nothing runs (`with_suggestions`). With `reading` (a model that makes
        the learner wait), a running turn shows that the model is reading until its first
        own word: what the app shows meanwhile (the demo, the planner) is not the model's.
        """
        shown = copy.deepcopy(self.messages)
        # Options show under the chat's last message, once its answer is complete.
        last = len(shown) - 1 if not (self.queued or busy) else -1
        for index, message in enumerate(shown):
            offered = message.pop(OFFERED, [])
            if message["role"] == "user":
                message["content"] = said(message["content"])
            elif "metadata" not in message:
                text, options = with_offer(message["content"], offered, index == last)
                message["content"] = as_buttons(text)
                if options:
                    message["options"] = options
        if reading and busy and not self._heard and self.status is None:
            shown.append({"role": "assistant", "content": READING})
        for index, (_, text) in enumerate(self.queued):
            mark = f"\n\n{QUEUED_NOTE}" if busy or index else ""
            shown.append({"role": "user", "content": f"{said(text, self.latest_offer)}{mark}"})
        return shown

    @property
    def latest_offer(self) -> list[str]:
        """The questions the latest reply that offered any offered (what `/ask N` picks)."""
        return next((m[OFFERED] for m in reversed(self.messages) if m.get(OFFERED)), [])

    def _fold(self, event: LessonFallback) -> None:
        # The model's words end the answer bubble: the lesson's answer takes their place,
        # with the model's words folded under it.
        if self._text is not None:
            content = self.messages[self._text]["content"]
            if content.endswith(event.tail):
                kept = content[: len(content) - len(event.tail)]
                self.messages[self._text]["content"] = kept + event.text.lstrip("\n")
                return
        self._append_text(event.text)

    def _offer(self, offered: Sequence[str]) -> None:
        # Kept on the reply's last text message: the page shows them under it.
        text = next((m for m in reversed(self.messages) if m["role"] == "assistant"), None)
        if offered and text is not None and "metadata" not in text:
            text[OFFERED] = list(offered)

    def _append_text(self, text: str) -> None:
        if self._text is None:
            self.messages.append({"role": "assistant", "content": ""})
            self._text = len(self.messages) - 1
        self.messages[self._text]["content"] += text

    def _strip_cut_mark(self) -> None:
        # The note after the text says why it ended; the engine's inline mark would repeat it.
        if self._text is not None:
            content = self.messages[self._text]["content"]
            self.messages[self._text]["content"] = strip_cut_mark(content)

    def _tool_started(self, event: ToolStarted) -> None:
        self.messages.append(
            {
                "role": "assistant",
                "content": f"`{event.name}({_args(event.args)})`",
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
        message = tool_message(
            event.name,
            event.args,
            event.display or event.output,
            event.ok,
            event.duration_s,
            event.call_id,
        )
        if index is None:
            self.messages.append(message)
        else:
            self.messages[index] = message
        self._text = None


def strip_cut_mark(text: str) -> str:
    return text[: -len(CUT_OFF_MARK)].rstrip() if text.endswith(CUT_OFF_MARK) else text


def transcript_messages(records: Iterable[Any]) -> list[Message]:
    """Rebuild the chat from stored turns: learner and tutor text, tool steps where they ran,
    and, after an answer that did not finish, why (the engine's notice, kept in its meta).
    Queued messages are left out (the view shows them as pending)."""
    messages: list[Message] = []
    waiting: str | None = None  # status of a learner turn with no reply row yet
    for record in records:
        if record.status == "queued":
            continue
        if record.role == "user":
            _no_reply(messages, waiting)
            messages.append({"role": "user", "content": record.content})
            waiting = record.status
        elif record.role == "assistant":
            messages += reply_messages(strip_cut_mark(record.content), record.meta)
            notice = (record.meta or {}).get("notice") if isinstance(record.meta, dict) else None
            if isinstance(notice, dict) and notice.get("message"):
                messages.append(note("notice", str(notice["message"])))
            elif record.status in UNFINISHED or record.status == "cut_off":
                messages.append(note(record.status))
            waiting = None
        elif record.role == "notice":
            messages.append(note("notice", record.content))
    _no_reply(messages, waiting)
    return messages


def _no_reply(messages: list[Message], status: str | None) -> None:
    # A learner turn whose process died before any reply was stored.
    if status in UNFINISHED:
        messages.append(note(status))


def reply_messages(content: str, meta: Any) -> list[Message]:
    """A stored reply with its tool steps placed where they ran (`at`: characters of the
    reply before the call, when the engine recorded it; otherwise the steps come first)."""
    tools = [t for t in ((meta or {}).get("tools") or []) if isinstance(t, dict) and "name" in t]
    out: list[Message] = []
    done = 0
    for tool in tools:
        at = tool.get("at")
        at = done if not isinstance(at, int) else max(done, min(at, len(content)))
        if content[done:at].strip():
            out.append({"role": "assistant", "content": content[done:at].strip()})
        done = at
        out.append(
            tool_message(
                tool["name"],
                tool.get("args"),
                str(tool.get("display") or tool.get("output", "")),
                bool(tool.get("ok", True)),
            )
        )
    if content[done:].strip():
        out.append({"role": "assistant", "content": content[done:].strip()})
    offered = (meta or {}).get(OFFERED) if isinstance(meta, dict) else None
    if offered and out and "metadata" not in out[-1]:
        out[-1][OFFERED] = [str(q) for q in offered]
    return out


def final_text(view: ChatView, start: int) -> str:
    """The reply as one string for API clients: answer text and notices since `start`."""
    parts = []
    for m in view.messages[start:]:
        if m["role"] != "assistant" or "metadata" in m or not m["content"]:
            continue
        content = m["content"]
        if content.startswith('<div class="tutor-note'):
            content = "⚠ " + html.unescape(re.sub(r"<[^>]+>", "", content))
        parts.append("\n".join([content, "", *offered_lines(m.get(OFFERED) or [])]).rstrip())
    return "\n\n".join(parts)
