"""Helpers for the tests that run deploy/nginx/tutor.conf in a real nginx."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    """deploy/local_nginx.py: a script beside the config, not part of the package."""
    spec = importlib.util.spec_from_file_location("local_nginx", ROOT / "deploy" / "local_nginx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("local_nginx", module)
    spec.loader.exec_module(module)
    return module


local_nginx = _load()


def require_nginx() -> str:
    """nginx's path, or skip (locally) / fail (CI=true) with the reason."""
    found = local_nginx.nginx_binary()
    if found is None:
        reason = "nginx not found; apt-get install nginx"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found
