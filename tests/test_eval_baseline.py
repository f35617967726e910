"""`tutor eval --baseline`: the same model with the lesson pasted into a plain chat (no app,
no tools, no note), scored on the same conversations, N runs (3 by default for a model), with
the time per conversation; and the follow-up check on a described team (someone leaves)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from support.fake_openai import FakeOpenAI, Reply, learner_words

from tutor.content.pack import load_pack, quiz_bank
from tutor.evaluation import runner
from tutor.evaluation.context import Context
from tutor.evaluation.record import TurnRecord
from tutor.evaluation.rules import check_names_owner
from tutor.evaluation.runner import BackendSpec, score_backends
from tutor.evaluation.scorecard import Report
from tutor.evaluation.scripts import NamesOwner, default_suite


def one_conversation(ids: tuple[str, ...]) -> Any:
    suite = default_suite()
    kept = [c for c in suite.conversations if c.id in ids]
    return suite.model_copy(update={"conversations": kept})


def plain_model(request: dict[str, Any]) -> Reply:
    return Reply(text=f"The SRE/Platform engineer. ({learner_words(request)[:30]})")


async def test_the_baseline_is_the_lesson_in_a_plain_chat_scored_beside_the_tutor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suite = one_conversation(("team",))
    monkeypatch.setattr(runner, "default_suite", lambda: suite)
    with FakeOpenAI(plain_model) as fake:
        spec = BackendSpec.parse(f"openai:gpt-4o-mini@{fake.base_url}")
        cards = await score_backends([spec], baseline=True)
        requests = list(fake.requests)
    tutor, plain = cards
    assert not tutor.baseline and plain.baseline and plain.spec.endswith("baseline")
    assert tutor.runs == plain.runs == 3  # a model: three runs by default
    turns = sum(len(c.turns) for c in suite.conversations)
    baseline_requests = requests[-turns * 3 :]
    for request in baseline_requests:
        messages = request["messages"]
        assert messages[0] == {"role": "system", "content": load_pack().lesson}
        assert "tools" not in request and "<tutor-context>" not in json.dumps(messages)
    # The plain chat's own conversation: the second request holds the first reply.
    assert baseline_requests[1]["messages"][2]["role"] == "assistant"
    assert plain.block("app") == [] and plain.block("model")  # no app, so no app guarantees
    assert len(plain.seconds) == len(tutor.seconds) == 3 * len(suite.conversations)
    assert plain.summary()["seconds_per_conversation"] >= 0
    # The printed scorecard tells the two columns apart, however long the model's URL.
    text = Report(cards=cards).render_text()
    header = text.splitlines()[2]
    assert header.count("baseline openai:gpt-4o-mini@") == 1, header
    assert plain.failed() and "baseline: the lesson in a plain chat:" in text


async def test_next_in_a_plain_chat_is_the_try_it_prompt_a_learner_would_paste() -> None:
    from tutor.backends.openai_compat import OpenAICompatBackend
    from tutor.evaluation.baseline import PlainChat

    with FakeOpenAI() as fake:
        backend = OpenAICompatBackend(model="gpt-4o-mini", api_key="k", base_url=fake.base_url)
        chat = PlainChat(backend)
        [_ async for _ in chat.send("/next")]
        [_ async for _ in chat.send("/next")]
        await backend.aclose()
    sent = [r["messages"][-1]["content"] for r in fake.requests]
    assert sent == [s.prompt for s in load_pack().steps[:2]]


def test_eval_runs_default_to_one_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    monkeypatch.setattr(runner, "default_suite", lambda: one_conversation(("team",)))
    [card] = asyncio.run(score_backends([BackendSpec.parse("offline")], baseline=True))
    assert card.runs == 1 and not card.baseline  # and no baseline for the offline tutor


def names_owner(reply: str) -> tuple[bool, str]:
    check = NamesOwner(
        id="x", name="x", kind="names_owner", topic="stage:oncall", owner="Ben", left="Chen"
    )
    session = SimpleNamespace(pack=load_pack(), quiz_bank=quiz_bank(), tools=[])
    ctx = Context.of_session(session, default_suite(), ())
    return check_names_owner(check, TurnRecord(send="", model_text=reply), ctx)


@pytest.mark.parametrize(
    ("reply", "passed"),
    [
        ("Ben owns on-call now; Ana is his backup.", True),
        ("Chen no longer gets paged. Ben gets paged at 3am now.", True),
        ("Chen still gets paged at 3am.", False),
        ("Ben, Ana and Chen all matter. On-call is important.", False),  # a keyword salad
        ("Ben is great. Chen owns on-call until he leaves.", False),
    ],
)
def test_after_someone_leaves_the_reply_must_give_on_call_to_the_new_owner(
    reply: str, passed: bool
) -> None:
    assert names_owner(reply)[0] is passed, names_owner(reply)
