"""Every answer is bounded: the learner's Stop, a whole-answer time limit, and a stop when
the model repeats itself (max_tokens is the backend's). Each ends the stream early; the turn
keeps the partial text and says why."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, TypeVar

T = TypeVar("T")
Reason = Literal["stopped", "timeout"]


class StreamEnded(Exception):
    """The guard ended a stream early; `reason` says why."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


class Guard:
    """One turn's Stop button and deadline. `stop()` may be called from any task."""

    def __init__(self, seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self.deadline = self._loop.time() + seconds
        self.reason: Reason | None = None
        self._pump: asyncio.Task[None] | None = None

    def stop(self) -> None:
        self._end("stopped")

    def check(self) -> None:
        """Raise StreamEnded if the turn should end now (between steps of a turn)."""
        if self.reason is None and self._loop.time() >= self.deadline:
            self.reason = "timeout"
        if self.reason is not None:
            raise StreamEnded(self.reason)

    def _end(self, reason: Reason) -> None:
        self.reason = self.reason or reason
        if self._pump is not None:
            self._pump.cancel()

    async def guarded(self, chunks: AsyncGenerator[T, None]) -> AsyncIterator[T]:
        """`chunks`, ended at once by Stop or the deadline, even while the server is silent.

        The backend stream runs in its own task (pumped into a queue), so cancelling it
        never touches the task that consumes this generator.
        """
        self.check()
        queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        self._pump = asyncio.ensure_future(_pump(chunks, queue))
        timer = self._loop.call_at(self.deadline, self._end, "timeout")
        try:
            while True:
                kind, value = await queue.get()
                if self.reason is not None:  # chunks already pumped must not outrun a Stop
                    raise StreamEnded(self.reason)
                if kind == "chunk":
                    yield value  # type: ignore[misc]
                elif kind == "error":
                    raise value  # type: ignore[misc]
                elif kind == "cancelled":
                    raise StreamEnded(self.reason or "stopped")
                else:
                    return
        finally:
            timer.cancel()
            pump, self._pump = self._pump, None
            if not pump.done():
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump


async def _pump(chunks: AsyncGenerator[T, None], queue: asyncio.Queue) -> None:
    try:
        async with contextlib.aclosing(chunks) as stream:
            async for chunk in stream:
                queue.put_nowait(("chunk", chunk))
    except asyncio.CancelledError:
        queue.put_nowait(("cancelled", None))
        raise
    except Exception as exc:  # handed to the consumer, which knows what it means
        queue.put_nowait(("error", exc))
        return
    queue.put_nowait(("end", None))


@dataclass
class Repetition:
    """Spots a model repeating itself: the same unit of text (a long line, a sentence, a
    paragraph) three times in a row at the end of the answer.

    `min_unit` and `distinct` keep tables and rules ("|---|", "=====") from counting.
    """

    min_unit: int = 24
    max_unit: int = 800
    copies: int = 3
    distinct: int = 8
    every: int = 96
    _text: str = ""
    _checked: int = 0

    def feed(self, text: str) -> bool:
        self._text += text
        if len(self._text) - self._checked < self.every and "\n" not in text:
            return False
        self._checked = len(self._text)
        return self.repeating()

    def repeating(self) -> bool:
        # Candidate unit lengths come from earlier places where the answer's last `key`
        # characters occurred, so a check costs a few string searches, not one per length.
        t, n, key_len = self._text, len(self._text), 16
        if n < self.min_unit * self.copies:
            return False
        key, lo = t[n - key_len :], max(0, n - self.copies * self.max_unit)
        pos = t.rfind(key, lo, n - 1)
        while pos >= 0:
            unit = n - (pos + key_len)
            if unit > self.max_unit:
                break
            if unit >= self.min_unit and self._repeats(t, n, unit):
                return True
            pos = t.rfind(key, lo, pos + key_len - 1)
        return False

    def _repeats(self, t: str, n: int, unit: int) -> bool:
        tail = t[n - unit :]
        copies = range(1, self.copies)
        fits = n >= unit * self.copies
        return (
            fits
            and all(t.endswith(tail, 0, n - k * unit) for k in copies)
            and (len(set(tail)) >= self.distinct)
        )


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = 8000
    max_tool_rounds: int = 4
    history_turns: int = 12
    #: messages kept in memory per session; older whole turns are dropped (the model only
    #: ever sees the window of `history_turns` anyway)
    max_history_messages: int = 400
    #: transcript messages kept in the store per session; older whole turns are pruned
    max_stored_messages: int = 2000
    #: the longest one whole answer may take, tool rounds included (seconds)
    answer_timeout: float = 300.0
    #: strings that must never reach a learner (API keys); redacted from notices
    secrets: tuple[str, ...] = field(default=(), repr=False)
    #: after a try-it prompt's answer, have the model server read the next prompt's request
    #: ahead (TUTOR_WARMUP: a server on this machine or a private network)
    prefill_next_step: bool = False
