"""Isolation under load: 50 learners at once through gradio_client against the launched app.

Each learner carries a unique token; no message, step or score may cross between them.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client
from support.fake_openai import FakeOpenAI
from webutil import offline_settings, serve_app

from tutor.content.pack import quiz_bank as default_bank

pytestmark = pytest.mark.slow
LEARNERS = 50
WORKERS = 16
TOKEN = re.compile(r"Learner[a-z]{4}")


def token(i: int) -> str:
    """A unique name the team parser reads as a person: 'Learner' plus four letters."""
    letters = "".join(chr(ord("a") + (i // 26**k) % 26) for k in range(4))
    return f"Learner{letters}"


def right_answer() -> str:
    """A correct answer to the first quiz question."""
    question = default_bank().questions[0]
    # The key of an exact question; for free text, a learner-style answer with every point
    # (the explanation itself reads like the lesson, which the offline tutor answers instead).
    words = "DS: build models. MLE: productionize. DE: pipelines. SRE: uptime."
    return question.key_answer() or words


def quiz_plan(i: int) -> list[str]:
    """Every fifth learner takes the quiz: half of them answer right, half wrong."""
    if i % 5:
        return []
    return ["correct"] if i % 10 == 0 else ["incorrect"]


def stored_by_session(db: Path) -> tuple[dict[str, set[str]], dict[str, int], dict[str, list]]:
    """Per stored session: the tokens in its transcript, its guided step, its quiz verdicts."""
    with sqlite3.connect(db) as conn:
        tokens: dict[str, set[str]] = defaultdict(set)
        for sid, content in conn.execute("SELECT session_id, content FROM turns"):
            tokens[sid] |= set(TOKEN.findall(content))
        steps = dict(conn.execute("SELECT id, guided_step FROM sessions"))
        verdicts: dict[str, list[str]] = defaultdict(list)
        for sid, verdict in conn.execute("SELECT session_id, verdict FROM quiz_attempts"):
            verdicts[sid].append(verdict)
    return tokens, steps, verdicts


def offline_learner(url: str, i: int) -> tuple[str, int, list[str]]:
    """Describes a team with their own name in it, maybe takes the quiz, then walks their own
    number of guided steps."""
    client = Client(url, verbose=False)
    me = token(i)
    replies = [client.predict(f"{me} is a data scientist and Bob runs infra", api_name="/chat")]
    for verdict in quiz_plan(i):
        client.predict("/quiz", api_name="/chat")
        answer = right_answer() if verdict == "correct" else "Product, I think"
        replies.append(client.predict(answer, api_name="/chat"))
    steps = i % 3
    replies += [client.predict(api_name="/next_prompt") for _ in range(steps)]
    return me, steps, replies


def test_fifty_offline_learners_stay_apart(tmp_path: Path) -> None:
    db = tmp_path / "offline.db"
    with (
        serve_app(db, offline_settings(), offline_pace=0) as served,
        ThreadPoolExecutor(WORKERS) as pool,
    ):
        results = list(pool.map(lambda i: offline_learner(served.url, i), range(LEARNERS)))

    for me, _, replies in results:
        assert me in replies[0]  # the allocation names the learner's own person
        assert set(TOKEN.findall(" ".join(replies))) == {me}
    tokens, steps, verdicts = stored_by_session(db)
    owner = {next(iter(found)): sid for sid, found in tokens.items() if found}
    assert all(len(found) == 1 for found in tokens.values() if found)
    assert len(owner) == LEARNERS
    for i, (me, walked, _) in enumerate(results):
        assert steps[owner[me]] == walked  # each learner's progress is their own
        assert verdicts.get(owner[me], []) == quiz_plan(i)  # and so is their score


def model_learner(url: str, i: int) -> tuple[str, list[str]]:
    client = Client(url, verbose=False)
    me = token(i)
    return me, [
        client.predict(f"{me} says {word}", api_name="/chat") for word in ("hello", "again")
    ]


def test_fifty_learners_on_a_model_never_share_a_conversation(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:  # echoes the learner's last message
        settings = offline_settings(tutor_backend="openai", openai_base_url=fake.base_url)
        with (
            serve_app(tmp_path / "model.db", settings) as served,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            results = list(pool.map(lambda i: model_learner(served.url, i), range(LEARNERS)))

    for me, replies in results:
        assert replies == [f"You said: {me} says hello", f"You said: {me} says again"]
    assert len(fake.requests) == 2 * LEARNERS
    for request in fake.requests:
        # Each request holds one learner's conversation, and only theirs.
        assert len(set(TOKEN.findall(str(request["messages"])))) == 1
