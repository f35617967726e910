"""The progress store on SQLite and on a real PostgreSQL server: migrations (with data), round
trips, the queue, crash recovery across processes, the per-learner lock, threads, deletion.

Every test that takes `store` or `shared` runs on both databases. PostgreSQL is a throwaway
cluster started on loopback (tests/pgcluster.py): skipped with the reason when its binaries are
missing, failing instead under CI=true.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from pgcluster import Cluster, running_cluster

from tutor.errors import ConfigError, InputError, LearnerBusyError, TutorError
from tutor.store import (
    MAX_CONTENT_CHARS,
    MEMORY,
    MIGRATIONS,
    TRUNCATED_MARK,
    Store,
    default_db_path,
    machine_name,
    migrate,
    parse_target,
    schema_version,
)
from tutor.store.database import open_engine

DIALECTS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with running_cluster() as running:
        yield running


@pytest.fixture(params=DIALECTS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database that several Store objects (processes) may open."""
    if request.param == "sqlite":
        return str(tmp_path / "tutor.db")
    return request.getfixturevalue("cluster").create_database()


@pytest.fixture(params=DIALECTS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "sqlite":
        target = MEMORY
    else:
        target = request.getfixturevalue("cluster").create_database()
    with Store(target) as s:
        yield s


@pytest.fixture
def engine(shared: str) -> Iterator[sa.Engine]:
    """A bare engine on a new database (no migrations applied)."""
    eng = open_engine(parse_target(shared))
    yield eng
    eng.dispose()


def tables(eng: sa.Engine) -> set[str]:
    return set(sa.inspect(eng).get_table_names()) - {"tutor_schema"}


def run(eng: sa.Engine, sql: str) -> list[tuple]:
    with eng.begin() as conn:
        result = conn.exec_driver_sql(sql)
        return [tuple(r) for r in result] if result.returns_rows else []


def version(eng: sa.Engine) -> int:
    with eng.connect() as conn:
        return schema_version(conn)


# ---------------------------------------------------------------- migrations


def test_fresh_database_migrates_to_latest(engine: sa.Engine) -> None:
    assert migrate(engine) == len(MIGRATIONS) == version(engine)
    assert tables(engine) == {
        "sessions",
        "turns",
        "quiz_attempts",
        "leases",
        "declined_questions",
    }


def columns(eng: sa.Engine) -> dict[str, list[tuple[str, str, bool]]]:
    found = sa.inspect(eng)
    return {
        t: [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(t)]
        for t in tables(eng)
    }


def test_migrating_twice_is_a_no_op(engine: sa.Engine) -> None:
    migrate(engine)
    columns_before = columns(engine)
    assert migrate(engine) == len(MIGRATIONS)
    assert columns(engine) == columns_before


def test_version_one_database_migrates_forward_keeping_data(engine: sa.Engine) -> None:
    assert migrate(engine, MIGRATIONS[:1]) == 1
    assert "quiz_attempts" not in tables(engine)
    run(engine, "INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 2, '{}')")
    run(
        engine,
        "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
        " VALUES ('old', 1, 'user', 'hello', 'complete', 't0')",
    )
    assert migrate(engine) == len(MIGRATIONS)
    assert "quiz_attempts" in tables(engine)
    assert run(engine, "SELECT guided_step FROM sessions WHERE id = 'old'") == [(2,)]
    assert run(engine, "SELECT content FROM turns") == [("hello",)]


def test_version_two_turns_survive_the_queue_migration(engine: sa.Engine, shared: str) -> None:
    """Migration 3 rebuilds `turns` on SQLite (a CHECK cannot be altered): ids, rows and the
    id sequence must carry over, and the new statuses and columns must work."""
    migrate(engine, MIGRATIONS[:2])
    run(engine, "INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 2, '{}')")
    for seq, status in ((1, "complete"), (2, "complete"), (3, "in_progress")):
        run(
            engine,
            "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
            f" VALUES ('old', {seq}, 'user', 'm{seq}', '{status}', 't0')",
        )
    run(engine, "DELETE FROM turns WHERE seq = 2")
    with pytest.raises(sa.exc.IntegrityError):  # version 2 knows no queued messages
        run(
            engine,
            "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
            " VALUES ('old', 9, 'user', 'x', 'queued', 't0')",
        )
    migrate(engine)
    assert run(engine, "SELECT id, content, status, owner FROM turns ORDER BY id") == [
        (1, "m1", "complete", None),
        (3, "m3", "in_progress", None),
    ]
    assert run(engine, "SELECT id, guided_step, revision FROM sessions") == [("old", 2, 0)]
    engine.dispose()
    with Store(shared) as s:
        assert s.mark_interrupted_turns() == 1  # no owner: written before owners existed
        new = s.enqueue("old", "waiting")
        assert new > 3  # ids are never reused
        assert [r.status for r in s.transcript("old")] == ["complete", "interrupted"]


def test_declined_questions_migration_keeps_sessions_and_holds_no_learner() -> None:
    """Migration 6 on an in-memory database at version 5: sessions stay; the new table has
    no column that could name a learner or a moment finer than a day."""
    eng = open_engine(parse_target(MEMORY))
    migrate(eng, MIGRATIONS[:5])
    run(eng, "INSERT INTO sessions (id, created_at, updated_at) VALUES ('old', 't0', 't0')")
    assert "declined_questions" not in tables(eng)
    assert migrate(eng) == 6 == version(eng)
    assert run(eng, "SELECT id FROM sessions") == [("old",)]
    names = {c[0] for c in columns(eng)["declined_questions"]}
    assert names == {"question", "asked", "first_day", "last_day"}
    eng.dispose()


def test_version_one_file_opens_as_a_store(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    eng = open_engine(parse_target(str(path)))
    migrate(eng, MIGRATIONS[:1])
    run(eng, "INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 1, NULL)")
    eng.dispose()
    with Store(path) as s:
        assert s.version == len(MIGRATIONS)
        progress = s.load_progress("old")
        assert progress is not None and progress.guided_step == 1
        s.record_attempt("old", "roles-four", "x", "incorrect", 1)


def test_file_written_by_the_old_sqlite3_store_opens(tmp_path: Path) -> None:
    """A database made by the tutor before the SQLAlchemy store (raw SQL, PRAGMA user_version)."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, backend TEXT NOT NULL DEFAULT '',
            guided_step INTEGER NOT NULL DEFAULT 0, quiz_state TEXT);
        CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'notice')),
            content TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL CHECK (status IN ('complete', 'in_progress', 'interrupted',
                'cut_off', 'error')),
            created_at TEXT NOT NULL, UNIQUE (session_id, seq));
        CREATE TABLE quiz_attempts (id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL, answer TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('correct', 'partial', 'incorrect')),
            attempt INTEGER NOT NULL, created_at TEXT NOT NULL);
        CREATE INDEX quiz_attempts_by_session ON quiz_attempts (session_id, id);
        CREATE INDEX turns_in_progress ON turns (status) WHERE status = 'in_progress';
        INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 3, '{"a": 1}');
        INSERT INTO turns (session_id, seq, role, content, status, created_at)
            VALUES ('old', 1, 'user', 'hello', 'complete', 't0');
        PRAGMA user_version = 2;
        """
    )
    conn.close()
    with Store(path) as s:
        assert s.version == len(MIGRATIONS)
        assert [r.content for r in s.transcript("old")] == ["hello"]
        s.finish_turn(s.begin_turn("old", "again", s.enqueue("old", "again")), "yes", {})
        progress = s.load_progress("old")
        assert progress is not None and progress.guided_step == 3


def broken_migration(op: Operations) -> None:
    op.create_table("extra", sa.Column("x", sa.Integer))
    op.execute("THIS IS NOT SQL")


def test_failed_migration_rolls_back(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.SQLAlchemyError):
        migrate(engine, (*MIGRATIONS, broken_migration))
    assert version(engine) == len(MIGRATIONS)
    assert "extra" not in tables(engine)


def test_newer_database_is_refused(shared: str) -> None:
    with Store(shared):
        pass
    eng = open_engine(parse_target(shared))
    if eng.dialect.name == "sqlite":
        run(eng, f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    else:
        run(eng, f"UPDATE tutor_schema SET version = {len(MIGRATIONS) + 1}")
    eng.dispose()
    with pytest.raises(ConfigError, match="newer"):
        Store(shared)


def test_processes_starting_together_migrate_once(shared: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            Store(shared).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(shared) as s:
        assert s.version == len(MIGRATIONS)


def test_file_store_uses_wal_and_creates_parents(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tutor.db"
    with Store(path):
        pass
    assert path.exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_unusable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TUTOR_DB"):
        Store(tmp_path)  # a directory, not a database file


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://u:Zq9secret@h/db", "mysql://"),
        ("postgresql://u:Zq9secret@/db", "host"),
        ("postgresql://u:Zq9secret@h:notaport/db", "valid PostgreSQL URL"),
    ],
)
def test_bad_database_urls_are_config_errors(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Store(value)
    assert "Zq9secret" not in str(caught.value)


def test_password_is_never_shown() -> None:
    target = parse_target("postgresql://tutor:s3cret%40pw@127.0.0.1:1/tutor")
    assert target.url.password == "s3cret@pw"
    assert "s3cret" not in target.shown and "s3cret" not in repr(target)
    assert target.shown == "postgresql://tutor:***@127.0.0.1:1/tutor"
    assert target.scrub("FATAL: password s3cret@pw rejected") == "FATAL: password *** rejected"


def test_unreachable_server_is_a_config_error_without_the_password(cluster: Cluster) -> None:
    url = cluster.url("no_such_db").replace("secret-pw", "hunter2-pw")
    with pytest.raises(ConfigError, match="Cannot open the progress database") as caught:
        Store(url)
    assert "hunter2" not in str(caught.value) and "***" in str(caught.value)


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "mlops-tutor" / "tutor.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == Path.home() / ".local/share/mlops-tutor/tutor.db"


# ---------------------------------------------------------------- round trips


def test_sessions(store: Store) -> None:
    sid = store.create_session(backend="offline")
    assert len(sid) == 32 and store.session_exists(sid)
    assert store.create_session(sid) == sid  # existing id: kept, backend unchanged
    progress = store.load_progress(sid)
    assert progress is not None and progress.backend == "offline"
    store.create_session(sid, backend="openai:m")
    progress = store.load_progress(sid)
    assert progress is not None and progress.backend == "openai:m"
    assert store.create_session("learner-1") == "learner-1"
    assert store.touch("learner-1") and not store.touch("nobody")
    assert not store.session_exists("nobody")
    with pytest.raises(InputError):
        store.create_session("bad id with spaces")


def test_turn_round_trip(store: Store) -> None:
    sid = store.create_session()
    turn = store.begin_turn(sid, "What does an ML engineer do?")
    [pending] = store.transcript(sid)
    assert (pending.id, pending.role, pending.status) == (turn, "user", "in_progress")
    meta = {"tool_calls": [{"name": "run_handoff_demo", "args": {}}], "usage": {"total": 12}}
    store.finish_turn(turn, "They productionize models.", meta)
    store.begin_turn(sid, "And a data engineer?")
    records = store.transcript(sid)
    assert [(r.seq, r.role, r.status) for r in records] == [
        (1, "user", "complete"),
        (2, "assistant", "complete"),
        (3, "user", "in_progress"),
    ]
    assert records[1].meta == meta and records[1].content == "They productionize models."
    assert [r.seq for r in store.transcript(sid, last=2)] == [2, 3]
    with pytest.raises(InputError):
        store.finish_turn(turn, "twice")


@pytest.mark.parametrize("status", ["cut_off", "interrupted", "error", "stopped"])
def test_finish_turn_with_other_statuses(store: Store, status: str) -> None:
    sid = store.create_session()
    turn = store.begin_turn(sid, "hi")
    store.finish_turn(turn, "partial reply", {}, status=status)  # type: ignore[arg-type]
    assert [r.status for r in store.transcript(sid)] == [status, status]


def test_bad_status_or_session_is_an_input_error(store: Store) -> None:
    sid = store.create_session()
    with pytest.raises(InputError):
        store.begin_turn("missing", "x")
    turn = store.begin_turn(sid, "x")
    with pytest.raises(InputError):
        store.finish_turn(turn, "y", status="in_progress")


def test_content_is_capped(store: Store) -> None:
    sid = store.create_session()
    store.begin_turn(sid, "x" * (MAX_CONTENT_CHARS + 100))
    [record] = store.transcript(sid)
    assert len(record.content) == MAX_CONTENT_CHARS
    assert record.content.endswith(TRUNCATED_MARK)


def test_unicode_and_quotes_round_trip(store: Store) -> None:
    sid = store.create_session()
    text = "L'équipe «MLOps» — 数据科学家; DROP TABLE turns; -- \\ % _"
    store.finish_turn(store.begin_turn(sid, text), text, {"note": text})
    [asked, record] = store.transcript(sid)
    assert asked.content == text and (record.content, record.meta) == (text, {"note": text})


def test_progress_round_trip(store: Store) -> None:
    assert store.load_progress("nobody") is None
    store.save_progress("learner", 2, '{"mastered": ["roles-four"]}')
    progress = store.load_progress("learner")
    assert progress is not None
    assert (progress.guided_step, progress.quiz_state_json) == (2, '{"mastered": ["roles-four"]}')
    store.save_progress("learner", 3, "{}")
    progress = store.load_progress("learner")
    assert progress is not None and progress.guided_step == 3
    with pytest.raises(InputError):
        store.save_progress("learner", 1, "not json")


def test_quiz_attempts_round_trip(store: Store) -> None:
    sid = store.create_session()
    store.record_attempt(sid, "eval-gate", "d", "incorrect", 1)
    store.record_attempt(sid, "eval-gate", "a", "correct", 2)
    got = [(a.question_id, a.answer, a.verdict, a.attempt) for a in store.attempts(sid)]
    assert got == [("eval-gate", "d", "incorrect", 1), ("eval-gate", "a", "correct", 2)]
    with pytest.raises(InputError):
        store.record_attempt(sid, "eval-gate", "a", "maybe", 3)  # type: ignore[arg-type]


def test_prune_transcript_keeps_the_newest(store: Store) -> None:
    sid = store.create_session()
    for i in range(0, 10, 2):
        store.finish_turn(store.begin_turn(sid, f"m{i}"), f"m{i + 1}")
    assert store.prune_transcript(sid, keep_last=3) == 7
    assert [r.content for r in store.transcript(sid)] == ["m7", "m8", "m9"]
    assert store.prune_transcript(sid, keep_last=5) == 0
    store.begin_turn(sid, "m10")
    assert store.transcript(sid)[-1].seq == 11
    assert store.prune_transcript(sid, keep_last=0) == 4
    assert store.transcript(sid) == []


def test_delete_session_removes_everything(store: Store) -> None:
    sid, other = store.create_session(), store.create_session()
    for s in (sid, other):
        store.finish_turn(store.begin_turn(s, "hi"), "hello", {})
        store.record_attempt(s, "eval-gate", "a", "correct", 1)
        store.save_progress(s, 1, "{}")
    assert store.try_lock(sid) is not None
    assert store.delete_session(sid)
    assert not store.session_exists(sid)
    assert store.transcript(sid) == [] and store.attempts(sid) == []
    assert store.load_progress(sid) is None
    assert store.try_lock(sid) is not None  # its lock went with it
    assert len(store.transcript(other)) == 2 and len(store.attempts(other)) == 1
    assert not store.delete_session(sid)


def test_declined_questions_are_counted_without_the_learner(store: Store) -> None:
    for asked in ("Why tho??", "why  tho", "What does Kubeflow cost?", "  ", "why tho"):
        store.record_decline(asked)
    got = store.declined_questions()
    assert [(d.question, d.asked) for d in got] == [
        ("why tho", 3),
        ("what does kubeflow cost", 1),
    ]
    today = datetime.now(UTC).date().isoformat()
    assert {(d.first_day, d.last_day) for d in got} == {(today, today)}
    assert [d.question for d in store.declined_questions(limit=1)] == ["why tho"]
    store.record_decline("x" * 5000)
    assert max(len(d.question) for d in store.declined_questions()) == 300
    # Not tied to a session: deleting one leaves the counts.
    sid = store.create_session()
    assert store.delete_session(sid) and store.declined_questions()[0].asked == 3


def test_closed_store_refuses_calls() -> None:
    s = Store(MEMORY)
    s.close()
    s.close()
    with pytest.raises(TutorError):
        s.create_session()


# ---------------------------------------------------------------- the queue


def test_queued_messages_wait_outside_the_transcript(store: Store) -> None:
    sid = store.create_session()
    running = store.begin_turn(sid, "first")
    second = store.enqueue(sid, "second")
    third = store.enqueue(sid, "third")
    assert [(r.id, r.content, r.status) for r in store.queued(sid)] == [
        (second, "second", "queued"),
        (third, "third", "queued"),
    ]
    assert [r.content for r in store.transcript(sid)] == ["first"]
    assert store.message_count(sid) == 1
    store.finish_turn(running, "answer one", {})
    # Promoted: the queued message moves after the reply it waited for, keeping its id.
    assert store.begin_turn(sid, "second", queued_id=second) == second
    assert [(r.content, r.status) for r in store.transcript(sid)] == [
        ("first", "complete"),
        ("answer one", "complete"),
        ("second", "in_progress"),
    ]
    assert [r.id for r in store.queued(sid)] == [third]
    store.finish_turn(second, "answer two", {}, status="stopped")
    assert [r.content for r in store.transcript(sid)] == [
        "first",
        "answer one",
        "second",
        "answer two",
    ]
    assert store.prune_transcript(sid, keep_last=0) == 4
    assert [r.id for r in store.queued(sid)] == [third]  # pruning never drops a waiting message


def test_only_a_queued_message_of_that_session_can_be_promoted(store: Store) -> None:
    sid, other = store.create_session(), store.create_session()
    waiting = store.enqueue(sid, "mine")
    with pytest.raises(InputError):
        store.begin_turn(other, "mine", queued_id=waiting)
    store.begin_turn(sid, "mine", queued_id=waiting)
    with pytest.raises(InputError):
        store.begin_turn(sid, "mine", queued_id=waiting)  # not queued any more
    with pytest.raises(InputError):
        store.finish_turn(waiting, "x", status="queued")
    with pytest.raises(InputError):
        store.enqueue("missing", "x")


def test_queued_messages_outlive_their_process(shared: str) -> None:
    with Store(shared, owner="gone:1:a") as first:
        sid = first.create_session()
        first.enqueue(sid, "sent just before the crash")
    with Store(shared) as second:
        [waiting] = second.queued(sid)
        assert waiting.content == "sent just before the crash"


# ---------------------------------------------------------------- processes and leases


def test_unfinished_turn_is_marked_interrupted_after_a_crash(shared: str) -> None:
    first = Store(shared, owner=f"{machine_name()}:{2**22 + 9}:gone")  # a process that died
    sid = first.create_session()
    done = first.begin_turn(sid, "first question")
    first.finish_turn(done, "first answer", {})
    first.begin_turn(sid, "second question")
    first.close()  # the process dies mid-reply: finish_turn never runs

    with Store(shared) as second:
        assert second.mark_interrupted_turns() == 1
        records = second.transcript(sid)
        assert [(r.content, r.status) for r in records] == [
            ("first question", "complete"),
            ("first answer", "complete"),
            ("second question", "interrupted"),
        ]
        assert second.mark_interrupted_turns() == 0


def test_restart_marks_only_turns_whose_process_is_gone(shared: str) -> None:
    with Store(shared) as live:
        sid = live.create_session()
        mine = live.begin_turn(sid, "answered by a live process")
        machine = live.owner.rsplit(":", 2)[0]
        # A process on another machine that keeps renewing, one that stopped, and one on
        # this machine that exited (its lease has not run out yet).
        other = Store(shared, owner="elsewhere:1:a")
        alive = other.begin_turn(sid, "live elsewhere")
        expired = Store(shared, owner="elsewhere:2:a", lease_seconds=0.01)
        expired._stop.set()  # it stopped renewing (no heartbeat)
        stale = expired.begin_turn(sid, "stopped renewing")
        exited = Store(shared, owner=f"{machine}:{2**22 + 7}:a")
        dead = exited.begin_turn(sid, "its process exited")
        time.sleep(0.05)
        with Store(shared) as restarted:
            assert restarted.mark_interrupted_turns() == 2
        status = {r.id: r.status for r in live.transcript(sid)}
        assert status == {
            mine: "in_progress",
            alive: "in_progress",
            stale: "interrupted",
            dead: "interrupted",
        }
        for s in (other, expired, exited):
            s.close()


def test_this_pids_previous_life_is_interrupted(shared: str) -> None:
    with Store(shared) as now:
        machine, pid, _ = now.owner.rsplit(":", 2)
        # A restarted container: same machine name, same pid, another process.
        before = Store(shared, owner=f"{machine}:{pid}:earlier")
        sid = before.create_session()
        left = before.begin_turn(sid, "cut short")
        running = now.begin_turn(sid, "running now")
        assert now.mark_interrupted_turns() == 1
        assert {r.id: r.status for r in now.transcript(sid)} == {
            left: "interrupted",
            running: "in_progress",
        }
        before.close()


def test_heartbeat_keeps_a_long_turn_alive(shared: str) -> None:
    with Store(shared, owner="far:1:a", lease_seconds=0.3) as runner:
        sid = runner.create_session()
        turn = runner.begin_turn(sid, "a long answer")
        time.sleep(0.8)  # several lease lengths: only the heartbeat keeps it
        with Store(shared) as other:
            assert other.mark_interrupted_turns() == 0
        runner.finish_turn(turn, "done", {})
    with Store(shared, owner="far:2:a", lease_seconds=0.3) as frozen:
        frozen._stop.set()  # the process froze: no renewals
        frozen.begin_turn(sid, "never finished")
        time.sleep(0.5)
        with Store(shared) as other:
            assert other.mark_interrupted_turns() == 1


def test_a_live_process_sweeps_a_dead_ones_turn(shared: str) -> None:
    """No restart needed: a running process's heartbeat marks an expired turn."""
    with Store(shared, lease_seconds=0.3) as survivor:
        sid = survivor.create_session()
        survivor.start_heartbeat()
        dead = Store(shared, owner="far:3:a", lease_seconds=0.3)
        dead._stop.set()
        dead.begin_turn(sid, "its process was killed")
        deadline = time.monotonic() + 5
        while survivor.transcript(sid)[-1].status != "interrupted":
            assert time.monotonic() < deadline, "the heartbeat never swept the dead turn"
            time.sleep(0.05)
        dead.close()


def test_learner_lock_excludes_and_is_released(store: Store) -> None:
    sid = store.create_session()
    lease = store.try_lock(sid)
    assert lease is not None and store.try_lock(sid) is None
    assert store.try_lock(store.create_session()) is not None  # other learners are free
    assert store.release(lease)
    assert store.try_lock(sid) is not None


def test_learner_lock_takes_over_an_expired_lease(shared: str) -> None:
    with Store(shared, owner="far:1:a", lease_seconds=0.05) as gone, Store(shared) as here:
        sid = gone.create_session()
        gone._stop.set()  # frozen: no heartbeat
        held = gone.try_lock(sid)
        assert held is not None and here.try_lock(sid) is None
        time.sleep(0.1)
        assert here.try_lock(sid) is not None
        assert not gone.release(held)  # it had expired: releasing late changes nothing


def test_learner_lock_of_an_exited_process_is_free_at_once(shared: str) -> None:
    with Store(shared) as here:
        exited = Store(shared, owner=f"{machine_name()}:{2**22 + 11}:a")
        sid = exited.create_session()
        assert exited.try_lock(sid) is not None
        exited._stop.set()
        assert here.try_lock(sid) is not None  # no lease wait: that process is gone
        exited.close()


async def test_learner_lock_serialises_turns_across_processes(shared: str) -> None:
    with Store(shared, owner="p:1:a") as one, Store(shared, owner="p:2:a") as two:
        sid = one.create_session()
        spans: list[tuple[float, float]] = []

        async def turn(store: Store, text: str) -> None:
            async with store.learner_lock(sid, wait=10):
                start = time.monotonic()
                turn_id = store.begin_turn(sid, text)
                await asyncio.sleep(0.1)
                store.finish_turn(turn_id, f"re: {text}", {})
                spans.append((start, time.monotonic()))

        await asyncio.gather(turn(one, "a"), turn(two, "b"), turn(one, "c"), turn(two, "d"))
        spans.sort()
        assert len(spans) == 4
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end  # never two at once
        contents = [r.content for r in one.transcript(sid)]
        for i in range(0, 8, 2):  # each reply right after its question: no interleaving
            assert contents[i + 1] == f"re: {contents[i]}"


async def test_learner_lock_wait_is_bounded(store: Store) -> None:
    sid = store.create_session()
    async with store.learner_lock(sid, wait=1):
        started = time.monotonic()
        with pytest.raises(LearnerBusyError, match="saved"):
            async with store.learner_lock(sid, wait=0.2):
                pass
        assert 0.15 < time.monotonic() - started < 2
    async with store.learner_lock(sid, wait=0.2):
        pass  # released on exit


# ---------------------------------------------------------------- threads


def test_completed_turn_is_visible_to_another_connection(shared: str) -> None:
    with Store(shared) as s, Store(shared) as reader:
        sid = s.create_session()
        s.finish_turn(s.begin_turn(sid, "q"), "a", {})
        # Committed already: a separate connection sees it while the writer stays open.
        assert reader.message_count(sid) == 2


def test_many_threads_write_safely(shared: str) -> None:
    threads_n, turns_n = 6, 10
    errors: list[BaseException] = []
    with Store(shared) as s:
        common = s.create_session()

        def work(n: int) -> None:
            try:
                own = s.create_session(f"learner-{n}")
                for i in range(turns_n):
                    s.finish_turn(s.begin_turn(own, f"q{i}"), f"a{i}", {"n": n})
                    s.enqueue(common, f"{n}-{i}")
                    s.record_attempt(own, "eval-gate", "a", "correct", i + 1)
                    s.transcript(own, last=2)
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        assert errors == []
        for n in range(threads_n):
            records = s.transcript(f"learner-{n}")
            assert [r.seq for r in records] == list(range(1, 2 * turns_n + 1))
            assert len(s.attempts(f"learner-{n}")) == turns_n
        common_seqs = [r.seq for r in s.queued(common)]
        assert common_seqs == list(range(1, threads_n * turns_n + 1))


def test_taking_a_dead_holders_lock_ends_its_turn_at_once(shared: str) -> None:
    with Store(shared) as here:
        crashed = Store(shared, owner=f"{machine_name()}:{2**22 + 13}:a")
        crashed._stop.set()
        sid = crashed.create_session()
        assert crashed.try_lock(sid) is not None
        crashed.begin_turn(sid, "cut short by kill -9")
        assert here.try_lock(sid) is not None
        assert [r.status for r in here.transcript(sid)] == ["interrupted"]
        crashed.close()


def test_revision_changes_with_any_write_from_any_process(shared: str) -> None:
    with Store(shared) as one, Store(shared) as two:
        sid = one.create_session()
        assert one.revision("nobody") is None
        seen = one.revision(sid)
        two.finish_turn(two.begin_turn(sid, "q"), "a", {})
        assert (after_turn := one.revision(sid)) is not None and seen is not None
        assert after_turn > seen
        two.save_progress(sid, 2, "{}")
        two.record_attempt(sid, "eval-gate", "a", "correct", 1)
        assert one.revision(sid) == after_turn + 2
        assert one.transcript(sid) and one.revision(sid) == after_turn + 2  # reads change nothing
        waiting = two.enqueue(sid, "later")
        assert one.revision(sid) == after_turn + 2  # a queued message is not in the history yet
        two.begin_turn(sid, "later", queued_id=waiting)
        assert one.revision(sid) == after_turn + 3


def test_tutor_db_url_reaches_the_runtime_without_showing_the_password(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.config import load_settings
    from tutor.runtime import build_runtime

    url = cluster.create_database()
    monkeypatch.setenv("TUTOR_DB", url)
    monkeypatch.setenv("TUTOR_LEASE_SECONDS", "4")
    monkeypatch.setenv("TUTOR_DB_POOL_SIZE", "2")
    settings = load_settings(_env_file=None, tutor_backend="offline")
    assert "secret-pw" not in repr(settings) and "secret-pw" not in str(settings.model_dump())
    store = build_runtime(settings).store
    assert store is not None
    with store:
        assert (store.kind, store.lease_seconds) == ("postgresql", 4)
        assert "secret-pw" not in store.path and "***" in store.path
        assert "secret-pw" not in repr(store)
        assert store.version == len(MIGRATIONS)


def test_postgres_tests_skip_locally_but_fail_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import pgcluster

    monkeypatch.setattr(pgcluster, "pg_bin", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        pgcluster.require_pg_bin()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        pgcluster.require_pg_bin()
