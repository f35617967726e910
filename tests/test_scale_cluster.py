"""Two `tutor serve` processes on one PostgreSQL, behind deploy/nginx/tutor.conf, on loopback.

A learner converses through nginx (gradio_client and a real Chromium page); the process
serving them is killed with SIGKILL mid-answer; after the page reconnects, the other process
answers the next message with every completed turn, the guided step and the quiz score intact.
Two tabs of one learner, each routed to a different process, cannot interleave turns.

Needs PostgreSQL, nginx and Chromium: skipped locally without them, failing under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from nginxutil import local_nginx, require_nginx
from pgcluster import Cluster, free_port, running_cluster
from support.fake_openai import FakeOpenAI, Reply, echo_responder, learner_words
from webutil import CHROMIUM_ARGS, chromium_or_skip

pytestmark = pytest.mark.browser

WAIT = 60.0
WAIT_MS = 60_000  # generous: CI machines are small and busy
LEASE = "3"  # seconds: a killed process's leases run out quickly in this test
# No repeated sentences: the engine cuts an answer that repeats itself.
SLOW_ANSWER = "Slowly now. " + " ".join(f"step{i}" for i in range(160)) + "."
BOT = '#tutor-chat [data-testid="bot"]'
USER = '#tutor-chat [data-testid="user"]'
INPUT = "#tutor-input textarea"
QUESTION = "roles-four"
GOOD_ANSWER = (
    "Data scientists explore data and build models; data engineers build the pipelines; "
    "ML engineers productionize and deploy models; SRE/Platform run the infrastructure, "
    "monitoring and on-call."
)


def model(request: dict[str, Any]) -> Reply:
    """A fake provider: echoes; 'slow' streams a long answer; 'grade:' calls the quiz grader."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return Reply(text="Thanks, I graded your answer.")
    said = learner_words(request)
    if said.startswith("grade:"):
        # The app's context note names the waiting question ("... an answer: id roles-four").
        waiting = re.search(r"waiting for an answer: id (\S+)", str(last["content"]))
        question = waiting.group(1) if waiting else QUESTION
        args = {"question_id": question, "answer": said.removeprefix("grade:").strip()}
        return Reply(tool_calls=[{"name": "grade_quiz_answer", "arguments": json.dumps(args)}])
    if "slow" in said:
        return Reply(text=SLOW_ANSWER, chunk_delay=0.08)
    return echo_responder(request)


@dataclass
class Tutor:
    process: subprocess.Popen[str]
    port: int
    log: Path


def tutor_serve_many(
    stack: ExitStack, count: int, db_url: str, base_url: str, home: Path
) -> list[Tutor]:
    """`count` `tutor serve` processes on free loopback ports, started side by side (each
    takes seconds to import); killed when the stack closes."""
    tutors = [start_tutor(db_url, base_url, home) for _ in range(count)]
    for tutor in tutors:
        stack.callback(stop_tutor, tutor)
    for tutor in tutors:
        while True:
            line = tutor.process.stdout.readline() if tutor.process.stdout else ""
            if not line:
                raise AssertionError(f"tutor serve exited: {tutor.log.read_text()}")
            if line.startswith("Open "):
                break
    return tutors


def start_tutor(db_url: str, base_url: str, home: Path) -> Tutor:
    port = free_port()
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "TUTOR_DB": db_url,
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "sk-test-cluster",
        "TUTOR_LEASE_SECONDS": LEASE,
        "TUTOR_QUEUE_WAIT": "60",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = (home / f"tutor-{port}.log").open("w")  # a pipe nobody reads could fill and block
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        cwd=home,
    )
    log.close()
    return Tutor(process, port, home / f"tutor-{port}.log")


def stop_tutor(tutor: Tutor) -> None:
    if tutor.process.poll() is None:
        tutor.process.kill()
    tutor.process.wait(timeout=WAIT)


@dataclass
class Cluster2:
    """Everything of one deployment: the database, two tutor processes, nginx."""

    url: str  # nginx
    db: sa.Engine
    tutors: list[Tutor]
    fake: FakeOpenAI

    def rows(self, sql: str, **params: Any) -> list[tuple]:
        with self.db.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]

    def transcript(self, session_id: str) -> list[tuple[str, str, str]]:
        return self.rows(  # type: ignore[return-value]
            "SELECT role, status, content FROM turns WHERE session_id = :s AND status != 'queued'"
            " ORDER BY seq",
            s=session_id,
        )

    def session_of(self, text: str) -> str:
        found = self.rows("SELECT session_id FROM turns WHERE content = :t", t=text)
        assert found, f"nothing stored as {text!r}"
        return found[0][0]

    def wait_idle(self, session_id: str) -> None:
        """Until no turn of the learner runs and no process holds their lock."""
        wait_for(
            lambda: (
                not self.rows(
                    "SELECT 1 FROM turns WHERE session_id = :s"
                    " AND status IN ('in_progress', 'queued')"
                    " UNION ALL SELECT 1 FROM leases WHERE session_id = :s",
                    s=session_id,
                )
            ),
            f"learner {session_id} to be idle",
        )

    def runner_of(self, text: str) -> Tutor:
        """The tutor process running the turn that `text` began (its owner's pid)."""
        owner = wait_for(
            lambda: self.rows(
                "SELECT owner FROM turns WHERE content = :t AND status = 'in_progress'", t=text
            ),
            f"the turn {text!r} to start",
        )[0][0]
        pid = int(owner.rsplit(":", 2)[1])
        [tutor] = [t for t in self.tutors if t.process.pid == pid]
        return tutor


def wait_for(check: Callable[[], Any], what: str, seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def pg() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def deployment(pg: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster2]:
    """One deployment for the module (starting it is the slow part); each test uses its own
    learner, and the test that kills a process runs last."""
    require_nginx()
    db_url = pg.create_database()
    home = tmp_path_factory.mktemp("cluster")
    with ExitStack() as stack:
        fake = stack.enter_context(FakeOpenAI(model))
        tutors = list(tutor_serve_many(stack, 2, db_url, fake.base_url, home))
        port = free_port()
        stack.enter_context(
            local_nginx.running_nginx(port, [t.port for t in tutors], show_upstream=True)
        )
        engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        stack.callback(engine.dispose)
        yield Cluster2(f"http://127.0.0.1:{port}", engine, tutors, fake)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(context: Any, url: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.wait_for_selector("#stepper li")  # the load event ran: the session is resumed
    return page


def send(page: Any, text: str) -> None:
    page.fill(INPUT, text)
    page.press(INPUT, "Enter")


def wait_bot_count(page: Any, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length >= {count}", timeout=WAIT_MS)


def steps(page: Any) -> list[str]:
    return page.eval_on_selector_all("#stepper li", "els => els.map(e => e.dataset.state)")


def upstream_of(page: Any, url: str) -> str:
    """Which tutor process nginx sends this page's requests to."""
    response = page.request.get(f"{url}/config")
    return response.headers["x-tutor-upstream"]


def two_tabs_on_two_processes(
    deployment: Cluster2, browser: Any, text: str
) -> tuple[Any, Any, Any, Any, str]:
    """One learner: tab a sends `text` and is answered; tab b (same browser storage, a new
    routing cookie) is opened until nginx sends it to the other process."""
    first = browser.new_context()
    tab_a = open_page(first, deployment.url)
    send(tab_a, text)
    wait_bot_count(tab_a, 1)
    sid = deployment.session_of(text)
    home = upstream_of(tab_a, deployment.url)
    storage = first.storage_state()
    storage["cookies"] = []
    second = browser.new_context(storage_state=storage)
    for _ in range(40):
        page = open_page(second, deployment.url)
        if upstream_of(page, deployment.url) != home:
            return first, tab_a, second, page, sid
        page.close()
        second.clear_cookies()
    raise AssertionError("nginx never routed a new cookie to the other process")


def expect_text(locator: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text, timeout=WAIT_MS)


# ---------------------------------------------------------------- gradio_client through nginx


def test_api_client_converses_through_nginx(deployment: Cluster2) -> None:
    from gradio_client import Client

    learner = Client(deployment.url, verbose=False)
    assert "tutor_route" in learner.cookies  # set by nginx on /config: the client sticks
    assert learner.predict("first question", api_name="/chat") == "You said: first question"
    assert learner.predict("second question", api_name="/chat") == "You said: second question"
    sid = deployment.session_of("first question")
    assert deployment.session_of("second question") == sid  # one conversation, one process
    history = deployment.fake.requests[-1]["messages"]
    assert any("first question" in str(m.get("content")) for m in history)


# ---------------------------------------------------------------- two tabs, two processes


def test_two_tabs_on_two_processes_cannot_interleave(deployment: Cluster2, browser: Any) -> None:
    first, tab_a, second, tab_b, sid = two_tabs_on_two_processes(
        deployment, browser, "hello from tab a"
    )
    expect_text(tab_b.locator("#tutor-chat"), "You said: hello from tab a")  # one learner

    send(tab_a, "a slow one please")
    deployment.runner_of("a slow one please")
    send(tab_b, "quick from tab b")

    # Whichever process answers it (the one holding the learner's lock may take the queued
    # message from the store), it is answered only after tab a's answer, never between.
    # (An echo like this fake's gets the lesson's answer on top, its words folded below it.)
    def answered(row: tuple[str, str, str], words: str) -> bool:
        return row[0] == "assistant" and row[1] == "complete" and words in row[2]

    quick = "You said: quick from tab b"
    wait_for(
        lambda: any(answered(r, quick) for r in deployment.transcript(sid)),
        "tab b's message to be answered",
    )
    rows = deployment.transcript(sid)
    assert [r[0] for r in rows[2:]] == ["user", "assistant", "user", "assistant"]
    assert rows[2][2] == "a slow one please" and answered(rows[3], SLOW_ANSWER[:17])
    assert rows[4][2] == "quick from tab b" and answered(rows[5], quick)
    # tab b's message waited for tab a's answer: no interleaving
    assert all(r[1] == "complete" for r in rows), rows
    tab_b.reload()
    expect_text(tab_b.locator(BOT).last, "You said: quick from tab b")
    first.close()
    second.close()


def test_a_process_that_cached_the_learner_sees_what_another_one_answered(
    deployment: Cluster2, browser: Any
) -> None:
    """Tab b's process loaded the learner before tab a's process answered more: when tab b
    sends, its process must answer from what the store holds now, not from its old copy."""
    first, tab_a, second, tab_b, sid = two_tabs_on_two_processes(
        deployment, browser, "cache test one"
    )
    send(tab_a, "cache test two")  # answered by tab a's process, after tab b's process loaded
    wait_bot_count(tab_a, 2)
    deployment.wait_idle(sid)  # so tab b's own process answers tab b's next message
    send(tab_b, "cache test three")
    expect_text(tab_b.locator(BOT).last, "You said: cache test three")
    asked = next(r for r in reversed(deployment.fake.requests) if "cache test three" in str(r))
    said = json.dumps(asked["messages"])
    assert "cache test one" in said and "cache test two" in said  # no stale history
    first.close()
    second.close()


# ---------------------------------------------------------------- kill -9 mid-session


def test_killed_process_loses_nothing_and_the_other_one_carries_on(
    deployment: Cluster2, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_page(context, deployment.url)
    send(page, "my first question")
    wait_bot_count(page, 1)
    sid = deployment.session_of("my first question")
    page.click("#next-btn")  # guided step 1
    page.wait_for_selector('#stepper li:nth-child(1)[data-state="done"]')
    page.click("#quiz-btn")
    wait_bot_count(page, 3)
    send(page, f"grade: {GOOD_ANSWER}")
    # The panel's own text, not Gradio's status tracker over it ("queue: 1/1 | 0.1s" while
    # the reload's load event runs).
    progress = page.locator("#progress .tutor-progress")
    expect_text(progress, "of 1 answered")
    progress_before = progress.inner_text()
    stepper_before = page.eval_on_selector_all(
        "#stepper li", "els => els.map(e => e.dataset.state)"
    )

    send(page, "a slow one please")
    victim = deployment.runner_of("a slow one please")
    survivor = next(t for t in deployment.tutors if t is not victim)
    assert upstream_of(page, deployment.url).endswith(f":{victim.port}")
    finished = [r for r in deployment.transcript(sid) if r[1] == "complete"]
    assert len(finished) == 8  # four turns: question, guided step, quiz question, answer

    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=WAIT)

    # The page reconnects (a reload); nginx sends it to the live process, which resumes the
    # learner from PostgreSQL: every finished turn, the step and the score are there.
    page.reload()
    page.wait_for_selector("#stepper li")
    assert upstream_of(page, deployment.url).endswith(f":{survivor.port}")
    from playwright.sync_api import expect

    expect(progress).to_have_text(progress_before, timeout=WAIT_MS)
    assert steps(page) == stepper_before
    expect_text(page.locator("#tutor-chat"), "You said: my first question")

    send(page, "still there?")
    expect_text(page.locator(BOT).last, "You said: still there?")
    rows = deployment.transcript(sid)
    assert rows[:8] == finished
    assert ("user", "interrupted", "a slow one please") in rows  # cut short, kept, marked
    assert rows[-2:] == [
        ("user", "complete", "still there?"),
        ("assistant", "complete", "You said: still there?"),
    ]
    # The survivor's model request carried the learner's earlier turns.
    asked = next(r for r in reversed(deployment.fake.requests) if "still there?" in str(r))
    assert "my first question" in json.dumps(asked["messages"])
    context.close()
