"""The SQL the store runs, written once for SQLite and PostgreSQL (the one difference is named).

Plain SQL that both databases speak (upserts are `ON CONFLICT ... DO UPDATE` on both, and both
have `RETURNING`), built once as SQLAlchemy `text()` constructs: SQLAlchemy still binds the
parameters in each driver's style and runs the transactions, but no statement is rebuilt or
re-keyed per call, which kept the store's CPU per turn close to the bare sqlite3 driver's.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

TURN_COLUMNS = "id, seq, role, content, meta, status, created_at"
NOT_QUEUED = "status <> 'queued'"


def sql(statement: str) -> TextClause:
    return text(" ".join(statement.split()))


# ------------------------------------------------------------------ sessions

CREATE_SESSION = sql("""
    INSERT INTO sessions (id, created_at, updated_at, backend)
    VALUES (:id, :now, :now, :backend)
    ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,
        backend = CASE WHEN excluded.backend <> '' THEN excluded.backend
                       ELSE sessions.backend END
""")
SESSION_EXISTS = sql("SELECT 1 FROM sessions WHERE id = :id")
TOUCH = sql("UPDATE sessions SET updated_at = :now WHERE id = :id")
DELETE_SESSION = (
    sql("DELETE FROM turns WHERE session_id = :id"),
    sql("DELETE FROM quiz_attempts WHERE session_id = :id"),
    sql("DELETE FROM leases WHERE session_id = :id"),
    sql("DELETE FROM sessions WHERE id = :id"),
)
# Run first in every transaction that adds to a session: it checks that the session exists,
# bumps its revision (or only its time, for a queued message), and on PostgreSQL locks its row
# until commit, so two processes appending to one transcript take sequence numbers in turn.
CLAIM = sql("UPDATE sessions SET updated_at = :now, revision = revision + 1 WHERE id = :id")
CLAIM_QUIETLY = sql("UPDATE sessions SET updated_at = :now WHERE id = :id")
REVISION = sql("SELECT revision FROM sessions WHERE id = :id")

# ------------------------------------------------------------------ transcript

NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = :sid)"
INSERT_TURN = sql(f"""
    INSERT INTO turns (session_id, seq, role, content, meta, status, created_at, owner,
                       lease_until)
    VALUES (:sid, {NEXT_SEQ}, :role, :content, :meta, :status, :now, :owner, :lease)
    RETURNING id
""")
PROMOTE = sql(f"""
    UPDATE turns SET status = 'in_progress', content = :content, created_at = :now,
        seq = {NEXT_SEQ}, owner = :owner, lease_until = :lease
    WHERE id = :id AND session_id = :sid AND status = 'queued'
""")
QUEUED = sql(f"""
    SELECT {TURN_COLUMNS} FROM turns WHERE session_id = :sid AND status = 'queued' ORDER BY id
""")
TURN_STATE = sql("SELECT session_id, status FROM turns WHERE id = :id AND role = 'user'")
CLOSE_TURN = sql(
    "UPDATE turns SET status = :status, owner = NULL, lease_until = NULL WHERE id = :id"
)
TRANSCRIPT = sql(f"""
    SELECT {TURN_COLUMNS} FROM turns WHERE session_id = :sid AND {NOT_QUEUED} ORDER BY seq
""")
TRANSCRIPT_LAST = sql(f"""
    SELECT {TURN_COLUMNS} FROM (
        SELECT {TURN_COLUMNS} FROM turns WHERE session_id = :sid AND {NOT_QUEUED}
        ORDER BY seq DESC LIMIT :n
    ) AS newest ORDER BY seq
""")
REWRITE = sql("UPDATE turns SET content = :content, meta = :meta WHERE id = :id")
MESSAGE_COUNT = sql(f"SELECT COUNT(*) FROM turns WHERE session_id = :sid AND {NOT_QUEUED}")
PRUNE = sql(f"""
    DELETE FROM turns WHERE session_id = :sid AND {NOT_QUEUED} AND seq <= (
        SELECT seq FROM turns WHERE session_id = :sid AND {NOT_QUEUED}
        ORDER BY seq DESC LIMIT 1 OFFSET :keep)
""")

# ------------------------------------------------------------------ progress and quiz

SAVE_PROGRESS = sql("""
    INSERT INTO sessions (id, created_at, updated_at, guided_step, quiz_state, dialogue)
    VALUES (:id, :now, :now, :step, :quiz, :dialogue)
    ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,
        guided_step = excluded.guided_step, quiz_state = excluded.quiz_state,
        dialogue = excluded.dialogue, revision = sessions.revision + 1
""")
LOAD_PROGRESS = sql(
    "SELECT id, guided_step, quiz_state, dialogue, backend, updated_at FROM sessions WHERE id = :id"
)
INSERT_ATTEMPT = sql("""
    INSERT INTO quiz_attempts (session_id, question_id, answer, verdict, attempt, created_at)
    VALUES (:sid, :question, :answer, :verdict, :attempt, :now) RETURNING id
""")
ATTEMPTS = sql("""
    SELECT session_id, question_id, answer, verdict, attempt, created_at FROM quiz_attempts
    WHERE session_id = :sid ORDER BY id
""")

# ------------------------------------------------------------------ declined questions

# Two learners declining the same question on one day count twice; the day is all that is kept.
RECORD_DECLINE = sql("""
    INSERT INTO declined_questions (question, asked, first_day, last_day)
    VALUES (:question, 1, :day, :day)
    ON CONFLICT (question) DO UPDATE SET asked = declined_questions.asked + 1,
        last_day = excluded.last_day
""")
DECLINED = sql("""
    SELECT question, asked, first_day, last_day FROM declined_questions
    ORDER BY asked DESC, last_day DESC, question LIMIT :n
""")

# ------------------------------------------------------------------ processes and leases

IN_PROGRESS = sql("SELECT id, owner, lease_until FROM turns WHERE status = 'in_progress'")
IN_PROGRESS_OF = sql(
    "SELECT id, owner, lease_until FROM turns WHERE status = 'in_progress' AND session_id = :sid"
)
# Only if the lease is still the one that was read: a renewal in between wins.
_INTERRUPT = (
    "UPDATE turns SET status = 'interrupted', owner = NULL, lease_until = NULL"
    " WHERE id = :id AND status = 'in_progress' AND "
)
INTERRUPT = sql(_INTERRUPT + "lease_until = :lease")
INTERRUPT_UNLEASED = sql(_INTERRUPT + "lease_until IS NULL")
RENEW_TURNS = sql(
    "UPDATE turns SET lease_until = :until WHERE owner = :owner AND status = 'in_progress'"
)
RENEW_LEASES = sql("UPDATE leases SET expires_at = :until WHERE owner = :owner")
GET_LEASE = sql("SELECT owner, token, expires_at FROM leases WHERE session_id = :sid")
NEW_LEASE = sql("""
    INSERT INTO leases (session_id, owner, token, expires_at)
    VALUES (:sid, :owner, :token, :until) ON CONFLICT (session_id) DO NOTHING
""")
TAKE_LEASE = sql("""
    UPDATE leases SET owner = :owner, token = :token, expires_at = :until
    WHERE session_id = :sid AND token = :old
""")
RELEASE_LEASE = sql("DELETE FROM leases WHERE session_id = :sid AND token = :token")
