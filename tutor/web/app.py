"""The app's event handlers: the chat page and the programmatic API (`/chat`, `/next_prompt`).

Sessions: a browser keeps its session id in `gr.BrowserState` (localStorage, so a reload
resumes the conversation); an API client (one `gradio_client.Client`) keeps its own in a
`gr.State`, which Gradio holds per client session. Either way the id is looked up in this
app's `SessionRegistry`; nothing about a learner lives in a module global.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from pathlib import Path
from typing import Any

import gradio as gr

from tutor.engine import TutorSession
from tutor.errors import TutorError
from tutor.events import Event, Notice, TextDelta
from tutor.progress import export_markdown, progress_markdown
from tutor.runtime import Runtime
from tutor.sessions import SessionRegistry
from tutor.web.view import ChatView, final_text, next_label, stepper_html, transcript_messages

log = logging.getLogger(__name__)

# Coalesce streamed text into at most one UI update per STREAM_EVERY seconds (a model can
# send hundreds of tokens a second). The offline engine answers instantly, so it is paced a
# little instead (PACE_CHARS per OFFLINE_PACE seconds, ~1.5k characters a second), or its
# answer would land all at once rather than stream.
STREAM_EVERY = 0.04
# Under load, every page update costs the one event loop: past this many turns streaming at
# once, the interval grows with their number, so the total update rate stays about constant.
BUSY_TURNS = 8
OFFLINE_PACE = 0.015
PACE_CHARS = 24
INTERNAL = {"api_visibility": "private"}
Turn = AsyncGenerator[Event, None]  # what TutorSession.send / next_prompt return
SHOWN_RECORDS = 200  # stored messages shown when a conversation is resumed


class TutorApp:
    """The handlers of one app instance; owns the session registry."""

    def __init__(self, runtime: Runtime, *, offline_pace: float | None = None) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.registry = SessionRegistry(runtime.session,
                                        idle_seconds=settings.tutor_idle_minutes * 60)
        if offline_pace is None:
            offline_pace = OFFLINE_PACE if runtime.backend.offline else 0.0
        self.pace = offline_pace
        self.streaming = 0  # turns streaming right now, across all learners
        # Keyed by the live session, so both go when the registry drops an idle session.
        self._locks: weakref.WeakKeyDictionary[TutorSession, asyncio.Lock] = \
            weakref.WeakKeyDictionary()
        self._views: weakref.WeakKeyDictionary[TutorSession, ChatView] = \
            weakref.WeakKeyDictionary()
        # Removed when the app is garbage-collected or the process exits.
        self._exports = tempfile.TemporaryDirectory(prefix="mlops-tutor-export-")
        self._export_dir = Path(self._exports.name)

    # -- streaming a turn -------------------------------------------------------------------

    def _lock(self, session: TutorSession) -> asyncio.Lock:
        # One turn at a time per learner: two tabs or an impatient click must not interleave.
        lock = self._locks.get(session)
        if lock is None:
            lock = self._locks[session] = asyncio.Lock()
        return lock

    def view(self, session: TutorSession) -> ChatView:
        """The learner's chat as shown, kept beside the live session (rebuilt from the store)."""
        view = self._views.get(session)
        if view is None:
            store = session.store
            records = store.transcript(session.id, last=SHOWN_RECORDS) if store else []
            view = self._views[session] = ChatView(transcript_messages(records))
        return view

    async def stream(self, session: TutorSession, events: Turn, view: ChatView,
                     said: Callable[[], str | None] | None = None) -> AsyncIterator[None]:
        """Apply a turn's events to `view`, yielding whenever the page should update.

        `said` gives the learner's words to show first; it is read once the turn holds the
        session's lock, so it sees the state the previous turn left.
        """
        async with self._lock(session):
            words = said() if said is not None else None
            if words is not None:
                view.user(words)
                yield
            async for _ in self._paced(session, events, view):
                yield
        yield

    async def _paced(self, session: TutorSession, events: Turn,
                     view: ChatView) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        last, pending = 0.0, 0
        self.streaming += 1
        try:
            # aclosing: if the page goes away mid-turn, the engine still settles the turn now.
            async with aclosing(events):
                async for event in events:
                    view.apply(event)
                    if isinstance(event, TextDelta):
                        pending += len(event.text)
                        if not self._due(pending, loop.time() - last):
                            continue
                        last, pending = loop.time(), 0
                    yield
                    if self.pace and isinstance(event, TextDelta):
                        await asyncio.sleep(self.pace)
        except TutorError as exc:
            view.apply(Notice("error", session.redact(str(exc))))
        except Exception:  # never show a traceback to a learner
            log.exception("turn failed for session %s", session.id)
            view.apply(Notice("error", "Something went wrong on the tutor's side. Try again "
                              "in a moment."))
        finally:
            self.streaming -= 1

    def _due(self, pending_chars: int, since_last: float) -> bool:
        """Time for a page update: paced by characters offline, by time for a model."""
        if self.pace:
            return pending_chars >= PACE_CHARS
        return since_last >= STREAM_EVERY * max(1.0, self.streaming / BUSY_TURNS)

    # -- the chat page ----------------------------------------------------------------------

    def on_load(self, browser_sid: str | None) -> tuple[Any, ...]:
        """Resume the browser's session (or start one) and show its saved conversation."""
        session = self.registry.get(browser_sid)
        if not self._lock(session).locked():  # mid-turn, another tab's live view is fresher
            self._views.pop(session, None)  # show what the store kept, as after a restart
        return (session.id, session.id, self.view(session).snapshot(), *self.panels(session))

    def panels(self, session: TutorSession) -> tuple[Any, Any, Any]:
        """Stepper, Next button and progress, read fresh after every turn."""
        label, enabled = next_label(session)
        return (stepper_html(session), gr.Button(label, interactive=enabled),
                progress_markdown(session))

    def refresh(self, sid: str | None) -> tuple[Any, Any, Any]:
        return self.panels(self.registry.get(sid))

    async def chat_ui(self, text: str, sid: str | None) -> AsyncIterator[Any]:
        if not (text or "").strip():
            yield gr.skip()
            return
        session = self.registry.get(sid)
        view = self.view(session)
        async for _ in self.stream(session, session.send(text), view, said=lambda: text):
            yield view.snapshot()

    async def next_ui(self, sid: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        session = self.registry.get(sid)
        view = self.view(session)
        said = lambda: session.next_guided_prompt  # noqa: E731 - read under the lock
        async for _ in self.stream(session, session.next_prompt(), view, said=said):
            yield view.snapshot()

    async def quiz_ui(self, sid: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        session = self.registry.get(sid)
        view = self.view(session)
        async for _ in self.stream(session, session.send("/quiz"), view, said=lambda: "/quiz"):
            yield view.snapshot()

    async def reset_ui(self, sid: str | None) -> tuple[Any, ...]:
        session = self.registry.get(sid)
        async with self._lock(session):
            session.reset()
            self._views[session] = ChatView()
        return ([], *self.panels(session), gr.File(value=None, visible=False))

    def export(self, sid: str | None) -> Any:
        session = self.registry.get(sid)
        path = self._export_dir / f"tutor-transcript-{session.id[:8]}.md"
        path.write_text(export_markdown(session), encoding="utf-8")
        return gr.File(value=str(path), visible=True)

    # -- the API for programmatic clients ---------------------------------------------------

    async def api_chat(self, message: str, sid: str | None) -> AsyncIterator[tuple[str, str]]:
        """One learner message in, the reply streamed out (its text so far, each time)."""
        session = self.registry.get(sid)
        view = ChatView()
        async for _ in self.stream(session, session.send(message or ""), view):
            yield final_text(view, 0), session.id

    async def api_next_prompt(self, sid: str | None) -> AsyncIterator[tuple[str, str]]:
        """Send the next guided try-it prompt; the reply streamed out."""
        session = self.registry.get(sid)
        view = ChatView()
        async for _ in self.stream(session, session.next_prompt(), view):
            yield final_text(view, 0), session.id


def browser_secret(runtime: Runtime) -> str:
    # BrowserState's "secret" is sent to the page anyway, so it only scrambles localStorage;
    # a stable one keeps a learner's session across server restarts (per database).
    where = str(runtime.store.path if runtime.store is not None else "memory")
    return hashlib.sha256(f"mlops-roles-tutor:{where}".encode()).hexdigest()[:32]
