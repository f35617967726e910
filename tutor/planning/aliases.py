"""One name for each person: a learner's self-corrections and second names, resolved before
the reader cuts the text up.

- A correction replaces the name before it: "Tom — sorry, Tomasz — runs our cluster",
  "Ana (sorry, Anna) does the pipelines" → "Tomasz runs our cluster", "Anna does …".
- A second name is the same person: "Guadalupe aka Lupe does …", "Bartholomew — everyone
  calls him Bart — is the SRE", and a short form in parentheses, "Alejandro (Ale) is our ML
  engineer". The second name goes, and where it comes back later ("Ale also covers
  on-call") it is read as the first.

The words that mark each are data (`[reader] corrections` and `aliases`). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME = r"[A-ZÀ-Þ][\w'\u2019-]*(?:\s+[A-ZÀ-Þ][\w'\u2019-]*)?"
_OPEN = r"\s*(?:[,(]|\s[-\u2013\u2014]|[\u2013\u2014])\s*"
_CLOSE = r"(?:\s*(?:[,)]|[-\u2013\u2014](?=\s)))?"


def one_name_each(text: str, corrections: Sequence[str], aliases: Sequence[str]) -> str:
    """The text with each correction applied and each second name folded into the first."""
    if corrections:
        fix = re.compile(
            rf"\b{_NAME}(?P<open>{_OPEN})(?:{_any(corrections)})[,:]?\s+(?P<name>{_NAME}){_CLOSE}"
        )
        text = fix.sub(lambda m: m.group("name") + _rest(m), text)
    if not aliases:
        return text
    said = _any(aliases)
    second = re.compile(
        rf"\b(?P<first>{_NAME})(?:"
        rf"(?P<open>{_OPEN})(?:[\w\s]{{0,20}}?\b)?(?:{said})\s+(?P<marked>{_NAME}){_CLOSE}"
        rf"|\s+(?:{said})\s+(?P<plain>{_NAME})"
        rf"|\s*\(\s*(?P<short>[A-ZÀ-Þ][\w'\u2019-]*)\s*\))"
    )
    seconds: dict[str, str] = {}

    def fold(m: re.Match[str]) -> str:
        other = m.group("marked") or m.group("plain") or m.group("short")
        if m.group("short") and not _shortens(other, m.group("first")):
            return m.group(0)  # "Ana (DS)", "Sione (Product)": a job, not a second name
        seconds.setdefault(other, m.group("first"))
        return m.group("first") + _rest(m)

    text = second.sub(fold, text)
    for other, first in seconds.items():
        if other not in first.split():
            text = re.sub(rf"(?<![\w-]){re.escape(other)}(?![\w-])", first, text)
    return text


def _any(phrases: Sequence[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)


def _shortens(short: str, name: str) -> bool:
    """'Ale' of 'Alejandro', 'Venky' of 'Venkatesh': a short form shares the name's start."""
    first = name.split()[0].lower()
    return len(short) < len(first) and first[:2] == short[:2].lower()


def _rest(m: re.Match[str]) -> str:
    """What stands after the name: a parenthesis still open ("Venkatesh (everyone calls him
    Venky, he's our DE)" keeps "(he's our DE)"), or the gap."""
    if "(" in (m.group("open") or "") and not m.group(0).endswith(")"):
        return " ("
    return _gap(m)


def _gap(m: re.Match[str]) -> str:
    """A space where the removed words stood, unless punctuation or the end follows."""
    rest = m.string[m.end() :]
    return "" if not rest or rest[:1] in " .,;:!?)" else " "
