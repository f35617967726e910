"""Wires settings into a backend, a store and sessions; shared by the CLI, web app and eval."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.backends import Backend, make_backend
from tutor.config import Settings, load_settings
from tutor.engine import Limits, TutorSession
from tutor.engine.commands import NEXT_COMMAND
from tutor.store import Store, default_db_path

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    backend: Backend
    store: Store | None
    limits: Limits

    def session(self, session_id: str | None = None) -> TutorSession:
        """A learner session; with a known id, resumes it from the store."""
        return TutorSession(
            self.backend, store=self.store, session_id=session_id, limits=self.limits
        )

    def banner(self) -> str:
        if self.backend.profile.offline:
            from tutor.content.pack import load_pack

            offline = load_pack().offline
            return f"{offline.label} {offline.connect_hint}"
        profile = self.backend.profile
        return f"Running on {profile.label} (requests shaped by {profile.traits_from})."

    async def aclose(self) -> None:
        await self.backend.aclose()
        if self.store is not None:
            self.store.close()


def limits_from(settings: Settings) -> Limits:
    secrets = tuple(
        s.get_secret_value() for s in (settings.openai_api_key, settings.tutor_auth) if s
    )
    return Limits(
        max_message_chars=settings.tutor_max_message_chars,
        max_tool_rounds=settings.tutor_max_tool_rounds,
        history_turns=settings.tutor_history_turns,
        answer_timeout=settings.tutor_answer_timeout,
        secrets=secrets,
        prefill_next_step=settings.warm_up,
    )


def build_runtime(
    settings: Settings | None = None,
    *,
    db: str | Path | None = None,
    persist: bool = True,
    http_client: Any = None,
) -> Runtime:
    """Everything a surface needs. `persist=False` keeps progress in memory only."""
    settings = settings or load_settings()
    store = None
    if persist:
        store = Store(
            db or settings.db_target() or default_db_path(),
            lease_seconds=settings.tutor_lease_seconds,
            pool_size=settings.tutor_db_pool_size,
        )
        # Only turns whose process is gone (this pid's previous life, an exited process on
        # this machine, or an expired lease): other live processes may share the database.
        store.mark_interrupted_turns()
        store.start_heartbeat()  # renew leases; sweep other processes' dead turns meanwhile
    return Runtime(settings, make_backend(settings, http_client), store, limits_from(settings))


async def warm_up(settings: Settings, http_client: Any = None) -> bool:
    """Send the first try-it prompt's request once, asking for one token, so the model
    server's prompt cache holds it (and the stable prefix it starts with) before the first
    learner message (TUTOR_WARMUP). Its own client: it runs beside
    the app, on its own event loop. False when it failed (logged, redacted, ignored)."""
    backend = make_backend(settings, http_client)
    try:
        session = TutorSession(backend, limits=limits_from(settings))
        # The first try-it prompt's whole request, as "Next prompt" will send it; every
        # other first message still finds the stable prefix (system prompt, tools) cached.
        request = await session.rehearse(NEXT_COMMAND) or session.warm_up_request()
        return await backend.warm_up(*request)
    except Exception:  # building the request must not stop the app either
        log.exception("warm-up skipped")
        return False
    finally:
        await backend.aclose()


def start_warm_up(settings: Settings) -> threading.Thread | None:
    """The warm-up in a background thread, when the settings ask for one; the app serves
    meanwhile (a learner who asks first just finds the cache cold)."""
    if not settings.warm_up:
        return None
    thread = threading.Thread(
        target=lambda: asyncio.run(warm_up(settings)), name="tutor-warm-up", daemon=True
    )
    thread.start()
    return thread
