"""Tool calls a model wrote as text, found while its answer streams.

Small local models rarely send structured `tool_calls`; they write the call in their text:
`<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, a JSON object with `name`
and `arguments` (or `parameters`) on its own or inside a sentence, or the same object in a
fenced ```json block.
`ToolCallFilter` sits between the stream and the learner: it holds back any text that may
be the start of such a call, turns a complete one into a `TextCall` (the engine runs it like
a structured call) and releases everything else unchanged. A block in tool-call form that
cannot be read is never shown raw: it becomes a `TextCall` with an `error`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

TAG_OPEN, TAG_CLOSE = "<tool_call>", "</tool_call>"
FENCE = "```"
Mode = Literal["tag", "fence", "json"]
_JSON_START = re.compile(r'\{\s*"')
# The start of a tool call in JSON: {"name": ... or {"function": ...
_CALL_SHAPE = re.compile(r'\s*\[?\s*\{\s*"(name|function)"\s*:')


@dataclass(frozen=True)
class TextCall:
    """A tool call found in text; `error` says why it could not be used."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class ToolCallFilter:
    """Feed streamed text in; get back the text safe to show now; read `calls` at the end."""

    def __init__(self) -> None:
        self.calls: list[TextCall] = []
        self._pending = ""  # text not yet shown: a possible or certain start of a call
        self._mode: Mode | None = None
        self._line_start = True  # the shown text so far ends a line (or nothing shown yet)

    def feed(self, text: str) -> str:
        self._pending += text
        shown: list[str] = []
        while self._pending:
            if self._mode is None:
                if not self._scan(shown):
                    break
            elif not self._close_block(shown, final=False):
                break
        return self._emit(shown)

    def finish(self) -> str:
        """The stream ended: settle whatever is still held."""
        shown: list[str] = [self.feed("")]
        if self._mode is not None:
            self._close_block(shown, final=True)
        self._show(shown, self._pending)
        self._pending = ""
        return self._emit(shown)

    # -- finding a start ------------------------------------------------------------------

    def _scan(self, shown: list[str]) -> bool:
        """Show text up to the next possible call; True when a block was opened."""
        start, mode = self._next_start()
        if mode is not None:
            self._show(shown, self._pending[:start])
            self._pending = self._pending[start:]
            self._mode = mode
            return True
        keep = self._possible_start()
        self._show(shown, self._pending[:keep])
        self._pending = self._pending[keep:]
        return False

    def _next_start(self) -> tuple[int, Mode | None]:
        """(index, mode) of the first certain start, or (len, None) when there is none."""
        text, best = self._pending, (len(self._pending), None)
        tag = text.find(TAG_OPEN)
        if tag >= 0:
            best = (tag, "tag")
        inline = _JSON_START.search(text)  # a JSON object mid-line: {"name": ...
        if inline and inline.start() < best[0]:
            best = (inline.start(), "json")
        for line_at in self._line_starts():
            if line_at >= best[0]:
                break
            rest = text[line_at:].lstrip(" \t")
            at = len(text) - len(rest)
            if rest.startswith(FENCE):
                return (at, "fence") if at < best[0] else best
            if rest.startswith("{"):
                return (at, "json") if at < best[0] else best
        return best

    def _line_starts(self) -> list[int]:
        starts = [0] if self._line_start else []
        starts += [i + 1 for i, c in enumerate(self._pending) if c == "\n"]
        return starts

    def _possible_start(self) -> int:
        """How much of the pending text can be shown: all but a tail that may begin a call."""
        text = self._pending
        keep = len(text)
        for size in range(min(len(TAG_OPEN) - 1, len(text)), 0, -1):
            if TAG_OPEN.startswith(text[-size:]):
                keep = len(text) - size
                break
        brace = text.rfind("{")
        if brace >= 0 and not text[brace + 1 :].strip():
            keep = min(keep, brace)  # "{" at the end: it may open a JSON call
        line = text.rfind("\n") + 1 if "\n" in text else (0 if self._line_start else -1)
        if line >= 0:
            tail = text[line:].lstrip(" \t")
            if FENCE.startswith(tail) or not tail:
                keep = min(keep, line)
        return keep

    # -- closing a block --------------------------------------------------------------------

    def _close_block(self, shown: list[str], *, final: bool) -> bool:
        """Read a whole held block when it is complete (or the stream ended)."""
        end = self._block_end()
        if end is None and not final:
            return False
        block = self._pending if end is None else self._pending[:end]
        self._pending = "" if end is None else self._pending[end:]
        mode, self._mode = self._mode, None
        inner = _inner(block, mode)
        call = read_call(inner)
        if call is not None:
            self.calls.append(call)
            self._line_start = True
        elif mode == "tag" or _CALL_SHAPE.match(inner):
            # A call cut short or garbled (often by the length limit): never shown raw.
            self.calls.append(TextCall("", error="The tool call was not valid JSON."))
        else:
            self._show(shown, block)  # a JSON example or a code block: ordinary text
        return True

    def _block_end(self) -> int | None:
        text = self._pending
        if self._mode == "tag":
            at = text.find(TAG_CLOSE)
            return None if at < 0 else at + len(TAG_CLOSE)
        if self._mode == "fence":
            first_line_end = text.find("\n")
            if first_line_end < 0:
                return None
            at = text.find(FENCE, first_line_end)
            return None if at < 0 else at + len(FENCE)
        return balanced_end(text)

    def _show(self, shown: list[str], text: str) -> None:
        if text:
            shown.append(text)
            self._line_start = text.endswith("\n")

    @staticmethod
    def _emit(shown: list[str]) -> str:
        return "".join(shown)


def _inner(block: str, mode: Mode | None) -> str:
    block = block.strip()
    if mode == "tag":
        return block.removeprefix(TAG_OPEN).removesuffix(TAG_CLOSE).strip()
    if mode == "fence":
        body = block.removeprefix(FENCE).removesuffix(FENCE)
        first, _, rest = body.partition("\n")
        return rest.strip() if first.strip().isalpha() or not first.strip() else body.strip()
    return block


def balanced_end(text: str) -> int | None:
    """The end of the JSON object `text` starts with (after spaces), or None if unfinished."""
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def read_call(text: str) -> TextCall | None:
    """A tool call from JSON text in the common shapes, or None when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("function"), dict):
        data = data["function"]
    name = data.get("name")
    if not isinstance(name, str) or not ({"arguments", "parameters"} & data.keys()):
        return None
    args = data.get("arguments", data.get("parameters"))
    if isinstance(args, str):  # the OpenAI wire form: arguments as a JSON string
        try:
            args = json.loads(args or "{}")
        except json.JSONDecodeError:
            return TextCall(name, error=f"The arguments for {name} were not valid JSON.")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return TextCall(name, error=f"The arguments for {name} must be a JSON object.")
    return TextCall(name, args)
