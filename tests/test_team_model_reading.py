"""A model reads the team only when the rules are unsure, and code checks what it read.

With a fake model (FunctionBackend): the strict-JSON request goes out only when the rules'
reading would ask; a reading with a span the text doesn't contain is rejected; where the two
readings still disagree, the learner gets one line to answer; a verified reading that meets the
stated count is planned on."""

from __future__ import annotations

import json

from support.function_backend import FunctionBackend, Scripted

from tutor.content.planner import read_team
from tutor.engine.team_reading import planned_team, read_team_with_model
from tutor.planning.model_reading import ModelTeam, check

SURE = "Ana is a data scientist, Ben runs infra and Chen is our PM"
# Two stated, three people bound to jobs: the rules cannot make the count fit, so they ask.
UNSURE = "we're 2: Ana (DS), Ben (SRE) and Chen (PM)"


def backend(answer: dict) -> FunctionBackend:
    return FunctionBackend(lambda messages, tools: Scripted(text=json.dumps(answer)))


def person(name: str, *roles: str, me: bool = False) -> dict:
    return {"name": name, "roles": list(roles), "is_speaker": me}


async def test_a_sure_reading_sends_no_request() -> None:
    model = backend({"people": [], "stated_count": None})
    decision = await read_team_with_model(SURE, model)
    assert model.requests == []
    assert decision.action == "rules"
    assert [p.name for p in planned_team(decision).people] == ["Ana", "Ben", "Chen"]


async def test_an_unsure_reading_asks_the_model_once_with_the_text_as_data() -> None:
    assert read_team(UNSURE).question is not None
    model = backend({"people": [person("Ana", "DS"), person("Ben", "SRE")], "stated_count": 2})
    decision = await read_team_with_model(UNSURE, model)
    assert len(model.requests) == 1
    system, user = (m.content for m in model.requests[0])
    assert "JSON only" in system and json.loads(user) == {"team_description": UNSURE}
    # The verified reading meets the stated count the rules' reading missed: plan on it.
    assert decision.action == "model"
    assert [p.name for p in planned_team(decision).people] == ["Ana", "Ben"]


async def test_an_invented_span_is_rejected_and_the_rules_question_stands() -> None:
    answer = {"people": [person("Ana", "DS"), person("Dana", "SRE")], "stated_count": 2}
    assert not check(ModelTeam.model_validate(answer), UNSURE).ok
    decision = await read_team_with_model(UNSURE, backend(answer))
    assert decision.action == "ask" and "'Dana' is not in the text" in decision.why
    assert decision.question == read_team(UNSURE).question
    assert planned_team(decision) is None


async def test_a_disagreement_produces_one_line_to_answer() -> None:
    text = "Ana (DS), Ben (SRE), Chen (PM) and Dev (MLE), 3 of us"
    answer = {"people": [person("Ana"), person("Ben")], "stated_count": 3}
    decision = await read_team_with_model(text, backend(answer))
    assert decision.action == "ask"
    assert decision.question == "Is your team Ana and Ben — 2 people (you said 3)?"
    assert "\n" not in decision.question


def test_the_models_flags_count_only_where_the_text_backs_them() -> None:
    text = "Ana does ML and Ben runs infra"
    answer = {"people": [person("Ana", me=True), person("Ben")], "stated_count": 4}
    checked = check(ModelTeam.model_validate(answer), text)
    assert checked.names == ("Ana", "Ben")  # no first-person word: nobody is the speaker
    assert "the text does not state 4 people" in checked.rejected
    mine = check(ModelTeam.model_validate({"people": [person("", me=True)]}), "I do the ML")
    assert mine.names == ("Me",) and mine.ok


async def test_a_failing_model_leaves_the_rules_question() -> None:
    from tutor.errors import StructuredOutputError

    failing = FunctionBackend(
        lambda m, t: Scripted(error=StructuredOutputError("not JSON")),
    )
    decision = await read_team_with_model(UNSURE, failing)
    assert decision.action == "ask" and decision.question == read_team(UNSURE).question
