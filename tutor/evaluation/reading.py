"""How the eval's rules read a reply, through the shared text module (`tutor.text`).

- `cue`: does the reply assert one of a list of phrases (whole words, lemmas, typos in long
  words; not denied, not "right *to* ask"), or open a sentence with one ("Yes!", "Correct —")?
- `own_words`: the reply without the lines it copied from a tool's output or the app's artifacts,
  so pasting the demo output or the allocation table explains nothing;
- `key_point_met`: a guided step's concept key point, said (and said of the right role).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from tutor.evaluation.claims import says_something
from tutor.evaluation.reply import Reply
from tutor.evaluation.scripts import EvalPoint
from tutor.text import normalize

# What may follow an opener ("Yes!", "Right, …", "Exactly —"); "Right instinct" is no opener.
_OPENER_BREAK = re.compile(r"^\s*(?:[,.!:;\u2013\u2014-]|$)")
_REF = re.compile(r"^(role|stage|term):([a-z_]+)$")
_MIN_COPIED_WORDS = 3
_RUN = 6  # words in a row that count as copied
_COPIED_SHARE = 0.6  # a line mostly made of copied runs is not the model's own


def cue(reply: Reply, phrases: Sequence[str], openers: Sequence[str] = ()) -> str | None:
    """The first cue the reply asserts: a phrase anywhere, or an opener at a sentence start."""
    for phrase in phrases:
        for lo, hi in reply.phrase_spans(phrase):
            follows = reply.norms[hi] if hi < len(reply.norms) else ""
            # "you're right to ask" praises the question, not the claim.
            if follows != "to" and reply.asserted_span(lo, hi):
                return _quote(reply, lo, hi)
    for phrase in openers:
        for lo, hi in reply.phrase_spans(phrase):
            if lo in reply.starts and _breaks_after(reply, hi):
                return _quote(reply, lo, hi)
    return None


def _breaks_after(reply: Reply, hi: int) -> bool:
    end = reply.reading.tokens[hi - 1].end
    return bool(_OPENER_BREAK.match(reply.text[end:]))


def _quote(reply: Reply, lo: int, hi: int) -> str:
    tokens = reply.reading.tokens
    return reply.text[tokens[lo].start : tokens[hi - 1].end]


# ------------------------------------------------------------------ the model's own words


def own_words(text: str, artifacts: Iterable[str]) -> str:
    """`text` without the lines it copied from `artifacts` (a tool's output, the app's words, the
    app's note to the model): a line goes when most of its words sit in runs of RUN words that
    appear, normalised, in an artifact — a pasted table row, an echoed note with a prefix — or,
    for a short line, when the whole line does."""
    sources = [normalize(a) for a in artifacts if a]
    runs = {tuple(words[i : i + _RUN]) for words in sources for i in range(len(words) - _RUN + 1)}
    flat = [" " + " ".join(words) + " " for words in sources]
    kept = []
    for line in text.splitlines():
        words = normalize(line)
        if len(words) >= _RUN:
            covered = set()
            for i in range(len(words) - _RUN + 1):
                if tuple(words[i : i + _RUN]) in runs:
                    covered.update(range(i, i + _RUN))
            copied = len(covered) >= _COPIED_SHARE * len(words)
        else:
            copied = len(words) >= _MIN_COPIED_WORDS and any(
                " " + " ".join(words) + " " in source for source in flat
            )
        if not copied:
            kept.append(line)
    return "\n".join(kept)


# ------------------------------------------------------------------ key points


def ref_mentions(reply: Reply, ref: str) -> list[tuple[str, int, int]]:
    """(entry, first token, last token) where the reply asserts `ref`: a vocabulary entry
    ("stage:train") or a phrase on whole words ("production")."""
    match = _REF.match(ref)
    if match:
        kind, entry = match.groups()
        return [(ref, m.first, m.last) for m in reply.mentions(kind, [entry])]  # type: ignore[arg-type]
    return [(ref, lo, hi) for lo, hi in reply.phrase_spans(ref) if reply.asserted_span(lo, hi)]


def key_point_met(reply: Reply, point: EvalPoint, found: Sequence[Any] = ()) -> bool:
    """Is the key point said: enough distinct refs asserted, and — when `by` is set — each in a
    statement (`found`, from `tutor.evaluation.claims.statements`) about that role?"""
    hits = [hit for ref in point.any_of for hit in ref_mentions(reply, ref)]
    if point.by:
        hits = [
            hit
            for hit in hits
            if any(hit[1] in s.tokens and _of(reply, point.by, s) for s in found)
        ]
    return len({ref for ref, _, _ in hits}) >= point.min_distinct


def _of(reply: Reply, by: str, statement: Any) -> bool:
    """Is the statement about role `by` ("*": does it say anything, not a bare list item)?"""
    if by == "*":
        return says_something(reply, statement)
    return f"role:{by}" in statement.about()


def key_point_denied(reply: Reply, point: EvalPoint) -> bool:
    """The reply names the point's concepts only to deny them ("Handoffs aren't a problem")."""
    said = [hit for ref in point.any_of for hit in ref_mentions(reply, ref)]
    denied = [m for m in reply.reading.mentions if f"{m.kind}:{m.id}" in point.any_of and m.negated]
    return bool(denied) and not said
