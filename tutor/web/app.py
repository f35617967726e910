"""The Gradio app: layout, event wiring and the programmatic API (`/chat`, `/next_prompt`).

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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from tutor.diagram import handoff_svg
from tutor.engine import TutorSession
from tutor.errors import TutorError
from tutor.events import Event, Notice, TextDelta
from tutor.handoffs import analyze_handoffs, run_handoff_demo
from tutor.progress import export_markdown, progress_markdown
from tutor.runtime import Runtime
from tutor.sessions import SessionRegistry
from tutor.web import panels
from tutor.web.view import ChatView, final_text, next_label, stepper_html, transcript_messages

log = logging.getLogger(__name__)

# Coalesce streamed text into at most one UI update per STREAM_EVERY seconds (a model can
# send hundreds of tokens a second). The offline engine answers instantly, so it is paced a
# little instead, or its answer would land all at once rather than stream.
STREAM_EVERY = 0.04
OFFLINE_PACE = 0.012
INTERNAL = {"api_visibility": "private"}


class TutorApp:
    """The handlers of one app instance; owns the session registry."""

    def __init__(self, runtime: Runtime, *, offline_pace: float | None = None) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.registry = SessionRegistry(runtime.session,
                                        idle_seconds=settings.tutor_idle_minutes * 60)
        self.pace = (OFFLINE_PACE if runtime.backend.offline else 0.0) \
            if offline_pace is None else offline_pace
        self._locks: weakref.WeakKeyDictionary[TutorSession, asyncio.Lock] = \
            weakref.WeakKeyDictionary()
        self._export_dir = Path(tempfile.mkdtemp(prefix="mlops-tutor-export-"))

    # -- streaming a turn -------------------------------------------------------------------

    def _lock(self, session: TutorSession) -> asyncio.Lock:
        # One turn at a time per learner: two tabs or an impatient click must not interleave.
        lock = self._locks.get(session)
        if lock is None:
            lock = self._locks[session] = asyncio.Lock()
        return lock

    async def stream(self, session: TutorSession, events: AsyncIterator[Event],
                     view: ChatView) -> AsyncIterator[None]:
        """Apply a turn's events to `view`, yielding whenever the page should update."""
        loop = asyncio.get_running_loop()
        last = 0.0
        async with self._lock(session):
            try:
                async for event in events:
                    view.apply(event)
                    if isinstance(event, TextDelta) and not self.pace:
                        if loop.time() - last < STREAM_EVERY:
                            continue
                        last = loop.time()
                    yield
                    if self.pace and isinstance(event, TextDelta):
                        await asyncio.sleep(self.pace)
            except TutorError as exc:
                view.apply(Notice("error", session.redact(str(exc))))
            except Exception:  # never show a traceback to a learner
                log.exception("turn failed for session %s", session.id)
                view.apply(Notice("error", "Something went wrong on the tutor's side; your "
                                  "message was not lost. Try again in a moment."))
        yield

    # -- the chat page ----------------------------------------------------------------------

    def on_load(self, browser_sid: str | None) -> tuple[Any, ...]:
        """Resume the browser's session (or start one) and rebuild its chat from the store."""
        session = self.registry.get(browser_sid)
        store = session.store
        chat = transcript_messages(store.transcript(session.id)) if store else []
        return (session.id, session.id, chat, *self.panels(session))

    def panels(self, session: TutorSession) -> tuple[Any, Any, Any]:
        """Stepper, Next button and progress, read fresh after every turn."""
        label, enabled = next_label(session)
        return (stepper_html(session), gr.Button(label, interactive=enabled),
                progress_markdown(session))

    def refresh(self, sid: str | None) -> tuple[Any, Any, Any]:
        return self.panels(self.registry.get(sid))

    async def chat_ui(self, text: str, chat: list[dict[str, Any]], sid: str | None
                      ) -> AsyncIterator[tuple[Any, Any]]:
        if not (text or "").strip():
            yield gr.skip(), gr.skip()
            return
        session = self.registry.get(sid)
        view = ChatView(chat)
        view.user(text)
        yield view.snapshot(), ""  # show the message and clear the box at once
        async for _ in self.stream(session, session.send(text), view):
            yield view.snapshot(), gr.skip()  # the box stays the learner's while we stream

    async def next_ui(self, chat: list[dict[str, Any]], sid: str | None
                      ) -> AsyncIterator[list[dict[str, Any]]]:
        session = self.registry.get(sid)
        view = ChatView(chat)
        prompt = session.next_guided_prompt
        if prompt is not None:
            view.user(prompt)
            yield view.snapshot()
        async for _ in self.stream(session, session.next_prompt(), view):
            yield view.snapshot()

    async def quiz_ui(self, chat: list[dict[str, Any]], sid: str | None
                      ) -> AsyncIterator[list[dict[str, Any]]]:
        session = self.registry.get(sid)
        view = ChatView(chat)
        view.user("/quiz")
        async for _ in self.stream(session, session.send("/quiz"), view):
            yield view.snapshot()

    async def reset_ui(self, sid: str | None) -> tuple[Any, ...]:
        session = self.registry.get(sid)
        async with self._lock(session):
            session.reset()
        return ([], *self.panels(session), None)

    def export(self, sid: str | None) -> str:
        session = self.registry.get(sid)
        path = self._export_dir / f"tutor-transcript-{session.id[:8]}.md"
        path.write_text(export_markdown(session), encoding="utf-8")
        return str(path)

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

    # -- lesson and team panels -------------------------------------------------------------

    def run_demo(self) -> tuple[str, str, str]:
        analysis = analyze_handoffs()
        return run_handoff_demo(), analysis.render_text(), panels.svg_block(handoff_svg(analysis))

    def plan_team(self, text: str, rows: Any, product: str) -> tuple[str, str]:
        return panels.plan_team(text, rows, product)


def browser_secret(runtime: Runtime) -> str:
    # BrowserState's "secret" is sent to the page anyway, so it only scrambles localStorage;
    # a stable one keeps a learner's session across server restarts (per database).
    where = str(runtime.store.path if runtime.store is not None else "memory")
    return hashlib.sha256(f"mlops-roles-tutor:{where}".encode()).hexdigest()[:32]
