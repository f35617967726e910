"""What the request shape adapts to (ModelProfile): a table of known model families
(prompts/models.toml) and a start-up probe only for models it does not know. A small model is
offered no tools (their results travel as text), gets a brief per-turn ask and a reply budget;
a capable one gets the tools and the full note. Asserted on the requests sent (respx)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import chunk, sse
from tutor.backends.base import TOOLS_OPEN
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.content.pack import known_model, load_pack
from tutor.engine import TutorSession

BASE = "http://llm.test/v1"
STEP_2 = load_pack().steps[1].prompt
TEXT = sse(chunk({"content": "The five handoffs, one line each."}), chunk({}, "stop"))


def backend(model: str, **kwargs: Any) -> OpenAICompatBackend:
    return OpenAICompatBackend(
        model=model,
        api_key="k",
        base_url=BASE,
        max_retries=0,
        http_client=httpx.AsyncClient(),
        **kwargs,
    )


def streamed(text: str = TEXT) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})


async def step_2_requests(model: str, **kwargs: Any) -> list[dict[str, Any]]:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/chat/completions").mock(side_effect=lambda _: streamed())
        session = TutorSession(backend(model, **kwargs))
        [_ async for _ in session.send(STEP_2)]
        await session.backend.aclose()
    return [json.loads(call.request.content) for call in route.calls]


def last_user(request: dict[str, Any]) -> str:
    return next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user")


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("qwen2.5-coder-0.5b", "Qwen2.5 0.5B"),
        ("Qwen2.5-Coder-1.5B-Instruct-Q4_K_M", "Qwen2.5 1.5B"),
        ("qwen2.5-coder:1.5b", "Qwen2.5 1.5B"),
        ("Llama-3.2-3B-Instruct", "Llama 3.2 3B"),
        ("llama3.1:8b", "Llama 3.x 8B and up"),
        ("gpt-4o-mini", "GPT-4o mini"),
        ("some-new-model", None),
    ],
)
def test_the_table_knows_model_families_by_name(model: str, family: str | None) -> None:
    found = known_model(model)
    assert (found.name if found else None) == family


async def test_a_small_model_gets_no_tools_a_brief_ask_and_a_reply_budget() -> None:
    [request] = await step_2_requests("qwen2.5-coder-1.5b")
    assert "tools" not in request
    assert request["max_tokens"] == 400
    assert "tool" not in {m["role"] for m in request["messages"]}
    sent = last_user(request)
    assert TOOLS_OPEN in sent and "Risky handoffs" in sent  # the demo's output, as text
    assert "Your task: The learner sees the demo's output above." in sent
    assert "Quiz so far" not in sent and "Must cover" not in sent


async def test_a_capable_model_gets_the_tools_and_the_full_note() -> None:
    [request] = await step_2_requests("gpt-4o-mini")
    assert {t["function"]["name"] for t in request["tools"]} >= {"run_handoff_demo"}
    assert "max_tokens" not in request
    assert request["messages"][-1]["role"] == "tool"  # the engine's demo, as a tool result
    sent = last_user(request)
    assert "Quiz so far" in sent and "Your task:" not in sent
    small = last_user((await step_2_requests("qwen2.5-coder-1.5b"))[0])
    assert len(note(small)) < len(note(sent))


def note(sent: str) -> str:
    return sent.split("<tutor-context>")[1].split("</tutor-context>")[0]


async def test_the_smaller_of_tutor_max_tokens_and_the_tables_budget_is_sent() -> None:
    [request] = await step_2_requests("qwen2.5-coder-0.5b", max_tokens=123)
    assert request["max_tokens"] == 123
    [request] = await step_2_requests("qwen2.5-coder-0.5b", max_tokens=1024)  # the default
    assert request["max_tokens"] == 300
    [request] = await step_2_requests("gpt-4o-mini", max_tokens=1024)
    assert request["max_tokens"] == 1024


def probe_reply(calls: bool) -> httpx.Response:
    message: dict[str, Any] = {"role": "assistant", "content": None if calls else "Pong!"}
    if calls:
        message["tool_calls"] = [
            {"id": "p", "type": "function", "function": {"name": "ping", "arguments": "{}"}}
        ]
    return httpx.Response(200, json={"choices": [{"index": 0, "message": message}]})


@pytest.mark.parametrize("calls", [True, False])
async def test_an_unknown_model_is_probed_once_and_the_answer_shapes_requests(
    calls: bool,
) -> None:
    replies = [probe_reply(calls), streamed(), streamed()]
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/chat/completions").mock(side_effect=replies)
        model = backend("some-new-model", probe=True)
        assert model.profile.traits_from == "probe pending"
        session = TutorSession(model)
        [_ async for _ in session.send(STEP_2)]
        [_ async for _ in session.send("and the data contract?")]
        await model.aclose()
    sent = [json.loads(call.request.content) for call in route.calls]
    probe, turns = sent[0], sent[1:]
    assert [t["function"]["name"] for t in probe["tools"]] == ["ping"] and not probe.get("stream")
    assert len(turns) == 2 and all(t["stream"] for t in turns)  # probed once, not per turn
    assert all(("tools" in t) is calls for t in turns)
    assert model.profile.traits_from == "probe" and model.profile.brief is not calls


async def test_a_known_family_is_never_probed() -> None:
    requests = await step_2_requests("qwen2.5-coder-1.5b", probe=True)
    assert len(requests) == 1 and requests[0]["stream"]


async def test_a_failed_probe_leaves_the_model_taken_as_capable() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/chat/completions").mock(
            side_effect=[httpx.Response(500, json={"error": {"message": "boom"}}), streamed()]
        )
        model = backend("some-new-model", probe=True)
        [_ async for _ in TutorSession(model).send("hello")]
        await model.aclose()
    assert model.profile.tool_calls and model.profile.traits_from.startswith("default")
