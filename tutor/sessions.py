"""Live learner sessions of a server, keyed by session id, bounded in memory.

Owned by one app instance (never a module global). Idle sessions are dropped from
memory; their transcript and progress stay in the store and come back on the next visit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from tutor.engine import TutorSession


class SessionRegistry:
    """Live sessions in least-recently-used order; each `get` counts as use."""

    def __init__(
        self,
        factory: Callable[[str | None], TutorSession],
        *,
        idle_seconds: float = 3600.0,
        max_live: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._idle = idle_seconds
        self._max_live = max_live
        self._clock = clock
        # id -> (session, when last got): the registry's own clock decides expiry.
        self._live: OrderedDict[str, tuple[TutorSession, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> TutorSession:
        """The learner's session: live, resumed from the store, or new when the id is unknown."""
        with self._lock:
            self._expire()
            if session_id and session_id in self._live:
                return self._use(self._live[session_id][0])
        # Built outside the lock: resuming reads the store, and other learners must not wait.
        session = self._factory(session_id if session_id and valid_id(session_id) else None)
        with self._lock:
            if session.id in self._live:
                # Two requests resumed the same learner at once: keep one session object, or
                # their turns would go to two diverging histories.
                return self._use(self._live[session.id][0])
            self._use(session)
            while len(self._live) > self._max_live:
                self._live.popitem(last=False)
        return session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._live.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._live

    def _use(self, session: TutorSession) -> TutorSession:
        now = self._clock()
        session.last_used = now
        self._live[session.id] = (session, now)
        self._live.move_to_end(session.id)
        return session

    def _expire(self) -> None:
        cutoff = self._clock() - self._idle
        while self._live:
            oldest_id, (_, used) = next(iter(self._live.items()))
            if used >= cutoff:
                break
            del self._live[oldest_id]


def valid_id(session_id: str) -> bool:
    """Session ids are ours (uuid4 hex); anything else from a browser starts a new session."""
    return len(session_id) == 32 and all(c in "0123456789abcdef" for c in session_id)
