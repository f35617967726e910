"""The tutor on a real local model (llama.cpp's llama-server with a small Qwen, see
../shared/realmodel/README.md): the three try-it prompts and one quiz exchange stay grounded.

Run with the server up (`../shared/realmodel/serve.sh 0.5b 8081`):

    python -m pytest -m realmodel tests/test_realmodel.py

REALMODEL_BASE_URL / REALMODEL_MODEL point elsewhere (default http://127.0.0.1:8081/v1,
qwen2.5-coder-0.5b). Skipped, with the reason, when no server answers. Slow: tens of seconds
per answer on two cores; the server serves one request at a time.
"""

from __future__ import annotations

import os

import httpx
import pytest

from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.content.pack import load_pack
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine import Limits, TutorSession
from tutor.engine.events import Event, Notice, TurnDone

BASE_URL = os.environ.get("REALMODEL_BASE_URL", "http://127.0.0.1:8081/v1")
MODEL = os.environ.get("REALMODEL_MODEL", "qwen2.5-coder-0.5b")
RAW_CALL = ("<tool_call>", '"arguments"', '"parameters"', "</tool_call>")


def server_up() -> str | None:
    """None when the server answers, else why the tests are skipped."""
    health = BASE_URL.removesuffix("/v1") + "/health"
    try:
        response = httpx.get(health, timeout=3)
    except httpx.HTTPError as exc:
        return (
            f"no local model server at {BASE_URL} ({type(exc).__name__}); start one with "
            "../shared/realmodel/serve.sh 0.5b 8081"
        )
    if response.status_code != 200:
        return f"the local model server at {BASE_URL} is not ready (HTTP {response.status_code})"
    return None


pytestmark = [
    pytest.mark.realmodel,
    pytest.mark.slow,
    pytest.mark.skipif(server_up() is not None, reason=server_up() or ""),
]


@pytest.fixture(autouse=True)
def _asked_for(request: pytest.FixtureRequest) -> None:
    """Only when asked (`-m realmodel`): the default suite stays fast and offline."""
    if "realmodel" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("real-model tests run only when asked: pytest -m realmodel")


def real_session() -> TutorSession:
    backend = OpenAICompatBackend(
        model=MODEL,
        api_key="not-needed",
        base_url=BASE_URL,
        timeout=600,
        max_retries=0,
        max_tokens=200,
    )
    # Generous bounds: on two shared cores a 0.5B model writes a few tokens a second.
    return TutorSession(backend, limits=Limits(answer_timeout=1200, max_tool_rounds=2))


async def turn(session: TutorSession, text: str) -> tuple[TurnDone, list[Notice]]:
    events: list[Event] = [e async for e in session.send(text)]
    done = events[-1]
    assert isinstance(done, TurnDone)
    notices = [e for e in events if isinstance(e, Notice)]
    assert not [n for n in notices if n.kind == "bad_request"], notices  # no refused request
    assert not any(raw in done.text for raw in RAW_CALL), done.text
    return done, notices


async def test_the_three_try_it_prompts_are_grounded_on_a_real_model() -> None:
    session = real_session()
    steps = load_pack().steps
    first, _ = await turn(session, "/next")
    assert first.status in ("complete", "cut_off") and first.text.strip()
    second, _ = await turn(session, "/next" if session.guided_step == 1 else steps[1].prompt)
    assert run_handoff_demo().strip() in second.text  # the demo's real output, by the app
    third, _ = await turn(session, "/next" if session.guided_step == 2 else steps[2].prompt)
    table = third.text.lower()
    assert "| stage | responsibility | owner" in table
    assert "on-call" in table and "unowned" not in table.split("| stage |", 1)[1][:50]
    await session.backend.aclose()


async def test_one_quiz_exchange_is_graded_on_a_real_model() -> None:
    session = real_session()
    asked, _ = await turn(session, "/quiz")
    assert "**Question**" in asked.text and session.quiz_state.current
    answered, _ = await turn(session, "The SRE/platform engineer gets paged.")
    assert answered.text.strip()
    await session.backend.aclose()
