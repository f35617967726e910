"""TutorSession: one learner's conversation, its persistence, and the path one message takes.

`send` decides what the turn is (`TurnPlan`: a learner message read once by the
`IntentReader`, with the tools the engine runs for it, or a command), stores the learner's
words, lets `TurnRunner.run` play the turn over the `Conversation`, then applies the outcome
(progress, the dialogue state, quiz attempts) and stores the reply — in that order, in this
file. Stored per turn: the learner's words, then the reply with meta {"tools", "usage",
"model_text" (the model's words only), "parts" (the reply as {"source", "text"} pieces),
"offered" (questions offered), "notice" (why it ended early), "command"}.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend
from tutor.backends.context import TurnContext
from tutor.backends.offline import OfflineBackend
from tutor.content.pack import LessonPack, lexicon, load_pack, quiz_bank, team_talk
from tutor.content.planner import forget_request, privacy_notice, respond_about_plan
from tutor.engine.bounds import Limits
from tutor.engine.commands import NEXT_COMMAND, CommandContext, run_command
from tutor.engine.conversation import Conversation, DialogueState
from tutor.engine.events import Event, Notice, TurnDone
from tutor.engine.fallback import with_lesson_answer
from tutor.engine.forget import forget_people
from tutor.engine.history import (
    clean_message,
    compaction_block,
    drop_last_turn,
    history_from_transcript,
    history_window,
    is_command,
    trim_history,
)
from tutor.engine.intent import EngineCall, Meaning, allocate_call, intent_reader
from tutor.engine.plan import TurnPlan, TurnState
from tutor.engine.progress import (
    ProgressReport,
    export_markdown,
    progress_markdown,
    progress_report,
)
from tutor.engine.rehearsal import Request, StandIn
from tutor.engine.request import (
    NOTE_KEY,
    NOTE_STATE_KEY,
    build_request,
    context_note,
    pin_note,
    shown_state,
)
from tutor.engine.team_reading import planned_team, read_team_with_model
from tutor.engine.turn import TurnRunner
from tutor.planning import Team
from tutor.planning.drafts import summary
from tutor.planning.talk import PlanReply
from tutor.planning.teamplan import TeamPlan
from tutor.quiz import QuizBank, QuizState
from tutor.store import Store
from tutor.text.privacy import mask_names
from tutor.text.secrets import redact
from tutor.tools.registry import ALLOCATE, ASK, GRADE, QuizTools, build_tools, grader_model

log = logging.getLogger(__name__)
#: the warm-up request's learner turn (its answer, one token, is thrown away)
WARM_UP_WORDS = "Hello."


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
        conversation: Conversation | None = None,
    ) -> None:
        self.backend = backend
        self.pack = pack or load_pack()
        self.quiz_bank = bank or quiz_bank()
        self.store = store
        self.limits = limits or Limits()
        self.id = session_id or uuid.uuid4().hex
        self.conversation = conversation or Conversation()
        #: the server reading the next try-it prompt's request ahead (`_prefill_next`)
        self._prefill: asyncio.Task[None] | None = None
        self._prefill_sent = False  # its request is with the server
        self.tools = build_tools(
            QuizTools(self.conversation, self.quiz_bank, grader_model(backend.profile, backend))
        )
        self._system = SystemMessage(self.pack.system_prompt([t.name for t in self.tools]))
        self.intent = intent_reader(self.pack)
        # With a model, the offline tutor answers every turn too, for a reply that fails the
        # checks (tutor.engine.fallback): deterministic and about a millisecond.
        fallback = None if backend.profile.offline else OfflineBackend(self.pack)
        self.runner = TurnRunner(
            self.conversation,
            backend,
            self.tools,
            self.limits,
            self.redact,
            self.id,
            fallback=fallback,
            lesson=self.pack.lesson,
        )
        self._revision: int | None = None  # the store's revision this copy reflects
        self._stored = 0  # its transcript messages in the store, as far as this copy knows
        if store is not None:
            self._load_or_create()

    # -- the conversation, as callers read it ------------------------------------------------

    @property
    def history(self) -> list[BaseMessage]:
        return self.conversation.history

    @property
    def guided_step(self) -> int:
        return self.conversation.guided_step

    @property
    def quiz_state(self) -> QuizState:
        return self.conversation.quiz

    @property
    def retry_text(self) -> str | None:
        return self.conversation.retry_text

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

    @property
    def offered(self) -> list[str]:
        """The questions the tutor offered in its last reply (`/ask N` asks number N)."""
        return list(self.conversation.dialogue.offered)

    def progress_report(self) -> ProgressReport:
        return progress_report(self.store, self.id, self.conversation, self.pack, self.quiz_bank)

    def export_markdown(self) -> str:
        return self.redact(
            export_markdown(
                self.store, self.id, self.conversation, self.pack, self.quiz_bank, self.backend
            )
        )

    # -- public API -------------------------------------------------------------------------

    async def send(self, text: str, *, queued_id: int | None = None) -> AsyncIterator[Event]:
        """Handle one learner message (or slash command) and stream what happens."""
        # A learner who pastes the server's key must not send it to the provider or the store.
        text = self.redact(clean_message(text))
        # Checked before commands too, so a huge "/..." is refused, not echoed back.
        refusal = self._refusal(text)
        if refusal is not None:
            yield refusal
            return
        self._stop_reading_ahead(text)
        # Another tutor process may have answered this learner since we loaded them.
        self.refresh_from_store()
        try:
            plan = await self._plan(text, queued_id)
            async with aclosing(self._turn(plan)) as events:
                async for event in events:
                    yield event
        finally:
            self._note_revision()
        self._prefill_next(plan)

    def retry(self) -> AsyncIterator[Event]:
        """Ask again the last learner message whose answer did not complete (as `/retry`)."""
        return self.send("/retry")

    def next_prompt(self) -> AsyncIterator[Event]:
        """Send the next guided try-it prompt verbatim (or say they are all done)."""
        return self.send(NEXT_COMMAND)

    async def rehearse(self, text: str, conversation: Conversation | None = None) -> Request | None:
        """The request this session would send its model for `text` (from `conversation`, a
        copy of this one as it is now by default), worked out with a stand-in for the model:
        nothing here changes, nothing is stored, no model is called. None when the turn would
        not ask the model."""
        stand_in = StandIn(self.backend)
        twin = TutorSession(
            stand_in,
            pack=self.pack,
            bank=self.quiz_bank,
            session_id=self.id,
            limits=replace(self.limits, prefill_next_step=False),
            conversation=conversation or copy.deepcopy(self.conversation),
        )
        async with aclosing(twin.send(text)) as events:
            async for _event in events:
                if stand_in.request is not None:
                    break
        return stand_in.request

    def _prefill_next(self, plan: TurnPlan) -> None:
        """After a try-it prompt's answer, have the model server read the next prompt's
        request ahead while the learner reads (`Limits.prefill_next_step`, TUTOR_WARMUP): on a
        local server, "Next prompt" then finds its whole request in the prompt cache."""
        if not self.limits.prefill_next_step or plan.step is None or not self.next_guided_prompt:
            return
        # The conversation as this answer left it: the learner may send before the task runs.
        now = copy.deepcopy(self.conversation)
        self._prefill = asyncio.create_task(self._read_ahead(NEXT_COMMAND, now))

    def _stop_reading_ahead(self, text: str) -> None:
        """A message came: a read-ahead not yet sent is too late to help, and one for "Next
        prompt" is of no use to any other message (it would only keep the server busy)."""
        task = self._prefill
        useful = text == NEXT_COMMAND and self._prefill_sent
        if task is not None and not task.done() and not useful:
            task.cancel()

    async def _read_ahead(self, text: str, conversation: Conversation) -> None:
        self._prefill_sent = False
        try:
            request = await self.rehearse(text, conversation)
            if request is not None:
                self._prefill_sent = True
                await self.backend.warm_up(*request)
        except Exception:  # reading ahead must never disturb the learner's session
            log.exception("reading the next try-it prompt ahead failed (ignored)")

    def stop(self) -> None:
        """End the running answer as "stopped": its partial text is kept."""
        self.runner.stop()

    def reset(self) -> None:
        """Forget the conversation and progress; a new stored session starts."""
        self.conversation.reset()
        if self.store is not None:
            self.store.delete_session(self.id)
            self.store.create_session(self.id, backend=self.backend.label)

    # -- one turn, start to end ---------------------------------------------------------------

    async def _turn(self, plan: TurnPlan) -> AsyncIterator[Event]:
        """Store the learner's words, play the turn, apply and store what it produced —
        whatever stopped it (an error, Stop, a closed page)."""
        store = self.store if plan.record else None
        turn_id = store.begin_turn(self.id, plan.said, plan.queued_id) if store else None
        turn = TurnState()
        try:
            async with aclosing(self.runner.run(plan, turn, self.request)) as events:
                async for event in events:
                    yield event
        finally:
            self._apply(plan, turn)
            self._store(turn_id, plan, turn)
        offered = tuple(self.offered) if not plan.is_command else ()
        yield TurnDone(
            turn.text, status=turn.status, usage=turn.usage, step=self.guided_step, offered=offered
        )

    def _apply(self, plan: TurnPlan, turn: TurnState) -> None:
        """What a finished turn changes in the conversation's state."""
        self.compact()
        if plan.is_command and not plan.calls:
            return
        if not plan.is_command:
            self.conversation.retry_text = None if turn.status == "complete" else plan.said
            # A question, request, remark or pushback leaves an open quick check open.
            other = plan.reading.while_open not in (None, "answer", "dont_know")
            forgotten = self.conversation.dialogue.plan if plan.talk and plan.talk.forget else None
            self.conversation.after_turn(
                step=plan.step,
                complete=turn.status == "complete",
                acts=turn.acts,
                tools=turn.tools,
                talk=plan.talk,
                keep_open=other,
                told_privacy=plan.told_privacy,
            )
            if forgotten is not None:
                mask = team_talk().data.forgotten_name
                forget_people(forgotten, mask, self.history, self.store, self.id)
        self._record_grades(turn)
        self._record_decline(plan, turn)

    def _record_grades(self, turn: TurnState) -> None:
        # A skip ("I don't know") uses no attempt: it is kept in the quiz state's history,
        # and the attempts table only holds graded answers.
        if self.store is None:
            return
        for answer, grade in turn.grades:
            if grade.get("verdict") != "skipped":
                self.store.record_attempt(
                    self.id, grade["question_id"], answer, grade["verdict"], grade["attempt"]
                )

    def _record_decline(self, plan: TurnPlan, turn: TurnState) -> None:
        """A question the offline tutor declined is counted for the course's authors, apart
        from this learner: no session id, the names of their team and other names masked."""
        declined = turn.acts is not None and turn.acts.act == "declined"
        if self.store is None or plan.is_command or not declined:
            return
        team = self.conversation.dialogue.plan
        known = [p.name for p in team.team.people] if team is not None else []
        self.store.record_decline(mask_names(plan.said, lexicon(), known))

    def _store(self, turn_id: int | None, plan: TurnPlan, turn: TurnState) -> None:
        if self.store is not None and turn_id is not None:
            meta: dict[str, Any] = {
                "tools": turn.tools,
                "usage": turn.usage,
                "model_text": self.redact(turn.model_text),
                "parts": [{"source": src, "text": self.redact(t)} for src, t in turn.parts],
            }
            if sent := self._sent_note(plan):
                meta.update(sent)  # the history is rebuilt with it: the same bytes again
            if plan.is_command:
                meta["command"] = True
            elif self.offered:
                meta["offered"] = self.offered
            if turn.notice is not None:
                meta["notice"] = {"kind": turn.notice.kind, "message": turn.notice.message}
            status = "complete" if turn.status == "command" else turn.status
            # The reply and the progress it made commit together: one round trip less.
            self.store.finish_turn(
                turn_id, self.redact(turn.text), meta, status=status, progress=self._progress()
            )
            self.prune_store()
        else:
            self.save_progress()

    def _sent_note(self, plan: TurnPlan) -> dict[str, Any]:
        """The note this turn's learner message was sent with and the state it stated, if a
        request was built."""
        last = next((m for m in reversed(self.history) if isinstance(m, HumanMessage)), None)
        if last is None or plan.prompt is None or last.text != plan.prompt:
            return {}
        pinned = last.additional_kwargs
        return {k: pinned[k] for k in (NOTE_KEY, NOTE_STATE_KEY) if k in pinned}

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

    async def _plan(self, text: str, queued_id: int | None) -> TurnPlan:
        command = run_command(self._command_context(), text)
        if command is None:
            return await self._message(text, queued_id)
        if command.reset:
            self.reset()
        if command.send is not None:
            if command.send == self.retry_text:
                drop_last_turn(self.history, command.send)  # the retry replaces it
            return await self._message(command.send, queued_id)
        calls = (EngineCall(command.tool),) if command.tool is not None else ()
        return TurnPlan(
            text,
            command.model_prompt if command.tool is not None else None,
            calls=calls,
            ask_model=False,
            reply=command.text,
            queued_id=queued_id,
            record=command.record,
        )

    def _command_context(self) -> CommandContext:
        return CommandContext(
            pack=self.pack,
            quiz_bank=self.quiz_bank,
            open_quiz=self.quiz_state.current,
            next_prompt=self.next_guided_prompt,
            retry_text=self.retry_text,
            offered=tuple(self.offered),
            progress=lambda: progress_markdown(self.progress_report()),
        )

    async def _message(self, text: str, queued_id: int | None) -> TurnPlan:
        open_question = self.conversation.open_question
        try:
            meaning = self.intent.read(text, open_question)
            talk = self._plan_talk(text, meaning)
            if talk is not None:  # about the planned team: answered from the plan, not re-read
                meaning = Meaning(meaning.reading)
            elif (
                meaning.call is None and open_question is None and self.intent.describes_team(text)
            ):
                meaning = await self._read_team_with_model(text, meaning)
        except Exception:  # a reader bug must not cost the message: the backend still answers
            log.exception("reading a message failed in session %s", self.id)
            meaning, talk = self.intent.unread(), None
        calls = (meaning.call,) if meaning.call is not None else ()
        table = talk.table if talk is not None and not self.backend.profile.offline else None
        # A question asked in words is shown as asked, never followed by a model's words
        # (which could answer it); a forgotten team is said by the engine, sent to no model.
        asks = meaning.call is not None and meaning.call.name == ASK
        forget = talk is not None and talk.forget
        notice = self._privacy_notice(meaning, talk)
        reply = "\n\n".join(t for t in (notice, talk.text if forget else table) if t)
        return TurnPlan(
            text, text, step=meaning.reading.step, calls=calls, reading=meaning.reading,
            talk=talk, reply=reply, queued_id=queued_id, ask_model=not (asks or forget),
            told_privacy=notice is not None,
        )  # fmt: skip

    def _privacy_notice(self, meaning: Meaning, talk: PlanReply | None) -> str | None:
        """Once per conversation, with a hosted model: the first message read as a team
        description hears that it goes to the model's provider, and how to forget it."""
        provider = self.backend.profile.provider
        if provider is None or talk is not None or self.conversation.dialogue.privacy_told:
            return None
        planned = meaning.call is not None and meaning.call.name == ALLOCATE
        return privacy_notice(provider) if planned or meaning.reading.looks_like_team else None

    def _plan_talk(self, text: str, meaning: Meaning) -> PlanReply | None:
        """A follow-up about the learner's planned team (someone leaves, who gets paged),
        answered from the plan by name ("forget my team" also without one); None when the
        message is an answer to an open question or a try-it prompt, or not about the plan."""
        plan = self.conversation.dialogue.plan
        quiz = meaning.call is not None and meaning.call.name in (ASK, GRADE)
        if quiz or meaning.reading.step is not None:
            return None
        if plan is None:
            return forget_request(text)
        return respond_about_plan(text, plan, self.conversation.dialogue.plan_topics)

    async def _read_team_with_model(self, text: str, meaning: Meaning) -> Meaning:
        """A team the rules read unsure of: with a model that answers strict JSON, one
        extraction request, verified against the text; the backend asks when still unsure."""
        profile = self.backend.profile
        if profile.offline or not profile.supports_json:
            return meaning
        decision = await read_team_with_model(text, self.backend)
        team = planned_team(decision)
        if team is None:
            return meaning  # still unsure: the model is told to ask (the reading's question)
        return Meaning(meaning.reading, allocate_call(team, summary(team, [])))

    def request(self, plan: TurnPlan) -> tuple[list[BaseMessage], TurnContext]:
        """Stable prefix (system prompt with lesson and tools), a window of history, and the
        turn's context: as data for the backend, and as the note a model reads."""
        window, dropped = history_window(self.history, self.limits.history_turns)
        tools = {t.name for t in self.tools}
        context = with_lesson_answer(
            self.runner.fallback, window, tools, self._context(plan, dropped)
        )
        brief = self.backend.profile.brief
        pin_note(self.history, context_note(context, brief=brief, shown=shown_state(window)))
        return build_request(self._system, window), context

    def warm_up_request(self) -> tuple[list[BaseMessage], list[BaseTool]]:
        """What every learner's first request starts with (the system prompt with the lesson,
        then the tool schemas), and one short learner turn: some chat templates refuse a
        request without one. What a server caches from it is the stable prefix."""
        return [self._system, HumanMessage(WARM_UP_WORDS)], list(self.tools)

    def _context(self, plan: TurnPlan, dropped: int) -> TurnContext:
        conversation, dialogue = self.conversation, self.conversation.dialogue
        index = plan.step if plan.step is not None else self.guided_step - 1
        summary = self.quiz_state.summary()
        return TurnContext(
            step_number=index + 1,
            step=self.pack.steps[index] if index >= 0 else None,
            steps_total=self.steps_total,
            steps_done=self.guided_step,
            is_step_prompt=plan.step is not None,
            quiz_correct=summary.correct,
            quiz_answered=summary.answered,
            open_question=conversation.open_question,
            reading=plan.reading,
            plan=dialogue.plan,
            last_topic=dialogue.last_topic,
            subject=dialogue.subject,
            offered=tuple(dialogue.offered),
            plan_answer=plan_answer(plan.talk),
            plan_facts=plan.talk.facts if plan.talk is not None else (),
            dropped_turns=dropped + conversation.trimmed_turns,
            engine_ran=tuple(c.name for c in plan.calls),
            assumed=tuple(c.note for c in plan.calls if c.note),
        )

    # -- bounded resources ------------------------------------------------------------------

    def compact(self) -> None:
        """Bound the in-memory history: drop the oldest whole turns past the cap."""
        block = compaction_block(self.limits.history_turns)
        history, dropped = trim_history(self.history, self.limits.max_history_messages, block)
        self.conversation.history[:] = history
        self.conversation.trimmed_turns += dropped

    def prune_store(self) -> None:
        """Bound the stored transcript: past the cap, delete the oldest whole turns. The
        store is asked for the count only once this copy's own count (from its last load, plus
        the two messages of each turn since) passes the cap: a read less per message."""
        assert self.store is not None
        cap = self.limits.max_stored_messages
        self._stored += 2  # the learner's message and the reply
        if self._stored <= cap:
            return
        self._stored = self.store.message_count(self.id)
        if self._stored <= cap:
            return
        # Keep from the first learner message inside the newest `cap` rows: whole turns only.
        kept = self.store.transcript(self.id, last=cap)
        first_user = next((i for i, r in enumerate(kept) if r.role == "user"), len(kept))
        self._stored -= self.store.prune_transcript(self.id, len(kept) - first_user)

    # -- persistence ------------------------------------------------------------------------

    def _load_or_create(self) -> None:
        assert self.store is not None
        progress = self.store.load_progress(self.id)
        self._stored = 0  # transcript messages in the store, as far as this copy knows
        if progress is None:
            self.store.create_session(self.id, backend=self.backend.label)
            self._note_revision()
            return
        conversation = self.conversation
        conversation.guided_step = progress.guided_step
        if progress.quiz_state_json:
            conversation.quiz = QuizState.model_validate_json(progress.quiz_state_json)
        if progress.dialogue_json:
            conversation.dialogue = DialogueState.model_validate_json(progress.dialogue_json)
        records = self.store.transcript(self.id)
        self._stored = len(records)
        conversation.history[:] = history_from_transcript(records)
        conversation.retry_text = unfinished_message(records)
        self.compact()
        self._note_revision()

    def refresh_from_store(self) -> bool:
        """Reload the conversation if the store changed since this copy saw it (another
        process served this learner meanwhile); True when it did. Cheap when nothing changed."""
        if self.store is None or self.store.revision(self.id) == self._revision:
            return False
        self.conversation.reset()
        self._load_or_create()
        return True

    def _note_revision(self) -> None:
        # What this copy has seen: the store's revision after our own writes.
        self._revision = self.store.revision(self.id) if self.store is not None else None

    def adopt_team(self, team: Team) -> None:
        """The learner planned `team` outside the chat (the planner tab): it becomes the
        conversation's plan, kept with the progress, so the chat talks about the same team."""
        dialogue = self.conversation.dialogue
        plan = dialogue.plan.with_team(team) if dialogue.plan else TeamPlan(team=team)
        self.conversation.dialogue = dialogue.model_copy(update={"plan": plan})
        self.save_progress()
        self._note_revision()

    def save_progress(self) -> None:
        if self.store is not None:
            self.store.save_progress(self.id, *self._progress())

    def _progress(self) -> tuple[int, str, str]:
        """(guided step, quiz state, dialogue state) as the store keeps them."""
        conversation = self.conversation
        return (
            conversation.guided_step,
            conversation.quiz.model_dump_json(),
            conversation.dialogue.model_dump_json(),
        )

    def redact(self, text: str) -> str:
        return redact(text, self.limits.secrets)


def plan_answer(talk: PlanReply | None) -> str | None:
    """What the offline tutor says to a follow-up about the plan: the answer, then the new
    table when the plan changed."""
    if talk is None:
        return None
    return f"{talk.text}\n\n{talk.table}" if talk.table else talk.text


def unfinished_message(records: list[Any]) -> str | None:
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
