"""The web app in a real headless Chromium (offline backend): chat, queue, Stop, Retry, reset,
guided flow, panels, phone layout."""

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
NOTE = "#tutor-chat .tutor-note"
MESSAGES = f"{USER}, {BOT}"
INPUT = "#tutor-input textarea"
# Seconds per streamed word for the "slow" server, so an answer takes long enough to be
# stopped or cut by a reload (the first try-it answer is ~250 words: ~13 s in full).
SLOW_PACE = 0.05
PHONE = {"width": 390, "height": 844}
# A message with a long answer (the first try-it prompt, reworded), and a marker of its own.
STOP_ME = (
    "stop-marker-3141: in one paragraph, explain the main roles involved in running an "
    "ML system in production and what each does"
)

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
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Served]:
    with serve_app(tmp_path_factory.mktemp("browser") / "t.db") as app:
        yield app


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Served]:
    """An app whose answers stream slowly (the offline tutor, paced per word)."""
    with serve_app(tmp_path_factory.mktemp("slow") / "t.db", offline_pace=SLOW_PACE) as app:
        yield app


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser: object, url: str, **context: object) -> Page:
    """A fresh browser profile (its own localStorage, so its own learner)."""
    options = {"viewport": {"width": 1280, "height": 900}, **context}
    page = browser.new_context(**options).new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(WAIT_MS)
    open_app(page, url)
    return page


@pytest.fixture
def page(browser: object, served: Served) -> Iterator[Page]:
    page = new_page(browser, served.url)
    yield page
    page.context.close()


@pytest.fixture
def slow_page(browser: object, slow: Served) -> Iterator[Page]:
    page = new_page(browser, slow.url)
    yield page
    page.context.close()


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#stepper li")  # the load event has run: session resumed


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def send(page: Page, text: str) -> None:
    page.fill(INPUT, text)
    page.press(INPUT, "Enter")


def next_prompt(page: Page, step: int) -> None:
    """Click Next and wait until the stepper has moved past `step`."""
    page.click("#next-btn")
    page.wait_for_selector(f'#stepper li:nth-child({step})[data-state="done"]')


def stepper_states(page: Page) -> list[str]:
    return page.eval_on_selector_all("#stepper li", "els => els.map(e => e.dataset.state)")


def expect_text(locator: object, text: str) -> None:
    playwright_api.expect(locator).to_contain_text(text, timeout=WAIT_MS)


def wait_idle(page: Page) -> None:
    """Until no answer runs and nothing waits: the Stop button is hidden, nothing is queued,
    and the last message is the tutor's (on a busy machine a message just sent may not have
    started yet, when the Stop button is still hidden)."""
    page.wait_for_selector("#stop-btn", state="hidden")
    page.wait_for_function(
        f"""(() => {{
            if (document.querySelector('#tutor-chat .queued-note')) return false;
            const all = document.querySelectorAll('{USER}, {BOT}');
            return !all.length || all[all.length - 1].matches('{BOT}');
        }})()"""
    )
    page.wait_for_selector("#stop-btn", state="hidden")


def wait_streaming(page: Page, chars: int = 80) -> None:
    page.wait_for_selector("#stop-btn", state="visible")
    page.wait_for_function(
        f"(() => {{ const b = document.querySelectorAll('{BOT}');"
        f" return b.length && b[b.length - 1].innerText.length > {chars}; }})()"
    )


def rows(app: Served, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(app.db)) as db:  # a reader beside the app's writer (WAL)
        return db.execute(sql, params).fetchall()


def learner_rows(app: Served, contains: str) -> list[tuple[str, str, str]]:
    """(role, status, content) of the session whose transcript holds `contains`."""
    found = rows(app, "SELECT session_id FROM turns WHERE content LIKE ?", f"%{contains}%")
    assert found, f"nothing stored with {contains!r}"
    return rows(
        app,
        "SELECT role, status, content FROM turns WHERE session_id = ? ORDER BY seq",
        found[0][0],
    )


def wait_until_stored(
    app: Served, user_text: str, seconds: float = 30, status: str = "complete"
) -> None:
    """Wait until the turn that `user_text` began is committed with `status`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (user_text, status) in rows(app, "SELECT content, status FROM turns"):
            return
        time.sleep(0.05)
    pytest.fail(f"the turn {user_text!r} was never stored as {status}")


# -- the chat ---------------------------------------------------------------------------------


def test_chat_streams_and_guided_flow_survives_reload(page: Page, served: Served) -> None:
    assert "Offline mode" in page.inner_text("#tutor-banner")
    assert stepper_states(page) == ["current", "todo", "todo"]
    assert page.inner_text("#next-btn").strip() == "Next prompt (1/3)"

    page.evaluate(WATCH_STREAM)
    send(page, "Who owns the data contract?")
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
    assert "3/3" in page.inner_text("#stepper .steps-head")

    # The tool step is collapsed and names the call; the demo's output is in the answer once.
    chat = page.inner_text("#tutor-chat")
    assert "/next" not in chat and "/quiz" not in chat  # the page's words are its buttons
    titles = page.locator("#tutor-chat .thought-group .title")
    assert titles.filter(has_text="Ran the handoff demo").count() == 1
    assert titles.filter(has_text="Ran the team planner").count() == 1
    demo = page.locator("#tutor-chat .thought-group").filter(has_text="Ran the handoff demo")
    demo.locator(".title").first.click()
    expect_text(demo, "run_handoff_demo()")
    assert "Data Engineer -> Data Scientist" not in demo.inner_text()
    shot(page, "guided-flow")

    users_before = page.locator(USER).count()
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('{USER}').length === {users_before}")
    assert stepper_states(page) == ["done", "done", "done"]
    assert "Walk me through how an ML project flows" in page.inner_text("#tutor-chat")
    titles = page.locator("#tutor-chat .thought-group .title")
    assert titles.filter(has_text="Ran the handoff demo").count() == 1  # rebuilt from the store
    shot(page, "after-reload")


def test_messages_sent_while_answering_are_queued_and_answered(page: Page, served: Served) -> None:
    first, second = "What is a data contract?", "And who owns it?"
    send(page, first)
    time.sleep(0.3)
    send(page, second)
    expect_text(page.locator(USER).last, second)  # shown at once, before its answer
    wait_idle(page)
    assert page.locator(USER).count() == 2
    stored = [r for r in learner_rows(served, first) if r[0] in ("user", "assistant")]
    assert [(r[0], r[1]) for r in stored] == [("user", "complete"), ("assistant", "complete")] * 2
    assert [r[2] for r in stored if r[0] == "user"] == [first, second]  # in order
    # Each learner message is followed by its own answer, on the page too.
    order = page.eval_on_selector_all(MESSAGES, "els => els.map(e => e.dataset.testid)")
    assert order[0] == "user" and order.count("user") == 2
    assert order.index("bot") < order.index("user", 1)
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('{USER}').length === 2")


def test_next_pressed_while_answering_waits_its_turn(page: Page, served: Served) -> None:
    send(page, "What does an ML engineer do?")
    page.wait_for_selector("#stop-btn", state="visible")
    page.click("#next-btn")  # while the answer streams: queued, not ignored
    page.wait_for_selector('#stepper li:nth-child(1)[data-state="done"]')
    wait_idle(page)
    users = page.locator(USER).all_inner_texts()
    assert users[0] == "What does an ML engineer do?"
    assert users[1].startswith("In one paragraph, explain the main roles")


def test_two_tabs_of_one_learner_share_one_queue(browser: object, slow: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    first, second = context.new_page(), context.new_page()  # one localStorage: one learner
    for tab in (first, second):
        tab.set_default_timeout(WAIT_MS)
        open_app(tab, slow.url)
    send(first, "tab-one-marker what does an SRE do?")
    wait_streaming(first, 20)
    send(second, "tab-two-marker what does a data engineer do?")
    wait_until_stored(slow, "tab-two-marker what does a data engineer do?", seconds=60)
    stored = [r for r in learner_rows(slow, "tab-one-marker") if r[0] == "user"]
    assert [r[2].split()[0] for r in stored] == ["tab-one-marker", "tab-two-marker"]
    assert all(r[1] == "complete" for r in stored)  # one after the other, none cut short
    second.reload()
    second.wait_for_function(f"document.querySelectorAll('{USER}').length === 2")
    context.close()


def test_a_queued_message_survives_a_reload(slow_page: Page, slow: Served) -> None:
    page = slow_page
    send(page, "Who gets paged at 3am?")
    wait_streaming(page, 20)
    send(page, "queued-marker-5521 what does an ML engineer do?")
    expect_text(page.locator("#tutor-chat .queued-note"), "Waiting")
    stored = rows(slow, "SELECT status FROM turns WHERE content LIKE '%queued-marker-5521%'")
    assert stored == [("queued",)]  # kept at once, before it is answered
    page.reload()
    page.wait_for_selector("#stepper li")
    # The reload interrupted the first answer; the queued message is still answered.
    wait_until_stored(slow, "queued-marker-5521 what does an ML engineer do?", seconds=60)


def test_stop_ends_the_answer_and_keeps_its_text(slow_page: Page, slow: Served) -> None:
    page = slow_page
    assert page.is_hidden("#stop-btn")
    send(page, STOP_ME)
    wait_streaming(page)
    page.click("#stop-btn")
    expect_text(page.locator(NOTE).last, "stopped")
    page.wait_for_selector("#stop-btn", state="hidden")
    partial = page.locator(BOT).nth(0).inner_text()
    time.sleep(SLOW_PACE * 5)
    assert page.locator(BOT).nth(0).inner_text() == partial, "the answer went on after Stop"
    assert len(partial) > 80
    wait_until_stored(slow, STOP_ME, status="stopped")
    reply = [r for r in learner_rows(slow, "stop-marker-3141") if r[0] == "assistant"]
    assert reply and reply[0][1] == "stopped"
    assert reply[0][2].replace("**", "")[:60] in partial  # the partial text is what is kept
    assert page.is_visible("#retry-btn")
    shot(page, "stopped")


def test_reload_mid_answer_leaves_the_step_undone_and_offers_retry(
    slow_page: Page, slow: Served
) -> None:
    page = slow_page
    page.click("#next-btn")
    wait_streaming(page)
    page.reload()
    page.wait_for_selector("#retry-btn", state="visible")
    assert stepper_states(page) == ["current", "todo", "todo"]
    assert page.inner_text("#next-btn").strip() == "Next prompt (1/3)"
    note = page.locator(NOTE).last
    expect_text(note, "interrupted")
    assert "page was closed" in note.inner_text()
    # The note comes after the partial answer it is about.
    order = page.eval_on_selector_all(
        MESSAGES, "els => els.map(e => e.querySelector('.tutor-note') ? 'note' : e.dataset.testid)"
    )
    assert order[-3:] == ["user", "bot", "note"] or order[-2:] == ["bot", "note"], order
    shot(page, "interrupted")
    page.click("#retry-btn")
    page.wait_for_selector('#stepper li:nth-child(1)[data-state="done"]', timeout=60_000)
    assert page.is_hidden("#retry-btn")


def test_a_question_typed_during_a_quick_check_is_answered_and_the_check_waits(
    page: Page,
) -> None:
    page.click("#next-btn")  # try-it 1 ends with a quick check
    wait_idle(page)
    expect_text(page.locator(BOT).last, "Quick check")
    send(page, "and what is a handoff?")
    page.wait_for_selector(f"{USER} >> nth=1")
    wait_idle(page)
    reply = page.locator(BOT).last.inner_text()
    assert "Incorrect" not in reply and "handoff" in reply.lower()
    assert "still waiting" in reply  # the check is still open, in one line
    expect_text(page.locator("#progress"), "of 0 answered")  # no attempt used
    send(page, "SRE/Platform, in the on-call / incidents stage")
    expect_text(page.locator(BOT).last, "Correct")
    expect_text(page.locator("#progress"), "1 right on the first try of 1 answered")


def test_reset_asks_first_and_says_what_it_deletes(page: Page) -> None:
    send(page, "What does a data engineer do?")
    page.wait_for_selector(USER)
    wait_idle(page)
    assert page.is_hidden("#reset-confirm")
    page.click("#reset-btn")
    warning = page.locator("#reset-confirm")
    expect_text(warning, "deletes your messages, your try-it progress and your quiz score")
    page.click("#reset-no")
    page.wait_for_selector("#reset-confirm", state="hidden")
    assert page.locator(USER).count() == 1  # nothing was deleted
    # Gradio's own clear (trash) button is hidden: Reset is the one way to clear.
    assert not page.locator('#tutor-chat button[aria-label="Clear"]').is_visible()
    page.click("#reset-btn")
    page.click("#reset-yes")
    page.wait_for_function(f"document.querySelectorAll('{USER}').length === 0")
    assert page.is_hidden("#reset-confirm")
    page.reload()
    page.wait_for_selector("#stepper li")
    assert page.locator(USER).count() == 0


def test_offered_questions_are_buttons_that_ask_them(page: Page, served: Served) -> None:
    send(page, "how much does an ML engineer earn?")
    options = page.locator("#tutor-chat .options button.option")
    options.first.wait_for()
    offered = [t.strip() for t in options.all_inner_texts()]
    assert len(offered) == 3
    assert "/ask" not in page.locator(BOT).last.inner_text()  # buttons, not a command to type
    options.nth(1).click()
    expect_text(page.locator(USER).last, offered[1])  # the question, not a raw "/ask 2"
    wait_idle(page)
    assert options.count() == 0  # answered: the offer is gone
    wait_until_stored(served, offered[1])  # sent through the learner's queue as that question
    assert "beyond" not in page.locator(BOT).last.inner_text()  # answered, not declined again


def settle_question(page: Page) -> None:
    """Say "I don't know" until the open quiz question's answer is shown (a hint may come
    first), so the next Quiz me asks a new one."""
    for _ in range(2):
        send(page, "I don't know")
        wait_idle(page)
        if "Explanation" in page.locator(BOT).last.inner_text():
            return


def test_quiz_and_export(page: Page) -> None:
    page.click("#quiz-btn")
    expect_text(page.locator("#tutor-chat .thought-group .title"), "Picked a quiz question")
    expect_text(page.locator(BOT).last, "Question")
    assert page.locator(USER).first.inner_text().strip() == "Quiz me"  # no raw "/quiz"
    send(page, "The SRE/Platform person gets paged, in on-call.")
    expect_text(page.locator("#tutor-chat"), "Graded your answer")
    expect_text(page.locator("#progress"), "of 1 answered")
    chat = page.inner_text("#tutor-chat")
    assert chat.count("Have another go") <= 1

    # A multiple-choice question is answered with its options (radio buttons), not typing.
    for _ in range(4):
        settle_question(page)  # Quiz me asks no new question while one is open
        page.click("#quiz-btn")
        wait_idle(page)
        page.wait_for_timeout(300)  # the answer controls follow the reply
        if page.is_visible("#quiz-choice"):
            break
    else:
        pytest.fail("no multiple-choice question came up")
    page.locator("#quiz-choice label").nth(1).click()
    page.click("#quiz-submit")
    expect_text(page.locator(USER).last, "b")
    page.wait_for_function("document.querySelectorAll('#tutor-chat .thought-group').length >= 4")
    wait_idle(page)
    assert (
        "Graded your answer" in page.locator("#tutor-chat .thought-group .title").last.inner_text()
    )

    page.click("#export-btn")
    link = page.locator("#export-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# MLOps Roles Tutor — transcript") and "paged" in text


# -- the panels -------------------------------------------------------------------------------


def test_lesson_panel_runs_the_demo_and_sends_try_it_prompts(page: Page) -> None:
    page.get_by_role("tab", name="Lesson").click()
    lesson = page.locator("#lesson-text")
    expect_text(lesson, "Why it matters")
    assert "favourite AI" not in lesson.inner_text()  # it starts with the lesson itself
    assert page.is_hidden("#demo-output")  # no empty box before the demo ran
    page.click("#run-demo-btn")
    page.wait_for_selector("#demo-svg svg")
    expect_text(page.locator("#demo-output"), "Risky handoffs (ownership changes hands):")
    assert page.locator("#demo-svg .wide g.handoff").count() == 5
    assert page.locator("#demo-svg .wide g.handoff-full").count() == 3
    expect_text(page.locator("#demo-analysis"), "3 full, 2 partial")
    shot(page, "lesson-demo")
    page.click("#try-1")
    page.wait_for_selector('#stepper li:nth-child(1)[data-state="done"]')
    assert page.locator(USER).count() == 1


def test_team_planner_shows_matrix_and_picture(page: Page) -> None:
    page.get_by_role("tab", name="Team planner").click()
    page.fill(
        "#team-text textarea",
        "Ana is a data scientist, Ben is an ML engineer, "
        "Chen runs infra and on-call. We ship a RAG chatbot.",
    )
    page.click("#plan-btn")
    page.wait_for_selector("#team-svg svg[role=img] >> visible=true")
    expect_text(page.locator("#team-result"), "on-call / incidents")
    assert page.locator("#team-result table").count() >= 1
    shot(page, "team-planner")
    page.fill("#team-text textarea", "")
    page.click("#plan-btn")
    expect_text(page.locator("#team-result"), "⚠")


# -- a phone ----------------------------------------------------------------------------------


def test_phone_input_on_first_screen_and_nothing_wider_than_it(
    browser: object, served: Served
) -> None:
    page = new_page(browser, served.url, viewport=PHONE, is_mobile=True, has_touch=True)
    box = page.locator(INPUT).bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    banner = page.locator("#tutor-banner").bounding_box()
    assert banner is not None and banner["height"] <= 60, banner
    for step in (1, 2, 3):
        next_prompt(page, step)
    wait_idle(page)
    assert page.locator("#tutor-chat table").count() >= 1  # the allocation
    widths = page.evaluate(
        """(messages) => ({
        page: document.documentElement.scrollWidth,
        bubbles: [...document.querySelectorAll(messages)]
            .map(e => e.getBoundingClientRect().right),
        tables: [...document.querySelectorAll('#tutor-chat table')]
            .map(t => [t.getBoundingClientRect().right, t.scrollWidth, t.clientWidth]),
    })""",
        MESSAGES,
    )
    assert widths["page"] <= PHONE["width"], widths
    assert all(right <= PHONE["width"] for right in widths["bubbles"]), widths
    # A wide table scrolls inside its own box instead of widening the bubble.
    assert all(right <= PHONE["width"] for right, _, _ in widths["tables"]), widths
    shot(page, "phone-allocation")
    page.get_by_role("tab", name="Lesson").click()
    page.click("#run-demo-btn")
    page.wait_for_selector("#demo-svg .tall svg", state="visible")
    svg = page.locator("#demo-svg .tall svg").bounding_box()
    assert svg is not None and svg["x"] + svg["width"] <= PHONE["width"], svg
    assert page.locator("#demo-svg .tall g.stage").count() == 6
    shot(page, "phone-lesson")
    page.context.close()


# -- environments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci", "outcome"), [("1", pytest.fail.Exception), (None, pytest.skip.Exception)]
)
def test_missing_chromium_skips_locally_but_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(webutil, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(webutil.shutil, "which", lambda name: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium"):
        webutil.chromium_or_skip()


def test_each_browser_has_its_own_conversation(page: Page, browser: object, served: Served) -> None:
    send(page, "secret-marker-9182 what does an SRE do?")
    page.wait_for_selector(BOT)
    other = new_page(browser, served.url)
    assert other.locator(USER).count() == 0
    assert "secret-marker-9182" not in other.inner_text("body")
    assert stepper_states(other) == ["current", "todo", "todo"]
    other.context.close()


def test_a_learner_resumes_after_a_server_restart(
    browser: object, tmp_path: Path, chromium_path: str
) -> None:
    """Same address, same database, a new server process state: the page picks up the
    learner's conversation and steps from browser storage and the store."""
    db, port = tmp_path / "restart.db", webutil.free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    with serve_app(db, port=port) as first:
        open_app(page, first.url)
        next_prompt(page, 1)
        send(page, "Who gets paged at 3am?")
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


# -- the planner's People table ---------------------------------------------------------------

TEAM = "Priya is our data scientist, Tomás is the ML engineer, Kwame runs infra. A RAG chatbot."
CELL = '#team-table [data-testid="cell-{row}-{col}"]'
# Whether any table is cut off: wider than its box, or past the viewport's right edge.
TABLE_FIT = """(selector) => [...document.querySelectorAll(selector)].map(t => {
    const box = t.getBoundingClientRect();
    return {right: box.right, scroll: t.scrollWidth, client: t.clientWidth};
})"""


def assert_tables_fit(page: Page, selector: str, width: int) -> None:
    tables = page.evaluate(TABLE_FIT, selector)
    assert tables, selector
    for t in tables:
        assert t["scroll"] <= t["client"] + 1 and t["right"] <= width, (selector, t)


def plan_in_tab(page: Page, text: str = TEAM) -> None:
    page.get_by_role("tab", name="Team planner").click()
    page.fill("#team-text textarea", text)
    page.click("#plan-btn")
    page.wait_for_selector("#team-svg svg[role=img] >> visible=true")
    expect_text(page.locator(CELL.format(row=2, col=0)), "Kwame")


def type_in_cell(page: Page, row: int, col: int, text: str) -> None:
    """As a learner does: click the cell, type, press Enter, and see the words in the cell
    before going on (a learner looks; a script that runs ahead races the table's own focus)."""
    cell = page.locator(CELL.format(row=row, col=col))
    cell.click()
    # As a learner does: the cell must have the focus (a re-render may have taken it).
    focused = "el => el.contains(document.activeElement)"
    for _ in range(20):
        if cell.evaluate(focused):
            break
        cell.click()
        time.sleep(0.1)
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect_text(cell, text)


def table_names(page: Page) -> list[str]:
    cells = page.locator('#team-table [role="gridcell"][data-col="0"]')
    return [c.split("\n")[0].strip() for c in cells.all_inner_texts()]


def test_planner_reads_the_team_into_the_table_and_an_edited_row_replans(page: Page) -> None:
    plan_in_tab(page)
    assert table_names(page)[:3] == ["Priya", "Tomás", "Kwame"]
    expect_text(page.locator(CELL.format(row=2, col=3)), "SRE/Platform")  # hats shown
    # Kwame turns out to be a contractor: the plan follows, no retyping, no button.
    type_in_cell(page, 2, 2, "contractor")
    expect_text(page.locator("#team-result"), "never the only one who gets paged")
    on_call = page.locator("#team-result tr", has_text="On-call rotation")
    assert "Kwame (" not in on_call.inner_text()
    assert table_names(page)[:3] == ["Priya", "Tomás", "Kwame"]
    # The chat talks about the team as corrected on the tab.
    page.get_by_role("tab", name="Chat").click()
    paged = last_reply_to(page, "who gets paged at 3am?")
    assert "Kwame is part-time or a contractor" in paged, paged


def test_typing_into_a_cell_keeps_the_first_keystroke(page: Page) -> None:
    plan_in_tab(page)
    type_in_cell(page, 1, 0, "Sofía")
    expect_text(page.locator(CELL.format(row=1, col=0)), "Sofía")
    assert table_names(page)[1] == "Sofía"
    expect_text(page.locator("#team-result"), "Sofía (")  # and the plan follows


def test_adding_a_row_adds_a_person_and_keeps_the_others(page: Page) -> None:
    plan_in_tab(page)
    page.locator(CELL.format(row=2, col=0)).click()
    page.locator(CELL.format(row=2, col=0) + ' button[aria-label="Open cell menu"]').click()
    page.get_by_text("Add row below").click()
    page.locator(CELL.format(row=3, col=0)).wait_for()
    type_in_cell(page, 3, 0, "Dana")
    type_in_cell(page, 3, 1, "SRE")
    expect_text(page.locator("#team-result"), "Dana (SRE/Platform)")
    assert table_names(page)[:4] == ["Priya", "Tomás", "Kwame", "Dana"]
    page.click("#plan-btn")  # the same description is not read again over the table
    expect_text(page.locator(CELL.format(row=3, col=3)), "SRE/Platform")
    assert table_names(page)[:4] == ["Priya", "Tomás", "Kwame", "Dana"]
    expect_text(page.locator("#team-result"), "LLM product")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_plan_tables_fit_without_cut_off_columns(
    browser: object, served: Served, viewport: dict[str, int]
) -> None:
    page = new_page(browser, served.url, viewport=viewport)
    width = viewport["width"]
    send(page, TEAM)
    wait_idle(page)
    page.wait_for_selector("#tutor-chat table")
    assert_tables_fit(page, "#tutor-chat table", width)
    plan_in_tab(page)
    assert_tables_fit(page, "#team-result table", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    hats = page.locator(CELL.format(row=0, col=3)).bounding_box()
    assert hats is not None and hats["x"] + hats["width"] <= width, hats  # People fit too
    # The workload list: one line per person, the summary apart.
    items = page.locator("#team-result li", has_text="backs up").all_inner_texts()
    assert len(items) == 3 and not any("the most" in i for i in items), items
    name = "desktop" if width > 640 else "phone"
    shot(page, f"planner-{name}")
    page.locator("#team-result table").scroll_into_view_if_needed()
    shot(page, f"planner-{name}-plan")
    if width > 640:
        dark = new_page(browser, served.url + "?__theme=dark", viewport=viewport)
        plan_in_tab(dark)
        shot(dark, "planner-dark")
        dark.context.close()
    page.context.close()


# -- accessibility ----------------------------------------------------------------------------


def unnamed_controls(snapshot: str) -> list[str]:
    """Lines of an ARIA snapshot for a button, radio, checkbox, textbox, spin button or combo
    box with no accessible name (`- button` alone, or `- button ""`)."""
    roles = ("button", "radio", "checkbox", "textbox", "spinbutton", "combobox")
    found = []
    for line in snapshot.splitlines():
        item = line.strip().removeprefix("- ").rstrip(":")
        role, _, rest = item.partition(" ")
        if role in roles and (not rest or rest.startswith('""') or rest.startswith("[")):
            found.append(line.strip())
    return found


def test_chat_and_quiz_controls_have_names_and_tab_reaches_the_message_box(page: Page) -> None:
    for _ in range(4):  # until a question with answer controls is open
        page.click("#quiz-btn")
        wait_idle(page)
        page.wait_for_timeout(300)
        if page.is_visible("#quiz-form"):
            break
        settle_question(page)
    else:
        pytest.fail("no quiz question with answer controls came up")
    snapshot = page.locator("#tab-chat").aria_snapshot()
    assert "- button" in snapshot and 'button "Send"' in snapshot
    assert unnamed_controls(snapshot) == [], snapshot
    form = page.locator("#quiz-form").aria_snapshot()
    assert 'button "Answer"' in form and unnamed_controls(form) == []

    # Keyboard only: Tab from the top of the page reaches the message box, then Send.
    page.locator("body").focus()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => { const e = document.activeElement;"
            " const box = e && e.closest('[id]'); return box ? box.id : ''; }"
        )
        reached.append(where)
        if where == "send-btn":
            break
    assert "tutor-input" in reached and reached[-1] == "send-btn", reached
    assert reached.index("tutor-input") < reached.index("send-btn")


PEOPLE = ("Priya", "Tomás", "Kwame")


def last_reply_to(page: Page, text: str) -> str:
    before = page.locator(BOT).count()
    send(page, text)
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length > {before}")
    wait_idle(page)
    return page.locator(BOT).last.inner_text()


def test_forget_my_team_clears_the_tab_the_chat_and_the_store(page: Page, served: Served) -> None:
    send(page, TEAM)
    # read exactly; "A RAG chatbot." names nobody, so the reading is sure and asks nothing
    expect_text(
        page.locator("#tutor-chat"),
        "I read your team as: Priya (data scientist), Tomás (ML engineer) and Kwame (infra).",
    )
    wait_idle(page)
    assert "Kwame" in last_reply_to(page, "who gets paged?")
    # The team planned in the chat is in the tab's table when the tab opens.
    page.get_by_role("tab", name="Team planner").click()
    expect_text(page.locator(CELL.format(row=2, col=0)), "Kwame")
    expect_text(page.locator("#team-result"), "from your chat")
    plan_in_tab(page)
    page.click("#forget-team-btn")  # on the Team planner tab
    expect_text(page.locator(BOT).last, "forgotten your team (3 people)")
    for name in PEOPLE:  # the chat above now shows them masked
        playwright_api.expect(page.locator("#tutor-chat")).not_to_contain_text(
            name, timeout=WAIT_MS
        )
    page.get_by_role("tab", name="Team planner").click()
    assert page.input_value("#team-text textarea") == ""
    playwright_api.expect(page.locator("#team-result")).to_have_text("", timeout=WAIT_MS)
    assert not any(table_names(page))
    page.get_by_role("tab", name="Chat").click()
    paged = last_reply_to(page, "who gets paged?")
    assert not any(name in paged for name in PEOPLE), paged
    # Reloaded: the plan is not back, and the saved conversation holds no name of it.
    page.reload()
    expect_text(page.locator(USER).first, "[forgotten] is our data scientist")
    chat = page.inner_text("#tutor-chat")
    assert not any(name in chat for name in PEOPLE), chat
    assert not any(name in last_reply_to(page, "who gets paged?") for name in PEOPLE)
    # The chat's own button takes the same path, and the tab (filled from the chat) follows.
    assert "Kwame" in last_reply_to(page, TEAM)
    page.get_by_role("tab", name="Team planner").click()
    expect_text(page.locator(CELL.format(row=2, col=0)), "Kwame")
    page.get_by_role("tab", name="Chat").click()
    page.click("#forget-btn")
    expect_text(page.locator(BOT).last, "forgotten your team (3 people)")
    wait_idle(page)
    page.get_by_role("tab", name="Team planner").click()
    playwright_api.expect(page.locator("#team-table")).not_to_contain_text("Kwame", timeout=WAIT_MS)
    page.get_by_role("tab", name="Chat").click()
    stored = " ".join(c for _, _, c in learner_rows(served, "forgotten your team"))
    assert not any(name in stored for name in PEOPLE)
