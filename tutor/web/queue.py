"""Live learner sessions of a server, keyed by session id, bounded in memory; each with its lane.

Owned by one app instance (never a module global). Idle sessions are dropped from
memory; their transcript and progress stay in the store and come back on the next visit.

A learner's `Lane` is their turn queue in this process: messages are stored at once as
"queued" (in the store when there is one, so a reload keeps them) and answered one at a time,
in order, by whoever holds the lane's lock. Every tab of one learner shares the lane.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine import TutorSession


@dataclass(frozen=True)
class Queued:
    """A learner message waiting for its turn (`id` is the store's row id when stored)."""

    id: int
    text: str


@dataclass
class Lane:
    """One learner's queue of messages and the lock that lets one turn run at a time."""

    session: TutorSession
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: set by Stop; the running turn ends as "stopped" (cleared when a turn starts)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    #: a turn of this learner is streaming in this process now (not merely waiting for the
    #: learner's lock, which another process may hold while it answers)
    answering: bool = False
    #: the queue when the session has no store (ids from a local counter)
    _local: list[Queued] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def busy(self) -> bool:
        return self.lock.locked()

    def put(self, text: str) -> Queued:
        """Keep a learner message at once, before it is answered."""
        store = self.session.store
        if store is not None:
            return Queued(store.enqueue(self.session.id, text), text)
        item = Queued(next(self._ids), text)
        self._local.append(item)
        return item

    def pending(self) -> list[Queued]:
        """Messages not yet answered, oldest first (another tab's included)."""
        store = self.session.store
        if store is not None:
            return [Queued(r.id, r.content) for r in store.queued(self.session.id)]
        return list(self._local)

    def take(self) -> Queued | None:
        """The oldest waiting message; the caller answers it (and must hold the lock)."""
        items = self.pending()
        if not items:
            return None
        if self.session.store is None:
            self._local.remove(items[0])
        return items[0]

    def settle(self, item: Queued, reply: str) -> None:
        """Keep a message the engine answered without a stored turn (a command such as
        /help, or a refused empty one) in the transcript, so it leaves the queue."""
        store = self.session.store
        if store is None or all(q.id != item.id for q in self.pending()):
            return
        turn = store.begin_turn(self.session.id, item.text, queued_id=item.id)
        store.finish_turn(turn, reply, {"command": True}, status="complete")

    def clear_local(self) -> None:
        self._local.clear()


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
        # id -> (lane, when last got): the registry's own clock decides expiry.
        self._live: OrderedDict[str, tuple[Lane, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> TutorSession:
        """The learner's session: live, resumed from the store, or new when the id is unknown."""
        return self.lane(session_id).session

    def lane(self, session_id: str | None) -> Lane:
        """The learner's lane (and session); every tab of one learner gets the same one."""
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
            lane = self._use(Lane(session))
            self._evict()
        return lane

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._live

    def _use(self, lane: Lane) -> Lane:
        now = self._clock()
        self._live[lane.session.id] = (lane, now)
        self._live.move_to_end(lane.session.id)
        return lane

    def _expire(self) -> None:
        cutoff = self._clock() - self._idle
        for sid, (lane, used) in list(self._live.items()):
            if used >= cutoff:
                break
            if not lane.busy:  # a learner mid-turn keeps their lane (one lane per learner)
                del self._live[sid]

    def _evict(self) -> None:
        for sid, (lane, _) in list(self._live.items()):
            if len(self._live) <= self._max_live:
                break
            if not lane.busy:
                del self._live[sid]


def valid_id(session_id: str) -> bool:
    """Session ids are ours (uuid4 hex); anything else from a browser starts a new session."""
    return len(session_id) == 32 and all(c in "0123456789abcdef" for c in session_id)
