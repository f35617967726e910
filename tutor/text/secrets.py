"""Configured secrets (an API key, the web login) kept out of what a learner or a log sees. Pure.

A secret is matched as a whole token: a key is never part of a longer word, and a placeholder
key such as "x" or "none" (local servers accept any) must not cut "next" into "ne[redacted]t"
in the learner's own message. A string shorter than `MIN_SECRET` characters is no secret
worth hiding: no provider issues keys that short, and masking it would mangle ordinary words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET = 6
# What a key can be made of: a secret inside a longer run of these is part of another word.
_KEY_CHARS = r"A-Za-z0-9_\-"


def _pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    kept = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
    if not kept:
        return None
    either = "|".join(re.escape(s) for s in kept)
    return re.compile(rf"(?<![{_KEY_CHARS}])(?:{either})(?![{_KEY_CHARS}])")


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every whole occurrence of a secret replaced by [redacted]."""
    pattern = _pattern(secrets)
    return text if pattern is None else pattern.sub(REDACTED, text)


def holds_secret(text: str, secrets: Iterable[str]) -> bool:
    """Whether `text` contains a secret as a whole token."""
    pattern = _pattern(secrets)
    return pattern is not None and pattern.search(text) is not None
