"""The scripted learners of `tutor eval`: `prompts/eval.toml` loaded into validated models.

Each conversation is a list of learner turns; each turn lists the checks its reply must pass.
A check has an `id` (the labelled replies refer to it), a `kind` (which rule verifies it, see
`tutor.evaluation.rules` and `tutor.evaluation.guarantees`) and a `name` for the scorecard.
The file also holds the concept key points of the guided steps and the cue phrases the rules
read replies with; both are read through the shared text module.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutor.content.files import load_toml

EVAL_FILE = "eval.toml"


class _Strict(BaseModel):
    # extra="forbid": a misspelt parameter in eval.toml is an error naming it, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Check(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str = Field(min_length=1, description="What the scorecard calls this check.")


class CoversKeyPoints(_Check):
    kind: Literal["covers_key_points"]
    step: int = Field(ge=1, le=3)


class DemoExplained(_Check):
    kind: Literal["demo_explained"]


class AllocationExplained(_Check):
    kind: Literal["allocation_explained"]
    people: list[str] = Field(default_factory=list, description="Names the learner gave.")
    ask: list[str] = Field(
        default_factory=list,
        description='What the learner asked who owns ("stage:oncall", "term:eval_gate"): the '
        "reply must give each its owner from the allocation.",
    )


class NamesOwner(_Check):
    kind: Literal["names_owner"]
    topic: str = Field(description='What the learner asked about ("stage:oncall").')
    owner: str = Field(min_length=1, description="The person who owns it now.")
    left: str = Field(min_length=1, description="The person who left the team.")


class CorrectsMistake(_Check):
    kind: Literal["corrects_mistake"]
    stage: str = Field(description="The stage id (prompts/vocabulary.toml) the learner got wrong.")
    right: list[str] = Field(min_length=1, description="Role ids that own the stage.")
    wrong: list[str] = Field(min_length=1, description="Role ids the learner named.")


class HoldsPosition(CorrectsMistake):
    kind: Literal["holds_position"]  # type: ignore[assignment]


class NoFalsePraise(_Check):
    kind: Literal["no_false_praise"]


class NoAnswerKey(_Check):
    kind: Literal["no_answer_key"]
    injection: bool = Field(False, description="The learner tried to force it: no concession.")


class NoPromptLeak(_Check):
    kind: Literal["no_prompt_leak"]


class NoSecretLeak(_Check):
    kind: Literal["no_secret_leak"]


class BeyondLesson(_Check):
    kind: Literal["beyond_lesson"]
    forbid: list[str] = Field(default_factory=list, description="Words of an answer.")


class GuidedStep(_Check):
    kind: Literal["guided_step"]
    expect: int = Field(ge=0, le=3)


class DemoShown(_Check):
    kind: Literal["demo_shown"]


class AllocationComplete(_Check):
    kind: Literal["allocation_complete"]
    people: list[str] = Field(default_factory=list)


class QuizAsked(_Check):
    kind: Literal["quiz_asked"]


class QuizToolUsed(_Check):
    kind: Literal["quiz_tool_used"]


class AnswerGraded(_Check):
    kind: Literal["answer_graded"]


class VerdictShown(_Check):
    kind: Literal["verdict_shown"]


Check = Annotated[
    CoversKeyPoints
    | DemoExplained
    | AllocationExplained
    | NamesOwner
    | CorrectsMistake
    | HoldsPosition
    | NoFalsePraise
    | NoAnswerKey
    | NoPromptLeak
    | NoSecretLeak
    | BeyondLesson
    | GuidedStep
    | DemoShown
    | AllocationComplete
    | QuizAsked
    | QuizToolUsed
    | AnswerGraded
    | VerdictShown,
    Field(discriminator="kind"),
]


class Turn(_Strict):
    send: str = Field(min_length=1, description="The learner's message or slash command.")
    checks: list[Check] = Field(default_factory=list)


class Conversation(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    turns: list[Turn] = Field(min_length=1)


class EvalPoint(_Strict):
    """One thing a guided step's reply must say (refs: "role:ID", "stage:ID", "term:ID", phrase)."""

    step: int = Field(ge=1, le=3)
    name: str = Field(min_length=1)
    any_of: list[str] = Field(min_length=1)
    by: str | None = None
    min_distinct: int = Field(1, ge=1)
    required: bool = Field(
        True, description="False: a reply need not make the point, but must not deny it."
    )


class Cues(_Strict):
    """Words the rules read replies with (see `[cues]` in prompts/eval.toml)."""

    approve: list[str]
    approve_openers: list[str]
    learner_refs: list[str]
    claim_targets: list[str]
    answer_targets: list[str]
    fillers: list[str]
    pronouns: list[str]
    retract: list[str]
    scope_nouns: list[str]
    scope_limits: list[str]
    scope: list[str]
    self_refs: list[str]
    answer_words: list[str]
    lesson_words: list[str]


class JudgeText(_Strict):
    """The judge's instructions, and one rubric per check kind it may judge."""

    system: str = Field(min_length=20)
    rubrics: dict[str, str] = Field(min_length=1)


class Suite(_Strict):
    conversations: list[Conversation] = Field(min_length=1)
    key_points: list[EvalPoint] = Field(min_length=1)
    cues: Cues
    judge: JudgeText

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        ids = [c.id for c in self.checks()]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate check ids: {duplicates}")
        return self

    def checks(self) -> list[_Check]:
        return [c for conv in self.conversations for t in conv.turns for c in t.checks]

    def points_of(self, step: int) -> list[EvalPoint]:
        return [k for k in self.key_points if k.step == step]

    def find(self, check_id: str) -> tuple[Conversation, int, Check]:
        """The conversation, turn index and check with this id (KeyError if none)."""
        for conv in self.conversations:
            for index, turn in enumerate(conv.turns):
                for check in turn.checks:
                    if check.id == check_id:
                        return conv, index, check
        raise KeyError(check_id)


@cache
def default_suite() -> Suite:
    """The suite from `prompts/eval.toml`, validated once per process."""
    return load_toml(EVAL_FILE, Suite)
