"""The web app in a real headless Chromium (offline backend): chat, guided flow, panels."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import webutil
from webutil import ARTIFACTS, CHROMIUM_ARGS, Served, chromium_or_skip, serve_app

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
Page = playwright_api.Page

WAIT_MS = 30_000
BOT = '#tutor-chat [data-testid="bot"]'
USER = '#tutor-chat [data-testid="user"]'

# Samples the length of the last bot message every 20 ms, to see a reply grow.
WATCH_STREAM = """() => {
  window.__lens = [];
  window.__watch = setInterval(() => {
    const bots = document.querySelectorAll('#tutor-chat [data-testid="bot"]');
    window.__lens.push(bots.length ? bots[bots.length - 1].innerText.length : 0);
  }, 20);
}"""
STREAM_SETTLED = """() => {
  const l = window.__lens;
  if (l.length < 20 || l[l.length - 1] === 0) return false;
  return l.slice(-15).every(x => x === l[l.length - 1]);
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = chromium_or_skip()
    with serve_app(tmp_path_factory.mktemp("browser") / "t.db") as app:
        app.chromium = path  # type: ignore[attr-defined]
        yield app


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[object]:
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=served.chromium,  # type: ignore[attr-defined]
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, served: Served) -> Iterator[Page]:
    """A fresh browser profile (its own localStorage, so its own learner)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    open_app(page, served.url)
    yield page
    context.close()


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#stepper li")  # the load event has run: session resumed


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def next_prompt(page: Page, step: int) -> None:
    """Click Next and wait until the stepper has moved past `step`."""
    page.click("#next-btn")
    page.wait_for_selector(f'#stepper li:nth-child({step})[data-state="done"]')


def stepper_states(page: Page) -> list[str]:
    return page.eval_on_selector_all("#stepper li", "els => els.map(e => e.dataset.state)")


def test_chat_streams_and_guided_flow_survives_reload(page: Page, served: Served) -> None:
    assert "Offline mode" in page.inner_text("#tutor-banner")
    assert stepper_states(page) == ["current", "todo", "todo"]
    assert page.inner_text("#next-btn").strip() == "Next prompt (1/3)"

    page.evaluate(WATCH_STREAM)
    page.fill("#tutor-input textarea", "Who owns the data contract?")
    page.press("#tutor-input textarea", "Enter")
    page.wait_for_function(STREAM_SETTLED)
    lengths = page.evaluate("() => { clearInterval(window.__watch); return window.__lens; }")
    assert len({n for n in lengths if n}) >= 3, "the reply should grow in several steps"
    assert page.locator(USER).count() == 1

    for step, label in ((1, "Next prompt (2/3)"), (2, "Next prompt (3/3)")):
        next_prompt(page, step)
        assert page.inner_text("#next-btn").strip() == label
        assert stepper_states(page)[step] == "current"
    next_prompt(page, 3)
    assert stepper_states(page) == ["done", "done", "done"]
    assert page.is_visible("#steps-end")
    assert page.is_disabled("#next-btn")
    assert "3/3" in page.inner_text("#progress")

    demo = page.locator("#tutor-chat .message.thought").filter(has_text="Ran the handoff demo")
    demo.locator(".title").first.click()
    expect_text(demo, "Data Engineer -> Data Scientist")
    assert page.locator("#tutor-chat .thought-group .title").filter(
        has_text="Ran the team planner").count() == 1
    shot(page, "guided-flow")

    users_before = page.locator(USER).count()
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('{USER}').length === {users_before}")
    assert stepper_states(page) == ["done", "done", "done"]
    assert "Walk me through how an ML project flows" in page.inner_text("#tutor-chat")
    titles = page.locator("#tutor-chat .thought-group .title")
    assert titles.filter(has_text="Ran the handoff demo").count() == 1  # rebuilt from the store
    shot(page, "after-reload")


def expect_text(locator: object, text: str) -> None:
    playwright_api.expect(locator).to_contain_text(text, timeout=WAIT_MS)


def test_lesson_panel_runs_the_demo_and_draws_it(page: Page) -> None:
    page.get_by_role("tab", name="Lesson").click()
    expect_text(page.locator("#lesson-text"), "Why it matters")
    page.click("#run-demo-btn")
    page.wait_for_selector("#demo-svg svg")
    expect_text(page.locator("#demo-output"), "Risky handoffs (ownership changes hands):")
    assert page.locator("#demo-svg g.handoff").count() == 5
    assert page.locator("#demo-svg g.handoff-full").count() == 3
    expect_text(page.locator("#demo-analysis"), "3 full, 2 partial")
    shot(page, "lesson-demo")


def test_team_planner_shows_matrix_and_picture(page: Page) -> None:
    page.get_by_role("tab", name="Team planner").click()
    page.fill("#team-text textarea", "Ana is a data scientist, Ben is an ML engineer, "
              "Chen runs infra and on-call. We ship a RAG chatbot.")
    page.click("#plan-btn")
    page.wait_for_selector("#team-svg svg")
    expect_text(page.locator("#team-result"), "on-call / incidents")
    assert page.locator("#team-result table").count() >= 1
    shot(page, "team-planner")
    page.fill("#team-text textarea", "")
    page.click("#plan-btn")
    expect_text(page.locator("#team-result"), "⚠")


def test_quiz_export_and_reset(page: Page) -> None:
    page.click("#quiz-btn")
    expect_text(page.locator("#tutor-chat .thought-group .title"), "Picked a quiz question")
    expect_text(page.locator(BOT).last, "Question")
    page.fill("#tutor-input textarea", "The SRE/Platform person gets paged, in on-call.")
    page.press("#tutor-input textarea", "Enter")
    expect_text(page.locator("#tutor-chat"), "Graded your answer")
    expect_text(page.locator("#progress"), "of 1 answered")

    page.click("#export-btn")
    link = page.locator("#export-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# MLOps Roles Tutor — transcript") and "paged" in text

    page.click("#reset-btn")
    page.wait_for_function(f"document.querySelectorAll('{USER}').length === 0")
    assert "0 answered" in page.inner_text("#progress")
    assert stepper_states(page) == ["current", "todo", "todo"]


@pytest.mark.parametrize(("ci", "outcome"), [("1", pytest.fail.Exception),
                                             (None, pytest.skip.Exception)])
def test_missing_chromium_skips_locally_but_fails_on_ci(
        monkeypatch: pytest.MonkeyPatch, ci: str | None, outcome: type[BaseException]) -> None:
    monkeypatch.setattr(webutil, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(webutil.shutil, "which", lambda name: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium"):
        webutil.chromium_or_skip()


def test_each_browser_has_its_own_conversation(page: Page, browser: object,
                                               served: Served) -> None:
    page.fill("#tutor-input textarea", "secret-marker-9182 what does an SRE do?")
    page.press("#tutor-input textarea", "Enter")
    page.wait_for_selector(BOT)
    other = browser.new_context().new_page()  # type: ignore[attr-defined]
    open_app(other, served.url)
    assert other.locator(USER).count() == 0
    assert "secret-marker-9182" not in other.inner_text("body")
    assert stepper_states(other) == ["current", "todo", "todo"]
    other.context.close()


def wait_until_stored(app: Served, user_text: str, seconds: float = 30) -> None:
    """Wait until the turn that `user_text` began is committed as complete."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(app.db)) as db:  # a reader beside the app's writer (WAL)
            rows = db.execute("SELECT content, status FROM turns").fetchall()
        if (user_text, "complete") in rows:
            return
        time.sleep(0.05)
    pytest.fail(f"the turn {user_text!r} was never stored as complete")


def test_a_learner_resumes_after_a_server_restart(browser: object, tmp_path: Path) -> None:
    """Same address, same database, a new server process state: the page picks up the
    learner's conversation and steps from browser storage and the store."""
    db, port = tmp_path / "restart.db", webutil.free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    with serve_app(db, port=port) as first:
        open_app(page, first.url)
        next_prompt(page, 1)
        page.fill("#tutor-input textarea", "Who gets paged at 3am?")
        page.press("#tutor-input textarea", "Enter")
        expect_text(page.locator(BOT).last, "where systems break")  # the whole answer
        wait_until_stored(first, "Who gets paged at 3am?")
    with serve_app(db, port=port) as second:
        open_app(page, second.url)
        page.wait_for_function(f"document.querySelectorAll('{USER}').length === 2")
        assert stepper_states(page) == ["done", "current", "todo"]
        chat = page.inner_text("#tutor-chat")
        assert "Who gets paged at 3am?" in chat and "where systems break" in chat
        assert "interrupted" not in chat
        shot(page, "after-restart")
    context.close()
