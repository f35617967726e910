"""Prompt caching and cost: the share of each request that repeats the previous request's
prefix (what OpenAI, vLLM and llama.cpp reuse), and the prompt tokens sent per turn.

Targets (issue 25): over turns 2-50, the mean cached prefix at least 95% counting compaction
turns, and at least 85% on every turn that is not a compaction turn.

The app (`tutor serve`) talks to the fake OpenAI server, which answers as the offline tutor
would (real tool calls, lesson-length replies) and records every request as sent (JSON). One
gradio_client learner sends 50 messages. A turn's figure is its first request against the
conversation's request before it; the team reader's strict-JSON request (its own short
prompt) is a side request, counted apart. A compaction turn is one whose window starts at a
later learner turn than the request before (`TUTOR_HISTORY_TURNS`). Tokens are estimated as
characters / 4 of the request's messages and tool schemas (no tokenizer is installed); the
shares do not depend on the estimate.

    python benchmarks/bench_cost.py [--turns 50] [--history-turns N]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from itertools import pairwise
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


@dataclass(frozen=True)
class TurnCache:
    turn: int
    tokens: int
    messages: int
    share: float  # of this request, the part that is the previous request's prefix
    compaction: bool  # the window starts at a later learner turn than the request before
    #: with the previous reply too: llama.cpp and vLLM keep the tokens they generated cached
    share_with_reply: float


def is_read_ahead(request: dict[str, Any]) -> bool:
    """The start-up warm-up or a read-ahead of the next try-it prompt: one token asked for."""
    return request.get("max_tokens") == 1


def is_side(request: dict[str, Any], main_system: Any) -> bool:
    """A request outside the conversation: the team reader's strict-JSON prompt, or a
    one-token read-ahead of the next try-it prompt (TUTOR_WARMUP, a server on this machine),
    which a hosted provider never gets."""
    return request["messages"][0] != main_system or is_read_ahead(request)


def per_turn(requests: list[dict], firsts: list[int], replies: list[str]) -> list[TurnCache]:
    """Each turn that asked the model: its first conversation request against the one before."""
    main_system = requests[0]["messages"][0] if requests else None
    # The app's warm-up request at start (TUTOR_WARMUP) is what turn 1 finds cached.
    rows, before = [], (firsts[0] - 1 if firsts and firsts[0] else None)
    bounds = [*firsts, len(requests)]
    for turn, (start, end) in enumerate(pairwise(bounds), 1):
        talk = [i for i in range(start, end) if not is_side(requests[i], main_system)]
        if not talk:
            continue  # the app answered alone (a quiz question it asks itself)
        new = requests[talk[0]]
        text = rendered(new)
        old = rendered(requests[before]) if before is not None else ""
        shared = shared_prefix(text, old)
        if before is not None:
            shared_reply = shared + reply_reused(new, requests[before], replies[before])
        else:
            shared_reply = 0
        moved = bool(rows) and first_turn(new) != first_turn(requests[before])
        rows.append(TurnCache(turn, len(text) // 4, len(new["messages"]), shared / len(text),
                              moved, shared_reply / len(text)))  # fmt: skip
        before = talk[-1]
    return rows


def reply_reused(new: dict[str, Any], old: dict[str, Any], reply: str) -> int:
    """Characters of `new` after `old`'s whole prompt that are the reply `old` got, as the
    server generated it (0 when `new` does not start with all of `old`)."""
    count = len(old["messages"])
    if new["messages"][:count] != old["messages"] or len(new["messages"]) <= count:
        return 0
    answer = new["messages"][count]
    same = answer.get("role") == "assistant" and (answer.get("content") or "") == reply
    return len(json.dumps(answer, sort_keys=True)) if same else 0


def first_turn(request: dict[str, Any]) -> Any:
    """The first message after the system prompt: where the request's window starts."""
    return request["messages"][1] if len(request["messages"]) > 1 else None


def summarise(rows: list[TurnCache], turns: int) -> dict[str, Any]:
    later = [r for r in rows if r.turn >= 2]
    steady = [r for r in later if not r.compaction]
    shares = [r.share for r in later]
    with_reply = [r.share_with_reply for r in later]
    by_turn = {r.turn: r for r in rows}
    return {
        "mean": round(sum(shares) / len(shares), 4),
        "min": round(min(shares), 4),
        "with_reply_mean": round(sum(with_reply) / len(with_reply), 4),
        "with_reply_steady_min": round(min(r.share_with_reply for r in steady), 4),
        "steady_mean": round(sum(r.share for r in steady) / len(steady), 4),
        "steady_min": round(min(r.share for r in steady), 4),
        "worst_steady_turn": min(steady, key=lambda r: r.share).turn,
        "compaction_turns": [r.turn for r in later if r.compaction],
        "turns_measured": len(later),
        "growth_last_over_5": round(by_turn[max(by_turn)].tokens / by_turn[5].tokens, 3),
        "max_tokens": max(r.tokens for r in rows),
        # what a local server must read afresh before its first token (prompt processing)
        "uncached_mean": round(sum(r.tokens * (1 - r.share) for r in later) / len(later)),
        "uncached_worst": round(max(r.tokens * (1 - r.share) for r in later)),
    }


def recording(replies: list[str]) -> Any:
    """The offline-tutor responder, keeping each reply's text (one learner: in order)."""
    respond = offline_model_responder()

    def answer(request: dict[str, Any]) -> Any:
        reply = respond(request)
        replies.append(reply.text)
        return reply

    return answer


def session_requests(turns: int, history_turns: int | None) -> tuple[list, list[int], list[str]]:
    """Every request of the session, the index of each turn's first one, each one's reply."""
    extra = {"TUTOR_HISTORY_TURNS": str(history_turns)} if history_turns else {}
    replies: list[str] = []
    with workdir() as tmp, FakeOpenAI(recording(replies)) as fake:
        with tutor_app(tmp, fake.base_url, **extra) as app:
            learner = client(app.url)
            # A learner opens the page after the app's start-up warm-up has been sent.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(map(is_read_ahead, fake.requests)):
                time.sleep(0.05)
            firsts = []
            for message in script(turns):
                firsts.append(len(fake.requests))
                learner.predict(message, api_name="/chat")
            close_all([learner])
        return list(fake.requests), firsts, replies


def report(rows: list[TurnCache], requests: list[dict], turns: int) -> dict[str, Any]:
    shown = [r for r in rows if r.turn in REPORTED or r.compaction]
    table = [(r.turn, r.tokens, r.messages, f"{r.share:.1%}", f"{r.share_with_reply:.1%}",
              "yes" if r.compaction else "") for r in shown]  # fmt: skip
    print_table("Prompt per turn (first request of the turn; reported turns and compactions)",
                ["turn", "≈ tokens", "messages", "cached prefix", "with reply", "compaction"],
                table)  # fmt: skip
    results = summarise(rows, turns)
    side = sum(1 for r in requests if is_side(r, requests[0]["messages"][0]))
    print(
        f"\nturns 2-{turns}, {results['turns_measured']} that asked the model: cached prefix "
        f"mean {results['mean']:.1%}, min {results['min']:.1%} (compactions at turns "
        f"{results['compaction_turns']}); without compaction turns mean "
        f"{results['steady_mean']:.1%}, min {results['steady_min']:.1%} (turn "
        f"{results['worst_steady_turn']}); {len(requests)} requests, {side} of them side "
        f"requests (team reading, read-ahead)"
    )
    print(f"with the previous reply cached too (llama.cpp, vLLM): mean "
          f"{results['with_reply_mean']:.1%}, min without compactions "
          f"{results['with_reply_steady_min']:.1%}; prompt tokens read afresh per turn: mean "
          f"{results['uncached_mean']}, worst {results['uncached_worst']}")  # fmt: skip
    opening = rows[0].share if rows and rows[0].turn == 1 else 0.0
    print(f"turn 1 against the app's warm-up request (TUTOR_WARMUP): {opening:.1%} cached")
    ahead = [r["messages"] for r in requests if is_read_ahead(r)]
    hits = sum(1 for r in requests if not is_read_ahead(r) and r["messages"] in ahead)
    print(f"requests a local server had read ahead whole (the warm-up, then each next try-it "
          f"prompt): {hits} of {len(ahead)} read-aheads")  # fmt: skip
    return {**results, "requests": len(requests), "side_requests": side, "turn_1": opening,
            "read_ahead_hits": hits, "read_aheads": len(ahead)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--history-turns", type=int, default=None)
    args = parser.parse_args()
    requests, firsts, replies = session_requests(args.turns, args.history_turns)
    rows = per_turn(requests, firsts, replies)
    results = report(rows, requests, args.turns)
    targets = [
        target(f"mean cached prefix, turns 2-{args.turns}", results["mean"], 0.95, most=False),
        target("min cached prefix, non-compaction turns", results["steady_min"], 0.85, most=False),
        target(f"tokens at turn {args.turns} / turn 5", results["growth_last_over_5"], 1.5, "x"),
    ]
    emit("cost", COMMAND, results, targets)


if __name__ == "__main__":
    main()
