"""Memory: resident memory of the app with 1,000 learner sessions created, against the idle
app (target: at most 150 MB more).

The app is `tutor serve` as a first-time user runs it (offline, temporary database). "Idle" is
after start-up and one warm-up turn (so lazily loaded code is counted in both). Each learner
session is a fresh gradio_client session (`reset_session()`) sending one real question, so the
app holds a live `TutorSession`, its Gradio session state and one stored turn for each.

    python benchmarks/bench_memory.py [--sessions 1000] [--workers 32]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common import client, clients, close_all, emit, print_table, rss_mb, target, tutor_app, workdir

COMMAND = "python benchmarks/bench_memory.py"
QUESTION = "Who gets paged at 3am when latency spikes?"


def learner_sessions(learner: Any, count: int) -> int:
    """`count` new learner sessions through one client; returns how many replied."""
    replied = 0
    for _ in range(count):
        learner.reset_session()  # a new Gradio session: a new learner to the app
        replied += bool(learner.predict(QUESTION, api_name="/chat"))
    return replied


def settle(pid: int, seconds: float = 2.0) -> float:
    time.sleep(seconds)
    return rss_mb(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    share = [args.sessions // args.workers + (i < args.sessions % args.workers)
             for i in range(args.workers)]  # fmt: skip
    with workdir() as tmp, tutor_app(tmp) as app:
        warm = client(app.url)
        warm.predict(QUESTION, api_name="/chat")
        close_all([warm])
        idle = settle(app.pid)
        started = time.monotonic()
        learners = clients(app.url, args.workers)
        with ThreadPoolExecutor(args.workers) as pool:
            replied = sum(pool.map(learner_sessions, learners, share))
        elapsed = time.monotonic() - started
        close_all(learners)
        loaded = settle(app.pid)
        db_mb = sum(p.stat().st_size for p in tmp.glob("tutor.db*")) / 2**20
    report(idle, loaded, replied, elapsed, db_mb)


def report(idle: float, loaded: float, sessions: int, elapsed: float, db_mb: float) -> None:
    extra = loaded - idle
    rows = [("idle app (after one warm-up turn)", idle),
            (f"with {sessions} learner sessions", loaded),
            ("difference", extra),
            ("per session (KB)", extra * 1024 / max(1, sessions))]  # fmt: skip
    print_table("Resident memory of `tutor serve` (MB)", ["state", "RSS"], rows)
    print(f"\n{sessions} sessions created in {elapsed:.1f} s; SQLite database {db_mb:.1f} MB")
    results = {"idle_mb": round(idle, 1), "loaded_mb": round(loaded, 1),
               "extra_mb": round(extra, 1), "sessions": sessions,
               "per_session_kb": round(extra * 1024 / max(1, sessions), 1),
               "db_mb": round(db_mb, 2)}  # fmt: skip
    emit("memory", COMMAND, results, [target("RSS with sessions minus idle", extra, 150, " MB")])


if __name__ == "__main__":
    main()
