"""The app's event handlers: the chat page (queue, Stop, Retry, Reset) and the programmatic API.

Sessions: a browser keeps its session id in `gr.BrowserState` (localStorage, so a reload
resumes the conversation); an API client (one `gradio_client.Client`) keeps its own in a
`gr.State`, which Gradio holds per client session. Either way the id is looked up in this
app's `SessionRegistry`; nothing about a learner lives in a module global.

Every learner message goes through the learner's lane (tutor.web.queue): it is stored at once
as queued and shown as pending (`enqueue_ui`, outside Gradio's queue, so it is instant), then
`drain_ui` answers the lane's waiting messages in order, one turn at a time, while it holds
the lane's lock. A reload keeps queued messages; the next page's drain answers them. Two tabs
of one learner share the lane. Stop ends the running answer; the page closing interrupts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import tempfile
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, aclosing
from pathlib import Path
from typing import Any, Literal

import gradio as gr

from tutor.engine import TutorSession
from tutor.engine.events import Event, Notice, TextDelta
from tutor.errors import LearnerBusyError, TutorError
from tutor.quiz import QuestionView
from tutor.runtime import Runtime
from tutor.web.panels import (
    forgotten_tab,
    same_team,
    tab_for_team,
    table_people_or_none,
    table_team,
)
from tutor.web.queue import Lane, Queued, SessionRegistry
from tutor.web.quizform import MAX_PICKS, SKIP, answer_form, compose_answer
from tutor.web.sidebar import next_label, progress_html, stepper_html
from tutor.web.view import ChatView, final_text, said, transcript_messages

log = logging.getLogger(__name__)

# Coalesce streamed text into at most one UI update per STREAM_EVERY seconds (a model can
# send hundreds of tokens a second). A backend that answers instantly (the offline tutor)
# is paced a little instead (OFFLINE_PACE seconds per piece), or its answer would land all
# at once rather than stream.
STREAM_EVERY = 0.04
# Under load, every page update costs the one event loop: past this many turns streaming at
# once, the interval grows with their number, so the total update rate stays about constant.
BUSY_TURNS = 8
OFFLINE_PACE = 0.015
# After Stop, the engine gets this long to end the turn itself before it is cancelled.
STOP_GRACE = 3.0
INTERNAL = {"api_visibility": "private"}
Turn = AsyncGenerator[Event, None]  # what TutorSession.send returns
Phase = Literal["started", "streaming", "done"]  # of one queued message being answered
SHOWN_RECORDS = 200  # stored messages shown when a conversation is resumed
# What the "Forget my team" buttons send: the phrase a learner would type.
FORGET_MY_TEAM = "forget my team"
# What every chat event outputs (TutorApp.outputs): 7 chat controls, then the quiz's form.
OUTPUTS = 7 + 4 + MAX_PICKS


class TutorApp:
    """The handlers of one app instance; owns the session registry."""

    def __init__(self, runtime: Runtime, *, offline_pace: float | None = None) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.registry = SessionRegistry(
            runtime.session, idle_seconds=settings.tutor_idle_minutes * 60
        )
        if offline_pace is None:
            offline_pace = OFFLINE_PACE if runtime.backend.profile.streams_instantly else 0.0
        self.pace = offline_pace
        # A model keeps the learner waiting for its first word; the offline tutor does not.
        self.reading = not runtime.backend.profile.streams_instantly
        # How long a message waits for another process answering the same learner.
        self.queue_wait = settings.tutor_queue_wait
        self.streaming = 0  # turns streaming right now, across all learners
        # Keyed by the live session, so it goes when the registry drops an idle session.
        self._views: weakref.WeakKeyDictionary[TutorSession, ChatView] = weakref.WeakKeyDictionary()
        # Removed when the app is garbage-collected or the process exits.
        self._exports = tempfile.TemporaryDirectory(prefix="mlops-tutor-export-")
        self._export_dir = Path(self._exports.name)

    # -- what the page shows ----------------------------------------------------------------

    def view(self, lane: Lane) -> ChatView:
        """The learner's chat as shown, kept beside the live session (rebuilt from the store)."""
        session = lane.session
        view = self._views.get(session)
        if view is None:
            store = session.store
            records = store.transcript(session.id, last=SHOWN_RECORDS) if store else []
            view = ChatView(transcript_messages(records), [(q.id, q.text) for q in lane.pending()])
            self._views[session] = view
        return view

    @staticmethod
    def _show_stored(lane: Lane, view: ChatView) -> None:
        """Show the stored conversation again (after "forget my team" masked its names)."""
        store = lane.session.store
        if store is not None:
            records = store.transcript(lane.session.id, last=SHOWN_RECORDS)
            view.messages[:] = ChatView(transcript_messages(records)).messages

    def outputs(
        self, lane: Lane, view: ChatView, *, panels: bool = True, controls: bool = True
    ) -> tuple[Any, ...]:
        """[chatbot, stepper, progress, next, quiz, stop, retry, *quiz answer controls];
        gr.skip() for what need not change."""
        busy = lane.busy or bool(view.queued)
        chat = view.snapshot(busy=lane.busy, reading=self.reading)
        side = (
            (stepper_html(lane.session), progress_html(lane.session))
            if panels
            else (gr.skip(), gr.skip())
        )
        if not controls:
            return (chat, *side, *(gr.skip(),) * (OUTPUTS - 3))
        # Next and Quiz me stay usable while an answer runs: a press waits in the queue.
        label, can_next = next_label(lane.session)
        return (
            chat,
            *side,
            gr.Button(label, interactive=can_next),
            gr.skip(),
            gr.Button("Stop", visible=busy, interactive=busy),
            gr.Button(visible=not busy and lane.session.can_retry),
            *quiz_form(None if busy else waiting_question(lane.session)),
        )

    # -- the chat page ----------------------------------------------------------------------

    def on_load(self, browser_sid: str | None) -> tuple[Any, ...]:
        """Resume the browser's session (or start one) and show its saved conversation."""
        lane = self.registry.lane(browser_sid)
        if not lane.answering:  # mid-turn here, the live view is fresher than the store
            self._views.pop(lane.session, None)
        return (lane.session.id, lane.session.id, *self.outputs(lane, self.view(lane)))

    async def enqueue_ui(self, text: str, sid: str | None) -> tuple[Any, ...]:
        """Keep the learner's message at once and show it; `drain_ui` answers it."""
        if not (text or "").strip():
            return (gr.skip(),) * (OUTPUTS + 2)
        if text.strip().lower() == "/reset":  # the page's reset always asks first
            return ("", *(gr.skip(),) * OUTPUTS, gr.Column(visible=True))
        lane = self.registry.lane(sid)
        return ("", *self._put(lane, text), gr.skip())

    async def next_ui(self, sid: str | None) -> tuple[Any, ...]:
        """Queue the next try-it prompt; which one is decided when its turn comes."""
        return self._put(self.registry.lane(sid), "/next")

    async def quiz_ui(self, sid: str | None) -> tuple[Any, ...]:
        return self._put(self.registry.lane(sid), "/quiz")

    async def suggestion_ui(self, sid: str | None, evt: gr.SelectData) -> tuple[Any, ...]:
        """A question the tutor offered, pressed: `/ask N` waits in the queue like typed text."""
        value = evt.value.get("value") if isinstance(evt.value, dict) else evt.value
        if not str(value or "").startswith("/ask "):
            return (gr.skip(),) * OUTPUTS
        return self._put(self.registry.lane(sid), str(value))

    async def retry_ui(self, sid: str | None) -> tuple[Any, ...]:
        """Ask again the learner message whose answer was stopped or interrupted."""
        return self._put(self.registry.lane(sid), "/retry")

    async def forget_ui(self, sid: str | None) -> tuple[Any, ...]:
        """ "Forget my team" pressed (in the chat or on the planner tab): the phrase waits in
        the queue like typed text, so it takes the same path as typing it."""
        return self._put(self.registry.lane(sid), FORGET_MY_TEAM)

    # -- the Team planner tab and the chat share one team -------------------------------------

    async def adopt_tab_team_ui(self, sid: str | None, text: str, rows: Any, product: str) -> None:
        """The team planned or edited on the tab becomes the chat's plan (a table that does
        not plan leaves the chat's plan alone: the tab shows why)."""
        try:
            team = table_team(text, rows, product)
        except TutorError:
            return
        self.registry.lane(sid).session.adopt_team(team)

    async def team_tab_ui(self, sid: str | None, rows: Any, result: str) -> tuple[Any, ...]:
        """The tab opened: (description, table, plan, picture, description read). It shows
        the chat's team unless the table already holds it (so a team planned in the chat can
        be corrected row by row); with no team kept (forgotten in the chat), a planned team
        still on the tab is blanked too."""
        plan = self.registry.lane(sid).session.conversation.dialogue.plan
        if plan is None:
            shown = bool(table_people_or_none(rows)) and bool(result) and "⚠" not in result[:2]
            return forgotten_tab() if shown else (gr.skip(),) * 5
        if same_team(plan.team, rows):
            return (gr.skip(),) * 5
        return (gr.skip(), *tab_for_team(plan.team), gr.skip())

    def _put(self, lane: Lane, text: str) -> tuple[Any, ...]:
        view = self.view(lane)
        item = lane.put(text)
        view.enqueue(item.id, item.text)  # "/next" shows as "Next prompt" until it starts
        return self.outputs(lane, view, panels=False)

    async def stop_ui(self, sid: str | None) -> Any:
        """Ask the running answer to end now; its partial text is kept, marked stopped."""
        lane = self.registry.lane(sid)
        if not lane.busy:
            return gr.skip()
        lane.stop.set()
        lane.session.stop()
        return gr.Button("Stopping…", interactive=False)

    async def drain_ui(self, sid: str | None) -> AsyncIterator[tuple[Any, ...]]:
        """Answer the learner's waiting messages in order, streaming each answer."""
        lane = self.registry.lane(sid)
        view = self.view(lane)
        try:
            async with aclosing(self._answer_queued(lane, view)) as turns:
                async for _, _, phase in turns:
                    if phase == "streaming":
                        yield self.outputs(lane, view, panels=False, controls=False)
                    elif phase == "started" or view.queued:  # step cards and score per turn
                        yield self.outputs(lane, view, panels=phase == "done")
                    # the last turn done: the update after the locks are released shows it
                    # (a page update costs ~10 ms of CPU; this one would be sent twice)
        except LearnerBusyError as exc:
            view.apply(Notice("busy", str(exc)))
        yield self.outputs(lane, view)

    @contextlib.asynccontextmanager
    async def _hold(self, lane: Lane) -> AsyncIterator[None]:
        """The lane's lock in this process, and the learner's lock across processes."""
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(lane.lock)
            store = lane.session.store
            if store is not None:
                lock = store.learner_lock(lane.session.id, wait=self.queue_wait)
                await stack.enter_async_context(lock)
            yield

    async def _answer_queued(
        self, lane: Lane, view: ChatView
    ) -> AsyncIterator[tuple[Queued, int, Phase]]:
        """Answer the lane's waiting messages in order, holding the learner's locks (the page
        and the API both drain this way). Yields (message, where its reply starts in `view`,
        phase) when it starts, whenever the page should update, and when it is settled."""
        async with self._hold(lane):
            while (item := lane.take()) is not None:
                lane.stop.clear()
                view.user(shown_words(lane.session, item.text), item.id)
                start = len(view.messages)
                yield item, start, "started"
                events = lane.session.send(item.text, queued_id=item.id)
                planned = lane.session.conversation.dialogue.plan is not None
                lane.answering = True
                try:
                    async for _ in self._run(lane, events, view):
                        yield item, start, "streaming"
                finally:
                    lane.answering = False
                lane.settle(item, final_text(view, start))
                if planned and lane.session.conversation.dialogue.plan is None:
                    self._show_stored(lane, view)  # the team was forgotten: names masked
                yield item, start, "done"

    async def _run(self, lane: Lane, events: Turn, view: ChatView) -> AsyncIterator[None]:
        """Apply a turn's events to `view` (in a task, so Stop can end it), yielding whenever
        the page should update. If the page goes away, the turn is interrupted."""
        changed = asyncio.Event()
        task = asyncio.create_task(self._consume(lane.session, events, view, changed))
        stopping = asyncio.create_task(lane.stop.wait())
        self.streaming += 1
        try:
            while not task.done():
                waiter = asyncio.create_task(changed.wait())
                await asyncio.wait({task, waiter, stopping}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if stopping.done() and not task.done():
                    await self._stop(task)
                    if view.status is None:  # the engine did not end it itself
                        view.end("stopped")
                if changed.is_set():
                    changed.clear()
                    yield
                    await asyncio.sleep(STREAM_EVERY * max(1.0, self.streaming / BUSY_TURNS))
        finally:
            self.streaming -= 1
            stopping.cancel()
            if not task.done():  # the page closed: the engine stores the turn as interrupted
                task.cancel()
                if view.status is None:
                    view.end("interrupted")
            with contextlib.suppress(BaseException):
                await task
        yield

    async def _stop(self, task: asyncio.Task[None]) -> None:
        # An engine with `stop()` ends the turn itself; otherwise (or if it is slow) cancel.
        done, _ = await asyncio.wait({task}, timeout=STOP_GRACE)
        if not done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _consume(
        self, session: TutorSession, events: Turn, view: ChatView, changed: asyncio.Event
    ) -> None:
        try:
            # aclosing: if the turn is cancelled, the engine still settles and stores it now.
            async with aclosing(events):
                async for event in events:
                    view.apply(event)
                    changed.set()
                    if self.pace and isinstance(event, TextDelta):
                        await asyncio.sleep(self.pace)
        except TutorError as exc:
            view.apply(Notice("error", session.redact(str(exc))))
        except Exception:  # never show a traceback to a learner
            log.exception("turn failed for session %s", session.id)
            view.apply(
                Notice("error", "Something went wrong on the tutor's side. Try again in a moment.")
            )
        changed.set()

    # -- the quiz's answer controls -----------------------------------------------------------

    async def quiz_answer_ui(
        self, sid: str | None, choice: Any, checks: Any, number: Any, *picks: Any
    ) -> tuple[Any, ...]:
        """The chosen answer goes to the chat as the learner's message (then is graded)."""
        lane = self.registry.lane(sid)
        question = waiting_question(lane.session)
        if question is None:  # answered or skipped meanwhile
            return (gr.skip(),) * OUTPUTS
        count = len(question.items or ())
        text = compose_answer(question.kind, choice, checks, picks[:count], number)
        if text is None:  # nothing chosen yet
            return (gr.skip(),) * OUTPUTS
        return self._put(lane, text)

    async def quiz_skip_ui(self, sid: str | None) -> tuple[Any, ...]:
        return self._put(self.registry.lane(sid), SKIP)

    def ask_reset(self) -> Any:
        return gr.Column(visible=True)

    def cancel_reset(self) -> Any:
        return gr.Column(visible=False)

    async def reset_ui(self, sid: str | None) -> tuple[Any, ...]:
        """Delete the conversation, steps and score (after the learner confirmed)."""
        lane = self.registry.lane(sid)
        await self.stop_ui(sid)
        async with lane.lock:
            lane.session.reset()
            lane.clear_local()
            view = self._views[lane.session] = ChatView()
        return (
            *self.outputs(lane, view),
            gr.File(value=None, visible=False),
            gr.Column(visible=False),
        )

    def export(self, sid: str | None) -> Any:
        session = self.registry.get(sid)
        path = self._export_dir / f"tutor-transcript-{session.id[:8]}.md"
        path.write_text(session.export_markdown(), encoding="utf-8")
        return gr.File(value=str(path), visible=True)

    # -- the API for programmatic clients ---------------------------------------------------

    async def api_chat(self, message: str, sid: str | None) -> AsyncIterator[tuple[str, str]]:
        """One learner message in, the reply streamed out (its text so far, each time)."""
        lane = self.registry.lane(sid)
        async for text in self._api_turn(lane, message or ""):
            yield text, lane.session.id

    async def api_next_prompt(self, sid: str | None) -> AsyncIterator[tuple[str, str]]:
        """Send the next guided try-it prompt; the reply streamed out."""
        lane = self.registry.lane(sid)
        async for text in self._api_turn(lane, "/next"):
            yield text, lane.session.id

    async def _api_turn(self, lane: Lane, text: str) -> AsyncIterator[str]:
        """Through the same lane as the page: stored at once, answered in order."""
        view = ChatView()
        if not text.strip():  # nothing to keep: the engine's hint comes straight back
            async for _ in self._run(lane, lane.session.send(text), view):
                yield final_text(view, 0)
            return
        mine = lane.put(text)
        async with aclosing(self._answer_queued(lane, view)) as turns:
            async for item, start, phase in turns:
                if item == mine and phase == "streaming":
                    yield final_text(view, start)
                elif item == mine and phase == "done":
                    break


def quiz_form(question: QuestionView | None) -> tuple[Any, ...]:
    """[box, radio, checkboxes, number, *dropdowns] for the waiting question (None: hidden)."""
    form = answer_form(question)
    picks = [gr.Dropdown(visible=False, value=None)] * MAX_PICKS
    for index, (label, choices) in enumerate(form.picks):
        picks[index] = gr.Dropdown(choices=choices, label=label, value=None, visible=True)
    single, multi = form.kind == "single_choice", form.kind == "multi_choice"
    return (
        gr.Column(visible=form.shown),
        gr.Radio(choices=form.choices if single else [], value=None, visible=single),
        gr.CheckboxGroup(choices=form.choices if multi else [], value=[], visible=multi),
        gr.Number(value=None, visible=form.kind == "count"),
        *picks,
    )


def waiting_question(session: TutorSession) -> QuestionView | None:
    """The quiz question waiting for the learner's answer (its public view), if any."""
    current = session.quiz_state.current
    if not current:
        return None
    try:
        return session.quiz_bank.get(current).public()
    except (KeyError, TutorError, AttributeError):  # a question no longer in the bank
        return None


def shown_words(session: TutorSession, text: str) -> str:
    """What the learner's bubble says for a queued message: the words the engine will send
    for Next and Retry (as the store keeps them), a command's button name otherwise."""
    word = text.strip().lower()
    if word == "/next" and session.next_guided_prompt:
        return session.next_guided_prompt
    if word == "/retry" and session.retry_text:
        return session.retry_text
    if word.startswith("/ask"):  # the question it picks, as the engine will send it
        return said(text, session.offered)
    return text


def browser_secret(runtime: Runtime) -> str:
    # BrowserState's "secret" is sent to the page anyway, so it only scrambles localStorage;
    # a stable one keeps a learner's session across server restarts (per database).
    where = str(runtime.store.path if runtime.store is not None else "memory")
    return hashlib.sha256(f"mlops-roles-tutor:{where}".encode()).hexdigest()[:32]
