"""`tutor serve` with the fixes the benchmarks propose, for side-by-side figures.

Identical to `tutor.web.serve` except for two changes, proposed for files this benchmark does
not own and applied here only so their effect is measured in the same run:

1. Gradio's global worker pool (`launch(max_threads=)`, 40 by default) is raised to
   TUTOR_CONCURRENCY: it caps the events running at once whatever the queue's
   `default_concurrency_limit` says (proposed for `tutor/web/ui.py`).
2. Tool schemas are computed once per tool, not once per learner: langchain's
   `convert_to_openai_tool` builds a pydantic model per call (~2.7 ms for the four tools of a
   new session, a third of a new learner's first-turn CPU) (proposed for
   `tutor/backends/openai_compat.py`).

Used by bench_concurrency.py; once both land, its two tutor rows agree.

    TUTOR_CONCURRENCY=256 python benchmarks/serve_tuned.py --port 7861
"""

from __future__ import annotations

import argparse
import asyncio
import copy
from typing import Any

from langchain_core.tools import BaseTool

from tutor.backends import openai_compat
from tutor.runtime import build_runtime
from tutor.web import build_app, launch_options


def cache_tool_schemas() -> None:
    """Fix 2: one schema per (name, description, args schema), shared by every session."""
    compute = openai_compat.openai_tool_schema
    cache: dict[tuple[Any, ...], dict[str, Any]] = {}

    def cached(tool: BaseTool) -> dict[str, Any]:
        key = (tool.name, tool.description, tool.args_schema)
        if key not in cache:
            cache[key] = compute(tool)
        return copy.deepcopy(cache[key])  # callers may change what they get

    openai_compat.openai_tool_schema = cached  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    cache_tool_schemas()
    runtime = build_runtime()
    threads = max(40, runtime.settings.tutor_concurrency)
    demo = build_app(runtime)
    demo.queue(default_concurrency_limit=runtime.settings.tutor_concurrency)
    options = {**launch_options(runtime), "max_threads": threads}  # fix 1
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, **options)  # fmt: skip
    print(f"Open {demo.local_url} (max_threads={threads}, tool schemas cached).", flush=True)
    try:
        demo.block_thread()
    finally:
        asyncio.run(runtime.aclose())


if __name__ == "__main__":
    main()
