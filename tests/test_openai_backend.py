"""The OpenAI-compatible backend mocked at the HTTP layer (respx): what is sent, what is read."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from tests.conftest import chunk, sse
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine import TutorSession
from tutor.engine.events import Notice, TextDelta, ToolFinished, TurnDone

BASE = "http://llm.test/v1"
KEY = "sk-test-SENTINEL-1234567890"


def backend() -> OpenAICompatBackend:
    return OpenAICompatBackend(
        model="tutor-model",
        api_key=KEY,
        base_url=BASE,
        max_retries=0,
        http_client=httpx.AsyncClient(),
    )


def stream_response(body: str) -> httpx.Response:
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def demo_call_then_text() -> list[httpx.Response]:
    call = {
        "index": 0,
        "id": "call_demo_1",
        "type": "function",
        "function": {"name": "run_handoff_demo", "arguments": ""},
    }
    first = sse(
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [call]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
        chunk(finish="tool_calls"),
        chunk(usage={"prompt_tokens": 900, "completion_tokens": 12, "total_tokens": 912}),
    )
    second = sse(
        chunk({"content": "The demo shows "}),
        chunk({"content": "five handoffs."}),
        chunk(finish="stop"),
        chunk(usage={"prompt_tokens": 1000, "completion_tokens": 8, "total_tokens": 1008}),
    )
    return [stream_response(first), stream_response(second)]


async def run(session: TutorSession, text: str) -> list:
    return [event async for event in session.send(text)]


@respx.mock(base_url=BASE)
async def test_demo_tool_round_trip_sends_what_a_model_needs(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/chat/completions").mock(side_effect=demo_call_then_text())
    session = TutorSession(backend())

    events = await run(session, "What breaks between the stages?")

    first = json.loads(route.calls[0].request.content)
    assert first["model"] == "tutor-model"
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    system = first["messages"][0]
    assert system["role"] == "system"
    assert "Risky handoffs (ownership changes hands):" in system["content"]  # the lesson
    assert "who gets paged at 3am" in system["content"]
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert set(tools) == {
        "run_handoff_demo",
        "allocate_team",
        "ask_quiz_question",
        "grade_quiz_answer",
    }
    assert "lifecycle" in tools["run_handoff_demo"]["parameters"]["properties"]
    assert "Args:" not in tools["run_handoff_demo"]["description"]

    second = json.loads(route.calls[1].request.content)
    assistant, tool = second["messages"][-2], second["messages"][-1]
    assert assistant["tool_calls"][0]["id"] == "call_demo_1"
    assert tool["role"] == "tool" and tool["tool_call_id"] == "call_demo_1"
    assert tool["content"].startswith(run_handoff_demo())

    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert [f.name for f in finished] == ["run_handoff_demo"] and finished[0].ok
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    # The app shows the demo's real output itself; the model's words come after it.
    demo = f"```text\n{run_handoff_demo().rstrip()}\n```"
    assert text == f"{demo}\n\nThe demo shows five handoffs."
    model = "".join(e.text for e in events if isinstance(e, TextDelta) and e.source == "model")
    assert model == "The demo shows five handoffs."
    done = events[-1]
    assert isinstance(done, TurnDone) and done.status == "complete"
    assert done.usage == {"input_tokens": 1900, "output_tokens": 20, "total_tokens": 1920}


@respx.mock(base_url=BASE)
async def test_request_carries_the_key_only_in_the_auth_header(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post("/chat/completions").mock(
        return_value=stream_response(sse(chunk({"content": "ok"}), chunk(finish="stop")))
    )
    await run(TutorSession(backend()), "hello")
    request = route.calls[0].request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in request.content.decode()


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "auth", "OPENAI_API_KEY"),
        (429, "rate_limit", "Wait a moment"),
        (500, "server", "Try again"),
        (404, "not_found", "TUTOR_MODEL"),
        (400, "bad_request", "/reset"),
    ],
)
async def test_provider_errors_become_notices_and_the_session_stays_usable(
    status: int, kind: str, words: str
) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/chat/completions").mock(
            side_effect=[
                httpx.Response(status, json={"error": {"message": f"boom {KEY}"}}),
                stream_response(sse(chunk({"content": "Back again."}), chunk(finish="stop"))),
            ]
        )
        session = TutorSession(backend())
        events = await run(session, "hello")
        notices = [e for e in events if isinstance(e, Notice)]
        assert len(notices) == 1 and notices[0].kind == kind
        assert words in notices[0].message
        assert KEY not in notices[0].message
        assert events[-1].status == "error"

        again = await run(session, "hello again")
        assert again[-1].text == "Back again." and again[-1].status == "complete"


async def test_connection_refused_is_a_notice() -> None:
    # Port 9 on loopback: nothing listens, so the connection is refused at once.
    b = OpenAICompatBackend(model="m", api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    events = await run(TutorSession(b), "hello")
    notice = next(e for e in events if isinstance(e, Notice))
    assert notice.kind == "connection" and "OPENAI_BASE_URL" in notice.message


async def test_timeout_is_a_notice() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))
        events = await run(TutorSession(backend()), "hello")
    notice = next(e for e in events if isinstance(e, Notice))
    assert notice.kind == "timeout" and "TUTOR_REQUEST_TIMEOUT" in notice.message
