"""langchain-core tools: thin wrappers that let a model call the pure domain code."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError

from tutor.content.files import describe_validation
from tutor.content.pack import lexicon
from tutor.content.planner import allocate
from tutor.demo import handoffs
from tutor.errors import TutorError
from tutor.planning import Allocation, Person, Team
from tutor.planning.model import Availability
from tutor.quiz import JsonModel, QuizBank, QuizState, ask, grade_async, left_to_ask
from tutor.quiz.topics import questions_about
from tutor.tools.names import ToolName

# Short names for the enum's members, as the engine and backends have always used them.
DEMO, ALLOCATE, ASK, GRADE = ToolName.DEMO, ToolName.ALLOCATE, ToolName.ASK, ToolName.GRADE


class StageIn(BaseModel):
    stage: str = Field(description="Lifecycle stage, e.g. 'build data pipeline'.")
    owner: str = Field(description="Who owns it; join shared owners with ' + '.")


class DemoArgs(BaseModel):
    """Run the lesson's handoff demo and analyse each handoff (full or partial)."""

    lifecycle: list[StageIn] | None = Field(
        None,
        description="Optional custom lifecycle; omit to run the lesson's own demo.",
        max_length=50,
    )


class PersonIn(BaseModel):
    name: str = Field(description="The person's name, or 'Person 1' if unnamed.")
    roles: list[str] = Field(
        default_factory=list,
        description="Their roles or skills as the learner said them, e.g. ['data scientist'].",
    )
    availability: Availability = Field(
        "full-time",
        description="'part-time' or 'contractor' when the learner says so (never the only "
        "one on call); else 'full-time'.",
    )


class AllocateArgs(BaseModel):
    """Allocate every MLOps responsibility across a team, verified: nothing critical unowned."""

    people: list[PersonIn] = Field(description="Everyone on the team.")
    product: Literal["llm", "ml"] = Field(
        "llm", description="'llm' for an LLM product, 'ml' for a classic ML model."
    )


def allocate_args(team: Team) -> dict[str, Any]:
    """The planner's arguments for a team read by the engine or the offline tutor (its
    availability too: a part-timer or contractor is never the only one on call)."""
    people = [
        {"name": p.name, "roles": list(p.roles), "availability": p.availability}
        for p in team.people
    ]
    return {"people": people, "product": team.product}


class AskArgs(BaseModel):
    """Get the next quiz question for the learner (the answer key stays hidden)."""

    about: str | None = Field(
        None, description="What the learner asked to be quizzed on, in their words (optional)."
    )


class GradeArgs(BaseModel):
    """Grade the learner's answer to a quiz question; returns the verdict and a hint."""

    question_id: str = Field(description="The id returned by ask_quiz_question.")
    answer: str = Field(description="The learner's answer, verbatim.")


class QuizSource(Protocol):
    """Where the quiz tools read and keep the learner's quiz: the conversation."""

    quiz: QuizState
    guided_step: int


@dataclass(frozen=True)
class QuizTools:
    """What the quiz tools need: the learner's conversation (its quiz state and guided step),
    the bank, and the model grader (None: rules only)."""

    conversation: QuizSource
    bank: QuizBank
    grader: JsonModel | None = None


def grader_model(profile: Any, backend: JsonModel) -> JsonModel | None:
    """The backend as the quiz's model grader, when it can answer strict JSON."""
    if profile.offline or not profile.supports_json:
        return None
    return backend


def demo_tool_output(lifecycle: list[Any] | None = None) -> str:
    output = handoffs.run_handoff_demo(lifecycle)
    analysis = handoffs.analyze_handoffs(lifecycle)
    return f"{output}\n{analysis.render_text()}"


@dataclass(frozen=True)
class DemoRun:
    """What the app shows of a demo run: its printed output and a one-line summary."""

    output: str
    summary: str


def run_demo(lifecycle: list[StageIn] | None = None) -> tuple[str, DemoRun]:
    """(output plus handoff analysis for the model, the run for the app)."""
    pairs = [(s.stage, s.owner) for s in lifecycle] if lifecycle else None
    analysis = handoffs.analyze_handoffs(pairs)
    summary = analysis.render_text().split("\n", 1)[0]
    return demo_tool_output(pairs), DemoRun(handoffs.run_handoff_demo(pairs), summary)


def allocate_people(people: list[PersonIn], product: str = "llm") -> tuple[str, Allocation]:
    team = Team(
        people=[Person(name=p.name, roles=p.roles, availability=p.availability) for p in people],
        product=product,
    )
    allocation = allocate(team)
    # The learner is shown the table (the artifact); the model reads the same facts, compact.
    return allocation.render_for_model(), allocation


def build_tools(quiz: QuizTools) -> list[BaseTool]:
    """The session's tools; the quiz tools close over this learner's own conversation. They
    return data: the engine records a grade (the artifact) after the turn."""
    conversation, bank = quiz.conversation, quiz.bank

    def ask_question(about: str | None = None) -> str:
        step = conversation.guided_step or None
        among = questions_about(lexicon(), bank, about) if about else None
        question = ask(bank, conversation.quiz, step=step, among=among)
        if question is None:
            return json.dumps({"done": True, "message": "Every question is mastered."})
        topic_left, not_mastered = left_to_ask(bank, conversation.quiz, question)
        view = question.public().model_dump()
        return json.dumps({**view, "topic_left": topic_left, "not_mastered": not_mastered})

    async def grade_answer(question_id: str, answer: str) -> tuple[str, dict[str, Any]]:
        # Rules first; a free-text answer they cannot decide goes to the model grader, a
        # separate strict-JSON request (tutor.quiz.model_grader), never this conversation.
        question = bank.get(question_id)
        result = await grade_async(
            question, answer, conversation.quiz, lexicon(), bank.guard, quiz.grader
        )
        # The model gets the verdict and hint only; the explanation is for the learner.
        return json.dumps(result.for_model()), result.model_dump()

    return [
        make_tool(DEMO, run_demo, DemoArgs, with_artifact=True),
        make_tool(ALLOCATE, allocate_people, AllocateArgs, with_artifact=True),
        make_tool(ASK, ask_question, AskArgs),
        make_tool(GRADE, grade_answer, GradeArgs, with_artifact=True),
    ]


def make_tool(
    name: str, func: Callable[..., Any], schema: type[BaseModel], with_artifact: bool = False
) -> BaseTool:
    # A coroutine (the quiz grader may ask the model grader) runs through `ainvoke`.
    is_async = inspect.iscoroutinefunction(func)
    return StructuredTool.from_function(
        func=None if is_async else func,
        coroutine=func if is_async else None,
        name=name,
        description=(schema.__doc__ or name).strip(),
        args_schema=schema,
        response_format="content_and_artifact" if with_artifact else "content",
    )


@dataclass(frozen=True)
class ToolOutcome:
    """`content` goes to the model; `artifact` stays with the app (learner-facing data)."""

    content: str
    ok: bool
    artifact: Any = None


async def run_tool(tool: BaseTool, args: dict[str, Any], call_id: str = "call") -> ToolOutcome:
    """Run a tool (sync or coroutine); bad arguments or a failure come back as text for the
    model, not a crash."""
    call = {"name": tool.name, "args": args, "id": call_id, "type": "tool_call"}
    try:
        message = await tool.ainvoke(call)
    except ValidationError as exc:
        return ToolOutcome(
            f"Error: invalid arguments for {tool.name}: {describe_validation(exc)}", False
        )
    except TutorError as exc:
        return ToolOutcome(f"Error: {exc}", False)
    except Exception as exc:  # a tool bug must not end the learner's session
        return ToolOutcome(f"Error: the tool {tool.name} failed ({type(exc).__name__}).", False)
    return ToolOutcome(str(message.content), True, getattr(message, "artifact", None))
