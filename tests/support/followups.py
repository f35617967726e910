"""Scoring team follow-ups (tests/data/**/team_followups.toml): each case is a team description
then follow-up turns, each labelled with who may be named and who must (not) be.

A reply is scored from its text (the session's words) and, when the tutor also says whom it
named as owner, backup or member, from that list (`named`). Outcomes:
- "wrong": names someone of the case's people outside `names_allowed`, or a `must_not_name`
  person as owner/member, or misses `must_name_one_of` while naming people;
- "declined": says nothing about the team (names nobody; a decline or a generic lesson answer);
- "right": otherwise.
The speaker ("you" in the labels) is named when the reply speaks to them as an owner ("you own",
"You (ML Engineer)", "moves to you"): a bare "you" in a decline ("quiz you") is not a name.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SPEAKER = "you"
# The speaker as an owner: "You (ML Engineer)", "you own", "moves to you", "| you |", "you:".
_SPEAKER_AS_OWNER = re.compile(
    r"\b[Yy]ou(?= \((?!/)| own| back| are (?:the|on|primary|backup)| hold"
    r"| get paged| wear| keep| take|:| —| \|)"
    r"|(?:\bto|\bis|\bby|\bfor|→|\||:|,) you\b(?! (?:can|could|might|should|want))"
)

_FORGOT = re.compile(r"\b(?:forg[eo]t|removed|deleted)", re.IGNORECASE)


def fold(text: str) -> str:
    """Accents off, for matching "Tomas" and "Tomás" alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def mentions(text: str, name: str) -> bool:
    if name == SPEAKER:
        return bool(_SPEAKER_AS_OWNER.search(text))
    pattern = rf"(?<![\w-]){re.escape(fold(name))}(?![\w-])"
    return re.search(pattern, fold(text)) is not None


@dataclass(frozen=True)
class Turn:
    learner: str
    kind: str
    names_allowed: tuple[str, ...]
    must_name_one_of: tuple[str, ...]
    must_not_name: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    team: str
    turns: tuple[Turn, ...]
    people_lines: tuple[str, ...] = ()  # the team as written by the labeller, when given

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone the case's labels mention (the team, leavers and joiners), speaker included."""
        seen: dict[str, None] = {}
        for t in self.turns:
            for name in (*t.names_allowed, *t.must_name_one_of, *t.must_not_name):
                seen.setdefault(name, None)
        return tuple(seen)


def load_cases(path: Path) -> list[Case]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Case(
            team=c["team"],
            turns=tuple(
                Turn(
                    learner=t["learner"],
                    kind=t["kind"],
                    names_allowed=tuple(t["names_allowed"]),
                    must_name_one_of=tuple(t["must_name_one_of"]),
                    must_not_name=tuple(t["must_not_name"]),
                )
                for t in c["turn"]
            ),
            people_lines=tuple(c.get("people", ())),
        )
        for c in data["case"]
    ]


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "right" | "declined" | "wrong"
    outsiders: tuple[str, ...]  # people named who are not (or no longer) in the team
    why: str


def score_turn(
    turn: Turn,
    people: Sequence[str],
    text: str,
    named: Iterable[str] | None = None,
    may_mention: Iterable[str] = (),
) -> Verdict:
    """One reply's verdict. `named`: whom the tutor says it named as owner/backup/member (from
    its structured reply; else read from the text). `may_mention`: people the reply may name
    in passing though they are no longer in the team (the one who just left)."""
    in_text = [p for p in people if mentions(text, p)]
    # Only the case's people count: a placeholder of a what-if ("New hire 1") is no one's name.
    as_owner = [p for p in named if p in people] if named is not None else in_text
    excused = set(may_mention)
    outsiders = tuple(
        p
        for p in dict.fromkeys([*in_text, *as_owner])
        if p not in turn.names_allowed and not (p in excused and p not in as_owner)
    )
    banned = [p for p in as_owner if p in turn.must_not_name]
    if turn.kind == "forget" or not turn.names_allowed:
        if in_text or as_owner:
            return Verdict("wrong", outsiders, f"named {in_text or as_owner} after forgetting")
        if turn.kind == "forget" and not _FORGOT.search(text):
            return Verdict("declined", (), "did not say the team is forgotten")
        return Verdict("right", (), "")
    if outsiders or banned:
        return Verdict("wrong", outsiders, f"named {outsiders or banned} outside the team")
    if not as_owner:
        return Verdict("declined", (), "names nobody")
    if turn.must_name_one_of and not set(as_owner) & set(turn.must_name_one_of):
        return Verdict("wrong", (), f"named {as_owner}, wanted one of {turn.must_name_one_of}")
    return Verdict("right", (), "")


@dataclass
class Scorecard:
    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    outsider_replies: int = 0
    unowned_plans: int = 0  # plans leaving a critical responsibility without an owner
    failures: list[str] = field(default_factory=list)

    def add(self, turn: Turn, verdict: Verdict) -> None:
        self.outcomes[verdict.outcome] += 1
        self.by_kind.setdefault(turn.kind, Counter())[verdict.outcome] += 1
        self.outsider_replies += bool(verdict.outsiders)
        if verdict.outcome != "right":
            self.failures.append(f"[{verdict.outcome}] {turn.learner!r}: {verdict.why}")

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def right_rate(self) -> float:
        return self.outcomes["right"] / self.total if self.total else 0.0

    def table(self) -> str:
        """The confusion table: per kind of follow-up, right / declined / wrong."""
        rows = [f"{'kind':<14} {'right':>5} {'declined':>8} {'wrong':>5}"]
        for kind, c in sorted(self.by_kind.items()):
            rows.append(f"{kind:<14} {c['right']:>5} {c['declined']:>8} {c['wrong']:>5}")
        o = self.outcomes
        rows.append(f"{'all':<14} {o['right']:>5} {o['declined']:>8} {o['wrong']:>5}")
        rows.append(f"replies naming someone not in the team: {self.outsider_replies}")
        rows.append(f"plans leaving a critical responsibility unowned: {self.unowned_plans}")
        return "\n".join(rows)
