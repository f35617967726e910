"""Cost growth: prompt tokens sent at turns 5, 20 and 50 of a scripted session, and the share
of each request that is an identical prefix of the request before it (what providers cache).

Targets: turn 50 at most 1.5x turn 5; the cached prefix at least 90% of the prompt at turn 5.
The app (`tutor serve`) talks to the fake OpenAI server, which answers as the offline tutor
would (real tool calls, lesson-length replies) and records every request. One gradio_client
learner sends 50 messages. Tokens are estimated as characters / 4 of the request's messages
and tool schemas (no tokenizer is installed); the ratios do not depend on the estimate.

    python benchmarks/bench_cost.py [--turns 50]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from common import client, close_all, emit, print_table, target, tutor_app, workdir
from support.fake_openai import FakeOpenAI, offline_model_responder

COMMAND = "python benchmarks/bench_cost.py"
OPENING = ("/next", "/next", "/next")  # the three try-it prompts: demo and allocation tools
CYCLE = (
    "Who gets paged at 3am when latency spikes?",
    "What is a data contract and who owns it?",
    "Why is the model handoff to production risky?",
    "Run the demo again and explain the partial handoffs.",
    "The data scientist deploys the model, right?",
    "Ana is a data scientist, Ben is a backend engineer, Chen runs infra. Who owns what?",
    "What does an eval gate protect against?",
    "Quiz me, please.",
    "Data scientists build models and ML engineers productionize them.",
    "How should a three-person team split on-call?",
)
REPORTED = (5, 20, 50)


def script(turns: int) -> list[str]:
    return [*OPENING, *(CYCLE[i % len(CYCLE)] for i in range(turns - len(OPENING)))]


def rendered(request: dict[str, Any]) -> str:
    """The request as a provider sees it, in order: tool schemas, then each message."""
    tools = json.dumps(request.get("tools", []), sort_keys=True)
    return tools + "".join(json.dumps(m, sort_keys=True) for m in request["messages"])


def shared_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    for i in range(limit):
        if a[i] != b[i]:
            return i
    return limit


def session_requests(turns: int) -> tuple[list[dict[str, Any]], list[int]]:
    """Every request of the session, and the index of each turn's first request."""
    with workdir() as tmp, FakeOpenAI(offline_model_responder()) as fake:
        with tutor_app(tmp, fake.base_url) as app:
            learner = client(app.url)
            firsts = []
            for message in script(turns):
                firsts.append(len(fake.requests))
                learner.predict(message, api_name="/chat")
            close_all([learner])
        return list(fake.requests), firsts


def per_turn(requests: list[dict[str, Any]], firsts: list[int]) -> list[dict[str, Any]]:
    rows = []
    for turn, index in enumerate(firsts, 1):
        text = rendered(requests[index])
        before = rendered(requests[index - 1]) if index else ""
        rows.append({
            "turn": turn,
            "tokens": len(text) // 4,
            "messages": len(requests[index]["messages"]),
            "prefix_share": round(shared_prefix(text, before) / len(text), 3),
        })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=50)
    turns = parser.parse_args().turns
    requests, firsts = session_requests(turns)
    rows = per_turn(requests, firsts)
    by_turn = {r["turn"]: r for r in rows}
    shown = [by_turn[t] for t in REPORTED if t in by_turn]
    table = [(r["turn"], r["tokens"], r["messages"], f"{r['prefix_share']:.1%}") for r in shown]
    print_table("Prompt size per turn (first request of the turn)",
                ["turn", "≈ tokens", "messages", "cached prefix"], table)  # fmt: skip
    shares = [r["prefix_share"] for r in rows[1:]]
    growth = by_turn[turns]["tokens"] / by_turn[5]["tokens"]
    results = {
        "turns": shown,
        "growth_last_over_5": round(growth, 3),
        "prefix_share_mean": round(sum(shares) / len(shares), 3),
        "prefix_share_min": min(shares),
        "requests": len(requests),
        "max_tokens": max(r["tokens"] for r in rows),
    }
    print(f"\nmean cached prefix over turns 2-{turns}: {results['prefix_share_mean']:.1%}, "
          f"min {results['prefix_share_min']:.1%}; {len(requests)} requests")  # fmt: skip
    targets = [
        target(f"tokens at turn {turns} / turn 5", growth, 1.5, "x"),
        target("cached prefix share at turn 5", by_turn[5]["prefix_share"], 0.9, most=False),
    ]
    emit("cost", COMMAND, results, targets)


if __name__ == "__main__":
    main()
