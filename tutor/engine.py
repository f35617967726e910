"""TutorSession: one learner's conversation, guided steps, quiz state and the tool loop."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import unicodedata
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from tutor.backends.base import Backend
from tutor.errors import ProviderError
from tutor.events import Event, Notice, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.intents import match_guided
from tutor.lesson import LessonPack, load_pack
from tutor.quiz import Grade, QuizBank, QuizState, default_bank
from tutor.render import display_for
from tutor.store import Store
from tutor.tools import GRADE, ToolOutcome, build_tools, run_tool

log = logging.getLogger(__name__)

CUT_OFF_MARK = " […cut off]"
# C0 and C1 control characters except tab, newline and carriage return. Format characters
# (zero-width joiners, RTL marks) are kept: emoji sequences and right-to-left text need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
INTERNAL_ERROR = (
    "Something went wrong on the tutor's side, so this answer stopped. Your conversation is "
    "saved: send your message again."
)
EMPTY_REPLY = "The model sent an empty answer. Send your message again, or rephrase it."


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = 8000
    max_tool_rounds: int = 4
    history_turns: int = 8
    #: messages kept in memory per session; older whole turns are dropped (the model only
    #: ever sees the window of `history_turns` anyway)
    max_history_messages: int = 400
    #: transcript messages kept in the store per session; older whole turns are pruned
    max_stored_messages: int = 2000
    #: strings that must never reach a learner (API keys); redacted from notices
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass
class _Turn:
    """What one turn produced so far."""

    #: everything the learner has been shown this turn
    text: str = ""
    #: text of the model response being streamed, not yet in the history
    round_text: str = ""
    status: str = "complete"
    usage: dict[str, int] = field(default_factory=dict)
    tools: list[dict[str, Any]] = field(default_factory=list)
    notice: Notice | None = None


class TutorSession:
    """One learner's session. Create one per learner; never share between learners."""

    def __init__(
        self,
        backend: Backend,
        *,
        pack: LessonPack | None = None,
        bank: QuizBank | None = None,
        store: Store | None = None,
        session_id: str | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.backend = backend
        self.pack = pack or load_pack()
        self.quiz_bank = bank or default_bank()
        self.store = store
        self.limits = limits or Limits()
        self.id = session_id or uuid.uuid4().hex
        self.history: list[BaseMessage] = []
        #: turns dropped from memory by `compact` (they stay in the store)
        self.trimmed_turns = 0
        self.guided_step = 0
        self.quiz_state = QuizState()
        self.tools = build_tools(self)
        self._tools_by_name = {t.name: t for t in self.tools}
        self._system = SystemMessage(self.pack.system_prompt([t.name for t in self.tools]))
        self.last_used = time.monotonic()
        if store is not None:
            self._load_or_create()

    # -- public API -------------------------------------------------------------------------

    @property
    def steps_total(self) -> int:
        return len(self.pack.steps)

    @property
    def next_guided_prompt(self) -> str | None:
        if self.guided_step >= self.steps_total:
            return None
        return self.pack.steps[self.guided_step].prompt

    async def send(self, text: str) -> AsyncIterator[Event]:
        """Handle one learner message (or slash command) and stream what happens."""
        self.last_used = time.monotonic()
        from tutor.commands import dispatch  # commands build on this class

        # A learner who pastes the server's key must not send it to the provider or the store.
        text = self.redact(clean_message(text))
        # Checked before commands too, so a huge "/..." is refused, not echoed back.
        refusal = self._refusal(text)
        if refusal is not None:
            yield refusal
            return
        command = dispatch(self, text)
        if command is None:
            if self.asks_next_guided(text):
                self.guided_step += 1
            command = self._turn(text)
        # aclosing: if our consumer leaves, the turn learns it at once (and stores it as
        # interrupted) instead of whenever the garbage collector gets to it.
        async with aclosing(command) as events:
            async for event in events:
                yield event

    async def next_prompt(self) -> AsyncIterator[Event]:
        """Send the next guided try-it prompt verbatim."""
        prompt = self.next_guided_prompt
        if prompt is None:
            message = (
                "You've completed all three try-it prompts. Type /quiz to check "
                "yourself, describe your own team for an allocation, or ask anything."
            )
            yield TextDelta(message)
            yield TurnDone(message, status="command", step=self.guided_step)
            return
        async with aclosing(self.send(prompt)) as events:
            async for event in events:
                yield event

    def asks_next_guided(self, text: str) -> bool:
        """Whether `text` is the next try-it prompt, verbatim or a close paraphrase."""
        if self.guided_step >= self.steps_total:
            return False
        return match_guided(text, [s.prompt for s in self.pack.steps]) == self.guided_step

    def reset(self) -> None:
        """Forget the conversation and progress; a new stored session starts."""
        self.history.clear()
        self.guided_step = 0
        self.quiz_state = QuizState()
        if self.store is not None:
            self.store.delete_session(self.id)
            self.store.create_session(self.id, backend=self.backend.label)

    def record_grade(self, result: Grade, answer: str) -> None:
        if self.store is not None:
            self.store.record_attempt(
                self.id, result.question_id, answer, result.verdict, result.attempt
            )
        self.save_progress()

    # -- the turn -------------------------------------------------------------------------

    def _refusal(self, text: str) -> Notice | None:
        """Why a (cleaned) message is not sent at all, or None when it may go."""
        if not text:
            return Notice("empty", self.pack.offline.empty_hint)
        if len(text) > self.limits.max_message_chars:
            return Notice(
                "too_long",
                f"That message is {len(text):,} characters; the limit is "
                f"{self.limits.max_message_chars:,}. Shorten it and send it again.",
            )
        return None

    async def _turn(self, text: str) -> AsyncIterator[Event]:
        """One learner message through the tool loop. Whatever happens, the turn is stored
        and the history is left valid for the next message."""
        turn_id = self.store.begin_turn(self.id, text) if self.store is not None else None
        start = len(self.history)
        self.history.append(HumanMessage(text))
        turn = _Turn()
        settled = False
        try:
            async with aclosing(self._tool_loop(turn)) as loop:
                async for event in loop:
                    yield event
            if not turn.text and not turn.tools and turn.status == "complete":
                yield self._notice(turn, "error", "empty_reply", EMPTY_REPLY)
        except Exception as exc:  # a bug must cost one answer, never the learner's session
            log.error(
                "turn failed in session %s:\n%s",
                self.id,
                self.redact("".join(traceback.format_exception(exc))),
            )
            for event in self._cut(turn, "internal", INTERNAL_ERROR):
                yield event
        else:
            settled = True
        finally:
            if not settled and turn.notice is None:
                # The consumer went away mid-turn (page closed, request cancelled).
                turn.status = "interrupted"
                if turn.text:
                    turn.text += CUT_OFF_MARK
            self._settle_history(turn, start)
            self._store_turn(turn_id, turn)
        yield TurnDone(turn.text, status=turn.status, usage=turn.usage, step=self.guided_step)

    async def _tool_loop(self, turn: _Turn) -> AsyncIterator[Event]:
        for _round in range(self.limits.max_tool_rounds + 1):
            message = None
            async with aclosing(self._stream_reply(turn)) as reply:
                async for event in reply:
                    if isinstance(event, AIMessageChunk):
                        message = event
                    else:
                        yield event
            if message is None:  # failed (a notice was given) or the model sent nothing
                return
            calls = parse_tool_calls(message)
            if not calls:
                self.history.append(AIMessage(turn.round_text))
                turn.round_text = ""
                return
            if _round == self.limits.max_tool_rounds:
                break
            self.history.append(
                AIMessage(turn.round_text, tool_calls=[c.as_tool_call() for c in calls])
            )
            turn.round_text = ""
            for call in calls:
                async for event in self._run_call(call, turn):
                    yield event
        for event in self._cut(
            turn,
            "tool_rounds",
            f"The model kept calling tools after {self.limits.max_tool_rounds} rounds, so I "
            "stopped this answer. Ask again, more specifically, or try another model.",
        ):
            yield event

    async def _stream_reply(self, turn: _Turn) -> AsyncIterator[Event | AIMessageChunk]:
        """Stream one model response; yields text events, then the merged chunk."""
        merged: AIMessageChunk | None = None
        turn.round_text = ""
        try:
            async with aclosing(aiter(self.backend.stream(self._request(), self.tools))) as chunks:
                async for chunk in chunks:
                    merged = chunk if merged is None else merged + chunk
                    if chunk.text:
                        if not turn.round_text and turn.text and not turn.text.endswith("\n\n"):
                            # A new round after a tool call starts a new paragraph, so the
                            # live view and the stored reply read the same.
                            turn.text += "\n\n"
                            yield TextDelta("\n\n")
                        turn.round_text += chunk.text
                        turn.text += chunk.text
                        yield TextDelta(chunk.text)
        except ProviderError as exc:
            for event in self._cut(turn, exc.kind, str(exc)):
                yield event
            return
        if merged is None:
            return
        if merged.usage_metadata:
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                turn.usage[key] = turn.usage.get(key, 0) + int(merged.usage_metadata.get(key, 0))
        finish = merged.response_metadata.get("finish_reason")
        if finish in ("length", "content_filter"):
            why = (
                "it hit the model's length limit"
                if finish == "length"
                else "the provider's content filter stopped it"
            )
            message = f"The answer was cut off: {why}. Ask for a shorter answer or rephrase."
            for event in self._cut(turn, finish, message):
                yield event
            return
        yield merged

    def _cut(self, turn: _Turn, kind: str, message: str) -> list[Event]:
        """End the turn early: mark what the learner saw as cut off, then say why."""
        events: list[Event] = []
        if turn.text:
            turn.text += CUT_OFF_MARK
            events.append(TextDelta(CUT_OFF_MARK))
        events.append(self._notice(turn, "cut_off" if turn.text else "error", kind, message))
        return events

    def _notice(self, turn: _Turn, status: str, kind: str, message: str) -> Notice:
        turn.status = status
        turn.notice = Notice(kind, self.redact(message))
        return turn.notice

    def _settle_history(self, turn: _Turn, start: int) -> None:
        """Leave the history valid for the next request, whatever stopped the turn."""
        if turn.status == "error" and not turn.text:
            # Keep a failed request out of the model's view so a retry can succeed.
            del self.history[start:]
            return
        answer_dangling_calls(self.history, start)
        if turn.round_text:
            # The partial answer stays in view, marked, so the model knows it was cut short.
            mark = "" if turn.status == "complete" else CUT_OFF_MARK
            self.history.append(AIMessage(turn.round_text + mark))
            turn.round_text = ""
        self.compact()

    def _store_turn(self, turn_id: int | None, turn: _Turn) -> None:
        if self.store is not None and turn_id is not None:
            meta: dict[str, Any] = {"tools": turn.tools, "usage": turn.usage}
            if turn.notice is not None:
                meta["notice"] = {"kind": turn.notice.kind, "message": turn.notice.message}
            self.store.finish_turn(turn_id, self.redact(turn.text), meta, status=turn.status)
            self._prune_store()
        self.save_progress()

    # -- bounded resources ------------------------------------------------------------------

    def compact(self) -> None:
        """Bound the in-memory history: drop the oldest whole turns past the cap."""
        block = max(1, self.limits.history_turns // 2)
        self.history, dropped = trim_history(self.history, self.limits.max_history_messages, block)
        self.trimmed_turns += dropped

    def _prune_store(self) -> None:
        """Bound the stored transcript: past the cap, delete the oldest whole turns."""
        assert self.store is not None
        cap = self.limits.max_stored_messages
        if self.store.message_count(self.id) <= cap:
            return
        # Keep from the first learner message inside the newest `cap` rows: whole turns only.
        kept = self.store.transcript(self.id, last=cap)
        first_user = next((i for i, r in enumerate(kept) if r.role == "user"), len(kept))
        self.store.prune_transcript(self.id, len(kept) - first_user)

    async def _run_call(self, call: ToolCallIn, turn: _Turn) -> AsyncIterator[Event]:
        yield ToolStarted(call.id, call.name, call.args)
        started = time.perf_counter()
        tool = self._tools_by_name.get(call.name)
        if call.error:
            outcome = ToolOutcome(call.error, False)
        elif tool is None:
            available = ", ".join(self._tools_by_name)
            outcome = ToolOutcome(
                f"Error: there is no tool named {call.name!r}. Available: {available}.", False
            )
        else:
            outcome = run_tool(tool, call.args, call.id)
        duration = time.perf_counter() - started
        self.history.append(tool_message(call.id, call.name, outcome))
        display = display_for(call.name, outcome)
        turn.tools.append(
            {"name": call.name, "args": call.args, "ok": outcome.ok, "display": display}
        )
        yield ToolFinished(
            call.id, call.name, call.args, outcome.content, duration, outcome.ok, display
        )
        if call.name == GRADE and outcome.ok:
            # The learner reads the grader's verdict verbatim, whatever the model says next:
            # no model can soften it, and a revealed explanation reaches only the learner.
            sep = "\n\n" if turn.text and not turn.text.endswith("\n\n") else ""
            shown = f"{sep}{display}\n\n"
            turn.text += shown
            yield TextDelta(shown)

    # -- the prompt -----------------------------------------------------------------------

    def _request(self) -> list[BaseMessage]:
        """Stable prefix (system prompt with lesson and tools), a window of history, context."""
        window, dropped = history_window(self.history, self.limits.history_turns)
        note = self._context_note(dropped + self.trimmed_turns)
        return [self._system, *window, SystemMessage(note)]

    def _context_note(self, dropped_turns: int) -> str:
        lines = ["Tutor context (from the tutor app, not the learner):"]
        if self.guided_step == 0:
            lines.append("- The learner has not started the three try-it prompts yet.")
        else:
            step = self.pack.steps[self.guided_step - 1]
            must = "; ".join(k.name for k in step.key_points)
            lines.append(
                f"- Guided step {self.guided_step} of {self.steps_total}: "
                f'"{step.title}". Goal: {step.goal} Must cover: {must}.'
            )
            if step.uses_tool:
                lines.append(f"- For this step, call `{step.uses_tool}` and explain its output.")
        summary = self.quiz_state.summary()
        lines.append(f"- Quiz so far: {summary.correct} correct of {summary.answered} answered.")
        if self.quiz_state.current:
            lines.append(
                f"- A quiz question is waiting for an answer: id "
                f"{self.quiz_state.current} (grade it with grade_quiz_answer)."
            )
        if dropped_turns:
            lines.append(
                f"- {dropped_turns} earlier turns are not shown, to keep the prompt short."
            )
        return "\n".join(lines)

    # -- persistence ------------------------------------------------------------------------

    def _load_or_create(self) -> None:
        assert self.store is not None
        progress = self.store.load_progress(self.id)
        if progress is None:
            self.store.create_session(self.id, backend=self.backend.label)
            return
        self.guided_step = progress.guided_step
        if progress.quiz_state_json:
            self.quiz_state = QuizState.model_validate_json(progress.quiz_state_json)
        self.history = history_from_transcript(self.store.transcript(self.id))
        self.compact()

    def save_progress(self) -> None:
        if self.store is not None:
            self.store.save_progress(self.id, self.guided_step, self.quiz_state.model_dump_json())

    def redact(self, text: str) -> str:
        for secret in self.limits.secrets:
            if secret:
                text = text.replace(secret, "[redacted]")
        return text


@dataclass(frozen=True)
class ToolCallIn:
    """A tool call as the model sent it; `error` is set when its arguments were unusable."""

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
        raw = chunk.get("args") or "{}"
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            calls.append(
                ToolCallIn(
                    call_id,
                    name,
                    {},
                    f"Error: the arguments for {name} were "
                    "not valid JSON. Send a JSON object that fits the schema.",
                )
            )
            continue
        if not isinstance(args, dict):
            calls.append(
                ToolCallIn(
                    call_id, name, {}, f"Error: the arguments for {name} must be a JSON object."
                )
            )
            continue
        calls.append(ToolCallIn(call_id, name, args))
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
        while index < len(history):
            result = history[index]
            if not isinstance(result, ToolMessage):
                break
            answered.add(result.tool_call_id)
            index += 1
        missing = [c for c in message.tool_calls if c["id"] not in answered]
        results = [
            ToolMessage(
                "Error: not run (the turn was stopped).",
                tool_call_id=c["id"],
                name=c["name"],
                status="error",
            )
            for c in missing
        ]
        history[index:index] = results
        index += len(results)


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
    """The last turns of history, cut in blocks so the prompt prefix stays cacheable.

    The window start only moves every max_turns/2 turns, so most consecutive requests share
    their whole prefix (what providers cache), and the window stays between max_turns/2 and
    max_turns turns.
    """
    starts = [i for i, m in enumerate(history) if isinstance(m, HumanMessage)]
    if len(starts) <= max_turns:
        return history, 0
    block = max(1, max_turns // 2)
    first = ((len(starts) - max_turns - 1) // block + 1) * block
    return history[starts[first] :], first


def clean_message(text: str) -> str:
    """Normalise learner text: NFC, no control characters, trimmed."""
    text = unicodedata.normalize("NFC", text or "")
    return _CONTROL.sub("", text).strip()


def history_from_transcript(records: list[Any]) -> list[BaseMessage]:
    """Rebuild the model's view of a stored session: learner and tutor text of each turn."""
    messages: list[BaseMessage] = []
    for record in records:
        if record.role == "user":
            messages.append(HumanMessage(record.content))
        elif record.role == "assistant" and record.content:
            messages.append(AIMessage(model_safe_reply(record)))
    return messages


def model_safe_reply(record: Any) -> str:
    """A stored reply as a model may see it again: a grading turn's words can hold the
    revealed explanation (the offline tutor shows it), which a model must never receive."""
    tools = (record.meta or {}).get("tools") or [] if isinstance(record.meta, dict) else []
    if any(isinstance(t, dict) and t.get("name") == GRADE for t in tools):
        return "(The tutor showed the grader's verdict on the learner's quiz answer.)"
    return record.content
