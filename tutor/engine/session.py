"""TutorSession: one learner's conversation, guided progress, quiz state and persistence.

Every turn goes through `TurnRunner.run` (tutor/engine/turn.py): `send` decides what the
turn is (`TurnPlan`: a learner message, with the tools the engine runs for it, or a
command) and hands it over. Stored per turn: the learner's words, then the reply with
meta {"tools", "usage", "model_text" (the model's words only), "parts" (the reply as
{"source": "model"|"app", "text"} pieces), "notice" (why it ended early), "command"}.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, SystemMessage
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend
from tutor.content.pack import LessonPack, load_pack, quiz_bank
from tutor.engine.commands import run_command
from tutor.engine.events import Event, Notice
from tutor.engine.history import (
    clean_message,
    drop_last_turn,
    history_from_transcript,
    history_window,
    is_command,
    trim_history,
)
from tutor.engine.intent import EngineCall, IntentReader, Meaning
from tutor.engine.request import TurnContext, build_request, context_note
from tutor.engine.turn import TurnPlan, TurnRunner
from tutor.quiz import Grade, QuizBank, QuizState
from tutor.store import Store
from tutor.tools.registry import build_tools

log = logging.getLogger(__name__)


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
    #: the longest one whole answer may take, tool rounds included (seconds)
    answer_timeout: float = 300.0
    #: strings that must never reach a learner (API keys); redacted from notices
    secrets: tuple[str, ...] = field(default=(), repr=False)


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
        self.quiz_bank = bank or quiz_bank()
        self.store = store
        self.limits = limits or Limits()
        self.id = session_id or uuid.uuid4().hex
        self.history: list[BaseMessage] = []
        #: turns dropped from memory by `compact` (they stay in the store)
        self.trimmed_turns = 0
        #: try-it prompts whose answer completed
        self.guided_step = 0
        self.quiz_state = QuizState()
        self.tools = build_tools(self)
        self._tools_by_name = {t.name: t for t in self.tools}
        self._system = SystemMessage(self.pack.system_prompt([t.name for t in self.tools]))
        self.intent = IntentReader(self.pack)
        self.runner = TurnRunner(self)
        #: the last learner message whose turn did not complete (what /retry sends)
        self.retry_text: str | None = None
        self.last_used = time.monotonic()
        self._revision: int | None = None  # the store's revision this copy reflects
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

    @property
    def can_retry(self) -> bool:
        return self.retry_text is not None

    async def send(self, text: str, *, queued_id: int | None = None) -> AsyncIterator[Event]:
        """Handle one learner message (or slash command) and stream what happens."""
        self.last_used = time.monotonic()
        # A learner who pastes the server's key must not send it to the provider or the store.
        text = self.redact(clean_message(text))
        # Checked before commands too, so a huge "/..." is refused, not echoed back.
        refusal = self._refusal(text)
        if refusal is not None:
            yield refusal
            return
        # Another tutor process may have answered this learner since we loaded them.
        self.refresh_from_store()
        # aclosing: if our consumer leaves, the turn learns it at once (and stores it as
        # interrupted) instead of whenever the garbage collector gets to it.
        try:
            async with aclosing(self.runner.run(self._plan(text, queued_id))) as events:
                async for event in events:
                    yield event
        finally:
            self._note_revision()

    def next_prompt(self) -> AsyncIterator[Event]:
        """Send the next guided try-it prompt verbatim (or say they are all done)."""
        return self.send("/next")

    def retry(self) -> AsyncIterator[Event]:
        """Ask again the last learner message whose answer did not complete."""
        return self.send("/retry")

    def stop(self) -> None:
        """End the running answer as "stopped": its partial text is kept."""
        if self.runner.guard is not None:
            self.runner.guard.stop()

    def asks_next_guided(self, text: str) -> bool:
        """Whether `text` is the next try-it prompt, verbatim or a close paraphrase."""
        step = self.intent.step_of(text)
        return step is not None and step == self.guided_step

    def reset(self) -> None:
        """Forget the conversation and progress; a new stored session starts."""
        self.history.clear()
        self.guided_step = 0
        self.quiz_state = QuizState()
        self.retry_text = None
        if self.store is not None:
            self.store.delete_session(self.id)
            self.store.create_session(self.id, backend=self.backend.label)

    def record_grade(self, result: Grade, answer: str) -> None:
        # A skip ("I don't know") uses no attempt: it is kept in the quiz state's history,
        # and the attempts table only holds graded answers (its CHECK has no "skipped" yet).
        if self.store is not None and result.verdict != "skipped":
            self.store.record_attempt(
                self.id, result.question_id, answer, result.verdict, result.attempt
            )
        self.save_progress()

    def tool(self, name: str) -> BaseTool | None:
        return self._tools_by_name.get(name)

    # -- what a turn is ------------------------------------------------------------------------

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

    def _plan(self, text: str, queued_id: int | None) -> TurnPlan:
        command = run_command(self, text)
        if command is None:
            return self._message(text, queued_id)
        if command.send is not None:
            if command.send == self.retry_text:
                drop_last_turn(self.history, command.send)  # the retry replaces it
            return self._message(command.send, queued_id)
        if command.tool is not None:
            call = (EngineCall(command.tool),)
            prompt = command.model_prompt
            return TurnPlan(
                text, prompt, calls=call, ask_model=False, reply=command.text, queued_id=queued_id
            )
        return TurnPlan(
            text,
            None,
            ask_model=False,
            reply=command.text,
            queued_id=queued_id,
            record=command.record,
        )

    def _message(self, text: str, queued_id: int | None) -> TurnPlan:
        try:
            meaning = self.intent.read(text, self.quiz_state.current)
        except Exception:  # a reader bug must not cost the message: the model still answers
            log.exception("reading a message failed in session %s", self.id)
            meaning = Meaning()
        calls = (meaning.call,) if meaning.call is not None else ()
        return TurnPlan(text, text, step=meaning.step, calls=calls, queued_id=queued_id)

    def turn_ended(self, plan: TurnPlan, status: str) -> None:
        """Progress from a finished turn: a try-it prompt counts only when answered in full."""
        if status == "complete" and plan.step is not None and plan.step == self.guided_step:
            self.guided_step += 1
        if not plan.is_command:
            self.retry_text = None if status == "complete" else plan.said

    def request(self, plan: TurnPlan) -> list[BaseMessage]:
        """Stable prefix (system prompt with lesson and tools), a window of history, the note."""
        window, dropped = history_window(self.history, self.limits.history_turns)
        return build_request(self._system, window, context_note(self._context(plan, dropped)))

    def _context(self, plan: TurnPlan, dropped: int) -> TurnContext:
        index = plan.step if plan.step is not None else self.guided_step - 1
        summary = self.quiz_state.summary()
        return TurnContext(
            step_number=index + 1,
            step=self.pack.steps[index] if index >= 0 else None,
            steps_total=self.steps_total,
            is_step_prompt=plan.step is not None,
            quiz_correct=summary.correct,
            quiz_answered=summary.answered,
            pending_question=self.quiz_state.current,
            dropped_turns=dropped + self.trimmed_turns,
            engine_ran=tuple(c.name for c in plan.calls),
            assumed=tuple(c.note for c in plan.calls if c.note),
        )

    # -- bounded resources ------------------------------------------------------------------

    def compact(self) -> None:
        """Bound the in-memory history: drop the oldest whole turns past the cap."""
        block = max(1, self.limits.history_turns // 2)
        self.history, dropped = trim_history(self.history, self.limits.max_history_messages, block)
        self.trimmed_turns += dropped

    def prune_store(self) -> None:
        """Bound the stored transcript: past the cap, delete the oldest whole turns."""
        assert self.store is not None
        cap = self.limits.max_stored_messages
        if self.store.message_count(self.id) <= cap:
            return
        # Keep from the first learner message inside the newest `cap` rows: whole turns only.
        kept = self.store.transcript(self.id, last=cap)
        first_user = next((i for i, r in enumerate(kept) if r.role == "user"), len(kept))
        self.store.prune_transcript(self.id, len(kept) - first_user)

    # -- persistence ------------------------------------------------------------------------

    def _load_or_create(self) -> None:
        assert self.store is not None
        progress = self.store.load_progress(self.id)
        if progress is None:
            self.store.create_session(self.id, backend=self.backend.label)
            self._note_revision()
            return
        self.guided_step = progress.guided_step
        if progress.quiz_state_json:
            self.quiz_state = QuizState.model_validate_json(progress.quiz_state_json)
        records = self.store.transcript(self.id)
        self.history = history_from_transcript(records)
        self.retry_text = unfinished_message(records)
        self.compact()
        self._note_revision()

    def refresh_from_store(self) -> bool:
        """Reload history and progress if the store changed since this copy saw it (another
        process served this learner meanwhile); True when it did. Cheap when nothing changed."""
        if self.store is None or self.store.revision(self.id) == self._revision:
            return False
        self.history, self.trimmed_turns, self.quiz_state = [], 0, QuizState()
        self._load_or_create()
        return True

    def _note_revision(self) -> None:
        # What this copy has seen: the store's revision after our own writes (G's store).
        self._revision = self.store.revision(self.id) if self.store is not None else None

    def save_progress(self) -> None:
        if self.store is not None:
            self.store.save_progress(self.id, self.guided_step, self.quiz_state.model_dump_json())

    def redact(self, text: str) -> str:
        for secret in self.limits.secrets:
            if secret:
                text = text.replace(secret, "[redacted]")
        return text


def unfinished_message(records: list) -> str | None:
    """The learner's words of the last stored turn, if that turn did not complete."""
    for index in range(len(records) - 1, -1, -1):
        record = records[index]
        if record.role != "user" or record.status == "queued":
            continue
        reply = records[index + 1] if index + 1 < len(records) else None
        if reply is not None and is_command(reply):
            continue
        return None if record.status == "complete" else record.content
    return None
