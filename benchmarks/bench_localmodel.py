"""First words on a real local model: the tutor against the bare chat (the seed's own way:
the lesson pasted into a plain chat as the system message), at the lesson's three try-it
prompts, on the same server, in the same run.

Per try-it prompt: time to first token of the model's own words (from the send; the app's own
artifacts — the demo's output, the planner's table — do not count) and total time, as mean
and worst over the runs (never the best). Each arm starts with one warm-up request of its own
prefix (the tutor's is the app's own `TUTOR_WARMUP` request), so with llama-server's single
slot (`--parallel 1`) each arm finds what a freshly started, warmed-up server holds. Between
prompts both arms wait `READING` seconds, as a learner reads the answer; the tutor's server
reads the next try-it prompt ahead meanwhile (TUTOR_WARMUP). Every model call the tutor makes
(the team reader, the grader, each read-ahead) is counted; those during a learner's wait are
inside its times.

Targets (issue 25): first token <= 1.5x the bare chat's at each prompt; the three steps
<= 1.2x, means.

    ../shared/realmodel/serve.sh 1.5b 8081        # start the server fresh first
    python3 benchmarks/bench_localmodel.py --url http://127.0.0.1:8081/v1 [--runs 3]

With no server answering at --url, it prints why and is skipped (run_all.py shows that).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx
from common import emit, print_table, target

from tutor.config import load_settings
from tutor.content.pack import load_pack
from tutor.engine.events import TextDelta
from tutor.engine.session import WARM_UP_WORDS
from tutor.runtime import build_runtime, warm_up

COMMAND = "python3 benchmarks/bench_localmodel.py --url URL"
DEFAULT_URL = "http://127.0.0.1:8081/v1"
MAX_TOKENS = 1024  # TUTOR_MAX_TOKENS' default, for both arms
#: seconds a learner reads an answer before the next prompt (both arms wait the same; the
#: tutor's server reads the next try-it prompt ahead meanwhile, TUTOR_WARMUP); --reading
READING = 15.0


@dataclass(frozen=True)
class Step:
    ttft: float  # seconds from the send to the model's first own token (nan: none came)
    total: float  # seconds from the send to the end of the answer


def served_model(url: str) -> tuple[str | None, str]:
    """The model the server serves, or None and why not."""
    try:
        reply = httpx.get(f"{url.rstrip('/')}/models", timeout=3.0)
        reply.raise_for_status()
        models = reply.json().get("data") or []
    except (httpx.HTTPError, ValueError) as exc:
        return None, f"no model server answers at {url} ({type(exc).__name__})"
    if not models:
        return None, f"the server at {url} lists no model"
    return str(models[0]["id"]), ""


# ------------------------------------------------------------------ the bare chat


async def bare_chat(
    url: str, model: str, lesson: str, prompts: list[str], reading: float
) -> list[Step]:
    """The lesson as the system message, the prompts as user turns, after one warm-up."""
    messages: list[dict[str, str]] = [{"role": "system", "content": lesson}]
    async with httpx.AsyncClient(base_url=url, timeout=3600) as client:
        warm = {"model": model, "max_tokens": 1,
                "messages": [*messages, {"role": "user", "content": WARM_UP_WORDS}]}  # fmt: skip
        (await client.post("/chat/completions", json=warm)).raise_for_status()
        steps = []
        for index, prompt in enumerate(prompts):
            if index:
                await asyncio.sleep(reading)
            messages.append({"role": "user", "content": prompt})
            step, text = await streamed(client, model, messages)
            messages.append({"role": "assistant", "content": text})
            steps.append(step)
    return steps


async def streamed(
    client: httpx.AsyncClient, model: str, messages: list[dict[str, str]]
) -> tuple[Step, str]:
    body = {"model": model, "messages": messages, "stream": True, "max_tokens": MAX_TOKENS}
    started, first, text = time.perf_counter(), float("nan"), ""
    async with client.stream("POST", "/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            piece = (choices[0].get("delta") or {}).get("content") or ""
            if piece.strip() and first != first:  # nan: the first token not seen yet
                first = time.perf_counter() - started
            text += piece
    return Step(first, time.perf_counter() - started), text


# ------------------------------------------------------------------ the tutor


async def tutor(url: str, model: str, prompts: int, reading: float) -> tuple[list[Step], int]:
    """The three try-it prompts (/next) through a tutor session, after the app's warm-up;
    returns the steps and how many model calls the tutor made."""
    settings = load_settings(
        openai_base_url=url, tutor_model=model, tutor_backend="openai",
        tutor_request_timeout=3600, tutor_answer_timeout=7200, tutor_max_tokens=MAX_TOKENS,
    )  # fmt: skip
    await warm_up(settings)
    runtime = build_runtime(settings, persist=False)
    calls = count_calls(runtime.backend)
    session = runtime.session()
    steps = []
    for index in range(prompts):
        if index:
            await asyncio.sleep(reading)
        started, first = time.perf_counter(), float("nan")
        async for event in session.send("/next"):
            own = isinstance(event, TextDelta) and event.source == "model" and event.text.strip()
            if own and first != first:
                first = time.perf_counter() - started
        steps.append(Step(first, time.perf_counter() - started))
    await runtime.aclose()
    return steps, calls[0]


def count_calls(backend: Any) -> list[int]:
    """A counter of the backend's model calls (streamed answers and strict-JSON readings)."""
    count = [0]
    stream, complete_json = backend.stream, backend.complete_json

    def counted_stream(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return stream(*args, **kwargs)

    async def counted_json(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return await complete_json(*args, **kwargs)

    async def counted_warm_up(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1  # a read-ahead of the next try-it prompt is a model call too
        return await warm(*args, **kwargs)

    warm = backend.warm_up
    backend.stream, backend.complete_json = counted_stream, counted_json
    backend.warm_up = counted_warm_up
    return count


# ------------------------------------------------------------------ report


def mean(values: list[float]) -> float:
    return statistics.fmean(values)


def report(tutor_runs: list[list[Step]], bare_runs: list[list[Step]]) -> tuple[dict, list]:
    rows, results, targets = [], {}, []
    for i in range(len(tutor_runs[0])):
        t = [run[i].ttft for run in tutor_runs]
        b = [run[i].ttft for run in bare_runs]
        ratio = mean(t) / mean(b)
        rows.append((f"try-it {i + 1}: first token", mean(t), max(t), mean(b), max(b), ratio,
                     max(t) / max(b)))  # fmt: skip
        results[f"ttft_{i + 1}"] = {"tutor_mean": mean(t), "tutor_worst": max(t),
                                    "bare_mean": mean(b), "bare_worst": max(b)}  # fmt: skip
        targets.append(target(f"try-it {i + 1}: first token, tutor / bare (means)", ratio, 1.5))
    t = [sum(s.total for s in run) for run in tutor_runs]
    b = [sum(s.total for s in run) for run in bare_runs]
    rows.append(("three steps, total", mean(t), max(t), mean(b), max(b), mean(t) / mean(b),
                 max(t) / max(b)))  # fmt: skip
    results["three_steps"] = {"tutor_mean": mean(t), "tutor_worst": max(t),
                              "bare_mean": mean(b), "bare_worst": max(b)}  # fmt: skip
    targets.append(target("three steps, tutor / bare (means)", mean(t) / mean(b), 1.2))
    print_table(f"Seconds, over {len(tutor_runs)} runs (mean and worst; bare chat = the floor)",
                ["what", "tutor mean", "tutor worst", "bare mean", "bare worst",
                 "ratio of means", "ratio of worsts"], rows)  # fmt: skip
    return results, targets


async def measure(url: str, model: str, runs: int, reading: float) -> None:
    pack = load_pack()
    prompts = [s.prompt for s in pack.steps]
    tutor_runs, bare_runs, calls = [], [], []
    for run in range(runs):
        bare_runs.append(await bare_chat(url, model, pack.lesson, prompts, reading))
        steps, made = await tutor(url, model, len(prompts), reading)
        tutor_runs.append(steps)
        calls.append(made)
        print(f"run {run + 1}/{runs} done", flush=True)
    results, targets = report(tutor_runs, bare_runs)
    print(
        f"\nmodel {model} at {url}; {reading:g} s between prompts; tutor model calls per run "
        f"(read-aheads included): {calls} (the bare chat: 3)"
    )
    emit("localmodel", COMMAND, {**results, "model": model, "tutor_calls": calls}, targets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reading", type=float, default=READING,
                        help=f"seconds between prompts, as a learner reads (default {READING}; "
                             "0: Next pressed at once, the read-ahead still running)")  # fmt: skip
    parser.add_argument("--model", help="default: the first model the server lists")
    args = parser.parse_args()
    model, why = (args.model, "") if args.model else served_model(args.url)
    if model is None:
        print(f"skipped: {why}. Start one (../shared/realmodel/serve.sh 1.5b 8081) and run "
              f"python3 benchmarks/bench_localmodel.py --url {args.url}")  # fmt: skip
        print(json.dumps({"benchmark": "localmodel", "command": COMMAND, "skipped": why,
                          "results": {}, "targets": []}), flush=True)  # fmt: skip
        return 0
    asyncio.run(measure(args.url, model, args.runs, args.reading))
    return 0


if __name__ == "__main__":
    sys.exit(main())
