"""A cheap load generator: many learners over Gradio's HTTP/SSE queue API, in one asyncio loop.

It does what a page (or gradio_client) does for one API call, and nothing more: GET /config
once (which also picks up nginx's routing cookie, so each learner sticks to one process),
then per message POST /gradio_api/queue/join and read /gradio_api/queue/data (server-sent
events) until the call completes. State inputs are sent as null, as gradio_client does, so a
learner's next message continues their session on the server. One learner costs one
httpx.AsyncClient; no threads, no polling.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from common import Timing as Turn  # one timing record for every benchmark client

JOIN = "/gradio_api/queue/join"
DATA = "/gradio_api/queue/data"


@dataclass
class Endpoint:
    """Where an api_name lives in an app's config: its fn_index and which inputs are state."""

    fn_index: int
    state_inputs: list[bool]

    def payload(self, text: str, session: str) -> dict[str, Any]:
        data = [None if state else text for state in self.state_inputs]
        return {
            "data": data,
            "fn_index": self.fn_index,
            "session_hash": session,
            "event_data": None,
            "trigger_id": None,
        }


def endpoint(config: dict[str, Any], api_name: str = "chat") -> Endpoint:
    kinds = {c["id"]: c.get("type") for c in config["components"]}
    for index, dep in enumerate(config["dependencies"]):
        if dep.get("api_name") == api_name:
            fn_index = dep.get("id", index)
            return Endpoint(fn_index, [kinds.get(i) == "state" for i in dep["inputs"]])
    raise LookupError(f"no endpoint {api_name!r} in the app's config")


def has_text(value: Any) -> bool:
    """Whether a streamed output (full value or sse_v3 diff) carries some reply text."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        if (
            len(value) == 3
            and value[0] in ("replace", "append", "add")
            and isinstance(value[1], list)
        ):
            return has_text(value[2])  # one diff: [op, path, value]
        return any(has_text(v) for v in value)
    return False


@dataclass
class Learner:
    """One learner session: its own HTTP client (and cookies) and Gradio session hash."""

    client: httpx.AsyncClient
    api: Endpoint
    session: str = field(default_factory=lambda: uuid.uuid4().hex[:11])

    async def say(self, text: str, start: float) -> Turn:
        turn = Turn(start)
        try:
            joined = await self.client.post(JOIN, json=self.api.payload(text, self.session))
            joined.raise_for_status()
            event_id = joined.json()["event_id"]
            await self._listen(event_id, turn)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            turn.error = f"{type(exc).__name__}: {exc}"
        turn.end = turn.end or time.monotonic()
        return turn

    async def _listen(self, event_id: str, turn: Turn) -> None:
        params = {"session_hash": self.session}
        async with self.client.stream("GET", DATA, params=params) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") not in (None, event_id):
                    continue
                if self._event(message, turn):
                    return
        turn.error = turn.error or "the stream ended before the reply completed"

    @staticmethod
    def _event(message: dict[str, Any], turn: Turn) -> bool:
        kind = message.get("msg")
        output = (message.get("output") or {}).get("data") or []
        if kind == "process_generating" and turn.first is None and output and has_text(output[0]):
            turn.first = time.monotonic()
        if kind != "process_completed":
            return False
        turn.end = time.monotonic()
        if not message.get("success", False):
            turn.error = str(message.get("output", {}).get("error") or "failed")
        elif output and turn.first is None and has_text(output[0]):
            turn.first = turn.end
        return True


async def connect(url: str, count: int, api_name: str = "chat") -> list[Learner]:
    """`count` learners, each with its config fetched (and routing cookie set)."""
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    timeout = httpx.Timeout(300.0, connect=30.0)

    async def one() -> Learner:
        client = httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout)
        config = (await client.get("/config")).raise_for_status().json()
        return Learner(client, endpoint(config, api_name))

    learners: list[Learner] = []
    for start in range(0, count, 50):  # not all at once: connecting is not what we measure
        learners += await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return learners


async def close(learners: list[Learner]) -> None:
    await asyncio.gather(*(learner.client.aclose() for learner in learners))


@dataclass
class Burst:
    turns: list[Turn]
    wall: float
    client_cpu: float  # seconds of CPU this process used during the burst

    @property
    def errors(self) -> list[str]:
        return [t.error for t in self.turns if t.error]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def burst(learners: list[Learner], text: str) -> Burst:
    """Every learner sends `text` at the same moment; returns when all replies are done."""
    cpu, start = cpu_seconds(), time.monotonic()
    turns = await asyncio.gather(*(learner.say(text, start) for learner in learners))
    wall = max((t.end or start) for t in turns) - start
    return Burst(list(turns), wall, cpu_seconds() - cpu)
