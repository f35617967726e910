"""Scoring the team reader on a labelled file of team descriptions (and messages that are not
teams). Shared by the tests of each labelled file; `python -m pytest -s` prints the report.

Label format (tests/data/independent/teams.toml and tests/data/teams.toml):
  is_team  whether the message describes the learner's team
  people   "Name: role words" in order; "Me" is the speaker, "Person N" an unnamed teammate
  hats     "Name: codes" (P DS DE ML SRE), "-" for no MLOps hat, "?" when the text doesn't say

A team is read exactly when the reader finds the same people, in any order (names compare
ignoring case, accents kept; unnamed teammates as a pool) and each person's hats, read from
the role words the text gives them (no default split), are the labelled ones wherever the
label is not "?".
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tutor.content.pack import planning_content
from tutor.content.planner import looks_like_team, read_team
from tutor.errors import TeamError
from tutor.planning import TeamReading

DATA = Path(__file__).parent / "data"
CODES = {"P": "Product", "DS": "Data Scientist", "DE": "Data Engineer", "ML": "ML Engineer"}
CODES["SRE"] = "SRE/Platform"
SKILLS = planning_content().skills


def load(path: Path) -> list[dict]:
    return tomllib.loads(path.read_text())["case"]


# A title is part of how someone is addressed, not of who they are: "Dr. Adebayo Ogunleye"
# and "Adebayo Ogunleye" are one person (the batches label titles either way).
_TITLE = re.compile(r"^(?:dr|prof|professor|mr|mrs|ms|mx)\.?\s+")


def _name(name: str) -> str:
    return _TITLE.sub("", name.strip().casefold())


def wanted(case: dict) -> list[tuple[str, frozenset[str] | None]]:
    """(casefolded name, hats or None for '?') for each labelled person."""
    people = []
    for item in case["hats"]:
        name, codes = item.rsplit(":", 1)
        codes = codes.split()
        hats = None if codes == ["?"] else frozenset(CODES[c] for c in codes if c != "-")
        people.append((_name(name), hats))
    return people


def got(reading: TeamReading) -> list[tuple[str, frozenset[str]]]:
    return [(_name(p.name), frozenset(SKILLS.hats(p.roles))) for p in reading.team.people]


def asks(reading: TeamReading) -> bool:
    """Whether the tutor asks the learner instead of planning on this reading."""
    return reading.question is not None


@dataclass
class Score:
    """What the reader did on one labelled file."""

    teams: int = 0
    exact: int = 0
    names_wrong: int = 0  # same count, another name or order
    hats_wrong: int = 0  # right people, some hat wrong
    dropped: int = 0  # labelled people the reading lacks
    invented: int = 0  # people in the reading the label lacks
    asked: int = 0
    not_teams: int = 0
    planned: int = 0  # non-teams that look like a team to the planner
    confident: int = 0  # teams read without asking: planned as read
    confident_exact: int = 0  # of those, read exactly
    misses: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.teams + self.not_teams

    @property
    def precision(self) -> float:
        """The share of confident readings (planned without asking) that are exact: a wrong
        team shown as a computed table is the worst outcome."""
        return self.confident_exact / max(self.confident, 1)

    def add(self, other: Score) -> Score:
        total = Score()
        for name in vars(total):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        return total

    def report(self, title: str) -> str:
        lines = [
            f"{title}: {self.exact}/{self.teams} teams read exactly "
            f"({self.exact / max(self.teams, 1):.1%}); asked on {self.asked}/{self.cases} "
            f"({self.asked / max(self.cases, 1):.1%})",
            f"  confusion (teams): exact {self.exact}, names wrong {self.names_wrong}, "
            f"hats wrong {self.hats_wrong}, people dropped {self.dropped}, "
            f"people invented {self.invented}",
            f"  not teams: {self.not_teams - self.planned} left alone, {self.planned} planned",
            f"  confident readings: {self.confident_exact}/{self.confident} exact "
            f"(precision {self.precision:.1%})",
        ]
        return "\n".join(lines + [f"  miss: {m}" for m in self.misses])


Reader = Callable[[str], TeamReading]


def read_as_written(text: str) -> TeamReading:
    """The reading of the text alone: no default split for people without roles."""
    return read_team(text, assume=False)


def score(cases: list[dict], reader: Reader = read_as_written) -> Score:
    s = Score()
    for case in cases:
        if not case["is_team"]:
            s.not_teams += 1
            planned = looks_like_team(case["text"])
            s.planned += planned
            if planned:
                s.misses.append(f"planned a non-team: {case['text'][:70]!r}")
            continue
        s.teams += 1
        _score_team(s, case, reader)
    return s


def _score_team(s: Score, case: dict, reader: Reader) -> None:
    want = wanted(case)
    try:
        reading = reader(case["text"])
    except TeamError as exc:
        s.dropped += len(want)
        s.misses.append(f"refused ({exc}): {case['text'][:70]!r}")
        return
    have = got(reading)
    s.asked += asks(reading)
    confident = not asks(reading)
    s.confident += confident
    names_w = Counter(_who(n) for n, _ in want)
    names_g = Counter(_who(n) for n, _ in have)
    s.dropped += sum((names_w - names_g).values())
    s.invented += sum((names_g - names_w).values())
    if names_w != names_g:
        s.names_wrong += len(have) == len(want)
        s.misses.append(f"people {[n for n, _ in have]} != {[n for n, _ in want]}")
        return
    wrong = _hats_wrong(want, have)
    if wrong:
        s.hats_wrong += 1
        s.misses.append(f"hats {wrong} in {case['text'][:60]!r}")
        return
    s.exact += 1
    s.confident_exact += confident


_UNNAMED = re.compile(r"person \d+")


def _who(name: str) -> str:
    """People compare by name; unnamed teammates ("Person 3") as one kind, since their
    number is only their place in a list, and order is not part of reading a team."""
    return "(unnamed)" if _UNNAMED.fullmatch(name) else name


def _hats_wrong(want: list, have: list) -> list[tuple[str, list, list]]:
    """(name, got, wanted) for each person whose hats differ; unnamed teammates match as a
    pool (any one with the wanted hats), "?" matches anything."""
    got_by = {n: h for n, h in have if _who(n) != "(unnamed)"}
    pool = [h for n, h in have if _who(n) == "(unnamed)"]
    wrong = []
    for name, hats in want:
        if hats is None:
            continue
        if _who(name) != "(unnamed)":
            if got_by[name] != hats:
                wrong.append((name, sorted(got_by[name]), sorted(hats)))
        elif hats in pool:
            pool.remove(hats)
        else:
            wrong.append((name, sorted(map(sorted, pool)), sorted(hats)))
    return wrong
