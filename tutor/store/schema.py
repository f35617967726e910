"""The store's tables as the queries see them (the latest migration's shape).

The DDL itself lives in migrations.py; this only names columns for SQLAlchemy Core queries.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("created_at", Text),
    Column("updated_at", Text),
    Column("backend", Text),
    Column("guided_step", Integer),
    Column("quiz_state", Text),
    Column("revision", Integer),
)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Text),
    Column("seq", Integer),
    Column("role", Text),
    Column("content", Text),
    Column("meta", Text),
    Column("status", Text),
    Column("created_at", Text),
    Column("owner", Text),
    Column("lease_until", Float),
)

quiz_attempts = Table(
    "quiz_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Text),
    Column("question_id", Text),
    Column("answer", Text),
    Column("verdict", Text),
    Column("attempt", Integer),
    Column("created_at", Text),
)

leases = Table(
    "leases",
    metadata,
    Column("session_id", Text, primary_key=True),
    Column("owner", Text),
    Column("token", Text),
    Column("expires_at", Float),
)
