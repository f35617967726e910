"""Where the embedded SQLite store lives by default."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """Per-user database: $XDG_DATA_HOME/mlops-tutor/tutor.db or ~/.local/share/mlops-tutor/."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "mlops-tutor" / "tutor.db"
