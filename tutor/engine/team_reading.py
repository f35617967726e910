"""Reading a team with a model's help when the rules are unsure (issue 20, "a model reads").

`read_team_with_model(text, backend)`: the rules read first; only when their reading would ask
(`TeamReading.question`) and the backend answers strict JSON does one `complete_json` request go
out; its answer is checked against the text (`tutor.planning.model_reading.check`) and
reconciled with the rules' (`decide`). Any failure of the request leaves the rules' question.
Independent of session and turn: the caller plans on `TeamDecision.action == "rules"|"model"`
and sends `TeamDecision.question` otherwise.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

from tutor.content.pack import team_extraction_prompt
from tutor.content.planner import read_team
from tutor.errors import ProviderError, StructuredOutputError
from tutor.planning import Team
from tutor.planning.model_reading import (
    ModelTeam,
    TeamDecision,
    check,
    decide,
    extraction_request,
)

T = TypeVar("T", bound=BaseModel)


class JsonModel(Protocol):
    """What this needs of a backend: tutor.backends.base.Backend.complete_json."""

    async def complete_json(
        self, system: str, user: str, schema: type[T], *, timeout: float | None = None
    ) -> T: ...


async def read_team_with_model(
    text: str, backend: JsonModel | None, *, timeout: float | None = None
) -> TeamDecision:
    """The rules' reading, and the model's only when the rules would ask; TeamError when the
    rules find no team at all."""
    rules = read_team(text)
    if rules.question is None or backend is None:
        return decide(rules, None)
    system, user = extraction_request(team_extraction_prompt(), text)
    try:
        answer = await backend.complete_json(system, user, ModelTeam, timeout=timeout)
    except (ProviderError, StructuredOutputError, TimeoutError):
        return decide(rules, None)
    return decide(rules, check(answer, text))


def planned_team(decision: TeamDecision) -> Team | None:
    """The team to plan on (the rules' or the verified model's), or None when asking."""
    if decision.action == "rules":
        return decision.reading.team
    if decision.action == "model":
        people = [
            {"name": n, "roles": list(r)}
            for n, r in zip(decision.names, decision.roles, strict=True)
        ]
        return Team.build(people, decision.reading.team.product)
    return None
