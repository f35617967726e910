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
from support.fake_openai import FakeOpenAI, Reply
from webutil import Served, offline_settings, serve_app

from tutor.demo.handoffs import run_handoff_demo
from tutor.engine.events import Notice, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.web.panels import plan_team, replan_table
from tutor.web.quizform import answer_form, compose_answer
from tutor.web.view import ChatView, as_buttons, final_text, said, transcript_messages

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


def test_an_offered_question_is_asked_by_its_number(app: Served) -> None:
    learner = client(app)
    declined = learner.predict("how much does an ML engineer earn?", api_name="/chat")
    offered = offered_in(declined)  # API clients get the offer as `/ask N` lines
    assert len(offered) == 3
    answer = learner.predict("/ask 3", api_name="/chat")
    assert "beyond" not in answer.split("\n")[0] and not offered_in(answer)
    assert learner.predict(offered[2], api_name="/chat") == answer  # the same as asking it


def test_quiz_me_with_a_question_open_asks_another_instead_of_repeating_it(app: Served) -> None:
    learner = client(app)
    question = learner.predict("/quiz", api_name="/chat")
    again = learner.predict("/quiz", api_name="/chat")
    asked = question.split("**Question**")[1].splitlines()[0]
    assert "comes back later" in again and "**Question**" in again and asked not in again


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
        settings = offline_settings(
            tutor_backend="openai",
            openai_base_url=fake.base_url,
            # A family prompts/models.toml knows calls tools (the echoing fake would not pass
            # the start-up probe an unknown model gets).
            tutor_model="gpt-4o-mini",
            tutor_request_timeout=10,
        )
        with serve_app(tmp_path / "model.db", settings) as served:
            learner = client(served)
            job = learner.submit("hello model", api_name="/chat")
            reply = job.result(timeout=TIMEOUT)
            # The echoing fake's words are kept (folded under the lesson's answer: an echo
            # fails the usefulness checks, tests/test_fallback.py).
            assert "You said: hello model" in reply
            fake.script += [
                Reply(tool_calls=[{"name": "run_handoff_demo", "arguments": "{}"}]),
                Reply(text="The demo found five risky handoffs."),
            ]
            shown = learner.predict("run the demo", api_name="/chat")
            assert shown.startswith("```text\nRisky handoffs")  # the demo's real output, once
            assert shown.count("Risky handoffs") == 1
            assert "The demo found five risky handoffs." in shown  # the model's words, kept
            tool_results = [m for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
            assert "Risky handoffs" in tool_results[-1]["content"]
            assert "hello model" in str(fake.requests[-1]["messages"])  # same conversation
            fake.script.append(
                Reply(fault="status", status=401, body={"error": {"message": "bad key"}})
            )
            failed = learner.predict("and now?", api_name="/chat")
            assert failed.startswith("⚠") and "Traceback" not in failed
            config = httpx.get(served.url + "config", timeout=10).text
            assert "gpt-4o-mini" in config


# -- the pure view helpers --------------------------------------------------------------------


def test_chat_view_renders_tools_as_collapsed_steps() -> None:
    view = ChatView([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    view.user("walk me through it")
    for event in [
        TextDelta("Let me run "),
        TextDelta("the demo."),
        ToolStarted("c1", "run_handoff_demo", {}),
        ToolFinished(
            "c1",
            "run_handoff_demo",
            {},
            run_handoff_demo(),
            0.004,
            True,
            "6 stages, 5 handoffs: 3 full, 2 partial. The output is in the answer.",
        ),
        TextDelta("```text\nRisky handoffs\n```", source="app"),
        TextDelta("\n\nDone."),
        Notice("timeout", "The model timed out."),
        TurnDone("x", status="cut_off"),
    ]:
        view.apply(event)
    first, second = view.snapshot(), view.snapshot()
    assert first == second and first[0] is not second[0]  # fresh dicts for every update
    assert first[0] == {"role": "user", "content": "hi"}
    assert first[2] == {"role": "assistant", "content": "Let me run the demo."}  # in order
    step = first[3]
    assert step["metadata"]["title"] == "Ran the handoff demo"
    assert step["metadata"]["status"] == "done"
    assert "duration" not in step["metadata"]  # 4 ms means nothing to a learner
    assert step["content"].startswith("`run_handoff_demo()`")
    assert "3 full, 2 partial" in step["content"] and "Product +" not in step["content"]
    assert first[4]["content"].count("Risky handoffs") == 1
    assert "tutor-note" in first[5]["content"] and "timed out" in first[5]["content"]
    assert final_text(view, 2).endswith("Done.\n\n⚠ The model timed out.")


def test_slow_tools_show_their_duration_and_failures_are_marked() -> None:
    view = ChatView()
    view.apply(ToolStarted("c", "allocate_team", {"product": "llm"}))
    assert view.messages[0]["metadata"]["status"] == "pending"
    view.apply(
        ToolFinished("c", "allocate_team", {}, "Error: no people", 3.21, False, "Error: no people")
    )
    message = view.messages[0]
    assert message["metadata"]["title"] == "Ran the team planner (failed)"
    assert message["metadata"]["duration"] == 3.2
    assert "Failed: Error: no people" in message["content"]


def test_queued_messages_wait_at_the_end_until_their_turn() -> None:
    view = ChatView()
    view.user("first")
    view.apply(TextDelta("answer one"))
    view.enqueue(7, "second")
    view.enqueue(8, "/quiz")
    shown = view.snapshot(busy=True)
    assert [m["content"].split("\n")[0] for m in shown] == [
        "first",
        "answer one",
        "second",
        "Quiz me",
    ]
    assert all("queued-note" in m["content"] for m in shown[2:])
    view.apply(TurnDone("answer one"))
    view.user("second", 7)  # its turn: it leaves the queue, and its answer comes after it
    view.apply(TextDelta("answer two"))
    shown = view.snapshot(busy=True)
    assert [m["content"].split("\n")[0] for m in shown] == [
        "first",
        "answer one",
        "second",
        "answer two",
        "Quiz me",
    ]
    assert "queued-note" not in shown[2]["content"]
    # With nothing running, the first waiting message is about to start: no "waiting" mark.
    assert "queued-note" not in view.snapshot(busy=False)[-1]["content"]


def test_an_unfinished_turn_gets_one_note_after_its_text() -> None:
    view = ChatView()
    view.user("q")
    view.apply(TextDelta("half an answer"))
    view.apply(Notice("stopped", "You stopped this answer. Retry to ask again."))
    view.apply(TurnDone("half an answer", status="stopped"))
    contents = [m["content"] for m in view.messages]
    assert contents[1] == "half an answer"
    assert len(contents) == 3 and "You stopped this answer" in contents[2]
    fallback = ChatView()
    fallback.user("q")
    fallback.apply(TextDelta("partial"))
    fallback.end("interrupted")  # the page closed: no engine notice reached the view
    assert "page was closed" in fallback.messages[-1]["content"]


def test_replies_name_the_page_buttons_not_slash_commands() -> None:
    assert as_buttons("When ready, type /quiz for a check, or /next for the next one.") == (
        "When ready, press **Quiz me** for a check, or **Next prompt** for the next one."
    )
    assert as_buttons("Type /next (or press Next prompt) to start.") == (
        "Press **Next prompt** to start."
    )
    assert as_buttons("a path like /next-steps/ stays") == "a path like /next-steps/ stays"


DECLINE = "Salaries are beyond this lesson."
OFFER = ("What does an ML engineer do?", "What is a handoff?", "Who owns the eval gate?")


def offered_in(reply: str) -> list[str]:
    """The questions an API client's reply offers (its `- `/ask N` — question` lines)."""
    return re.findall(r"^- `/ask \d+` — (.+)$", reply, re.M)


def test_offered_questions_are_buttons_under_the_last_reply() -> None:
    view = ChatView()
    view.user("how much does an ML engineer earn?")
    view.apply(TextDelta(DECLINE))
    assert "options" not in view.snapshot(busy=True)[-1]  # not while the answer streams
    view.apply(TurnDone("complete", offered=OFFER))
    last = view.snapshot(busy=False)[-1]
    assert [o["value"] for o in last["options"]] == ["/ask 1", "/ask 2", "/ask 3"]
    assert last["options"][1]["label"] == "What is a handoff?"
    assert "/ask" not in last["content"] and "press one" in last["content"]
    # Pressed: the bubble shows the question; the older reply keeps the questions as text.
    view.enqueue(9, "/ask 2")
    shown = view.snapshot(busy=False)
    assert shown[-1]["content"] == "What is a handoff?"
    assert "options" not in shown[-2] and "/ask" not in shown[-2]["content"]
    assert "- Who owns the eval gate?" in shown[-2]["content"]
    assert said("/ask 7", OFFER) == "/ask 7"  # nothing offered under that number


def test_transcript_rebuilds_statuses_notes_and_tool_places() -> None:
    class Rec:
        def __init__(
            self, role: str, content: str, status: str = "complete", meta: dict | None = None
        ) -> None:
            self.role, self.content, self.status, self.meta = role, content, status, meta or {}

    records = [
        Rec("user", "q1", "interrupted"),  # the process died: no reply row
        Rec("user", "q2", "stopped"),
        Rec(
            "assistant",
            "Intro. Then the rest. […cut off]",
            "stopped",
            {
                "tools": [
                    {
                        "name": "ask_quiz_question",
                        "ok": True,
                        "at": 7,
                        "display": "Question on-call-1.",
                    }
                ],
                "notice": {"kind": "stopped", "message": "You stopped this answer."},
            },
        ),
        Rec("user", "waiting", "queued"),
    ]
    messages = transcript_messages(records)
    contents = [m["content"] for m in messages]
    assert contents[0] == "q1" and "interrupted" in contents[1]
    assert contents[2] == "q2" and contents[3] == "Intro."  # text before the tool call
    assert messages[4]["metadata"]["title"] == "Picked a quiz question"
    assert contents[5] == "Then the rest."  # the cut-off mark gives way to the note
    assert "You stopped this answer." in contents[6]
    assert "waiting" not in contents  # queued messages are the view's pending bubbles


def test_quiz_answer_controls_compose_the_graders_forms() -> None:
    from tutor.content.pack import quiz_bank
    from tutor.quiz import key_answer

    bank = quiz_bank()
    kinds = {q.kind: q for q in bank.questions}
    for kind, question in kinds.items():
        form = answer_form(question.public())
        assert form.shown == (kind != "free_text"), kind
    single = answer_form(kinds["single_choice"].public())
    assert single.choices[1][1] == "b" and single.choices[1][0].startswith("B) ")
    match = answer_form(kinds["match"].public())
    assert len(match.picks) == len(kinds["match"].public().items)
    assert compose_answer("single_choice", "b") == "b"
    assert compose_answer("multi_choice", checks=["c", "a"]) == "a, c"
    assert compose_answer("match", picks=["b", "", "a"]) == "1=b; 3=a"
    assert compose_answer("order", picks=["3", "1", "2"]) == "3, 1, 2"
    assert compose_answer("count", number=5.0) == "5"
    assert compose_answer("single_choice", None) is None
    for question in kinds.values():  # the key, sent through the controls, grades correct
        key = key_answer(question)
        if key is not None:
            assert compose_answer(question.kind, *_controls(question.kind, key)) == key


def _controls(kind: str, key: str) -> tuple:
    """The control values a learner would set to give `key` (inverse of compose_answer)."""
    if kind == "single_choice":
        return (key,)
    if kind == "multi_choice":
        return (None, [k.strip() for k in key.split(",")])
    if kind == "match":
        return (None, None, [pair.split("=")[1] for pair in key.split("; ")])
    if kind == "order":
        return (None, None, [n.strip() for n in key.split(",")])
    return (None, None, (), float(key))


def test_team_planner_table_text_and_errors() -> None:
    table, svg, rows, _ = plan_team(
        "", [["Ana", "data scientist"], ["Ben", "sre, ml engineer"], ["", ""]], "llm"
    )
    assert "| Stage |" in table and "Ana" in table and "<svg" in svg
    assert rows[1][3] == "ML Engineer, SRE/Platform"  # the hats the roles give, shown
    text_table, _, _, read = plan_team("Ana is a data scientist, Ben runs infra", None, "auto")
    assert "Ben" in text_table and read == "Ana is a data scientist, Ben runs infra"
    message, picture, _, _ = plan_team("", [["", ""]], "auto")
    assert message.startswith("⚠") and picture == ""


def test_the_description_fills_the_table_and_the_table_then_is_the_team() -> None:
    text = "Priya is our data scientist, Tomás is the ML engineer, Kwame runs infra. RAG bot."
    _, _, rows, read = plan_team(text, [["", "", "", ""]], "auto")
    assert [r[0] for r in rows] == ["Priya", "Tomás", "Kwame"]
    # Add a person and correct a row: everyone else stays, nothing is re-read.
    rows = [*rows, ["Dana", "SRE", "full-time", ""]]
    rows[2][2] = "contractor"
    result, _, after, read_again = plan_team(text, rows, "auto", read)
    assert [r[0] for r in after] == ["Priya", "Tomás", "Kwame", "Dana"]
    assert after[2][2] == "contractor" and read_again == read
    on_call = next(line for line in result.splitlines() if "On-call rotation" in line)
    assert "| Dana (SRE/Platform)" in on_call  # the full-time SRE, not the contractor
    assert "LLM product" in result  # the product still comes from the description
    # A new description is read afresh.
    _, _, fresh, _ = plan_team("Ana is a data scientist", after, "auto", read)
    assert [r[0] for r in fresh] == ["Ana"]


def test_an_edited_row_replans_without_touching_the_table() -> None:
    rows = [["Ana", "data scientist", "full-time", ""], ["Ben", "backend", "part time", ""]]
    result, svg = replan_table("", rows, "auto")
    assert "<svg" in svg and "Ben" in result
    message, _ = replan_table("", [["Ben", "sre", "sometimes", ""]], "auto")
    assert message.startswith("⚠") and "Person 1" in message and "sometimes" in message


def test_the_workload_list_is_one_line_per_person() -> None:
    _, _, rows, _ = plan_team("", [["Hiroshi", "devops"], ["Ana", "data scientist"]], "llm")
    result, _ = replan_table("", rows, "llm")
    workload = result.split("Workload", 1)[1].split("\n\n")
    assert all(line.startswith("- ") for line in workload[0].splitlines()[1:])
    assert "owns the most" in workload[1] or "spread evenly" in workload[1]
