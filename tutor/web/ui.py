"""The page layout, its events, and `serve()` (what `tutor` / `tutor serve` runs)."""

from __future__ import annotations

import asyncio
import html
from typing import Any

import gradio as gr

from tutor.errors import ConfigError
from tutor.lesson import load_pack
from tutor.runtime import Runtime, build_runtime
from tutor.web.app import INTERNAL, TutorApp, browser_secret
from tutor.web.panels import demo_panel, plan_team

TITLE = "MLOps Roles Tutor"
STORAGE_KEY = "mlops-roles-tutor-session"
PRODUCTS = [("Guess from the description", "auto"), ("LLM product", "llm"),
            ("Classic ML model", "ml")]
SANS = ("ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif")
MONO = ("ui-monospace", "DejaVu Sans Mono", "Menlo", "Consolas", "monospace")
TEAM_EXAMPLE = ("We're 3 people shipping a RAG chatbot: Ana is a data scientist, "
                "Ben is a backend engineer, Chen runs infra.")

CSS = """
#tutor-banner { padding: 8px 12px; border-radius: 8px;
  border: 1px solid var(--border-color-primary); }
#tutor-banner.offline { border-left: 5px solid #d97706; }
#tutor-banner.model { border-left: 5px solid #16a34a; }
#tutor-banner p { margin: 0; }
.tutor-steps ol { list-style: none; padding: 0; margin: 0; }
.tutor-steps li { display: flex; gap: 10px; padding: 8px 10px; margin: 6px 0; border-radius: 8px;
  border: 1px solid var(--border-color-primary); }
.tutor-steps li .mark { flex: 0 0 1.6em; height: 1.6em; border-radius: 50%; text-align: center;
  line-height: 1.6em; font-weight: 700; background: var(--neutral-200); color: #0f172a; }
.tutor-steps li.done .mark { background: #16a34a; color: #fff; }
.tutor-steps li.current { border: 2px solid var(--color-accent);
  background: var(--color-accent-soft); }
.tutor-steps li.current .mark { background: var(--color-accent); color: #fff; }
.tutor-steps li.done { opacity: 0.8; }
.tutor-steps .prompt { font-size: 0.85em; opacity: 0.85; margin-top: 2px; }
.tutor-steps .steps-head { margin: 0 0 4px 0; }
#tutor-chat table, #team-result table { font-size: 0.9em; }
#tutor-chat th, #tutor-chat td, #team-result th, #team-result td {
  word-break: normal; overflow-wrap: normal; padding: 6px 10px; }
.tutor-steps .steps-end { margin: 8px 0 0 0; padding: 8px 10px; border-radius: 8px;
  background: #dcfce7; color: #14532d; font-weight: 600; }
"""


def banner_html(runtime: Runtime) -> str:
    """Which brain answers: the model's name, or offline mode with how to connect one."""
    kind = "offline" if runtime.backend.offline else "model"
    icon = "🔌" if kind == "offline" else "🤖"
    return (f'<div id="tutor-banner" class="{kind}" data-backend="{kind}"><p>{icon} '
            f"<b>{TITLE}</b> — {html.escape(runtime.banner())}</p></div>")


def build_app(runtime: Runtime, *, offline_pace: float | None = None) -> gr.Blocks:
    """The whole web app for one runtime; every learner's state stays inside it."""
    app = TutorApp(runtime, offline_pace=offline_pace)
    with gr.Blocks(title=TITLE) as demo:
        c = _layout(runtime)
        _wire_chat(app, c)
        _wire_panels(c)
        _wire_api(app)
        demo.load(app.on_load, [c["browser_sid"]],
                  [c["browser_sid"], c["sid"], c["chatbot"], c["stepper"], c["next"],
                   c["progress"]], **INTERNAL)
    return demo


def _layout(runtime: Runtime) -> dict[str, Any]:
    c: dict[str, Any] = {}
    gr.HTML(banner_html(runtime), elem_id="banner-box")
    c["browser_sid"] = gr.BrowserState(None, storage_key=STORAGE_KEY,
                                       secret=browser_secret(runtime))
    c["sid"] = gr.State(None)
    c["pending"] = gr.State("")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420), gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                _chat_tab(c)
            with gr.Tab("Lesson", id="lesson", elem_id="tab-lesson"):
                _lesson_tab(c)
            with gr.Tab("Team planner", id="team", elem_id="tab-team"):
                _team_tab(c)
        with gr.Column(scale=1, min_width=260):
            c["stepper"] = gr.HTML(elem_id="stepper")
            c["progress"] = gr.Markdown(elem_id="progress")
    return c


def _chat_tab(c: dict[str, Any]) -> None:
    c["chatbot"] = gr.Chatbot(
        elem_id="tutor-chat", label="Tutor", show_label=False, height=560, buttons=["copy"],
        placeholder="Click **Next prompt** to start the lesson's three try-it prompts, "
                    "or ask anything about MLOps roles and handoffs.",
    )
    with gr.Row():
        c["msg"] = gr.Textbox(elem_id="tutor-input", show_label=False, scale=5, lines=1,
                              max_lines=6, placeholder="Ask the tutor… (/help for commands)")
        c["send"] = gr.Button("Send", elem_id="send-btn", variant="primary", scale=1,
                              min_width=80)
    with gr.Row():
        c["next"] = gr.Button("Next prompt (1/3)", elem_id="next-btn", variant="primary")
        c["quiz"] = gr.Button("Quiz me", elem_id="quiz-btn")
        c["reset"] = gr.Button("Reset conversation", elem_id="reset-btn", variant="stop")
        c["export"] = gr.Button("Export transcript", elem_id="export-btn")
    c["export_file"] = gr.File(label="Transcript (Markdown)", elem_id="export-file",
                               visible=False, interactive=False)


def _lesson_tab(c: dict[str, Any]) -> None:
    gr.Markdown(load_pack().lesson, elem_id="lesson-text")
    c["run_demo"] = gr.Button("Run demo", elem_id="run-demo-btn", variant="primary")
    c["demo_out"] = gr.Code(label="What the demo prints", language=None, interactive=False,
                            elem_id="demo-output")
    c["demo_notes"] = gr.Markdown(elem_id="demo-analysis")
    c["demo_svg"] = gr.HTML(elem_id="demo-svg")


def _team_tab(c: dict[str, Any]) -> None:
    gr.Markdown("Describe your team in words, **or** list people in the table (roles separated "
                "by commas). The planner gives every MLOps responsibility an owner and a backup, "
                "and shows your team's handoffs.")
    c["team_text"] = gr.Textbox(label="Your team", elem_id="team-text", lines=3,
                                placeholder=TEAM_EXAMPLE)
    c["team_table"] = gr.Dataframe(headers=["name", "roles"], datatype=["str", "str"],
                                   type="array", value=[["", ""]] * 3, column_count=2,
                                   interactive=True, label="People (optional)",
                                   elem_id="team-table")
    c["team_product"] = gr.Radio(PRODUCTS, value="auto", label="Product",
                                 elem_id="team-product")
    c["plan"] = gr.Button("Plan my team", elem_id="plan-btn", variant="primary")
    c["team_result"] = gr.Markdown(elem_id="team-result")
    c["team_svg"] = gr.HTML(elem_id="team-svg")


def take_message(text: str) -> tuple[str, str]:
    return "", text


def _wire_chat(app: TutorApp, c: dict[str, Any]) -> None:
    panels = [c["stepper"], c["next"], c["progress"]]
    # Take the text and clear the box at once, outside the queue; the streaming turn then
    # only outputs the chat, so the box stays usable while the answer streams.
    gr.on([c["msg"].submit, c["send"].click], take_message, [c["msg"]],
          [c["msg"], c["pending"]], queue=False, **INTERNAL
          ).then(app.chat_ui, [c["pending"], c["sid"]], [c["chatbot"]], **INTERNAL
          ).then(app.refresh, [c["sid"]], panels, **INTERNAL)
    c["next"].click(app.next_ui, [c["sid"]], [c["chatbot"]], **INTERNAL
                    ).then(app.refresh, [c["sid"]], panels, **INTERNAL)
    c["quiz"].click(app.quiz_ui, [c["sid"]], [c["chatbot"]], **INTERNAL
                    ).then(app.refresh, [c["sid"]], panels, **INTERNAL)
    c["reset"].click(app.reset_ui, [c["sid"]], [c["chatbot"], *panels, c["export_file"]],
                     **INTERNAL)
    c["export"].click(app.export, [c["sid"]], [c["export_file"]], **INTERNAL)


def _wire_panels(c: dict[str, Any]) -> None:
    c["run_demo"].click(demo_panel, None, [c["demo_out"], c["demo_notes"], c["demo_svg"]],
                        **INTERNAL)
    c["plan"].click(plan_team, [c["team_text"], c["team_table"], c["team_product"]],
                    [c["team_result"], c["team_svg"]], **INTERNAL)


def _wire_api(app: TutorApp) -> None:
    """`/chat` and `/next_prompt` for gradio_client; the gr.State keeps one session per client."""
    message = gr.Textbox(label="message", visible=False)
    reply = gr.Textbox(label="reply", visible=False)
    sid = gr.State(None)
    chat = gr.Button(visible=False)
    step = gr.Button(visible=False)
    chat.click(app.api_chat, [message, sid], [reply, sid], api_name="chat",
               api_description="Send one learner message; returns the tutor's reply (streamed). "
                               "The conversation continues across calls of the same client.")
    step.click(app.api_next_prompt, [sid], [reply, sid], api_name="next_prompt",
               api_description="Send the next guided try-it prompt; returns the tutor's reply.")


def launch_options(runtime: Runtime) -> dict[str, Any]:
    """What `launch()` needs besides the address (Gradio 6 takes theme and css here)."""
    return {
        "auth": runtime.settings.auth_pair(),
        "auth_message": f"{TITLE}: log in with the TUTOR_AUTH user and password.",
        # System fonts only: the default theme fonts would be fetched from Google on page load.
        "theme": gr.themes.Soft(primary_hue="indigo", font=_fonts(SANS),
                                font_mono=_fonts(MONO)),
        "css": CSS,
        "share": False,  # never expose a tunnel: a learner's transcript is private
        # Gradio runs at most `max_threads` events at once (default 40), whatever the queue's
        # concurrency limit says; learners mostly wait on the provider, so let them all run.
        "max_threads": max(40, runtime.settings.tutor_concurrency),
    }


def _fonts(names: tuple[str, ...]) -> list[gr.themes.Font]:
    return [gr.themes.Font(name) for name in names]


def serve(host: str | None = None, port: int | None = None) -> int:
    """Run the web app until interrupted; binds loopback unless told otherwise."""
    runtime = build_runtime()
    try:
        demo = build_app(runtime)
        demo.queue(default_concurrency_limit=runtime.settings.tutor_concurrency)
        _launch(demo, runtime, host or runtime.settings.tutor_host,
                port or runtime.settings.tutor_port)
        print(f"{TITLE} — {runtime.banner()}", flush=True)
        print(f"Open {demo.local_url} in your browser (Ctrl+C to stop).", flush=True)
        demo.block_thread()
    finally:
        asyncio.run(runtime.aclose())
    return 0


def _launch(demo: gr.Blocks, runtime: Runtime, host: str, port: int) -> None:
    try:
        demo.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True,
                    **launch_options(runtime))
    except OSError as exc:
        raise ConfigError(f"Cannot serve on {host}:{port} ({exc}). Pick another port with "
                          "--port or TUTOR_PORT.") from None
