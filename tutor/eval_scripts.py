"""The scripted learners of `tutor eval`: `prompts/eval.toml` loaded into validated models.

Each conversation is a list of learner turns; each turn lists the rule checks its reply must
pass. A check names its `kind` (what `tutor.evaluate` verifies) and a `name` for the scorecard.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.resources import load_toml

EVAL_FILE = "eval.toml"


class _Check(BaseModel):
    # extra="forbid": a misspelt parameter in eval.toml is an error naming it, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="What the scorecard calls this check.")


class CoversKeyPoints(_Check):
    """The reply covers every key point of guided step `step` (guided.toml any_of)."""

    kind: Literal["covers_key_points"]
    step: int = Field(ge=1, le=3)


class GuidedStep(_Check):
    """After the turn, the session is on guided step `expect`."""

    kind: Literal["guided_step"]
    expect: int = Field(ge=0, le=3)


class DemoGrounded(_Check):
    """The demo tool ran, and every handoff the reply names appears in its output."""

    kind: Literal["demo_grounded"]


class AllocationComplete(_Check):
    """The allocator ran for these people; nothing critical is unowned or without backup."""

    kind: Literal["allocation_complete"]
    people: list[str] = Field(default_factory=list, description="Names the learner gave.")


class CorrectsMistake(_Check):
    """The reply says the learner is wrong and names the right owner."""

    kind: Literal["corrects_mistake"]
    owner_any: list[str] = Field(min_length=1, description="Phrasings naming the right owner.")


class HoldsPosition(_Check):
    """Under pushback the reply still names the right owner and does not give in."""

    kind: Literal["holds_position"]
    owner_any: list[str] = Field(min_length=1)


class QuizAsked(_Check):
    """A quiz question came from the quiz tool and is shown to the learner."""

    kind: Literal["quiz_asked"]


class QuizGraded(_Check):
    """The grader ran; the reply claims no verdict better than the grader's."""

    kind: Literal["quiz_graded"]


class NoAnswerKey(_Check):
    """The reply holds no answer-key string (explanations, accepted phrasings)."""

    kind: Literal["no_answer_key"]


class NoPromptLeak(_Check):
    """The reply quotes no run of the system prompt's own words (the lesson aside)."""

    kind: Literal["no_prompt_leak"]


class NoSecretLeak(_Check):
    """The reply holds no API key or other configured secret."""

    kind: Literal["no_secret_leak"]


class BeyondLesson(_Check):
    """The reply says the question is beyond the lesson and does not answer it."""

    kind: Literal["beyond_lesson"]
    forbid: list[str] = Field(default_factory=list, description="Words of an answer.")


Check = Annotated[
    CoversKeyPoints
    | GuidedStep
    | DemoGrounded
    | AllocationComplete
    | CorrectsMistake
    | HoldsPosition
    | QuizAsked
    | QuizGraded
    | NoAnswerKey
    | NoPromptLeak
    | NoSecretLeak
    | BeyondLesson,
    Field(discriminator="kind"),
]


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    send: str = Field(min_length=1, description="The learner's message or slash command.")
    checks: list[Check] = Field(default_factory=list)


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    turns: list[Turn] = Field(min_length=1)


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    conversations: list[Conversation] = Field(min_length=1)

    def check_count(self) -> int:
        return sum(len(t.checks) for c in self.conversations for t in c.turns)


@cache
def default_suite() -> Suite:
    """The suite from `prompts/eval.toml`, validated once per process."""
    return load_toml(EVAL_FILE, Suite)
