"""The SQLite progress store: migrations, round trips, crash recovery, threads, deletion."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(MEMORY) as s:
        yield s


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows} - {"sqlite_sequence"}


# ---------------------------------------------------------------- migrations


def test_fresh_database_migrates_to_latest() -> None:
    conn = sqlite3.connect(MEMORY)
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert tables(conn) == {"sessions", "turns", "quiz_attempts", "leases"}


def test_migrating_twice_is_a_no_op() -> None:
    conn = sqlite3.connect(MEMORY)
    migrate(conn)
    schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema


def test_version_one_database_migrates_forward_keeping_data() -> None:
    conn = sqlite3.connect(MEMORY)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    assert "quiz_attempts" not in tables(conn)
    conn.execute("INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 2, '{}')")
    conn.execute(
        "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
        " VALUES ('old', 1, 'user', 'hello', 'complete', 't0')"
    )
    conn.commit()
    assert migrate(conn) == len(MIGRATIONS)
    assert "quiz_attempts" in tables(conn)
    assert conn.execute("SELECT guided_step FROM sessions WHERE id = 'old'").fetchone() == (2,)
    assert conn.execute("SELECT content FROM turns").fetchall() == [("hello",)]


def test_version_one_file_opens_as_a_store(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    migrate(conn, MIGRATIONS[:1])
    conn.execute("INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 1, NULL)")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.version == len(MIGRATIONS)
        progress = s.load_progress("old")
        assert progress is not None and progress.guided_step == 1
        s.record_attempt("old", "roles-four", "x", "incorrect", 1)


def test_failed_migration_rolls_back() -> None:
    conn = sqlite3.connect(MEMORY)
    broken = (*MIGRATIONS, "CREATE TABLE extra (x); THIS IS NOT SQL;")
    with pytest.raises(sqlite3.Error):
        migrate(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert "extra" not in tables(conn)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(ConfigError, match="newer"):
        Store(path)


def test_file_store_uses_wal_and_creates_parents(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tutor.db"
    with Store(path) as s:
        assert s._read("PRAGMA journal_mode")[0][0] == "wal"
    assert path.exists()


def test_unusable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TUTOR_DB"):
        Store(tmp_path)  # a directory, not a database file


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
    store.add_message(sid, "notice", "Offline mode.")
    records = store.transcript(sid)
    assert [(r.seq, r.role, r.status) for r in records] == [
        (1, "user", "complete"),
        (2, "assistant", "complete"),
        (3, "notice", "complete"),
    ]
    assert records[1].meta == meta and records[1].content == "They productionize models."
    assert [r.seq for r in store.transcript(sid, last=2)] == [2, 3]
    with pytest.raises(InputError):
        store.finish_turn(turn, "twice")


@pytest.mark.parametrize("status", ["cut_off", "interrupted", "error"])
def test_finish_turn_with_other_statuses(store: Store, status: str) -> None:
    sid = store.create_session()
    turn = store.begin_turn(sid, "hi")
    store.finish_turn(turn, "partial reply", {}, status=status)  # type: ignore[arg-type]
    assert [r.status for r in store.transcript(sid)] == [status, status]


def test_bad_role_status_or_session_is_an_input_error(store: Store) -> None:
    sid = store.create_session()
    with pytest.raises(InputError):
        store.add_message(sid, "system", "x")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        store.begin_turn("missing", "x")
    turn = store.begin_turn(sid, "x")
    with pytest.raises(InputError):
        store.finish_turn(turn, "y", status="in_progress")


def test_content_is_capped(store: Store) -> None:
    sid = store.create_session()
    store.add_message(sid, "assistant", "x" * (MAX_CONTENT_CHARS + 100))
    [record] = store.transcript(sid)
    assert len(record.content) == MAX_CONTENT_CHARS
    assert record.content.endswith(TRUNCATED_MARK)


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
    for i in range(10):
        store.add_message(sid, "user", f"m{i}")
    assert store.prune_transcript(sid, keep_last=3) == 7
    assert [r.content for r in store.transcript(sid)] == ["m7", "m8", "m9"]
    assert store.prune_transcript(sid, keep_last=5) == 0
    store.add_message(sid, "user", "m10")
    assert store.transcript(sid)[-1].seq == 11
    assert store.prune_transcript(sid, keep_last=0) == 4
    assert store.transcript(sid) == []


def test_delete_session_removes_everything(store: Store) -> None:
    sid, other = store.create_session(), store.create_session()
    for s in (sid, other):
        store.finish_turn(store.begin_turn(s, "hi"), "hello", {})
        store.record_attempt(s, "eval-gate", "a", "correct", 1)
        store.save_progress(s, 1, "{}")
    assert store.delete_session(sid)
    assert not store.session_exists(sid)
    assert store.transcript(sid) == [] and store.attempts(sid) == []
    assert store.load_progress(sid) is None
    assert len(store.transcript(other)) == 2 and len(store.attempts(other)) == 1
    assert not store.delete_session(sid)


def test_closed_store_refuses_calls() -> None:
    s = Store(MEMORY)
    s.close()
    s.close()
    with pytest.raises(TutorError):
        s.create_session()


# ---------------------------------------------------------------- crash safety and threads


def test_unfinished_turn_is_marked_interrupted_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    first = Store(path, owner=f"{machine_name()}:{2**22 + 9}:gone")  # a process that died
    sid = first.create_session()
    done = first.begin_turn(sid, "first question")
    first.finish_turn(done, "first answer", {})
    first.begin_turn(sid, "second question")
    first.close()  # the process dies mid-reply: finish_turn never runs

    with Store(path) as second:
        assert second.mark_interrupted_turns() == 1
        records = second.transcript(sid)
        assert [(r.content, r.status) for r in records] == [
            ("first question", "complete"),
            ("first answer", "complete"),
            ("second question", "interrupted"),
        ]
        assert second.mark_interrupted_turns() == 0


def test_completed_turn_is_visible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path) as s:
        sid = s.create_session()
        s.finish_turn(s.begin_turn(sid, "q"), "a", {})
        # Committed already: a separate reader sees it while the store stays open.
        reader = sqlite3.connect(path)
        assert reader.execute("SELECT COUNT(*) FROM turns").fetchone() == (2,)
        reader.close()


def test_many_threads_write_safely(tmp_path: Path) -> None:
    threads_n, turns_n = 8, 15
    errors: list[BaseException] = []
    with Store(tmp_path / "tutor.db") as s:
        shared = s.create_session()

        def work(n: int) -> None:
            try:
                own = s.create_session(f"learner-{n}")
                for i in range(turns_n):
                    s.finish_turn(s.begin_turn(own, f"q{i}"), f"a{i}", {"n": n})
                    s.add_message(shared, "notice", f"{n}-{i}")
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
        shared_seqs = [r.seq for r in s.transcript(shared)]
        assert shared_seqs == list(range(1, threads_n * turns_n + 1))


# ---------------------------------------------------------------- queue, leases and locks


def test_version_two_database_keeps_its_turns_through_the_rebuild() -> None:
    conn = sqlite3.connect(MEMORY)
    migrate(conn, MIGRATIONS[:2])
    conn.execute("INSERT INTO sessions VALUES ('old', 't0', 't0', 'offline', 2, '{}')")
    conn.execute(
        "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
        " VALUES ('old', 1, 'user', 'hello', 'in_progress', 't0')"
    )
    conn.commit()
    migrate(conn)
    assert conn.execute("SELECT id, content, status, owner FROM turns").fetchall() == [
        (1, "hello", "in_progress", None)
    ]
    conn.execute(
        "INSERT INTO turns (session_id, seq, role, content, status, created_at)"
        " VALUES ('old', 2, 'user', 'later', 'queued', 't1')"
    )
    assert conn.execute("SELECT MAX(id) FROM turns").fetchone() == (2,)


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


def test_restart_marks_only_turns_whose_process_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path) as live:
        sid = live.create_session()
        mine = live.begin_turn(sid, "answered by a live process")
        # A process on another machine that keeps renewing, one that stopped, and one on
        # this machine that exited (its lease has not run out yet).
        machine = live.owner.rsplit(":", 2)[0]
        other = Store(path, owner="elsewhere:1:a")
        alive = other.begin_turn(sid, "live elsewhere")
        expired = Store(path, owner="elsewhere:2:a", lease_seconds=0.01)
        expired._stop.set()  # it stopped renewing (no heartbeat)
        stale = expired.begin_turn(sid, "stopped renewing")
        exited = Store(path, owner=f"{machine}:{2**22 + 7}:a")
        dead = exited.begin_turn(sid, "its process exited")
        time.sleep(0.05)
        with Store(path) as restarted:
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


def test_this_pids_previous_life_is_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path) as now:
        machine, pid, _ = now.owner.rsplit(":", 2)
        # A restarted container: same machine name, same pid, another process.
        before = Store(path, owner=f"{machine}:{pid}:earlier")
        sid = before.create_session()
        left = before.begin_turn(sid, "cut short")
        running = now.begin_turn(sid, "running now")
        assert now.mark_interrupted_turns() == 1
        assert {r.id: r.status for r in now.transcript(sid)} == {
            left: "interrupted",
            running: "in_progress",
        }
        before.close()


def test_heartbeat_keeps_a_long_turn_alive(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path, owner="far:1:a", lease_seconds=0.3) as runner:
        sid = runner.create_session()
        turn = runner.begin_turn(sid, "a long answer")
        time.sleep(0.8)  # several lease lengths: only the heartbeat keeps it
        with Store(path) as other:
            assert other.mark_interrupted_turns() == 0
        runner.finish_turn(turn, "done", {})
    with Store(path, owner="far:2:a", lease_seconds=0.3) as crashed:
        crashed._stop.set()  # the process froze: no renewals
        turn = crashed.begin_turn(sid, "never finished")
        time.sleep(0.5)
        with Store(path) as other:
            assert other.mark_interrupted_turns() == 1


def test_learner_lock_excludes_and_is_released(store: Store) -> None:
    sid = store.create_session()
    lease = store.try_lock(sid)
    assert lease is not None and store.try_lock(sid) is None
    assert store.try_lock(store.create_session()) is not None  # other learners are free
    assert store.release(lease)
    assert store.try_lock(sid) is not None


def test_learner_lock_takes_over_an_expired_lease(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path, owner="far:1:a", lease_seconds=0.05) as gone, Store(path) as here:
        sid = gone.create_session()
        gone._stop.set()  # frozen: no heartbeat
        held = gone.try_lock(sid)
        assert held is not None and here.try_lock(sid) is None
        time.sleep(0.1)
        assert here.try_lock(sid) is not None
        assert not gone.release(held)  # it had expired: releasing late changes nothing


async def test_learner_lock_serialises_turns_across_stores(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    with Store(path, owner="p:1:a") as one, Store(path, owner="p:2:a") as two:
        sid = one.create_session()
        spans: list[tuple[str, float, float]] = []

        async def turn(store: Store, name: str) -> None:
            async with store.learner_lock(sid, wait=5):
                start = time.monotonic()
                await asyncio.sleep(0.1)
                spans.append((name, start, time.monotonic()))

        await asyncio.gather(turn(one, "a"), turn(two, "b"), turn(one, "c"))
        spans.sort(key=lambda s: s[1])
        assert len(spans) == 3
        for (_, _, end), (_, start, _) in itertools.pairwise(spans):
            assert start >= end  # never two at once


async def test_learner_lock_wait_is_bounded(store: Store) -> None:
    sid = store.create_session()
    async with store.learner_lock(sid):
        started = time.monotonic()
        with pytest.raises(LearnerBusyError, match="saved"):
            async with store.learner_lock(sid, wait=0.2):
                pass
        assert 0.15 < time.monotonic() - started < 2
    async with store.learner_lock(sid, wait=0.2):
        pass  # released on exit
