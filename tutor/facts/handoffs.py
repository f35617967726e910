"""Handoff claims: "A -> B", "A → B", "A hands (the model) over to B", "the handoff from A to B",
checked against the handoffs the demo printed (or the lesson's lifecycle's, without a run)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.demo.handoffs import run_handoff_demo
from tutor.facts.model import FactIssue, Facts
from tutor.facts.view import ClaimView, role_ids
from tutor.text import Lexicon, Mention, normalize

ARROW = re.compile(r"->|→|⟶|➝|➔|=>|⇒|—>|-->")
# What ends an arrow's side: punctuation, a table cell, another arrow.
_SIDE_END = re.compile(r"[.;:!?,|\n]|->|→|⟶|➝|➔|=>|⇒|—>|-->")
# Words that join roles into one owner: "Product + Data Scientist", "ML engineer and SRE".
_JOINERS = frozenset({"and", "+", "&", "/"})
_MAX_GAP = 6  # words between "A" and "to B" in "A hands the model over to B"

_Pair = tuple[frozenset[str], frozenset[str]]


def _demo_pairs(facts: Facts, lexicon: Lexicon) -> tuple[list[_Pair], list[str]]:
    """The (from roles, to roles) of each handoff the demo printed, and its lines."""
    output = facts.demo_output or run_handoff_demo(facts.lifecycle)
    pairs, lines = [], []
    for line in output.splitlines():
        parts = line.split(" -> ")
        if len(parts) != 2 or not line.startswith(" "):
            continue
        left, right = role_ids(lexicon, parts[0]), role_ids(lexicon, parts[1])
        if left and right:
            pairs.append((left, right))
            lines.append(line.strip())
    return pairs, lines


@dataclass(frozen=True)
class HandoffClaim:
    """A handoff the reply names ("A → B", "A hands over to B"), and whether the facts have it."""

    claim: str
    start: int
    names: str  # "Data Engineer → SRE/Platform"
    holds: bool


def handoff_claims(
    text: str, facts: Facts, lexicon: Lexicon, *, loose: bool = False
) -> list[HandoffClaim]:
    """Every asserted handoff `text` names between roles, checked against the demo's handoffs.

    `loose` also reads a bare "from A to B" ("the model moves from the data scientist to the ML
    engineer"); that form is also a range ("everyone from data scientists to SREs"), so it is
    for recognising explanations, never for raising issues."""
    view = ClaimView(lexicon.read(text), lexicon)
    pairs, _ = _demo_pairs(facts, lexicon)
    found = []
    claims = _arrow_claims(view) + _worded_claims(view, loose)
    for start, left, right in sorted(claims, key=_first):
        ids = (frozenset(m.id for m in left), frozenset(m.id for m in right))
        if not all(view.claims(m) for m in (*left, *right)) or ids[0] == ids[1]:
            continue
        holds = any(ids[0] <= a and ids[1] <= b for a, b in pairs)
        claim = view.reading.text[left[0].start : right[-1].end]
        found.append(HandoffClaim(claim, start, f"{_names(left)} → {_names(right)}", holds))
    return found


def _first(item: tuple[int, list[Mention], list[Mention]]) -> int:
    return item[0]


def handoff_issues(view: ClaimView, facts: Facts) -> list[tuple[int, FactIssue]]:
    _, lines = _demo_pairs(facts, view.lexicon)
    source = "the demo's output" if facts.demo_output else "the lesson's demo"
    issues = []
    for claim in handoff_claims(view.reading.text, facts, view.lexicon):
        if not claim.holds:
            note = f"Check: {source} has no {claim.names} handoff; it shows {'; '.join(lines)}."
            reason = f"names a {claim.names} handoff; {source} has none"
            issues.append((claim.start, FactIssue("handoff", claim.claim, note, reason)))
    return issues


def _names(group: list[Mention]) -> str:
    return " + ".join(dict.fromkeys(m.name for m in group))


def _roles(view: ClaimView) -> list[Mention]:
    return view.reading.of_kind("role")


def _arrow_claims(view: ClaimView) -> list[tuple[int, list[Mention], list[Mention]]]:
    """'A -> B' and 'A → B': the role group just before each arrow and just after it."""
    text, claims = view.reading.text, []
    for arrow in ARROW.finditer(text):
        before = [e.end() for e in _SIDE_END.finditer(text, 0, arrow.start())]
        lo = before[-1] if before else 0
        after = _SIDE_END.search(text, arrow.end())
        hi = after.start() if after else len(text)
        left = [m for m in _roles(view) if lo <= m.start and m.end <= arrow.start()]
        right = [m for m in _roles(view) if arrow.end() <= m.start and m.end <= hi]
        if left and right:
            claims.append((arrow.start(), _group(view, left, from_end=True), _group(view, right)))
    return claims


def _group(view: ClaimView, mentions: list[Mention], from_end: bool = False) -> list[Mention]:
    """The roles joined to the first (or last) one by '+', 'and', '&', '/' only."""
    ordered = list(reversed(mentions)) if from_end else list(mentions)
    group = [ordered[0]]
    text = view.reading.text
    for m in ordered[1:]:
        a, b = (m, group[-1]) if from_end else (group[-1], m)
        between = text[a.end : b.start]
        words = between.replace("+", " + ").replace("&", " & ").replace("/", " / ").split()
        if not all(w.strip("*_`'\"").lower() in _JOINERS | {""} for w in words):
            break
        group.append(m)
    return sorted(group, key=lambda m: m.start)


def _handoff_phrases(view: ClaimView) -> list[tuple[str, ...]]:
    """The vocabulary's handoff phrasings, normalised ("hand over", "pass to", ...)."""
    entry = view.lexicon.entry("handoff")
    return [normalize(p) for p in entry.phrases if normalize(p)]


def _worded_claims(
    view: ClaimView, loose: bool = False
) -> list[tuple[int, list[Mention], list[Mention]]]:
    """'A hands (the model) over to B' and 'the handoff from A to B' (with `loose`, any
    'from A to B'), within one clause."""
    reading, claims = view.reading, []
    norms = reading.norms
    phrases = _handoff_phrases(view)
    heads = {p[0] for p in phrases} - view.lexicon.stopwords
    roles = _roles(view)
    for i, right in enumerate(roles):
        to = _word_before(view, right.first)
        if to is None or norms[to] != "to":
            continue
        right_group = _group(view, [m for m in roles[i:] if m.clause == right.clause])
        earlier = [m for m in roles[:i] if m.clause == right.clause and m.last <= to]
        if not earlier:
            continue
        left_group = _group(view, earlier, from_end=True)
        gap = norms[left_group[-1].last : to + 1]
        start = left_group[0].first
        before = norms[max(0, start - 4) : start]
        worded = len(gap) <= _MAX_GAP and any(_subsequence(p, gap) for p in phrases)
        # "from A to B", A's head noun allowed between ("from the SRE team to ..."):
        from_to = len(gap) <= 2 and gap[-1] == "to" and "from" in before
        handoff_from = from_to and (loose or bool(heads & set(before)) or _term_before(view, start))
        if worded or handoff_from:
            claims.append((left_group[0].start, left_group, right_group))
    return claims


def _word_before(view: ClaimView, index: int) -> int | None:
    """The index of the word before `index`, skipping determiners and other stopwords."""
    j = index - 1
    norms = view.reading.norms
    while j >= 0 and norms[j] != "to" and norms[j] in view.lexicon.stopwords:
        j -= 1
    return j if j >= 0 else None


def _term_before(view: ClaimView, start: int) -> bool:
    """A handoff term ends within four words before `start` ('the handoff from A to B')."""
    return any(
        m.id in ("handoff", "full_handoff", "partial_handoff", "model_handoff")
        and start - 4 <= m.last <= start
        for m in view.reading.of_kind("term")
    )


def _subsequence(phrase: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """`phrase` appears in order within `words` (ending in "to", as in 'pass ... to')."""
    if len(phrase) < 2 and phrase[0] not in words:
        return False
    it = iter(words)
    return all(any(w == p for w in it) for p in phrase) and words[-1] == "to"
