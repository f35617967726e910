"""Run N `tutor serve` processes on consecutive ports, Procfile-style, in the foreground.

    python deploy/run_many.py --processes 2 --first-port 7861

Each process inherits this environment (so TUTOR_DB=postgresql://... and the model settings
apply to all). A process that exits is started again after a short pause; Ctrl+C (or SIGTERM)
stops them all. For production, prefer the systemd units in deploy/systemd/.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time

RESTART_PAUSE = 2.0


def serve(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tutor", "serve", "--port", str(port)]
    return subprocess.Popen(command)


def supervise(ports: list[int], stop: threading.Event) -> None:
    running = {port: serve(port) for port in ports}
    try:
        while not stop.wait(0.5):
            for port, process in list(running.items()):
                if process.poll() is not None:
                    note = f"run_many: port {port} exited ({process.returncode}); restarting"
                    print(note, file=sys.stderr, flush=True)
                    time.sleep(RESTART_PAUSE)
                    running[port] = serve(port)
    finally:
        for process in running.values():
            process.send_signal(signal.SIGINT)
        for process in running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--first-port", type=int, default=7861)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ports = [args.first_port + i for i in range(args.processes)]
    print(f"run_many: tutor processes on ports {ports}", flush=True)
    try:
        supervise(ports, stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
