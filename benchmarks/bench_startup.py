"""Start-up: from `tutor serve` to the first HTTP 200, against `python -c "import gradio"`
measured in the same run (target: at most 1.5 s more).

Both are timed from process launch, alternating, several times; medians are compared. The
tutor starts offline (no key) with a fresh temporary database, as a first-time user would.

    python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import time

from common import (
    PYTHON,
    clean_env,
    emit,
    free_port,
    median,
    print_table,
    run_quietly,
    spawn,
    target,
    tutor_env,
    wait_http_200,
    workdir,
)

COMMAND = "python benchmarks/bench_startup.py"


def serve_to_200() -> float:
    """Seconds from launching `tutor serve` to its first HTTP 200."""
    with workdir() as tmp:
        port = free_port()
        started = time.monotonic()
        proc = spawn([PYTHON, "-m", "tutor", "serve", "--port", str(port)], tutor_env(tmp), tmp,
                     tmp / "serve.log")  # fmt: skip
        try:
            return wait_http_200(f"http://127.0.0.1:{port}/", interval=0.01) - started
        finally:
            proc.stop()


def import_gradio() -> float:
    with workdir() as tmp:
        return run_quietly([PYTHON, "-c", "import gradio"], clean_env(), tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    import_gradio()  # warm the OS file cache for both
    serve_to_200()
    serve, gradio = [], []
    for _ in range(runs):
        gradio.append(import_gradio())
        serve.append(serve_to_200())
    extra = median(serve) - median(gradio)
    rows = [("python -c 'import gradio'", median(gradio), min(gradio), max(gradio)),
            ("tutor serve → first HTTP 200", median(serve), min(serve), max(serve))]  # fmt: skip
    print_table(f"Start-up, {runs} runs each (seconds)", ["command", "median", "min", "max"], rows)
    results = {"import_gradio_s": round(median(gradio), 3), "serve_s": round(median(serve), 3),
               "extra_s": round(extra, 3), "runs": runs}  # fmt: skip
    emit("startup", COMMAND, results, [target("serve minus import gradio", extra, 1.5, " s")])


if __name__ == "__main__":
    main()
