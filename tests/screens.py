"""Screenshots of the web app's states (desktop, dark, a 390x844 phone) for docs/screens/.

Run: `python tests/screens.py` (Debian's /usr/bin/chromium, offline backend, ~1 minute);
`python tests/screens.py conversation` takes only the conversation states.
Writes docs/screens/*.png and refreshes docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from webutil import CHROMIUM_ARGS, chromium_or_skip, serve_app

DOCS = Path(__file__).resolve().parent.parent / "docs"
OUT = DOCS / "screens"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_page(browser, url: str, viewport: dict, dark: bool = False, **extra) -> Page:
    page = browser.new_context(
        viewport=viewport, color_scheme="dark" if dark else "light", **extra
    ).new_page()
    page.set_default_timeout(60_000)
    page.goto(url + ("?__theme=dark" if dark else ""))
    page.wait_for_selector("#stepper li")
    return page


def step(page: Page, n: int) -> None:
    page.click("#next-btn")
    page.wait_for_selector(f'#stepper li:nth-child({n})[data-state="done"]')
    page.wait_for_selector("#stop-btn", state="hidden")
    time.sleep(0.4)


def snap(page: Page, name: str, full: bool = False) -> None:
    page.mouse.move(1, 1)  # no hover look on the button pressed last
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("wrote", OUT / f"{name}.png")


# Questions learners ask in their own words (issue 13), each answered offline.
OWN_WORDS = {
    "eval-gate": "Who owns the eval gate?",
    "riskiest": "what's the riskiest handoff in the demo and why?",
    "no-sre": "my team has no SRE, who should hold the pager?",
}
OFF_TOPIC = "how much does an ML engineer earn?"
QUICK_CHECK_ANSWER = "the SRE / platform person gets paged, at the on-call stage"


def ask(page: Page, text: str) -> None:
    page.fill("#tutor-input textarea", text)
    page.press("#tutor-input textarea", "Enter")
    page.wait_for_selector("#stop-btn", state="visible")
    page.wait_for_selector("#stop-btn", state="hidden")
    time.sleep(0.6)


def conversation(browser, url: str, viewport: dict, prefix: str, **extra) -> None:
    """The offline tutor answering questions in the learner's words, a declined one with its
    suggestion buttons, a quick check answered by the learner, and Quiz me pressed while a
    question is open."""
    page = open_page(browser, url, viewport, **extra)
    for name, question in OWN_WORDS.items():
        ask(page, question)
        snap(page, f"{prefix}-ask-{name}")
    ask(page, OFF_TOPIC)
    page.wait_for_selector("#tutor-chat .options button.option")
    page.locator("#tutor-chat .options").scroll_into_view_if_needed()
    snap(page, f"{prefix}-declined")
    step(page, 1)
    ask(page, QUICK_CHECK_ANSWER)
    snap(page, f"{prefix}-quick-check")
    for _ in range(2):  # Quiz me, and again while its question is open
        page.click("#quiz-btn")
        page.wait_for_selector("#stop-btn", state="hidden")
        time.sleep(0.6)
    snap(page, f"{prefix}-quiz-still-open")
    page.context.close()


def lesson(page: Page, name: str) -> None:
    page.get_by_role("tab", name="Lesson").click()
    page.click("#run-demo-btn")
    page.wait_for_selector("#demo-svg svg")
    page.locator("#demo-svg").scroll_into_view_if_needed()
    time.sleep(0.3)
    snap(page, name)
    page.get_by_role("tab", name="Chat").click()


def planner_from_chat(page: Page, name: str) -> None:
    """The Team planner tab opened after the chat planned a team: the same team, editable."""
    page.get_by_role("tab", name="Team planner").click()
    page.wait_for_selector('#team-table [data-testid="cell-2-0"]')
    page.wait_for_selector("#team-svg svg >> visible=true")
    time.sleep(0.5)
    snap(page, name, full=True)
    page.get_by_role("tab", name="Chat").click()


def desktop(browser, url: str, slow_url: str) -> None:
    page = open_page(browser, url, DESKTOP)
    snap(page, "desktop-start")
    step(page, 1)
    step(page, 2)
    snap(page, "desktop-demo-step")
    shutil.copy(OUT / "desktop-demo-step.png", DOCS / "screenshot.png")
    step(page, 3)
    snap(page, "desktop-allocation")
    planner_from_chat(page, "desktop-planner-from-chat")
    for _ in range(4):  # until a multiple-choice question, answered with its own controls
        page.click("#quiz-btn")
        page.wait_for_selector("#stop-btn", state="hidden")
        time.sleep(0.6)
        if page.is_visible("#quiz-choice"):
            break
        page.fill("#tutor-input textarea", "I don't know")
        page.press("#tutor-input textarea", "Enter")
        page.wait_for_selector("#stop-btn", state="hidden")
        time.sleep(0.4)
    page.locator("#quiz-form").scroll_into_view_if_needed()
    snap(page, "desktop-quiz")
    page.click("#reset-btn")
    page.wait_for_selector("#reset-confirm", state="visible")
    page.locator("#reset-confirm").scroll_into_view_if_needed()
    snap(page, "desktop-reset-confirm")
    lesson(page, "desktop-lesson")
    page.context.close()
    slow = open_page(browser, slow_url, DESKTOP)
    slow.fill("#tutor-input textarea", "What is a data contract?")
    slow.press("#tutor-input textarea", "Enter")
    time.sleep(0.3)
    slow.fill("#tutor-input textarea", "And who owns it?")
    slow.press("#tutor-input textarea", "Enter")
    slow.wait_for_selector("#tutor-chat .queued-note")
    time.sleep(0.5)
    snap(slow, "desktop-queued")
    slow.click("#stop-btn")
    slow.wait_for_selector("#tutor-chat .tutor-note")
    time.sleep(0.5)
    snap(slow, "desktop-stopped")
    slow.context.close()


def dark(browser, url: str) -> None:
    page = open_page(browser, url, DESKTOP, dark=True)
    step(page, 1)
    step(page, 2)
    snap(page, "dark-demo-step")
    step(page, 3)
    snap(page, "dark-all-done")
    planner_from_chat(page, "dark-planner-from-chat")
    ask(page, OFF_TOPIC)
    page.wait_for_selector("#tutor-chat .options button.option")
    snap(page, "dark-declined")
    lesson(page, "dark-lesson")
    page.context.close()


def phone(browser, url: str) -> None:
    page = open_page(browser, url, PHONE, is_mobile=True, has_touch=True)
    snap(page, "phone-start")
    for n in (1, 2, 3):
        step(page, n)
    snap(page, "phone-allocation")
    planner_from_chat(page, "phone-planner-from-chat")
    page.get_by_role("tab", name="Lesson").click()
    page.click("#run-demo-btn")
    page.wait_for_selector("#demo-svg .tall svg", state="visible")
    page.locator("#demo-svg .tall").scroll_into_view_if_needed()
    time.sleep(0.3)
    snap(page, "phone-lesson")
    page.context.close()


def main() -> int:
    if sys.argv[1:] == ["conversation"]:  # only the conversation states (quicker)
        return conversation_only()
    OUT.mkdir(parents=True, exist_ok=True)
    chromium = chromium_or_skip()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_app(Path(tmp) / "t.db") as app,
        serve_app(Path(tmp) / "slow.db", offline_pace=0.08) as slow,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        desktop(browser, app.url, slow.url)
        dark(browser, app.url)
        phone(browser, app.url)
        conversation(browser, app.url, DESKTOP, "desktop")
        conversation(browser, app.url, PHONE, "phone", is_mobile=True, has_touch=True)
        browser.close()
    return 0


def conversation_only() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_app(Path(tmp) / "t.db") as app,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_ARGS)
        conversation(browser, app.url, DESKTOP, "desktop")
        conversation(browser, app.url, PHONE, "phone", is_mobile=True, has_touch=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
