"""The one fact checker: do the claims of a reply agree with the lesson's facts? (pure)

A reply *claims a handoff* when it writes "A -> B" / "A → B" between roles, or says in words that
A hands off / hands over / passes to B, or names "the handoff from A to B". The claim holds when the
demo's output (or, without one, the lesson's lifecycle) has a handoff from A's roles to B's.

A reply *claims an owner* when one clause names a role (or, with an allocation, a person) and a
lifecycle stage ("the data scientist gets paged at 3am"). The claim is wrong only when nobody the
clause names owns that stage, and the named owner owns none of the other stages the clause names
(so "SREs monitor the latency metrics" is not read as SREs framing metrics).

Being wrong about a correct reply is worse than missing a wrong one, so the checker reads only
what is asserted: denied mentions ("not the data scientist"), dropped or reported beliefs ("a
common misconception is…"), questions, hypotheticals and small-team caveats are left alone.
All words come from the shared lexicon (`tutor.text`, prompts/vocabulary.toml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tutor.handoffs import LESSON_LIFECYCLE, run_handoff_demo, split_roles
from tutor.text import Lexicon, Mention, Reading, normalize
from tutor.text.clauses import negated

IssueKind = Literal["handoff", "owner"]
ARROW = re.compile(r"->|→|⟶|➝|➔|=>|⇒|—>|-->")
# What ends an arrow's side: punctuation, a table cell, another arrow.
_SIDE_END = re.compile(r"[.;:!?,|\n]|->|→|⟶|➝|➔|=>|⇒|—>|-->")
# Sentence ends; a sentence ending in "?" asks rather than claims.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|\*)|\n")
# Words that join roles into one owner: "Product + Data Scientist", "ML engineer and SRE".
_JOINERS = frozenset({"and", "+", "&", "/"})
_MAX_GAP = 6  # words between "A" and "to B" in "A hands the model over to B"


# ------------------------------------------------------------------ the contract


class AssignmentLike(Protocol):
    name: str
    stage: str
    owner: str
    backup: str | None


class PersonLike(Protocol):
    name: str


class AllocationLike(Protocol):
    """What the checker reads of `tutor.planning.Allocation` (people, assignments by stage)."""

    @property
    def assignments(self) -> Sequence[AssignmentLike]: ...

    @property
    def people(self) -> Sequence[PersonLike]: ...


@dataclass(frozen=True)
class Facts:
    """What a reply is checked against: the demo's output when it ran, the lesson's lifecycle
    (stage, owner) pairs, and the allocation the team planner produced, if any."""

    demo_output: str | None = None
    lifecycle: tuple[tuple[str, str], ...] = LESSON_LIFECYCLE
    allocation: AllocationLike | None = None


@dataclass(frozen=True)
class FactIssue:
    """One claim that contradicts the facts: the reply's words and a one-line note for the
    learner ("Check: in the lesson, on-call / incidents is owned by SRE/Platform.")."""

    kind: IssueKind
    claim: str
    note: str


def check_claims(text: str, facts: Facts, lexicon: Lexicon | None = None) -> list[FactIssue]:
    """Every handoff or owner claim in `text` that the facts contradict, in text order."""
    if lexicon is None:  # the shared vocabulary, loaded once by the content layer
        from tutor.lesson import lexicon as shared_lexicon

        lexicon = shared_lexicon()
    reading = lexicon.read(text)
    view = _View(reading, lexicon)
    issues = _handoff_issues(view, facts) + _owner_issues(view, facts)
    issues.sort(key=lambda pair: pair[0])
    unique: dict[str, FactIssue] = {}
    for _, issue in issues:
        unique.setdefault(issue.note + issue.claim, issue)
    return list(unique.values())


# ------------------------------------------------------------------ reading the reply


@dataclass
class _View:
    """The reply as the checker needs it: sentences, claim-free places, role groups."""

    reading: Reading
    lexicon: Lexicon
    sentence_of: list[int] = field(init=False)
    quiet: set[int] = field(init=False)  # sentences that claim nothing (questions, caveats)

    def __post_init__(self) -> None:
        text = self.reading.text
        ends = [(m.start(), m.group()) for m in _SENTENCE_END.finditer(text)]
        self.sentence_of, self.quiet = [], set()
        index = 0
        for token in self.reading.tokens:
            while index < len(ends) and ends[index][0] < token.start:
                index += 1
            self.sentence_of.append(index)
        for index, (_, mark) in enumerate(ends):
            if "?" in mark:
                self.quiet.add(index)
        self.quiet |= {self.sentence_of[m.first] for m in self._caveats()}
        self.quiet |= self._hypothetical_sentences()

    def _caveats(self) -> list[Mention]:
        """Small-team caveats ("in a small team one person wears all the hats")."""
        return [
            m
            for m in self.reading.of_kind("term", asserted=True)
            if m.id == "small_team"
            and not self.reading.quote(m).strip().isdigit()
            and not all(n.isdigit() for n in normalize(self.reading.quote(m)))
        ]

    def _hypothetical_sentences(self) -> set[int]:
        opener = {normalize(w)[0] for w in self.lexicon.cues.hypothetical if normalize(w)}
        clause_starts = {c.lo for c in self.reading.clauses}
        return {
            self.sentence_of[i]
            for i, t in enumerate(self.reading.tokens)
            if t.norm in opener and (i in clause_starts or i == 0)
        }

    def claims(self, mention: Mention) -> bool:
        """Is this mention part of a claim (asserted, not a question or caveat, and a role
        only when it reads as one)?"""
        return (
            mention.asserted
            and self.sentence_of[mention.first] not in self.quiet
            and (mention.kind != "role" or self._reads_as_role(mention))
        )

    def _reads_as_role(self, mention: Mention) -> bool:
        """An everyday noun that can name a role ("the product", "a managed platform") counts
        only written as a name: capitalised, or joined to another role ("SRE/Platform")."""
        quote = self.reading.quote(mention)
        generic = {w for g in self.lexicon.vocabulary.generic for w in normalize(g)}
        if not set(normalize(quote)) <= generic or any(ch.isupper() for ch in quote):
            return True
        text = self.reading.text
        around = (
            text[max(0, mention.start - 2) : mention.start] + text[mention.end : mention.end + 2]
        )
        return "/" in around or "+" in around

    def clause_text(self, clause: int) -> str:
        idx = [i for i, c in enumerate(self.reading.clause_of) if c == clause]
        tokens = self.reading.tokens
        return self.reading.text[tokens[idx[0]].start : tokens[idx[-1]].end]


def _stage_id(lexicon: Lexicon, stage: str) -> str | None:
    entry = lexicon.by_name(stage, "stage")
    return entry.id if entry else None


def _role_ids(lexicon: Lexicon, owner: str) -> frozenset[str]:
    ids = set()
    for role in split_roles(owner):
        entry = lexicon.by_name(role, "role")
        if entry:
            ids.add(entry.id)
    return frozenset(ids)


# ------------------------------------------------------------------ handoffs

_Pair = tuple[frozenset[str], frozenset[str]]


def _demo_pairs(facts: Facts, lexicon: Lexicon) -> tuple[list[_Pair], list[str]]:
    """The (from roles, to roles) of each handoff the demo printed, and its lines."""
    output = facts.demo_output or run_handoff_demo(facts.lifecycle)
    pairs, lines = [], []
    for line in output.splitlines():
        parts = line.split(" -> ")
        if len(parts) != 2 or not line.startswith(" "):
            continue
        left, right = _role_ids(lexicon, parts[0]), _role_ids(lexicon, parts[1])
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
    text: str, facts: Facts, lexicon: Lexicon | None = None, *, loose: bool = False
) -> list[HandoffClaim]:
    """Every asserted handoff `text` names between roles, checked against the demo's handoffs.

    `loose` also reads a bare "from A to B" ("the model moves from the data scientist to the ML
    engineer"); that form is also a range ("everyone from data scientists to SREs"), so it is
    for recognising explanations, never for raising issues."""
    if lexicon is None:
        from tutor.lesson import lexicon as shared_lexicon

        lexicon = shared_lexicon()
    view = _View(lexicon.read(text), lexicon)
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


def _handoff_issues(view: _View, facts: Facts) -> list[tuple[int, FactIssue]]:
    _, lines = _demo_pairs(facts, view.lexicon)
    source = "the demo's output" if facts.demo_output else "the lesson's demo"
    issues = []
    for claim in handoff_claims(view.reading.text, facts, view.lexicon):
        if not claim.holds:
            note = f"Check: {source} has no {claim.names} handoff; it shows {'; '.join(lines)}."
            issues.append((claim.start, FactIssue("handoff", claim.claim, note)))
    return issues


def _names(group: list[Mention]) -> str:
    return " + ".join(dict.fromkeys(m.name for m in group))


def _roles(view: _View) -> list[Mention]:
    return view.reading.of_kind("role")


def _arrow_claims(view: _View) -> list[tuple[int, list[Mention], list[Mention]]]:
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


def _group(view: _View, mentions: list[Mention], from_end: bool = False) -> list[Mention]:
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


def _handoff_phrases(view: _View) -> list[tuple[str, ...]]:
    """The vocabulary's handoff phrasings, normalised ("hand over", "pass to", ...)."""
    entry = view.lexicon.entry("handoff")
    return [normalize(p) for p in entry.phrases if normalize(p)]


def _worded_claims(
    view: _View, loose: bool = False
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


def _word_before(view: _View, index: int) -> int | None:
    """The index of the word before `index`, skipping determiners and other stopwords."""
    j = index - 1
    norms = view.reading.norms
    while j >= 0 and norms[j] != "to" and norms[j] in view.lexicon.stopwords:
        j -= 1
    return j if j >= 0 else None


def _term_before(view: _View, start: int) -> bool:
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


# ------------------------------------------------------------------ owners


def _owner_issues(view: _View, facts: Facts) -> list[tuple[int, FactIssue]]:
    lexicon, issues = view.lexicon, []
    owners: dict[str, tuple[str, str, frozenset[str]]] = {}
    for stage, owner in facts.lifecycle:
        stage_id = _stage_id(lexicon, stage)
        if stage_id and stage_id not in owners:
            owners[stage_id] = (stage, owner, _role_ids(lexicon, owner))
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


def _clause_claims(view: _View) -> list[tuple[int, list[Mention], list[Mention]]]:
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


def _pairs_with(view: _View, a: int, b: int) -> bool:
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


def _sentence(view: _View, clause: int) -> int:
    return view.sentence_of[view.reading.clause_of.index(clause)]


def _bare(view: _View, clause: int) -> bool:
    """The clause's words are all mentions or stopwords (at most one other word)."""
    reading = view.reading
    covered = {i for m in reading.mentions for i in range(m.first, m.last)}
    extra = [
        i
        for i, c in enumerate(reading.clause_of)
        if c == clause and i not in covered and reading.norms[i] not in view.lexicon.stopwords
    ]
    return len(extra) <= 1


def _person_issues(view: _View, allocation: AllocationLike) -> list[tuple[int, FactIssue]]:
    """People of the allocation given a stage or a responsibility (a term its name uses: "the
    eval gate") where they are neither its owner nor, said as such, its backup."""
    reading, issues = view.reading, []
    areas = _areas(view.lexicon, allocation)
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


def _areas(lexicon: Lexicon, allocation: AllocationLike) -> dict[str, list[AssignmentLike]]:
    """Assignments by what names them: "stage:ID" of their stage, "term:ID" of their name."""
    areas: dict[str, list[AssignmentLike]] = {}
    for a in allocation.assignments:
        stage = _stage_id(lexicon, a.stage)
        if stage:
            areas.setdefault(f"stage:{stage}", []).append(a)
        for term in lexicon.read(a.name).ids("term"):
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


def _person_mentions(view: _View, names: Sequence[str]) -> list[tuple[str, int, int]]:
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
            if not denied and not rejected and view.sentence_of[i] not in view.quiet:
                found.append((name, reading.clause_of[i], i))
    return found
