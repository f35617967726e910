"""Many learners at once through nginx, over 1 and 2 tutor processes on one PostgreSQL, beside
the floor: a bare Gradio echo app behind the same nginx, driven by the same client.

For each setup (floor or tutor, 1 or 2 processes) and each N, N learners send their first
message at the same moment, then (once all are answered) their next one. The provider is the
fake OpenAI server answering after 1 s (benchmarks/fake_server.py); the floor sleeps 1 s. The
client is benchmarks/loadgen.py (asyncio over Gradio's queue API, one process), and its CPU is
reported, as is the app processes' CPU per answered message.

    python benchmarks/bench_scale.py [--sizes 50 200] [--procs 1 2] [--write]

`--write` puts the tables into benchmarks/RESULTS.md (its "scale" section). Needs PostgreSQL
and nginx (Debian's `postgresql` and `nginx` packages).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import common
import loadgen

ROOT = common.HERE.parent
COMMAND = "python benchmarks/bench_scale.py"
LATENCY = 1.0
MARK_START = "<!-- bench_scale:start -->"
MARK_END = "<!-- bench_scale:end -->"
TICK = os.sysconf("SC_CLK_TCK")


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


local_nginx = _load("local_nginx", ROOT / "deploy" / "local_nginx.py")
pgcluster = _load("pgcluster", ROOT / "tests" / "pgcluster.py")


# ------------------------------------------------------------------ CPU accounting


def proc_cpu(pid: int) -> float:
    """CPU seconds a process has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


# ------------------------------------------------------------------ the apps


@contextlib.contextmanager
def apps(
    kind: str, count: int, tmp: Path, base_url: str, db_url: str
) -> Iterator[list[common.Proc]]:
    """`count` app processes (tutor or floor), started side by side, ready on HTTP."""
    procs = []
    for _ in range(count):
        port = common.free_port()
        if kind == "tutor":
            args = [common.PYTHON, "-m", "tutor", "serve", "--port", str(port)]
            env = common.tutor_env(tmp, base_url, TUTOR_DB=db_url)
        else:
            args = [common.PYTHON, str(common.HERE / "echo_app.py"), "--port", str(port),
                    "--sleep", str(LATENCY)]  # fmt: skip
            env = common.clean_env()
        proc = common.spawn(args, env, tmp, tmp / f"{kind}-{port}.log")
        proc.url = f"http://127.0.0.1:{port}/"
        procs.append(proc)
    try:
        for proc in procs:
            common.wait_http_200(proc.url, timeout=120)
        yield procs
    finally:
        for proc in procs:
            proc.stop()


def port_of(proc: common.Proc) -> int:
    return int(proc.url.rstrip("/").rsplit(":", 1)[1])


# ------------------------------------------------------------------ measuring


@dataclass
class Row:
    app: str
    procs: int
    n: int
    message: str
    wall: float
    alone: float
    ttft_mean: float
    ttft_worst: float
    total_mean: float
    total_worst: float
    errors: int
    client_cpu: float
    app_cpu_ms: float  # app processes' CPU per answered message
    machine_busy: float  # share of all cores busy during the burst

    @property
    def ratio(self) -> float:
        return self.wall / self.alone


async def alone(url: str, tries: int = 3) -> tuple[float, float]:
    """Median first and next message of one learner with nobody else around."""
    first, nxt = [], []
    for _ in range(tries):
        learners = await loadgen.connect(url, 1)
        first.append((await loadgen.burst(learners, "What does an ML engineer do?")).wall)
        nxt.append((await loadgen.burst(learners, "And who owns on-call?")).wall)
        await loadgen.close(learners)
    return statistics.median(first), statistics.median(nxt)


async def measure(app: str, procs: list[common.Proc], url: str, sizes: list[int]) -> list[Row]:
    first_alone, next_alone = await alone(url)
    rows = []
    for n in sizes:
        learners = await loadgen.connect(url, n)
        for message, text, base in (
            ("first", "What does an ML engineer do?", first_alone),
            ("next", "And who owns on-call?", next_alone),
        ):
            before = [proc_cpu(p.pid) for p in procs]
            busy0, total0 = machine_busy()
            result = await loadgen.burst(learners, text)
            busy1, total1 = machine_busy()
            used = sum(proc_cpu(p.pid) - b for p, b in zip(procs, before, strict=True))
            rows.append(row(app, len(procs), n, message, result, base, used,
                            (busy1 - busy0) / max(total1 - total0, 1e-9)))  # fmt: skip
        await loadgen.close(learners)
        await asyncio.sleep(1.0)  # let the processes settle between sizes
    return rows


def row(app: str, procs: int, n: int, message: str, result: loadgen.Burst, alone_s: float,
        app_cpu: float, busy: float) -> Row:  # fmt: skip
    ttft = [t.ttft for t in result.turns if not t.error]
    total = [t.total for t in result.turns if not t.error]
    return Row(
        app, procs, n, message, result.wall, alone_s,
        statistics.fmean(ttft) if ttft else float("nan"), max(ttft, default=float("nan")),
        statistics.fmean(total) if total else float("nan"), max(total, default=float("nan")),
        len(result.errors), result.client_cpu, 1000 * app_cpu / n, busy,
    )  # fmt: skip


# ------------------------------------------------------------------ reporting


def tables(rows: list[Row]) -> str:
    lines = [
        f"Bursts of N learners through nginx, provider {LATENCY:g} s; ratio = wall / one "
        "learner alone (same setup, same message kind); times in seconds.",
        "",
        "| setup | procs | N | message | wall | ratio | TTFT mean | TTFT worst | reply mean | "
        "reply worst | errors | client CPU s | app CPU ms/msg | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.app} | {r.procs} | {r.n} | {r.message} | {r.wall:.2f} | {r.ratio:.2f} | "
            f"{r.ttft_mean:.2f} | {r.ttft_worst:.2f} | {r.total_mean:.2f} | "
            f"{r.total_worst:.2f} | {r.errors} | {r.client_cpu:.2f} | {r.app_cpu_ms:.1f} | "
            f"{100 * r.machine_busy:.0f}% |"
        )
    lines += ["", "Tutor against the floor (same processes, N and message kind):", "",
              "| procs | N | message | tutor ratio | floor ratio | tutor / floor | "
              "TTFT mean tutor / floor |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    floor = {(r.procs, r.n, r.message): r for r in rows if r.app == "floor"}
    for r in rows:
        f = floor.get((r.procs, r.n, r.message))
        if r.app == "tutor" and f:
            lines.append(
                f"| {r.procs} | {r.n} | {r.message} | {r.ratio:.2f} | {f.ratio:.2f} | "
                f"{r.ratio / f.ratio:.2f} | {r.ttft_mean / f.ttft_mean:.2f} |"
            )
    lines += capacity(rows)
    return "\n".join(lines)


def capacity(rows: list[Row]) -> list[str]:
    """What the measured CPU per message allows, per process (one core each).

    A burst of N messages costs a process N x (CPU per message); on top of one learner's
    wait, that stays within 30 % while N x cpu <= 0.3 x (one learner's wait). Steady state, a
    process at full CPU answers 1000 / cpu messages a second.
    """
    lines = ["", "What one process (one core) holds, from its measured CPU per message "
             "(N = 200 bursts; model: N x CPU/msg <= 0.3 x one learner's wait):", "",
             "| setup | procs | message | CPU ms/msg | messages/s per core | learners at once "
             "within 1.3x |", "|---|---|---|---|---|---|"]  # fmt: skip
    biggest = max((r.n for r in rows), default=0)
    for r in rows:
        if r.n != biggest or r.app_cpu_ms <= 0:
            continue
        cpu = r.app_cpu_ms  # each message is served by one process
        lines.append(
            f"| {r.app} | {r.procs} | {r.message} | {cpu:.1f} | {1000 / cpu:.0f} | "
            f"{300 * r.alone / cpu:.0f} |"
        )
    return lines


def write_section(text: str) -> Path:
    path = common.HERE / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    m = common.machine()
    section = "\n".join([
        MARK_START, "## scale", "",
        f"`python benchmarks/bench_scale.py --write` — {m['date']}, {m['cpu']}, {m['cores']} "
        f"cores; PostgreSQL, nginx, the fake provider, the app processes and the client all on "
        "this one machine.", "", text, "", MARK_END,
    ])  # fmt: skip
    if MARK_START in current and MARK_END in current:
        head, rest = current.split(MARK_START, 1)
        current = head + section + rest.split(MARK_END, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current, encoding="utf-8")
    return path


# ------------------------------------------------------------------ main


async def run_setup(kind: str, count: int, tmp: Path, base_url: str, db_url: str,
                    sizes: list[int]) -> list[Row]:  # fmt: skip
    with apps(kind, count, tmp, base_url, db_url) as procs:
        port = common.free_port()
        with local_nginx.running_nginx(port, [port_of(p) for p in procs]):
            started = time.monotonic()
            rows = await measure(kind, procs, f"http://127.0.0.1:{port}", sizes)
            print(f"  {kind} x{count}: measured in {time.monotonic() - started:.0f} s", flush=True)
            return rows


async def main_async(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    with (
        common.workdir() as tmp,
        common.fake_server(tmp, latency=LATENCY) as fake,
        pgcluster.running_cluster() as cluster,
    ):
        for count in args.procs:
            for kind in ("floor", "tutor"):
                db_url = cluster.create_database()
                rows += await run_setup(kind, count, tmp, fake.url, db_url, args.sizes)
    return rows


def targets(rows: list[Row]) -> list[dict]:
    """Issue 25's targets, at the largest N with the most processes: the tutor's slowdown and
    its CPU per message, each over the floor's in the same run."""
    procs, n = max(r.procs for r in rows), max(r.n for r in rows)
    pick = {(r.app, r.message): r for r in rows if r.procs == procs and r.n == n}
    out = []
    for message in ("first", "next"):
        tutor, floor = pick.get(("tutor", message)), pick.get(("floor", message))
        if tutor is None or floor is None:
            continue
        where = f"N={n}, {procs} processes, {message} message"
        slowdown = tutor.ratio / floor.ratio
        out.append(common.target(f"{where}: tutor / floor slowdown", slowdown, 1.5))
        out.append(common.target(f"{where}: tutor / floor CPU per message",
                                 tutor.app_cpu_ms / floor.app_cpu_ms, 1.5))  # fmt: skip
    return out


def missing_tools() -> str | None:
    """Why the benchmark cannot run here (it needs PostgreSQL and nginx), or None."""
    if pgcluster.pg_bin() is None:
        return "PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql"
    if local_nginx.nginx_binary() is None:
        return "nginx not found; apt-get install nginx"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    why = missing_tools()
    if why is not None:
        print(f"skipped: {why}")
        print(json.dumps({"benchmark": "scale", "command": COMMAND, "skipped": why,
                          "results": {}, "targets": []}), flush=True)  # fmt: skip
        return
    started = time.monotonic()
    rows = asyncio.run(main_async(args))
    text = tables(rows)
    print(text)
    print(f"\n(whole run: {time.monotonic() - started:.0f} s)")
    if args.write:
        print(f"wrote {write_section(text)}")
    common.emit("scale", COMMAND, {"rows": [vars(r) for r in rows]}, targets(rows))


if __name__ == "__main__":
    main()
