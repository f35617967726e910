"""Owner claims: a clause that gives a lifecycle stage (or, with an allocation, a stage or a
responsibility) to a role or a person. Wrong only when nobody the clause names owns it, and the
named owner owns none of the other stages the clause names ("SREs monitor the latency metrics"
is not read as SREs framing metrics)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.facts.handoffs import ARROW
from tutor.facts.model import AllocationLike, AssignmentLike, FactIssue, Facts
from tutor.facts.view import ClaimView, role_ids, stage_id
from tutor.text import Lexicon, Mention, normalize
from tutor.text.clauses import negated


def owner_issues(view: ClaimView, facts: Facts) -> list[tuple[int, FactIssue]]:
    lexicon, issues = view.lexicon, []
    owners: dict[str, tuple[str, str, frozenset[str]]] = {}
    for stage, owner in facts.lifecycle:
        found = stage_id(lexicon, stage)
        if found and found not in owners:
            owners[found] = (stage, owner, role_ids(lexicon, owner))
    for clause, roles, stages in _clause_claims(view):
        for stage in stages:
            if stage.id not in owners:
                continue
            name, owner, legit = owners[stage.id]
            named = {r.id for r in roles}
            others = {s.id for s in stages} - {stage.id}
            if named & legit or any(named & owners[o][2] for o in others if o in owners):
                continue
            note = f"Check: in the lesson, {name} is owned by {owner}."
            issues.append((stage.start, FactIssue("owner", view.clause_text(clause), note)))
    if facts.allocation is not None:
        issues += _person_issues(view, facts.allocation)
    return issues


def _clause_claims(view: ClaimView) -> list[tuple[int, list[Mention], list[Mention]]]:
    """(clause, asserted roles, asserted stages) for clauses that name both, pairing a short
    stage-only clause with a short role-only neighbour ("on-call / incidents: SRE/Platform")."""
    by_clause: dict[int, tuple[list[Mention], list[Mention]]] = {}
    for m in view.reading.mentions:
        if m.kind in ("role", "stage") and view.claims(m):
            roles, stages = by_clause.setdefault(m.clause, ([], []))
            (roles if m.kind == "role" else stages).append(m)
    order = sorted(by_clause)
    claims, used = [], set()
    for n, clause in enumerate(order):
        roles, stages = by_clause[clause]
        if roles and stages:
            claims.append((clause, roles, stages))
        elif clause not in used and n + 1 < len(order) and _pairs_with(view, clause, order[n + 1]):
            other_roles, other_stages = by_clause[order[n + 1]]
            claims.append((clause, roles + other_roles, stages + other_stages))
            used.add(order[n + 1])
    return [c for c in claims if c[1] and c[2]]


def _pairs_with(view: ClaimView, a: int, b: int) -> bool:
    """Two neighbouring clauses of one sentence that hold nothing but mentions (a label line)."""
    reading = view.reading
    last = max(i for i, c in enumerate(reading.clause_of) if c == a)
    first = reading.clause_of.index(b)
    between = reading.text[reading.tokens[last].end : reading.tokens[first].start]
    return (
        not ARROW.search(between)
        and not re.search(r"\w", between)
        and _bare(view, a)
        and _bare(view, b)
        and _sentence(view, a) == _sentence(view, b)
    )


def _sentence(view: ClaimView, clause: int) -> int:
    return view.sentence_of[view.reading.clause_of.index(clause)]


def _bare(view: ClaimView, clause: int) -> bool:
    """The clause's words are all mentions or stopwords (at most one other word)."""
    reading = view.reading
    covered = {i for m in reading.mentions for i in range(m.first, m.last)}
    extra = [
        i
        for i, c in enumerate(reading.clause_of)
        if c == clause and i not in covered and reading.norms[i] not in view.lexicon.stopwords
    ]
    return len(extra) <= 1


def _person_issues(view: ClaimView, allocation: AllocationLike) -> list[tuple[int, FactIssue]]:
    """People of the allocation given a stage or a responsibility (a term its name uses: "the
    eval gate") where they are neither its owner nor, said as such, its backup."""
    reading, issues = view.reading, []
    areas = allocation_areas(view.lexicon, allocation)
    people = _person_mentions(view, [p.name for p in allocation.people])
    for clause in sorted({c for _, c, _ in people}):
        named = {name for name, c, _ in people if c == clause}
        topics = [
            m
            for m in reading.mentions
            if m.clause == clause and f"{m.kind}:{m.id}" in areas and view.claims(m)
        ]
        # Where a term and a stage name the same words ("on-call"), the stage speaks.
        stages = [m for m in topics if m.kind == "stage"]
        topics = [
            m
            for m in topics
            if m.kind == "stage" or not any(s.first < m.last and m.first < s.last for s in stages)
        ]
        keys = {f"{m.kind}:{m.id}" for m in topics}
        # A backup counts only where the clause says so ("Ben, as backup, may get paged").
        as_backup = any(
            m.id == "backup" and m.clause == clause for m in reading.of_kind("term", asserted=True)
        )
        for topic in topics:
            key = f"{topic.kind}:{topic.id}"
            rows = areas[key]
            allowed = {a.owner for a in rows} | {a.backup for a in rows if a.backup and as_backup}
            if named & allowed or any(named & _people_in(areas[k]) for k in keys - {key}):
                continue
            note = _allocation_note(topic.kind, rows)
            issues.append((topic.start, FactIssue("owner", view.clause_text(clause), note)))
    return issues


def allocation_areas(
    lexicon: Lexicon, allocation: AllocationLike
) -> dict[str, list[AssignmentLike]]:
    """Assignments by what names them: "stage:ID" of their stage, "term:ID" of their name (not
    of an aside in it: "Data contract (retrieval, eval and feedback data)" is no eval gate)."""
    areas: dict[str, list[AssignmentLike]] = {}
    for a in allocation.assignments:
        stage = stage_id(lexicon, a.stage)
        if stage:
            areas.setdefault(f"stage:{stage}", []).append(a)
        terms = lexicon.read(a.name).of_kind("term", asserted=True)
        for term in dict.fromkeys(m.id for m in terms if not m.aside):
            areas.setdefault(f"term:{term}", []).append(a)
    return areas


def _people_in(rows: Sequence[AssignmentLike]) -> set[str]:
    return {a.owner for a in rows} | {a.backup for a in rows if a.backup}


def _allocation_note(kind: str, rows: Sequence[AssignmentLike]) -> str:
    def who(items: Sequence[AssignmentLike]) -> str:
        owners = ", ".join(dict.fromkeys(a.owner for a in items))
        backups = ", ".join(dict.fromkeys(a.backup for a in items if a.backup))
        return owners + (f" (backup: {backups})" if backups else "")

    if kind == "stage":
        return f"Check: in your team's allocation, {rows[0].stage} is owned by {who(rows)}."
    parts = "; ".join(f"{a.name} is owned by {who([a])}" for a in rows)
    return f"Check: in your team's allocation, {parts}."


def _person_mentions(view: ClaimView, names: Sequence[str]) -> list[tuple[str, int, int]]:
    """(name, clause, token) of each asserted mention of a person's name."""
    reading, found = view.reading, []
    spans = [(m.first, m.last) for m in reading.mentions]
    norms = list(reading.norms)
    for name in names:
        words = normalize(name)
        n = len(words)
        for i in range(len(norms) - n + 1):
            if tuple(norms[i : i + n]) != words:
                continue
            ids = list(reading.clause_of)
            denied = negated(norms, ids, i, i + n, view.lexicon.cues, spans)
            rejected = next(c.rejected for c in reading.clauses if c.lo <= i < c.hi)
            if not denied and not rejected and view.claims_at(i):
                found.append((name, reading.clause_of[i], i))
    return found
