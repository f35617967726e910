"""Concurrency: N learners send a message at once, with a 1.0 s provider latency.

Reports the burst's wall time over one learner's time (target at most 1.3 for N = 50 and 200)
and the time to the first streamed token under that load. Rows:

- `tutor serve`, as shipped (default settings);
- a minimal Gradio echo app that sleeps 1.0 s: the floor Gradio and the client side set here;
- the fake OpenAI server alone (async httpx streams): shows the fake is not the bottleneck.

Processes: fake server, app, and the clients (this script, gradio_client in threads) each run
in their own process.

    python benchmarks/bench_concurrency.py [--n 50 200] [--latency 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import httpx
from common import (
    Burst,
    burst,
    client,
    clients,
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

MESSAGE = "Who gets paged at 3am when latency spikes?"
COMMAND = "python benchmarks/bench_concurrency.py"
SHIPPED = "tutor serve"


def burst_row(setup: str, n: int, result: Burst, single: float, kind: str) -> dict[str, Any]:
    ttft = [t.ttft for t in result.timings if not t.error]
    return {
        "setup": setup,
        "n": n,
        "message": kind,
        "wall_s": round(result.wall, 3),
        "ratio": round(result.wall / single, 3),
        "ttft_median_s": round(median(ttft), 3),
        "ttft_p95_s": round(p95(ttft), 3),
        "errors": len(result.errors),
    }


def measure_app(setup: str, url: str, ns: list[int]) -> list[dict[str, Any]]:
    """One learner three times (the baseline), then N learners at once, twice each.

    The first burst is every learner's first message (Gradio and the tutor create a session
    for each); the second is their next message, with sessions already live.
    """
    solo = client(url)
    one_turn(solo, MESSAGE)  # warm-up: first request of a process pays for lazy imports
    singles = [one_turn(solo, MESSAGE) for _ in range(3)]
    close_all([solo])
    single = median([t.total for t in singles])
    rows = [{"setup": setup, "n": 1, "message": "next", "wall_s": round(single, 3),
             "ratio": 1.0, "ttft_median_s": round(median([t.ttft for t in singles]), 3),
             "ttft_p95_s": round(max(t.ttft for t in singles), 3), "errors": 0}]  # fmt: skip
    for n in ns:
        learners = clients(url, n)
        rows.append(burst_row(setup, n, burst(learners, MESSAGE), single, "first"))
        rows.append(burst_row(setup, n, burst(learners, MESSAGE), single, "next"))
        close_all(learners)
        print(f"  {setup}: N={n} done", file=sys.stderr, flush=True)
    return rows


async def _fake_stream(http: httpx.AsyncClient, url: str) -> None:
    body = {"model": "fake", "messages": [{"role": "user", "content": MESSAGE}], "stream": True}
    async with http.stream("POST", f"{url}/chat/completions", json=body) as response:
        async for _ in response.aiter_lines():
            pass


async def _fake_burst(url: str, n: int) -> float:
    limits = httpx.Limits(max_connections=n + 10)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await _fake_stream(http, url)  # warm-up
        started = time.monotonic()
        await asyncio.gather(*(_fake_stream(http, url) for _ in range(n)))
        return time.monotonic() - started


def measure_fake(url: str, ns: list[int]) -> list[dict[str, Any]]:
    single = asyncio.run(_fake_burst(url, 1))
    rows = [{"setup": "fake server alone", "n": 1, "message": "-", "wall_s": round(single, 3),
             "ratio": 1.0}]  # fmt: skip
    for n in ns:
        wall = asyncio.run(_fake_burst(url, n))
        rows.append({"setup": "fake server alone", "n": n, "message": "-",
                     "wall_s": round(wall, 3), "ratio": round(wall / single, 3)})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--latency", type=float, default=1.0, help="provider latency, seconds")
    parser.add_argument("--chunk-delay", type=float, default=0.005, help="seconds per chunk")
    args = parser.parse_args()
    ns, concurrency = args.n, max(256, *args.n)
    fake_args = {"latency": args.latency, "chunk_delay": args.chunk_delay}
    with workdir() as tmp, fake_server(tmp, **fake_args) as fake:
        rows = measure_fake(fake.url, ns)
        with tutor_app(tmp, fake.url) as app:
            rows += measure_app(SHIPPED, app.url, ns)
        with echo_app(tmp, concurrency, args.latency, concurrency) as app:
            rows += measure_app("Gradio echo floor", app.url, ns)
    report(rows, ns)


def report(rows: list[dict[str, Any]], ns: list[int]) -> None:
    headers = ["setup", "N", "message", "wall s", "ratio", "TTFT median s", "TTFT p95 s", "errors"]
    table = [(r["setup"], r["n"], r["message"], r["wall_s"], r["ratio"],
              r.get("ttft_median_s", "-"), r.get("ttft_p95_s", "-"), r.get("errors", "-"))
             for r in rows]  # fmt: skip
    print_table("Burst of N learners, 1 provider call each (ratio = wall / one learner)",
                headers, table)  # fmt: skip
    shipped = {(r["n"], r["message"]): r for r in rows if r["setup"] == SHIPPED}
    targets = [
        target(f"N={n}, {kind} message: wall / one learner", shipped[(n, kind)]["ratio"], 1.3)
        for n in ns
        for kind in ("first", "next")
    ]
    emit("concurrency", COMMAND, {"rows": rows}, targets)


if __name__ == "__main__":
    main()
