"""Team reading: how long the rules take to read one team description in chat (target: p95 at
most 50 ms a message, so reading never shows in an answer's first-token time).

Every labelled description (tests/data/teams.toml and tests/data/independent/teams.toml) is
read several times, after one warm-up pass that loads the content and the word lists.

    python benchmarks/bench_team_reading.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import time
import tomllib
from pathlib import Path

from common import emit, median, p95, print_table, target

from tutor.content.planner import read_team
from tutor.errors import TeamError

COMMAND = "python benchmarks/bench_team_reading.py"
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
P95_LIMIT_MS = 50.0


def descriptions() -> list[str]:
    files = [DATA / "teams.toml", DATA / "independent" / "teams.toml"]
    return [c["text"] for f in files for c in tomllib.loads(f.read_text())["case"]]


def read(text: str) -> None:
    """One reading; a text with nobody in it is refused, which is a reading too."""
    with contextlib.suppress(TeamError):
        read_team(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = descriptions()
    for text in texts:  # warm-up: content, lexicon and caches loaded once
        read(text)
    times_ms: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            read(text)
            times_ms.append(1000 * (time.perf_counter() - started))
    rows = [(len(texts), len(times_ms), median(times_ms), p95(times_ms), max(times_ms))]
    print_table("Reading one team description (ms)", ["texts", "reads", "p50", "p95", "max"], rows)
    results = {"texts": len(texts), "p50_ms": median(times_ms), "p95_ms": p95(times_ms)}
    emit("team_reading", COMMAND, results,
         [target("p95 per reading", p95(times_ms), P95_LIMIT_MS, " ms")])  # fmt: skip


if __name__ == "__main__":
    main()
