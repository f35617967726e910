"""Finds and reads files of the lesson pack (`prompts/`), installed or from a checkout."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tutor.errors import LessonPackError

M = TypeVar("M", bound=BaseModel)


@cache
def pack_root() -> Traversable:
    """The lesson pack: `tutor/prompts` in a wheel, `prompts/` beside the package in a checkout."""
    installed = resources.files("tutor") / "prompts"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[2] / "prompts"
    if checkout.is_dir():
        return checkout
    raise LessonPackError(
        "The lesson pack (prompts/) was not found. Reinstall the tutor with `pip install .`."
    )


def read_text(name: str) -> str:
    """Text of one pack file, e.g. `lesson.md` or `offline/answers.toml`."""
    node = pack_root()
    for part in name.split("/"):
        node = node / part
    try:
        return node.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonPackError(f"prompts/{name}: file is missing.") from None
    except UnicodeDecodeError as exc:
        raise LessonPackError(f"prompts/{name}: not UTF-8 text ({exc.reason}).") from None


def parse_toml(name: str, text: str, model: type[M]) -> M:
    """Validate TOML text into `model`; errors name the file and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonPackError(f"prompts/{name}: invalid TOML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise LessonPackError(f"prompts/{name}: {describe_validation(exc)}") from None


def load_toml(name: str, model: type[M]) -> M:
    """Read and validate one TOML file of the pack."""
    return parse_toml(name, read_text(name), model)


def describe_validation(exc: ValidationError) -> str:
    """One line per problem: `field.path: message`."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"field {where}: {err['msg']}")
    return "; ".join(lines)
