"""MLOps Roles Tutor: an LLM tutor for the lesson 'MLOps roles and handoffs'."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Exported lazily so `tutor demo` and `import tutor` stay fast (no langchain/openai import).
_EXPORTS = {
    "Team": "tutor.planning",
    "Person": "tutor.planning",
    "Allocation": "tutor.planning",
    "allocate": "tutor.content.planner",
    "run_handoff_demo": "tutor.demo.handoffs",
    "analyze_handoffs": "tutor.demo.handoffs",
    "TutorSession": "tutor.engine",
    "parse_team": "tutor.content.planner",
    "read_team": "tutor.content.planner",
}

if TYPE_CHECKING:
    from tutor.content.planner import allocate, parse_team, read_team
    from tutor.demo.handoffs import analyze_handoffs, run_handoff_demo
    from tutor.engine import TutorSession
    from tutor.planning import Allocation, Person, Team


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tutor' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


__all__ = [
    "Allocation",
    "Person",
    "Team",
    "TutorSession",
    "allocate",
    "analyze_handoffs",
    "parse_team",
    "read_team",
    "run_handoff_demo",
]
