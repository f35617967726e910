"""`tutor serve` with the concurrency fix the benchmarks propose, for side-by-side figures.

Identical to `tutor.web.serve` except that Gradio's global worker pool (`launch(max_threads=)`,
40 by default, which caps running events whatever the queue's concurrency limit) is raised to
TUTOR_CONCURRENCY. Used only by bench_concurrency.py; once `serve()` passes `max_threads`
itself, the two rows of that benchmark agree.

    TUTOR_CONCURRENCY=256 python benchmarks/serve_tuned.py --port 7861
"""

from __future__ import annotations

import argparse
import asyncio

from tutor.runtime import build_runtime
from tutor.web import build_app, launch_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    runtime = build_runtime()
    limit = runtime.settings.tutor_concurrency
    demo = build_app(runtime)
    demo.queue(default_concurrency_limit=limit)
    options = {**launch_options(runtime), "max_threads": max(40, limit)}
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, **options)  # fmt: skip
    print(f"Open {demo.local_url} (max_threads={max(40, limit)}).", flush=True)
    try:
        demo.block_thread()
    finally:
        asyncio.run(runtime.aclose())


if __name__ == "__main__":
    main()
