"""What the store hands out (frozen records) and how it bounds and checks what it is given."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from tutor.errors import InputError

MAX_CONTENT_CHARS = 65_536
MAX_META_CHARS = 262_144
MAX_QUESTION_CHARS = 300  # a declined question is kept for its gist, not in full
TRUNCATED_MARK = "\n[... truncated by the tutor's store]"

Role = Literal["user", "assistant", "tool", "notice"]
# "error": the provider failed before a reply could finish (the engine keeps the request).
# "queued": a learner message waiting for its turn (stored at once, so it is never lost).
# "stopped": the learner pressed Stop; "interrupted": the page closed or the process died.
Status = Literal["complete", "in_progress", "interrupted", "cut_off", "error", "queued", "stopped"]
Verdict = Literal["correct", "partial", "incorrect"]

_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


@dataclass(frozen=True)
class MessageRecord:
    """One stored message of a transcript."""

    id: int
    seq: int
    role: Role
    content: str
    meta: dict[str, Any] = field(default_factory=dict)
    status: Status = "complete"
    created_at: str = ""


@dataclass(frozen=True)
class Progress:
    """Where a learner is: guided step, quiz state (JSON from `QuizState.model_dump_json`) and
    the conversation's dialogue state (JSON from the engine's `DialogueState`)."""

    session_id: str
    guided_step: int
    quiz_state_json: str | None
    dialogue_json: str | None
    backend: str
    updated_at: str


@dataclass(frozen=True)
class AttemptRecord:
    session_id: str
    question_id: str
    answer: str
    verdict: Verdict
    attempt: int
    created_at: str


@dataclass(frozen=True)
class Lease:
    """A held per-learner lock (see `Store.learner_lock`)."""

    session_id: str
    token: str
    owner: str


@dataclass(frozen=True)
class DeclinedQuestion:
    """A question the offline tutor declined: how often, first and last asked (UTC days)."""

    question: str
    asked: int
    first_day: str
    last_day: str


def today_text() -> str:
    return datetime.now(UTC).date().isoformat()


def question_key(text: str) -> str:
    """One form for the same question asked twice: lowercase, spaces collapsed, no closing
    punctuation ("Why tho??" and "why  tho" are one row), bounded."""
    flat = " ".join(text.split()).lower().strip(" ?!.,;:")
    return flat[:MAX_QUESTION_CHARS].rstrip()


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def cap(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    """Bound stored text; the marker tells a reader that the tail was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATED_MARK)] + TRUNCATED_MARK


def meta_json(meta: dict[str, Any] | None) -> str:
    text = json.dumps(meta or {}, ensure_ascii=False, default=str)
    if len(text) > MAX_META_CHARS:
        return json.dumps({"truncated": True, "original_chars": len(text)})
    return text


def rewrite_strings(value: Any, rewrite: Callable[[str], str]) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with `rewrite` applied to every string."""
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, dict):
        return {k: rewrite_strings(v, rewrite) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rewrite_strings(v, rewrite) for v in value]
    return value


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise InputError("A session id is 1-128 characters of letters, digits and . _ : @ - only.")
    return session_id


def check_choice(value: str, allowed: Any, what: str) -> None:
    if value not in get_args(allowed):
        raise InputError(f"Unknown {what} {value!r}; expected one of {get_args(allowed)}.")


def message_record(row: Any) -> MessageRecord:
    m = row._mapping
    return MessageRecord(
        id=m["id"],
        seq=m["seq"],
        role=m["role"],
        content=m["content"],
        meta=json.loads(m["meta"] or "{}"),
        status=m["status"],
        created_at=m["created_at"],
    )


def progress_record(row: Any) -> Progress:
    m = row._mapping
    return Progress(
        session_id=m["id"],
        guided_step=m["guided_step"],
        quiz_state_json=m["quiz_state"],
        dialogue_json=m["dialogue"],
        backend=m["backend"],
        updated_at=m["updated_at"],
    )


def attempt_record(row: Any) -> AttemptRecord:
    m = row._mapping
    return AttemptRecord(
        session_id=m["session_id"],
        question_id=m["question_id"],
        answer=m["answer"],
        verdict=m["verdict"],
        attempt=m["attempt"],
        created_at=m["created_at"],
    )


def declined_record(row: Any) -> DeclinedQuestion:
    m = row._mapping
    return DeclinedQuestion(
        question=m["question"],
        asked=int(m["asked"]),
        first_day=m["first_day"],
        last_day=m["last_day"],
    )
