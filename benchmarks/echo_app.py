"""A minimal Gradio echo chat: the baseline the tutor's per-turn overhead is compared with.

Same shape as the tutor's `/chat` API (a text in, the reply streamed out as a generator) and the
same queue settings, with no tutor code at all.

    python benchmarks/echo_app.py --port 7861 [--sleep 1.0] [--concurrency 256]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator

import gradio as gr


def build(sleep: float) -> gr.Blocks:
    async def chat(message: str) -> AsyncIterator[str]:
        if sleep:
            await asyncio.sleep(sleep)  # stands in for a provider's latency
        yield f"You said: {message}"

    with gr.Blocks() as demo:
        message = gr.Textbox(visible=False)
        reply = gr.Textbox(visible=False)
        button = gr.Button(visible=False)
        button.click(chat, [message], [reply], api_name="chat")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds before replying")
    # The tutor's defaults: TUTOR_CONCURRENCY=256, and Gradio's worker slots to match.
    parser.add_argument("--concurrency", type=int, default=256, help="queue concurrency limit")
    parser.add_argument("--max-threads", type=int, default=256, help="Gradio's worker slots")
    args = parser.parse_args()
    demo = build(args.sleep)
    demo.queue(default_concurrency_limit=args.concurrency)
    demo.launch(
        server_name="127.0.0.1", server_port=args.port, quiet=True, max_threads=args.max_threads
    )


if __name__ == "__main__":
    main()
