"""Shared helpers for the benchmarks: processes, clients, timing and reporting.

Every benchmark runs the pieces it measures in separate processes, so no two of them share a
GIL: the fake OpenAI server (`fake_server.py`), the real app (`tutor serve`), a minimal Gradio
echo app (`echo_app.py`) and the client side (the benchmark script itself, with
`gradio_client` in threads).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

# Clients must not phone home; set before gradio_client is imported anywhere.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
# The test fakes (the loopback fake OpenAI server) live with the tests, not in the wheel.
sys.path.insert(0, str(HERE.parent / "tests"))
PYTHON = sys.executable
# Settings a benchmark must not inherit from the developer's shell or .env.
TUTOR_VARS = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "TUTOR_MODEL", "TUTOR_BACKEND", "TUTOR_DB",
    "TUTOR_AUTH", "TUTOR_HOST", "TUTOR_PORT", "TUTOR_CONCURRENCY", "TUTOR_HISTORY_TURNS",
    "TUTOR_WARMUP",
)  # fmt: skip


# ------------------------------------------------------------------ machine and reporting


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import gradio_client

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "gradio": _version("gradio"),
        "gradio_client": gradio_client.__version__,
        "openai": _version("openai"),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def target(name: str, measured: float, limit: float, unit: str = "", *, most: bool = True) -> dict:
    """One target: met when `measured` is at most (or, `most=False`, at least) `limit`."""
    met = measured <= limit if most else measured >= limit
    sign = "≤" if most else "≥"
    return {
        "name": name,
        "measured": round(measured, 3),
        "target": f"{sign} {limit:g}{unit}",
        "unit": unit,
        "met": met,
    }


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A small aligned text table on stdout."""
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "met" if value else "MISSED"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def print_targets(targets: Sequence[dict]) -> None:
    rows = [(t["name"], t["measured"], t["target"], t["met"]) for t in targets]
    print_table("Targets", ["target", "measured", "limit", "status"], rows)


def emit(name: str, command: str, results: dict[str, Any], targets: Sequence[dict]) -> None:
    """The benchmark's JSON line (last line of stdout; run_all.py reads it)."""
    print_targets(targets)
    line = {"benchmark": name, "command": command, "machine": machine(), "results": results,
            "targets": list(targets)}  # fmt: skip
    print(json.dumps(line), flush=True)


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without tutor settings, plus `extra`; never reads a .env (cwd=tmp)."""
    env = {k: v for k, v in os.environ.items() if k not in TUTOR_VARS}
    env.update({"GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"})
    # The app processes run from a temporary directory: import this tree's `tutor`.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def wait_http_200(url: str, timeout: float = 180.0, interval: float = 0.02) -> float:
    """Poll `url` until it answers 200; returns the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return time.monotonic()
        time.sleep(interval)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")


@dataclass
class Proc:
    """A child process we started (and so may stop)."""

    popen: subprocess.Popen[str]
    url: str = ""
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def spawn(args: Sequence[str], env: dict[str, str], cwd: Path, log: Path) -> Proc:
    handle = log.open("w")
    popen = subprocess.Popen(
        list(args), env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, text=True
    )
    return Proc(popen, log=log)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def fake_server(
    tmp: Path, *, latency: float = 0.0, chunk_delay: float = 0.0, responder: str = "echo",
    reply_chars: int = 120,
) -> Iterator[Proc]:  # fmt: skip
    """The loopback fake OpenAI server in its own process; `.url` is its base URL."""
    args = [PYTHON, str(HERE / "fake_server.py"), "--latency", str(latency),
            "--chunk-delay", str(chunk_delay), "--responder", responder,
            "--reply-chars", str(reply_chars)]  # fmt: skip
    proc = spawn(args, clean_env(), tmp, tmp / "fake.log")
    try:
        proc.url = _read_url(proc)
        yield proc
    finally:
        proc.stop()


def _read_url(proc: Proc, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.log is not None
        for line in proc.log.read_text().splitlines():
            if line.startswith("URL "):
                return line.split(" ", 1)[1].strip()
        if proc.popen.poll() is not None:
            raise RuntimeError(f"fake server exited: {proc.log.read_text()[-2000:]}")
        time.sleep(0.02)
    raise TimeoutError("the fake server did not start")


def tutor_env(tmp: Path, base_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for `tutor serve`: a temp database; a model at `base_url`, else offline."""
    env = clean_env(**{"TUTOR_DB": str(tmp / "tutor.db"), **extra})
    if base_url:
        env.update(OPENAI_BASE_URL=base_url, TUTOR_MODEL="fake", TUTOR_BACKEND="openai")
    else:
        env["TUTOR_BACKEND"] = "offline"
    return env


@contextlib.contextmanager
def tutor_app(tmp: Path, base_url: str | None = None, **extra: str) -> Iterator[Proc]:
    """`tutor serve` on a free port, started and ready (first HTTP 200)."""
    port = free_port()
    args = [PYTHON, "-m", "tutor", "serve", "--port", str(port)]
    with _ready(args, tutor_env(tmp, base_url, **extra), tmp, f"tutor-{port}", port) as proc:
        yield proc


@contextlib.contextmanager
def echo_app(
    tmp: Path, concurrency: int = 256, sleep: float = 0.0, max_threads: int = 256
) -> Iterator[Proc]:
    """The minimal Gradio echo chat (`echo_app.py`), same queue settings as the tutor."""
    port = free_port()
    args = [PYTHON, str(HERE / "echo_app.py"), "--port", str(port), "--concurrency",
            str(concurrency), "--sleep", str(sleep), "--max-threads", str(max_threads)]  # fmt: skip
    with _ready(args, clean_env(), tmp, f"echo-{port}", port) as proc:
        yield proc


@contextlib.contextmanager
def _ready(args: list[str], env: dict[str, str], tmp: Path, name: str, port: int) -> Iterator[Proc]:
    """A server process, yielded once it answers HTTP 200; stopped afterwards."""
    proc = spawn(args, env, tmp, tmp / f"{name}.log")
    proc.url = f"http://127.0.0.1:{port}/"
    try:
        wait_http_200(proc.url)
        yield proc
    finally:
        proc.stop()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ------------------------------------------------------------------ gradio clients


def client(url: str) -> Any:
    """One gradio_client Client = one learner session.

    `ssl_verify=False` on loopback http: gradio_client opens a new httpx client per request,
    and with verification each one loads the CA bundle (~25 ms of CPU under the GIL), which
    made the client side, not the app, the bottleneck of a burst.
    """
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, ssl_verify=False)


def clients(url: str, count: int, workers: int = 16) -> list[Any]:
    """`count` clients, created in parallel (each fetches the app's config)."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda _: client(url), range(count)))


def close_all(learners: Sequence[Any]) -> None:
    """Close clients in parallel: each `close()` waits up to 1 s for its heartbeat thread."""
    if not learners:
        return
    with ThreadPoolExecutor(min(len(learners), 256)) as pool:
        list(pool.map(_close, learners))


def _close(learner: Any) -> None:
    with contextlib.suppress(Exception):
        learner.close()


@dataclass
class Timing:
    """When one request started, first streamed non-empty text, and finished (seconds)."""

    start: float
    first: float | None = None
    end: float | None = None
    text: str = ""
    error: str = ""

    @property
    def ttft(self) -> float:
        return (self.first or self.end or self.start) - self.start

    @property
    def total(self) -> float:
        return (self.end or self.start) - self.start


@dataclass
class Burst:
    """N learners sending at once: each one's timing, and the wall time of the whole burst."""

    timings: list[Timing] = field(default_factory=list)
    wall: float = 0.0

    @property
    def errors(self) -> list[str]:
        return [t.error for t in self.timings if t.error]


def burst(learners: Sequence[Any], message: str, api_name: str = "/chat") -> Burst:
    """Every learner submits `message` at the same moment; waits for all replies.

    One sweeper thread timestamps each job's first non-empty streamed output (every 3 ms), so
    the client side adds no per-job polling threads of its own.
    """
    barrier = time.monotonic()
    jobs = [learner.submit(message, api_name=api_name) for learner in learners]
    result = Burst([Timing(barrier) for _ in jobs])
    _sweep(jobs, result.timings)
    result.wall = max(t.end or barrier for t in result.timings) - barrier
    return result


def _sweep(jobs: Sequence[Any], timings: Sequence[Timing], every: float = 0.003) -> None:
    pending = set(range(len(jobs)))
    while pending:
        now = time.monotonic()
        for i in list(pending):
            job, timing = jobs[i], timings[i]
            if timing.first is None and any(_text(o) for o in job.outputs()):
                timing.first = now
            if job.done():
                timing.end = now
                _finish(job, timing)
                pending.discard(i)
        time.sleep(every)


def _finish(job: Any, timing: Timing) -> None:
    try:
        timing.text = _text(job.result())
    except Exception as exc:  # a failed request is reported, not fatal
        timing.error = f"{type(exc).__name__}: {exc}"
    if timing.first is None and timing.text:
        timing.first = timing.end


def _text(output: Any) -> str:
    """The reply text of one output of `/chat` (a (reply, session id) pair) or an echo."""
    if isinstance(output, list | tuple):
        output = output[0] if output else ""
    return output if isinstance(output, str) else ""


def one_turn(learner: Any, message: str, api_name: str = "/chat") -> Timing:
    """One learner turn, timed on the client: submit to the last streamed output."""
    return burst([learner], message, api_name).timings[0]


def run_quietly(args: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    """Run a command to completion; returns its wall time in seconds."""
    started = time.monotonic()
    subprocess.run(list(args), env=env, cwd=cwd, check=True, capture_output=True)
    return time.monotonic() - started


def background(target: Any, *args: Any) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread
