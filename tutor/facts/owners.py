"""Owner claims: a clause that gives a lifecycle stage (or, with an allocation, a stage or a
responsibility) to a role or a person. Wrong only when nobody the clause names owns it, and the
named owner owns none of the other stages the clause names ("SREs monitor the latency metrics"
is not read as SREs framing metrics).

A reply whose answering sentence is only an owner ("The data scientist.", "Tomás.") answers the
learner's question: it gives what the question names ("who gets paged at 3am?") to that owner.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.facts.handoffs import ARROW
from tutor.facts.model import AllocationLike, AssignmentLike, FactIssue, Facts
from tutor.facts.view import ClaimView, role_ids, stage_id
from tutor.text import Lexicon, Mention, Reading, join_names, normalize
from tutor.text.clauses import negated

#: (clause, roles, stages, answered): `answered` when the stages come from the learner's question
_Claim = tuple[int, list[Mention], list[Mention], bool]


def owner_issues(
    view: ClaimView, facts: Facts, asked: Reading | None = None
) -> list[tuple[int, FactIssue]]:
    """Wrong owner claims of the reply; `asked` is the learner's message it answers, if any."""
    owners = _lesson_owners(view.lexicon, facts)
    issues = []
    for clause, roles, stages, answered in _owner_claims(view, asked):
        for stage in stages:
            if stage.id not in owners:
                continue
            name, owner, legit = owners[stage.id]
            named = {r.id for r in roles}
            others = {s.id for s in stages} - {stage.id}
            if named & legit or any(named & owners[o][2] for o in others if o in owners):
                continue
            note = f"Check: in the lesson, {name} is owned by {owner}."
            said = join_names(f"the {n}" for n in dict.fromkeys(r.name for r in roles))
            reason = f"names {said} as owner of {name}; the lesson says {owner}"
            at = roles[0].start if answered else stage.start
            issues.append((at, FactIssue("owner", view.clause_text(clause), note, reason)))
    if facts.allocation is not None:
        issues += _person_issues(view, facts.allocation, asked)
    return issues


def _lesson_owners(lexicon: Lexicon, facts: Facts) -> dict[str, tuple[str, str, frozenset[str]]]:
    """Stage id -> (stage name, owner as written, owner role ids), from the lifecycle."""
    owners: dict[str, tuple[str, str, frozenset[str]]] = {}
    for stage, owner in facts.lifecycle:
        found = stage_id(lexicon, stage)
        if found and found not in owners:
            owners[found] = (stage, owner, role_ids(lexicon, owner))
    return owners


def _owner_claims(view: ClaimView, asked: Reading | None) -> list[_Claim]:
    claims: list[_Claim] = [(c, r, s, False) for c, r, s in _clause_claims(view)]
    stages = _asked(asked, "stage")
    answer = _answer_clauses(view, set())
    if stages and answer:
        roles = [m for m in view.reading.of_kind("role") if m.clause in answer and view.claims(m)]
        if roles:
            claims.append((roles[0].clause, roles, stages, True))
    return claims


def _asked(asked: Reading | None, kind: str | None = None) -> list[Mention]:
    """What a learner's question names (asserted), of `kind` or all."""
    if asked is None:
        return []
    return [m for m in asked.mentions if m.asserted and kind in (None, m.kind)]


def _answer_clauses(view: ClaimView, names: set[int]) -> set[int]:
    """The clauses of the reply's answering sentence — the first that names a role, a stage or
    a person (tokens `names`) — when they hold nothing else: a bare answer. Else empty."""
    reading = view.reading
    named = {m.first for m in reading.mentions if m.kind in ("role", "stage")}
    first = min(named | names, default=None)
    if first is None or not view.claims_at(first):
        return set()
    sentence = view.sentence_of[first]
    clauses = {c for i, c in enumerate(reading.clause_of) if view.sentence_of[i] == sentence}
    stages = any(m.kind == "stage" and m.clause in clauses for m in reading.mentions)
    if stages or not all(_bare(view, c, names) for c in clauses):
        return set()
    return clauses


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


def _bare(view: ClaimView, clause: int, names: set[int] | None = None) -> bool:
    """The clause's words are all mentions, people's names (tokens `names`) or stopwords (at
    most one other word)."""
    reading = view.reading
    covered = {i for m in reading.mentions for i in range(m.first, m.last)} | (names or set())
    extra = [
        i
        for i, c in enumerate(reading.clause_of)
        if c == clause and i not in covered and reading.norms[i] not in view.lexicon.stopwords
    ]
    return len(extra) <= 1


def _person_issues(
    view: ClaimView, allocation: AllocationLike, asked: Reading | None
) -> list[tuple[int, FactIssue]]:
    """People of the allocation given a stage or a responsibility (a term its name uses: "the
    eval gate") where they are neither its owner nor, said as such, its backup; a bare answer
    ("Tomás.") is given what the learner's question names."""
    reading, issues = view.reading, []
    areas = allocation_areas(view.lexicon, allocation)
    people = _person_mentions(view, [p.name for p in allocation.people])
    answer = _answer_clauses(view, {i for _, _, i in people})
    for clause in sorted({c for _, c, _ in people}):
        named = {name for name, c, _ in people if c == clause}
        said = [m for m in reading.mentions if m.clause == clause and view.claims(m)]
        topics = _topics(said, areas)
        if not topics and clause in answer:
            topics = _topics(_asked(asked), areas)
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
            note, area, owners = _allocation_note(topic.kind, rows)
            reason = f"names {join_names(sorted(named))} as owner of {area}; the plan says {owners}"
            at = min(i for name, c, i in people if c == clause)
            issues.append((at, FactIssue("owner", view.clause_text(clause), note, reason)))
    return issues


def _topics(mentions: list[Mention], areas: dict[str, list[AssignmentLike]]) -> list[Mention]:
    """The mentions that name an area of the allocation; where a term and a stage name the
    same words ("on-call"), the stage speaks."""
    topics = [m for m in mentions if f"{m.kind}:{m.id}" in areas]
    stages = [m for m in topics if m.kind == "stage"]
    return [
        m
        for m in topics
        if m.kind == "stage" or not any(s.first < m.last and m.first < s.last for s in stages)
    ]


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


def _allocation_note(kind: str, rows: Sequence[AssignmentLike]) -> tuple[str, str, str]:
    """(the learner's check note, the area as named, its owners as the plan has them)."""

    def who(items: Sequence[AssignmentLike]) -> str:
        owners = ", ".join(dict.fromkeys(a.owner for a in items))
        backups = ", ".join(dict.fromkeys(a.backup for a in items if a.backup))
        return owners + (f" (backup: {backups})" if backups else "")

    if kind == "stage":
        owners = who(rows)
        note = f"Check: in your team's allocation, {rows[0].stage} is owned by {owners}."
        return note, rows[0].stage, owners
    parts = "; ".join(f"{a.name} is owned by {who([a])}" for a in rows)
    area = join_names(a.name for a in rows)
    return f"Check: in your team's allocation, {parts}.", area, who(rows)


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
