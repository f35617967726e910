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
        self._live: OrderedDict[str, TutorSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> TutorSession:
        """The learner's session: live, resumed from the store, or new when the id is unknown."""
        with self._lock:
            self._expire()
            if session_id and session_id in self._live:
                self._live.move_to_end(session_id)
                session = self._live[session_id]
                session.last_used = self._clock()
                return session
        session = self._factory(session_id if session_id and valid_id(session_id) else None)
        session.last_used = self._clock()
        with self._lock:
            self._live[session.id] = session
            while len(self._live) > self._max_live:
                self._live.popitem(last=False)
        return session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._live.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._live)

    def _expire(self) -> None:
        cutoff = self._clock() - self._idle
        while self._live:
            oldest_id, oldest = next(iter(self._live.items()))
            if oldest.last_used >= cutoff:
                break
            del self._live[oldest_id]


def valid_id(session_id: str) -> bool:
    """Session ids are ours (uuid4 hex); anything else from a browser starts a new session."""
    return len(session_id) == 32 and all(c in "0123456789abcdef" for c in session_id)
