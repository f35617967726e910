"""The progress store (SQLite file by default, or PostgreSQL): see store.py.

`from tutor.store import Store` is the interface the rest of the tutor uses.
"""

from tutor.store.database import MEMORY, Target, parse_target
from tutor.store.migrations import MIGRATIONS, migrate, schema_version
from tutor.store.ownership import machine_name, owner_alive, this_process
from tutor.store.paths import default_db_path
from tutor.store.records import (
    MAX_CONTENT_CHARS,
    MAX_META_CHARS,
    TRUNCATED_MARK,
    AttemptRecord,
    DeclinedQuestion,
    Lease,
    MessageRecord,
    Progress,
    Role,
    Status,
    Verdict,
    rewrite_strings,
)
from tutor.store.store import LEASE_SECONDS, Store

__all__ = [
    "LEASE_SECONDS",
    "MAX_CONTENT_CHARS",
    "MAX_META_CHARS",
    "MEMORY",
    "MIGRATIONS",
    "TRUNCATED_MARK",
    "AttemptRecord",
    "DeclinedQuestion",
    "Lease",
    "MessageRecord",
    "Progress",
    "Role",
    "Status",
    "Store",
    "Target",
    "Verdict",
    "default_db_path",
    "machine_name",
    "migrate",
    "owner_alive",
    "parse_target",
    "rewrite_strings",
    "schema_version",
    "this_process",
]
