"""The web app's API, as a gradio_client user sees it; plus the pure view helpers it renders."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from webutil import Served, offline_settings, serve_app

from tutor.events import Notice, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.fake_openai import FakeOpenAI, Reply
from tutor.handoffs import run_handoff_demo
from tutor.web.panels import plan_team
from tutor.web.view import ChatView, final_text, transcript_messages

TIMEOUT = 60


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One offline app for the module (launching costs about a second)."""
    with serve_app(tmp_path_factory.mktemp("web") / "t.db") as served:
        yield served


def client(served: Served, **kwargs: object) -> Client:
    return Client(served.url, verbose=False, **kwargs)


def turns(db: Path) -> list[tuple[str, str, str]]:
    """(session_id, role, content) of every stored message."""
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT session_id, role, content FROM turns ORDER BY id"))


# -- the API ----------------------------------------------------------------------------------


def test_only_the_documented_endpoints_are_public(app: Served) -> None:
    api = client(app).view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/chat", "/next_prompt"}
    assert not api["unnamed_endpoints"]
    params = api["named_endpoints"]["/chat"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["message"]
    assert api["named_endpoints"]["/next_prompt"]["parameters"] == []


def test_chat_streams_the_reply(app: Served) -> None:
    job = client(app).submit("What is a data contract and who owns it?", api_name="/chat")
    reply = job.result(timeout=TIMEOUT)
    outputs = [o for o in job.outputs() if o]
    assert isinstance(reply, str) and len(reply) > 200
    assert len(outputs) >= 3, "the reply should arrive in several pieces"
    assert outputs[-1] == reply
    for shorter, longer in itertools.pairwise(outputs):
        assert longer.startswith(shorter)  # each update extends the text so far


def test_conversation_continues_across_calls(app: Served) -> None:
    learner = client(app)
    question = learner.predict("/quiz", api_name="/chat")
    assert "Question" in question
    graded = learner.predict("I am not sure, maybe the data scientist", api_name="/chat")
    assert re.search(r"Correct|Incorrect|Partly|Not quite", graded), graded
    progress = learner.predict("/progress", api_name="/chat")
    assert "1 answered" in progress


def test_next_prompt_walks_the_three_steps(app: Served) -> None:
    learner = client(app)
    first = learner.predict(api_name="/next_prompt")
    assert "Data scientist" in first or "data scientist" in first.lower()
    second = learner.predict(api_name="/next_prompt")
    for line in run_handoff_demo().splitlines():
        assert line in second  # the demo's real output, not a paraphrase
    third = learner.predict(api_name="/next_prompt")
    on_call = [row for row in third.splitlines() if row.startswith("| on-call / incidents |")]
    assert on_call, third
    assert all(re.search(r"\| [^|]+ \([^)]+\) \|", row) for row in on_call)  # owner (hat)
    fourth = learner.predict(api_name="/next_prompt")
    assert "completed all three" in fourth


def test_two_clients_are_isolated(app: Served) -> None:
    alice, bob = client(app), client(app)
    marker = "zebra-7341"
    job_a = alice.submit(f"My name is {marker}. What does an SRE do?", api_name="/chat")
    job_b = bob.submit(api_name="/next_prompt")  # both stream at the same time
    reply_a, reply_b = job_a.result(timeout=TIMEOUT), job_b.result(timeout=TIMEOUT)
    assert marker not in reply_b and "four roles" in reply_b  # Bob is on step 1
    assert "four roles" not in reply_a
    assert "Walk me through" not in alice.predict("/progress", api_name="/chat")
    assert "try-it prompts: 0/3" in alice.predict("/progress", api_name="/chat")
    assert "try-it prompts: 1/3" in bob.predict("/progress", api_name="/chat")
    assert marker not in bob.predict("/export", api_name="/chat")
    sessions = {sid for sid, _, content in turns(app.db) if marker in content}
    assert len(sessions) == 1  # the marker is stored in Alice's session only


def test_empty_message_gets_a_hint_not_an_error(app: Served) -> None:
    reply = client(app).predict("   ", api_name="/chat")
    assert reply.startswith("⚠")


def test_page_says_offline_and_how_to_connect(app: Served) -> None:
    config = httpx.get(app.url + "config", timeout=10).text
    assert "Offline mode" in config and "OPENAI_API_KEY" in config


def test_auth_required_when_configured(tmp_path: Path) -> None:
    settings = offline_settings(tutor_auth="ana:s3cret-pass")
    with serve_app(tmp_path / "auth.db", settings) as served:
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            client(served).predict("hello", api_name="/chat")
        raw = httpx.post(served.url + "gradio_api/call/chat", json={"data": ["hi"]}, timeout=10)
        assert raw.status_code in (401, 403)
        reply = client(served, auth=("ana", "s3cret-pass")).predict("hello", api_name="/chat")
        assert len(reply) > 20


def test_chat_with_an_openai_compatible_model(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = offline_settings(tutor_backend="openai", openai_base_url=fake.base_url,
                                    tutor_model="fake-model", tutor_request_timeout=10)
        with serve_app(tmp_path / "model.db", settings) as served:
            learner = client(served)
            job = learner.submit("hello model", api_name="/chat")
            reply = job.result(timeout=TIMEOUT)
            assert reply.startswith("You said") and "hello model" in reply  # the fake's words
            fake.script += [
                Reply(tool_calls=[{"name": "run_handoff_demo", "arguments": "{}"}]),
                Reply(text="The demo found five risky handoffs."),
            ]
            assert learner.predict("run the demo", api_name="/chat") == \
                "The demo found five risky handoffs."
            tool_results = [m for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
            assert "Risky handoffs" in tool_results[-1]["content"]
            assert "hello model" in str(fake.requests[-1]["messages"])  # same conversation
            fake.script.append(Reply(fault="status", status=401,
                                     body={"error": {"message": "bad key"}}))
            failed = learner.predict("and now?", api_name="/chat")
            assert failed.startswith("⚠") and "Traceback" not in failed
            config = httpx.get(served.url + "config", timeout=10).text
            assert "fake-model" in config


# -- the pure view helpers --------------------------------------------------------------------


def test_chat_view_renders_tools_as_thoughts() -> None:
    view = ChatView([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    view.user("walk me through it")
    for event in [
        TextDelta("Let me run "), TextDelta("the demo."),
        ToolStarted("c1", "run_handoff_demo", {}),
        ToolFinished("c1", "run_handoff_demo", {}, run_handoff_demo() + "\n5 handoffs.", 0.004,
                     True, run_handoff_demo() + "\n5 handoffs."),
        TextDelta("Done."), Notice("timeout", "The model timed out."), TurnDone("x"),
    ]:
        view.apply(event)
    first, second = view.snapshot(), view.snapshot()
    assert first == second and first[0] is not second[0]  # fresh dicts for every update
    assert first[0] == {"role": "user", "content": "hi"}
    thought = first[3]
    assert thought["metadata"]["title"] == "Ran the handoff demo"
    assert thought["metadata"]["status"] == "done"
    assert thought["metadata"]["duration"] == pytest.approx(0.004)
    assert thought["content"].startswith("```text\nRisky handoffs")
    assert [m["content"] for m in first[4:]] == ["Done.", "⚠ The model timed out."]
    assert final_text(view, 2) == "Let me run the demo.\n\nDone.\n\n⚠ The model timed out."


def test_failed_tool_is_marked() -> None:
    view = ChatView()
    view.apply(ToolStarted("c", "allocate_team", {}))
    assert view.messages[0]["metadata"]["status"] == "pending"
    view.apply(ToolFinished("c", "allocate_team", {}, "Error: no people", 0.001, False,
                            "Error: no people"))
    assert view.messages[0]["metadata"]["title"] == "Ran the team planner (failed)"
    assert view.messages[0]["content"] == "⚠ Error: no people"


def test_transcript_rebuilds_statuses_and_tools() -> None:
    class Rec:
        def __init__(self, role: str, content: str, status: str = "complete",
                     meta: dict | None = None) -> None:
            self.role, self.content, self.status, self.meta = role, content, status, meta or {}

    records = [
        Rec("user", "q1", "interrupted"),
        Rec("user", "q2", "cut_off"),
        Rec("assistant", "half an answer", "cut_off",
            {"tools": [{"name": "ask_quiz_question", "ok": True,
                        "display": "**Question** (on-call): Who is paged?"}]}),
    ]
    messages = transcript_messages(records)
    assert messages[0] == {"role": "user", "content": "q1"}
    assert "interrupted" in messages[1]["content"]
    assert messages[3]["metadata"]["title"] == "Picked a quiz question"
    assert "Who is paged?" in messages[3]["content"]
    assert messages[4]["content"] == "half an answer"
    assert "cut off" in messages[5]["content"]


def test_team_planner_table_text_and_errors() -> None:
    table, svg = plan_team("", [["Ana", "data scientist"], ["Ben", "sre, ml engineer"],
                                ["", ""]], "llm")
    assert "| Stage |" in table and "Ana" in table and "<svg" in svg
    text_table, _ = plan_team("Ana is a data scientist, Ben runs infra", None, "auto")
    assert "Ben" in text_table
    message, picture = plan_team("", [["", ""]], "auto")
    assert message.startswith("⚠") and picture == ""
