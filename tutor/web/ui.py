"""The page layout, its events, and `serve()` (what `tutor` / `tutor serve` runs)."""

from __future__ import annotations

import asyncio
import html
import importlib.util
import sys
from typing import Any

import gradio as gr

from tutor.content.pack import load_pack
from tutor.errors import ConfigError
from tutor.runtime import Runtime, build_runtime, start_warm_up
from tutor.web.app import INTERNAL, TutorApp, browser_secret
from tutor.web.panels import (
    TABLE_HEADERS,
    demo_panel,
    empty_rows,
    forgotten_tab,
    lesson_sections,
    plan_team,
    replan_table,
)
from tutor.web.quizform import MAX_PICKS, SKIP
from tutor.web.style import CSS, HEAD, JS

TITLE = "MLOps Roles Tutor"
STORAGE_KEY = "mlops-roles-tutor-session"
PRODUCTS = [
    ("Guess from the description", "auto"),
    ("LLM product", "llm"),
    ("Classic ML model", "ml"),
]
SANS = (
    "ui-sans-serif",
    "system-ui",
    "Segoe UI",
    "Helvetica",
    "Arial",
    "Noto Color Emoji",
    "sans-serif",
)
MONO = ("ui-monospace", "DejaVu Sans Mono", "Menlo", "Consolas", "monospace")
TEAM_EXAMPLE = (
    "We're 3 people shipping a RAG chatbot: Ana is a data scientist, "
    "Ben is a backend engineer, Chen runs infra."
)
OFFLINE_WORKS = (
    "the lesson, its three try-it prompts, the quiz and the team planner all work without a model"
)
OFFLINE_WORKS_SHORT = "lesson, quiz and team planner work without a model"
CONNECT = (
    "Set <code>OPENAI_API_KEY</code> for OpenAI, or <code>OPENAI_BASE_URL</code> (and "
    "<code>TUTOR_MODEL</code>) for a local server such as Ollama, vLLM, LM Studio or "
    "llama.cpp, then restart the tutor. The README's model section has the details."
)
RESET_WARNING = (
    "**Delete this conversation?** This deletes your messages, your try-it "
    "progress and your quiz score, for good. Export the transcript first to keep "
    "a copy."
)
# Everything a chat event may change, in the order TutorApp.outputs returns it.
CHAT_KEYS = ("chatbot", "stepper", "progress", "next", "quiz", "stop", "retry")
QUIET = {**INTERNAL, "show_progress": "hidden"}


def banner_html(runtime: Runtime) -> str:
    """One line: which brain answers, and (offline) what works plus how to connect a model."""
    profile = runtime.backend.profile
    kind = "offline" if profile.offline else "model"
    if profile.offline:
        line = (
            f"<p><b>Offline mode</b><span class='long'> — {TITLE}: {OFFLINE_WORKS}.</span>"
            f"<span class='short'>: {OFFLINE_WORKS_SHORT}.</span></p><details>"
            f"<summary>How to connect a model</summary><div>{CONNECT}</div></details>"
        )
    else:
        line = f"<p><b>{TITLE}</b> — answers come from {html.escape(profile.label)}.</p>"
    return (
        f'<div id="tutor-banner" class="{kind}" data-backend="{kind}">'
        f'<span class="tutor-icon" aria-hidden="true"></span>{line}</div>'
    )


def build_app(runtime: Runtime, *, offline_pace: float | None = None) -> gr.Blocks:
    """The whole web app for one runtime; every learner's state stays inside it."""
    _skip_absent_matplotlib()
    app = TutorApp(runtime, offline_pace=offline_pace)
    with gr.Blocks(title=TITLE) as demo:
        c = _layout(runtime)
        _wire_chat(app, c)
        _wire_panels(app, c)
        _wire_api(app)
        demo.load(
            app.on_load, [c["browser_sid"]], [c["browser_sid"], c["sid"], *_chat_out(c)], **QUIET
        ).then(app.drain_ui, [c["sid"]], _chat_out(c), **QUIET)
    return demo


def _skip_absent_matplotlib() -> None:
    """Gradio runs every event inside a matplotlib backend guard that imports matplotlib
    twice; when it is not installed, each failed import searches sys.path again (Python does
    not remember a failed import), about 0.6 ms of CPU a message. Recording it as absent
    makes those imports fail at once; an installed matplotlib is left alone."""
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]


def _chat_out(c: dict[str, Any]) -> list[Any]:
    """What every chat event outputs, in TutorApp.outputs' order (the quiz's form last)."""
    quiz = [c["quiz_form"], c["quiz_choice"], c["quiz_checks"], c["quiz_number"]]
    return [*(c[key] for key in CHAT_KEYS), *quiz, *c["quiz_picks"]]


def _layout(runtime: Runtime) -> dict[str, Any]:
    c: dict[str, Any] = {}
    gr.HTML(banner_html(runtime), elem_id="banner-box")
    c["browser_sid"] = gr.BrowserState(
        None, storage_key=STORAGE_KEY, secret=browser_secret(runtime)
    )
    c["sid"] = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320), gr.Tabs(elem_id="tabs") as tabs:
            c["tabs"] = tabs
            with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                _chat_tab(c)
            with gr.Tab("Lesson", id="lesson", elem_id="tab-lesson"):
                _lesson_tab(c)
            with gr.Tab("Team planner", id="team", elem_id="tab-team") as c["team_tab"]:
                _team_tab(c)
        with gr.Column(scale=1, min_width=260):
            c["stepper"] = gr.HTML(elem_id="stepper")
            c["progress"] = gr.HTML(elem_id="progress")
    return c


def _chat_tab(c: dict[str, Any]) -> None:
    c["chatbot"] = gr.Chatbot(
        elem_id="tutor-chat",
        label="Tutor",
        show_label=False,
        height="min(560px, 62vh)",
        buttons=["copy"],
        autoscroll=False,
        placeholder="Press **Next prompt** to start the lesson's three try-it prompts, "
        "or ask anything about MLOps roles and handoffs.",
    )
    with gr.Row(elem_id="input-row"):
        c["msg"] = gr.Textbox(
            elem_id="tutor-input",
            show_label=False,
            scale=5,
            lines=1,
            max_lines=6,
            placeholder="Ask the tutor… (Enter sends)",
        )
        c["send"] = gr.Button("Send", elem_id="send-btn", variant="primary", scale=1, min_width=70)
        c["stop"] = gr.Button(
            "Stop", elem_id="stop-btn", variant="secondary", scale=1, min_width=70, visible=False
        )
    c["retry"] = gr.Button(
        "Retry the unfinished answer", elem_id="retry-btn", size="sm", visible=False
    )
    with gr.Column(visible=False, elem_id="quiz-form", variant="panel") as quiz_form:
        c["quiz_form"] = quiz_form
        c["quiz_choice"] = gr.Radio([], label="Your answer", elem_id="quiz-choice")
        c["quiz_checks"] = gr.CheckboxGroup(
            [], label="Tick every one that applies", elem_id="quiz-checks"
        )
        c["quiz_number"] = gr.Number(
            label="Your answer (a number)", elem_id="quiz-number", precision=None
        )
        c["quiz_picks"] = [
            gr.Dropdown([], label="", visible=False, elem_id=f"quiz-pick-{i}")
            for i in range(1, MAX_PICKS + 1)
        ]
        with gr.Row():
            c["quiz_submit"] = gr.Button("Answer", elem_id="quiz-submit", variant="primary")
            c["quiz_skip"] = gr.Button(SKIP, elem_id="quiz-skip")
    with gr.Row(elem_id="chat-actions"):
        c["next"] = gr.Button("Next prompt (1/3)", elem_id="next-btn", variant="primary")
        c["quiz"] = gr.Button("Quiz me", elem_id="quiz-btn")
    with gr.Row(elem_id="chat-more"):
        c["export"] = gr.Button("Export transcript", elem_id="export-btn", size="sm")
        c["forget"] = gr.Button("Forget my team", elem_id="forget-btn", size="sm")
        c["reset"] = gr.Button(
            "Reset conversation…", elem_id="reset-btn", size="sm", variant="stop"
        )
    with gr.Column(visible=False, elem_id="reset-confirm", variant="panel") as confirm:
        c["reset_confirm"] = confirm
        gr.Markdown(RESET_WARNING, elem_id="reset-warning")
        with gr.Row():
            c["reset_yes"] = gr.Button("Delete everything", elem_id="reset-yes", variant="stop")
            c["reset_no"] = gr.Button("Cancel", elem_id="reset-no")
    c["export_file"] = gr.File(
        label="Transcript (Markdown)", elem_id="export-file", visible=False, interactive=False
    )


def _lesson_tab(c: dict[str, Any]) -> None:
    pack = load_pack()
    body, intro = lesson_sections(pack.lesson)
    gr.Markdown(body, elem_id="lesson-text")
    c["run_demo"] = gr.Button("Run demo", elem_id="run-demo-btn", variant="primary")
    c["demo_out"] = gr.Code(
        label="What the demo prints",
        language=None,
        interactive=False,
        elem_id="demo-output",
        visible=False,
    )
    c["demo_notes"] = gr.Markdown(elem_id="demo-analysis")
    c["demo_svg"] = gr.HTML(elem_id="demo-svg")
    gr.Markdown(f"## Try it\n\n{intro} Press one to ask it in the chat.", elem_id="try-head")
    c["try"] = [
        (
            gr.Button(step.prompt, elem_id=f"try-{i}", elem_classes=["try-prompt"], size="sm"),
            step.prompt,
        )
        for i, step in enumerate(pack.steps, start=1)
    ]


def _team_tab(c: dict[str, Any]) -> None:
    gr.Markdown(
        "Describe your team in words and press **Plan my team**: the people I read appear in "
        "the table, where you can correct a row or add a person — the plan follows each edit. "
        "Every MLOps responsibility gets an owner and a backup; a part-timer or contractor is "
        "never the only one on call."
    )
    c["team_text"] = gr.Textbox(
        label="Your team", elem_id="team-text", lines=3, placeholder=TEAM_EXAMPLE
    )
    c["team_table"] = gr.Dataframe(
        headers=TABLE_HEADERS,
        datatype=["str"] * len(TABLE_HEADERS),
        type="array",
        value=empty_rows(),
        column_count=len(TABLE_HEADERS),
        static_columns=[TABLE_HEADERS.index("hats")],
        interactive=True,
        wrap=True,
        column_widths=["20%", "30%", "22%", "28%"],  # fits a phone's width, cells wrap
        label="People (name · role words · full-time / part-time / contractor · hats)",
        elem_id="team-table",
    )
    # The description last read into the table: a new one is read again, the same one is not
    # (the table, with the learner's corrections, is the team).
    c["team_read"] = gr.State(None)
    c["team_product"] = gr.Radio(PRODUCTS, value="auto", label="Product", elem_id="team-product")
    c["plan"] = gr.Button("Plan my team", elem_id="plan-btn", variant="primary")
    c["team_result"] = gr.Markdown(elem_id="team-result")
    c["team_svg"] = gr.HTML(elem_id="team-svg")
    c["forget_team"] = gr.Button("Forget my team", elem_id="forget-team-btn", size="sm")


def _drain(app: TutorApp, c: dict[str, Any], event: Any) -> None:
    """After a message is queued: answer the learner's queue (streaming to this page)."""
    event.then(app.drain_ui, [c["sid"]], _chat_out(c), trigger_mode="multiple", **QUIET)


def _wire_chat(app: TutorApp, c: dict[str, Any]) -> None:
    out = _chat_out(c)
    # Stored and shown at once, outside the queue (so never refused while an answer runs);
    # then the drain answers the learner's waiting messages in order.
    _drain(
        app,
        c,
        gr.on(
            [c["msg"].submit, c["send"].click],
            app.enqueue_ui,
            [c["msg"], c["sid"]],
            [c["msg"], *out, c["reset_confirm"]],
            queue=False,
            trigger_mode="multiple",
            **QUIET,
        ),
    )
    for button, handler in (
        (c["next"], app.next_ui),
        (c["quiz"], app.quiz_ui),
        (c["retry"], app.retry_ui),
        (c["forget"], app.forget_ui),
    ):
        _drain(app, c, button.click(handler, [c["sid"]], out, queue=False, **QUIET))
    # A question the tutor offered (an option under its last reply) is sent as `/ask N`.
    _drain(
        app,
        c,
        c["chatbot"].option_select(app.suggestion_ui, [c["sid"]], out, queue=False, **QUIET),
    )
    answer = [c["sid"], c["quiz_choice"], c["quiz_checks"], c["quiz_number"], *c["quiz_picks"]]
    _drain(
        app,
        c,
        c["quiz_submit"].click(app.quiz_answer_ui, answer, out, queue=False, **QUIET),
    )
    _drain(
        app,
        c,
        c["quiz_skip"].click(app.quiz_skip_ui, [c["sid"]], out, queue=False, **QUIET),
    )
    c["stop"].click(app.stop_ui, [c["sid"]], [c["stop"]], queue=False, **QUIET)
    c["reset"].click(app.ask_reset, None, [c["reset_confirm"]], queue=False, **QUIET)
    c["reset_no"].click(app.cancel_reset, None, [c["reset_confirm"]], queue=False, **QUIET)
    c["reset_yes"].click(
        app.reset_ui, [c["sid"]], [*out, c["export_file"], c["reset_confirm"]], **QUIET
    )
    c["export"].click(app.export, [c["sid"]], [c["export_file"]], **INTERNAL)


def _wire_panels(app: TutorApp, c: dict[str, Any]) -> None:
    c["run_demo"].click(
        _run_demo, None, [c["demo_out"], c["demo_notes"], c["demo_svg"]], **INTERNAL
    )
    # The tab and the chat share one team: what the tab plans becomes the chat's plan, and
    # the chat's plan fills the tab when it is opened.
    tab_team = [c["sid"], c["team_text"], c["team_table"], c["team_product"]]
    c["plan"].click(
        plan_team,
        [c["team_text"], c["team_table"], c["team_product"], c["team_read"]],
        [c["team_result"], c["team_svg"], c["team_table"], c["team_read"]],
        **INTERNAL,
    ).then(app.adopt_tab_team_ui, tab_team, None, **QUIET)
    # An edited cell re-plans at once; the table is not written back (no keystroke lost).
    c["team_table"].input(
        replan_table,
        [c["team_text"], c["team_table"], c["team_product"]],
        [c["team_result"], c["team_svg"]],
        **INTERNAL,
    ).then(app.adopt_tab_team_ui, tab_team, None, **QUIET)
    c["team_tab"].select(
        app.team_tab_ui,
        [c["sid"], c["team_table"], c["team_result"]],
        [c[k] for k in ("team_text", "team_table", "team_result", "team_svg", "team_read")],
        queue=False,  # a lookup: no queue, no progress timer over the plan
        **QUIET,
    )
    # "Forget my team" on the tab blanks the tab, then goes the chat's way (the chat says
    # what was forgotten, so it comes forward).
    tab = [c[k] for k in ("team_text", "team_table", "team_result", "team_svg", "team_read")]
    _drain(
        app,
        c,
        c["forget_team"]
        .click(
            lambda: (*forgotten_tab(), gr.Tabs(selected="chat")),
            None,
            [*tab, c["tabs"]],
            queue=False,
            **QUIET,
        )
        .then(app.forget_ui, [c["sid"]], _chat_out(c), queue=False, **QUIET),
    )
    for button, prompt in c["try"]:
        # A try-it prompt goes to the chat as if typed there (the chat tab comes forward).
        _drain(
            app,
            c,
            button.click(
                lambda p=prompt: (p, gr.Tabs(selected="chat")),
                None,
                [c["msg"], c["tabs"]],
                queue=False,
                **QUIET,
            ).then(
                app.enqueue_ui,
                [c["msg"], c["sid"]],
                [c["msg"], *_chat_out(c), c["reset_confirm"]],
                queue=False,
                **QUIET,
            ),
        )


def _run_demo() -> tuple[Any, str, str]:
    printed, notes, svg = demo_panel()
    return gr.Code(printed, visible=True), notes, svg  # the box appears once it has output


def _wire_api(app: TutorApp) -> None:
    """`/chat` and `/next_prompt` for gradio_client; the gr.State keeps one session per client."""
    message = gr.Textbox(label="message", visible=False)
    reply = gr.Textbox(label="reply", visible=False)
    sid = gr.State(None)
    chat = gr.Button(visible=False)
    step = gr.Button(visible=False)
    chat.click(
        app.api_chat,
        [message, sid],
        [reply, sid],
        api_name="chat",
        api_description="Send one learner message; returns the tutor's reply (streamed). "
        "The conversation continues across calls of the same client.",
    )
    step.click(
        app.api_next_prompt,
        [sid],
        [reply, sid],
        api_name="next_prompt",
        api_description="Send the next guided try-it prompt; returns the tutor's reply.",
    )


def launch_options(runtime: Runtime) -> dict[str, Any]:
    """What `launch()` needs besides the address (Gradio 6 takes theme, css and js here)."""
    return {
        "auth": runtime.settings.auth_pair(),
        "auth_message": f"{TITLE}: log in with the TUTOR_AUTH user and password.",
        # System fonts only: the default theme fonts would be fetched from Google on page load.
        "theme": gr.themes.Soft(primary_hue="indigo", font=_fonts(SANS), font_mono=_fonts(MONO)),
        "css": CSS,
        "js": JS,
        "head": HEAD,
        "share": False,  # never expose a tunnel: a learner's transcript is private
        # Gradio runs at most `max_threads` events at once (default 40), whatever the queue's
        # concurrency limit says; learners mostly wait on the provider, so let them all run.
        "max_threads": runtime.settings.worker_threads,  # TUTOR_WORKER_THREADS
    }


def _fonts(names: tuple[str, ...]) -> list[gr.themes.Font]:
    return [gr.themes.Font(name) for name in names]


def serve(host: str | None = None, port: int | None = None) -> int:
    """Run the web app until interrupted; binds loopback unless told otherwise."""
    runtime = build_runtime()
    start_warm_up(runtime.settings)  # in the background: the page is served meanwhile
    try:
        demo = build_app(runtime)
        demo.queue(default_concurrency_limit=runtime.settings.tutor_concurrency)
        _launch(
            demo, runtime, host or runtime.settings.tutor_host, port or runtime.settings.tutor_port
        )
        print(f"{TITLE} — {runtime.banner()}", flush=True)
        print(f"Open {demo.local_url} in your browser (Ctrl+C to stop).", flush=True)
        demo.block_thread()
    finally:
        asyncio.run(runtime.aclose())
    return 0


def _launch(demo: gr.Blocks, runtime: Runtime, host: str, port: int) -> None:
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            **launch_options(runtime),
        )
    except OSError as exc:
        raise ConfigError(
            f"Cannot serve on {host}:{port} ({exc}). Pick another port with --port or TUTOR_PORT."
        ) from None
