"""Run `support.fake_openai.FakeOpenAI` in its own process (so it never shares a GIL with the
app or the clients). Prints `URL <base_url>` once listening; stops on SIGINT or SIGTERM.

    python benchmarks/fake_server.py --latency 1.0 --chunk-delay 0.005 --responder echo
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

# The test fakes live with the tests, not in the wheel.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.fake_openai import FakeOpenAI, Reply


def fixed_responder(chars: int) -> Any:
    """A reply of about `chars` characters of plain prose, whatever was asked."""
    sentence = "SREs and platform engineers own on-call; ML engineers productionize models. "
    text = (sentence * (chars // len(sentence) + 1))[:chars].rstrip()

    def respond(request: dict[str, Any]) -> Reply:
        return Reply(text=text)

    return respond


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before answering")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--chunk-chars", type=int, default=8, help="characters per chunk")
    parser.add_argument("--responder", choices=["echo", "offline"], default="echo")
    parser.add_argument("--reply-chars", type=int, default=120, help="reply length (echo)")
    args = parser.parse_args()
    if args.responder == "offline":
        from support.fake_openai import offline_model_responder

        responder = offline_model_responder()
    else:
        responder = fixed_responder(args.reply_chars)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with FakeOpenAI(
        responder, latency=args.latency, chunk_delay=args.chunk_delay, chunk_chars=args.chunk_chars
    ) as fake:
        print(f"URL {fake.base_url}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
