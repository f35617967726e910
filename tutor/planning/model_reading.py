"""A model's reading of a team description, checked by code before it counts.

When the rules are unsure (`TeamReading.question` is set, or its confidence is low), a model is
asked, in one strict-JSON request, for the people it reads: each with the name exactly as
written (a verbatim span), the role words as written, whether that person is the speaker, and
the head count the text states. Code then checks the answer against the text — every span
occurs in it, a speaker is only "Me" where the text has a first-person word, the count is a
number the text contains — and never trusts the model's own flags beyond what the text shows.
`decide` reconciles the verified reading with the rules': plan on the rules, plan on the
model, or ask one line. Pure: the caller sends the request (see tutor.engine.team_reading).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from tutor.planning.doubts import question
from tutor.planning.model import MAX_PEOPLE
from tutor.planning.reader import TeamReading
from tutor.text import is_speaker, normalize

SPEAKER = "Me"
_FIRST_PERSON = frozenset({"i", "me", "myself", "my", "we", "our", "us"})


class ModelPerson(BaseModel):
    name: str = Field("", max_length=80, description="the name exactly as written; '' if none")
    roles: list[str] = Field(default_factory=list, max_length=10)
    is_speaker: bool = False


class ModelTeam(BaseModel):
    """The strict-JSON answer of the team-extraction request."""

    people: list[ModelPerson] = Field(default_factory=list, max_length=MAX_PEOPLE)
    stated_count: int | None = Field(None, ge=1, le=1000)
    is_team: bool = True


@dataclass(frozen=True)
class Checked:
    """A model's reading after code checked it: the people's names (speaker "Me", unnamed
    "Person N"), their role words, and why it was rejected (empty when it checks out)."""

    names: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]
    stated: int | None
    rejected: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.rejected


@dataclass(frozen=True)
class TeamDecision:
    """What to do with a description: plan on the rules' team, on the model's, or ask."""

    action: Literal["rules", "model", "ask"]
    reading: TeamReading
    names: tuple[str, ...] = ()
    roles: tuple[tuple[str, ...], ...] = ()
    question: str | None = None
    why: str = ""


def extraction_request(system: str, text: str) -> tuple[str, str]:
    """(system, user) of the request: the learner's text goes as quoted data."""
    return system, json.dumps({"team_description": text}, ensure_ascii=False)


def check(answer: ModelTeam, text: str) -> Checked:
    """Verify every span against the text; the model's own booleans count only where the
    text backs them (a speaker needs a first-person word; a count needs its number)."""
    problems: list[str] = []
    names: list[str] = []
    roles: list[tuple[str, ...]] = []
    speaks = bool(set(normalize(text)) & _FIRST_PERSON)
    for k, person in enumerate(answer.people, start=1):
        name = " ".join(person.name.split())
        if name and not _occurs(name, text):
            problems.append(f"the name {name!r} is not in the text")
        if any(r.strip() and not _occurs(r, text) for r in person.roles):
            problems.append(f"a role of {name or 'someone'} is not in the text")
        speaker = person.is_speaker and speaks and (not name or is_speaker(name) or _me(name))
        names.append(SPEAKER if speaker else (name or f"Person {k}"))
        roles.append(tuple(r.strip() for r in person.roles if r.strip()))
    if answer.stated_count is not None and not _states(answer.stated_count, text):
        problems.append(f"the text does not state {answer.stated_count} people")
    if len({n.casefold() for n in names}) != len(names):
        problems.append("the same person twice")
    return Checked(tuple(names), tuple(roles), answer.stated_count, tuple(problems))


def decide(rules: TeamReading, model: Checked | None) -> TeamDecision:
    """Plan on the rules when they are sure, or when a verified model reading names the same
    people; plan on the model when its reading resolves the doubt (it meets the stated count
    the rules' reading misses); else ask one line."""
    if rules.question is None:
        return TeamDecision("rules", rules, why="the rules are sure")
    if model is None or not model.ok or not model.names:
        why = "; ".join(model.rejected) if model else "no model reading"
        return TeamDecision("ask", rules, question=rules.question, why=why)
    mine = [p.name.casefold() for p in rules.team.people]
    if mine == [n.casefold() for n in model.names]:
        return TeamDecision("rules", rules, why="the model reads the same people")
    stated = rules.stated if rules.stated is not None else model.stated
    if stated is not None and len(model.names) == stated != len(mine):
        return TeamDecision("model", rules, model.names, model.roles, why="it meets the count")
    ask = question(list(model.names), stated)
    return TeamDecision("ask", rules, question=ask, why="the readings disagree")


def _occurs(span: str, text: str) -> bool:
    """The span is in the text, ignoring case and runs of spaces."""
    words = [re.escape(w) for w in span.split()]
    return bool(words) and re.search(r"\s+".join(words), text, re.IGNORECASE) is not None


def _me(name: str) -> bool:
    return name.casefold() in {"i", "me", "myself"}


def _states(count: int, text: str) -> bool:
    return str(count) in normalize(text)
