"""Overhead: per-turn latency through the app with a zero-latency provider, against a minimal
Gradio echo chat measured in the same run (target at most 1.2x); and the offline engine's turn
in-process (target: median under 10 ms).

The tutor runs as `tutor serve` against the fake OpenAI server (no latency, no chunk delay);
the echo app is `echo_app.py` with the same queue settings. One gradio_client learner per app,
turns alternating between the two so both see the same machine noise. gradio_client itself
takes ~55 ms per call here, so the tutor's own share is also measured in-process (engine,
OpenAI client and the fake's round trip, no Gradio).

    python benchmarks/bench_overhead.py [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from common import (
    client,
    close_all,
    echo_app,
    emit,
    fake_server,
    median,
    one_turn,
    p95,
    print_table,
    target,
    tutor_app,
    workdir,
)

COMMAND = "python benchmarks/bench_overhead.py"
QUESTION = "Who owns the data contract?"
# A learner's mix for the offline engine: the walk-through (tools), questions, a quiz.
OFFLINE_SCRIPT = (
    "/next",
    "/next",
    "/next",
    "Who gets paged at 3am?",
    "What is a data contract and who owns it?",
    "The data scientist deploys the model, right?",
    "/quiz",
    "Data scientists build models and ML engineers productionize them.",
    "Ana is a data scientist, Ben is a backend engineer, Chen runs infra.",
    "Why do handoffs break?",
)


def through_apps(turns: int) -> dict[str, Any]:
    """Median per-turn latency of the tutor and of the echo app, alternating turns."""
    with (
        workdir() as tmp,
        fake_server(tmp) as fake,
        tutor_app(tmp, fake.url) as tutor,
        echo_app(tmp) as echo,
    ):
        learners = {"tutor": client(tutor.url), "echo": client(echo.url)}
        for _ in range(5):  # warm-up: lazy imports, first connections
            for learner in learners.values():
                one_turn(learner, QUESTION)
        times: dict[str, list[float]] = {"tutor": [], "echo": []}
        for _ in range(turns):
            for name, learner in learners.items():
                times[name].append(one_turn(learner, QUESTION).total)
        close_all(list(learners.values()))
        times["engine"] = asyncio.run(model_turns(fake.url, turns))
    return times


async def model_turns(base_url: str, turns: int) -> list[float]:
    """The tutor's own share: engine + OpenAI client + fake round trip, in-process."""
    from tutor.config import load_settings
    from tutor.runtime import build_runtime

    settings = load_settings(
        _env_file=None, openai_base_url=base_url, tutor_model="fake", tutor_backend="openai"
    )
    runtime = build_runtime(settings, persist=False)
    session, durations = runtime.session(), []
    for i in range(turns + 5):
        started = time.perf_counter()
        async for _ in session.send(QUESTION):
            pass
        if i >= 5:  # the first turns pay for lazy imports and connections
            durations.append(time.perf_counter() - started)
    await runtime.aclose()
    return durations


async def offline_turns(rounds: int, db: Path | None) -> list[float]:
    """Wall time of each offline-engine turn, in-process (no web app, no network)."""
    from tutor.backends.offline import OfflineBackend
    from tutor.engine import TutorSession
    from tutor.store import Store

    store = Store(db) if db else None
    backend, durations = OfflineBackend(), []
    for _ in range(rounds):
        session = TutorSession(backend, store=store)
        for message in OFFLINE_SCRIPT:
            started = time.perf_counter()
            async for _ in session.send(message):
                pass
            durations.append(time.perf_counter() - started)
    if store is not None:
        store.close()
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=40, help="measured turns per app")
    parser.add_argument("--rounds", type=int, default=30, help="offline scripted sessions")
    args = parser.parse_args()
    times = through_apps(args.turns)
    memory = asyncio.run(offline_turns(args.rounds, None))
    with workdir() as tmp:
        stored = asyncio.run(offline_turns(args.rounds, tmp / "bench.db"))
    report(times, memory, stored)


def report(times: dict[str, list[float]], memory: list[float], stored: list[float]) -> None:
    ms = {name: [v * 1000 for v in values] for name, values in times.items()}
    labels = {"tutor": "tutor serve, via gradio_client", "echo": "Gradio echo app, same client",
              "engine": "tutor engine + OpenAI client, in-process"}  # fmt: skip
    rows = [(labels[name], len(v), median(v), p95(v)) for name, v in ms.items()]
    rows += [("offline engine, in-process", len(memory), median(memory) * 1000,
              p95(memory) * 1000),
             ("offline engine + SQLite store", len(stored), median(stored) * 1000,
              p95(stored) * 1000)]  # fmt: skip
    print_table("Per-turn latency", ["path", "turns", "median ms", "p95 ms"], rows)
    ratio = median(ms["tutor"]) / median(ms["echo"])
    results = {
        "tutor_median_ms": round(median(ms["tutor"]), 2),
        "echo_median_ms": round(median(ms["echo"]), 2),
        "engine_model_median_ms": round(median(ms["engine"]), 2),
        "ratio": round(ratio, 3),
        "offline_median_ms": round(median(memory) * 1000, 3),
        "offline_p95_ms": round(p95(memory) * 1000, 3),
        "offline_store_median_ms": round(median(stored) * 1000, 3),
    }
    targets = [
        target("tutor turn / echo turn (median)", ratio, 1.2, "x"),
        target("offline engine turn, median", median(memory) * 1000, 10, " ms"),
    ]
    emit("overhead", COMMAND, results, targets)


if __name__ == "__main__":
    main()
