"""The store's numbered schema migrations, the same list on SQLite and PostgreSQL.

Each migration is a function of Alembic's `Operations` (`op.create_table`, `op.add_column`, ...),
which renders the DDL for the database at hand, and runs in its own transaction together with
the version bump, so a failed migration leaves the previous version intact. The version lives
in `PRAGMA user_version` on SQLite (as it always has, so existing files just work) and in a
one-row `tutor_schema` table on PostgreSQL, where a transaction-scoped advisory lock makes
processes that start together migrate one at a time.

Append only: never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

from tutor.errors import ConfigError

Migration = Callable[[Operations], None]

MIGRATION_LOCK = 7_316_550_113  # pg_advisory_xact_lock key: "tutor schema"
ROLES = ("user", "assistant", "tool", "notice")
STATUSES_V1 = ("complete", "in_progress", "interrupted", "cut_off", "error")
STATUSES_V3 = (*STATUSES_V1, "queued", "stopped")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _session_ref() -> sa.Column[str]:
    """The column that ties a row to its learner; deleting the session deletes the row."""
    return sa.Column(
        "session_id", sa.Text, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    )


def _turns_columns(statuses: Sequence[str]) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _session_ref(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint(_one_of("role", ROLES), name="turns_role"),
        sa.CheckConstraint(_one_of("status", statuses), name="turns_status"),
        sa.UniqueConstraint("session_id", "seq", name="turns_session_seq"),
    ]


def _in_progress_index(op: Operations) -> None:
    where = sa.text("status = 'in_progress'")
    op.create_index(
        "turns_in_progress", "turns", ["status"], sqlite_where=where, postgresql_where=where
    )


def m1_sessions_and_turns(op: Operations) -> None:
    """Sessions and their transcript."""
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("backend", sa.Text, nullable=False, server_default=""),
        sa.Column("guided_step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("quiz_state", sa.Text),
    )
    op.create_table("turns", *_turns_columns(STATUSES_V1), sqlite_autoincrement=True)


def m2_quiz_attempts(op: Operations) -> None:
    """Quiz attempts, and a small index for the startup sweep of unfinished turns."""
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _session_ref(),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint(_one_of("verdict", ("correct", "partial", "incorrect"))),
        sqlite_autoincrement=True,
    )
    op.create_index("quiz_attempts_by_session", "quiz_attempts", ["session_id", "id"])
    _in_progress_index(op)


def m3_queue_and_leases(op: Operations) -> None:
    """Queued and stopped messages; a turn in progress names its process and lease; the
    per-learner lease table (the lock that holds across processes)."""
    owner = [sa.Column("owner", sa.Text), sa.Column("lease_until", sa.Float)]
    if op.get_context().dialect.name == "sqlite":
        # SQLite cannot alter a CHECK constraint: rebuild the table, keeping ids and rows.
        op.create_table("turns_v3", *_turns_columns(STATUSES_V3), *owner, sqlite_autoincrement=True)
        columns = "id, session_id, seq, role, content, meta, status, created_at"
        op.execute(f"INSERT INTO turns_v3 ({columns}) SELECT {columns} FROM turns")
        op.drop_table("turns")
        op.rename_table("turns_v3", "turns")
        _in_progress_index(op)
    else:
        op.drop_constraint("turns_status", "turns", type_="check")
        op.create_check_constraint("turns_status", "turns", _one_of("status", STATUSES_V3))
        for column in owner:
            op.add_column("turns", column)
    queued = sa.text("status = 'queued'")
    op.create_index(
        "turns_queued", "turns", ["session_id", "id"], sqlite_where=queued, postgresql_where=queued
    )
    op.create_table(
        "leases",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def m4_session_revision(op: Operations) -> None:
    """A counter bumped by every write to a session, so a process can tell its cached copy
    of a learner is stale (another process answered meanwhile). Existing sessions start at 0."""
    op.add_column("sessions", sa.Column("revision", sa.Integer, nullable=False, server_default="0"))


def m5_dialogue_state(op: Operations) -> None:
    """The conversation's state beside the guided step and the quiz (JSON: the question the
    tutor asked back, the learner's team, the last topic and the questions offered), so a
    reload, a restart or another process gives back the same conversation. Existing sessions
    start with none."""
    op.add_column("sessions", sa.Column("dialogue", sa.Text, nullable=True))


def m6_declined_questions(op: Operations) -> None:
    """The questions the offline tutor declined, for the course's authors: one row per
    normalised question with how often, and on which days (first and last), it was asked.
    No session, learner or time finer than a day is kept, so no row leads back to a person
    (and deleting a session leaves the counts)."""
    op.create_table(
        "declined_questions",
        sa.Column("question", sa.Text, primary_key=True),
        sa.Column("asked", sa.Integer, nullable=False, server_default="1"),
        sa.Column("first_day", sa.Text, nullable=False),
        sa.Column("last_day", sa.Text, nullable=False),
    )
    op.create_index("declined_by_count", "declined_questions", ["asked"])


MIGRATIONS: tuple[Migration, ...] = (
    m1_sessions_and_turns,
    m2_quiz_attempts,
    m3_queue_and_leases,
    m4_session_revision,
    m5_dialogue_state,
    m6_declined_questions,
)


def schema_version(conn: Connection) -> int:
    """The version a database is at (0 when new)."""
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    if not sa.inspect(conn).has_table("tutor_schema"):
        return 0
    return int(conn.exec_driver_sql("SELECT version FROM tutor_schema").scalar() or 0)


def _set_version(conn: Connection, number: int) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {int(number)}")
        return
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS tutor_schema (version INTEGER NOT NULL)")
    conn.exec_driver_sql("DELETE FROM tutor_schema")
    conn.execute(sa.text("INSERT INTO tutor_schema (version) VALUES (:v)"), {"v": number})


def _serialise(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def _check_not_newer(version: int, known: int) -> None:
    if version > known:
        raise ConfigError(
            f"The progress database (TUTOR_DB) has schema version {version}, newer than this "
            f"tutor knows ({known}). Upgrade the tutor or point TUTOR_DB elsewhere."
        )


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the database lacks, each atomically; returns the new version."""
    for number in range(1, len(migrations) + 1):
        with engine.connect().execution_options(tutor_write=True) as conn, conn.begin():
            _serialise(conn)
            version = schema_version(conn)
            _check_not_newer(version, len(migrations))
            if version >= number:
                continue  # done before, or by a process that started at the same time
            migrations[number - 1](Operations(MigrationContext.configure(conn)))
            _set_version(conn, number)
    return len(migrations)
