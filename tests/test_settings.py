"""Every setting the docs name is one the code reads, and the queue wait is the one it says."""

from __future__ import annotations

import re
import time
from pathlib import Path

from webutil import offline_settings

from tutor.config import Settings
from tutor.runtime import build_runtime
from tutor.store.store import BUSY_MESSAGE
from tutor.web.app import TutorApp

ROOT = Path(__file__).parents[1]
# Documented, but read by a library rather than by Settings.
READ_BY_LIBRARIES = {"OPENAI_LOG"}  # the openai client's own logging switch
VARIABLE = re.compile(r"\b((?:TUTOR|OPENAI)_[A-Z_]+[A-Z])\b")


def documented() -> set[str]:
    """Variable names in .env.example (assignments), the README and the deploy files."""
    env = ROOT / ".env.example"
    names = {line.split("=")[0] for line in env.read_text().splitlines() if "=" in line[:40]}
    names = {n for n in names if not n.startswith("#")}
    texts = [ROOT / "README.md", *(p for p in (ROOT / "deploy").rglob("*") if p.is_file())]
    for path in texts:
        names |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return names


def code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tutor").rglob("*.py"))


def test_every_documented_variable_is_a_setting() -> None:
    names = documented()
    assert {"TUTOR_QUEUE_WAIT", "OPENAI_API_KEY", "TUTOR_IDLE_MINUTES"} <= names
    unknown = names - READ_BY_LIBRARIES
    assert sorted(n for n in unknown if n.lower() not in Settings.model_fields) == []


def test_every_setting_is_read_by_the_code() -> None:
    code = code_text()
    unread = [name for name in Settings.model_fields if not re.search(rf"\.{name}\b", code)]
    assert unread == []


async def test_a_message_waits_the_queue_wait_for_another_process_then_gets_a_notice(
    tmp_path: Path,
) -> None:
    runtime = build_runtime(offline_settings(tutor_queue_wait=0.5), db=tmp_path / "t.db")
    app = TutorApp(runtime, offline_pace=0.0)
    lane = app.registry.lane(None)
    sid = lane.session.id
    assert runtime.store is not None
    # Another process is answering this learner: it holds the learner's lock.
    async with runtime.store.learner_lock(sid, wait=1):
        await app.enqueue_ui("What does an ML engineer do?", sid)
        started = time.monotonic()
        updates = [u async for u in app.drain_ui(sid)]
        waited = time.monotonic() - started
    assert 0.45 < waited < 5
    chat = updates[-1][0]
    assert BUSY_MESSAGE in str(chat)
    assert [q.text for q in lane.pending()] == ["What does an ML engineer do?"]
    runtime.store.close()
