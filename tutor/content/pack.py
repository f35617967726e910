"""The lesson pack: prompts/ loaded into validated pydantic models."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tutor.content.files import load_toml, read_text
from tutor.errors import LessonPackError
from tutor.quiz.bank import QuizBank, unknown_refs
from tutor.quiz.guard import answer_key_strings
from tutor.quiz.intake import IntakeReader
from tutor.text import KINDS, Lexicon, Vocabulary

if TYPE_CHECKING:
    from tutor.knowledge import Answerer
    from tutor.planning.content import Planning
    from tutor.planning.reader import TeamReader
    from tutor.planning.talkwords import TeamTalk

SYSTEM_VARIABLES = frozenset({"lesson", "tools"})
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class GuidedPoint(BaseModel):
    name: str = Field(min_length=1)
    any_of: list[str] = Field(min_length=1)


class GuidedStep(BaseModel):
    prompt: str = Field(min_length=10)
    title: str = Field(min_length=1)
    goal: str = Field(min_length=1)
    key_points: list[GuidedPoint] = Field(min_length=1)
    uses_tool: str | None = None
    #: what the per-turn note asks a model to write for this step (one concrete task)
    explain: str = Field(min_length=10)


class Requests(BaseModel):
    """Wordings that tell the engine what a learner asks for (see prompts/guided.toml)."""

    demo: list[str] = Field(min_length=1)
    show: list[str] = Field(min_length=1)
    team: list[str] = Field(min_length=1)
    step_coverage: float = Field(gt=0, le=1)
    #: words that name a try-it prompt ("prompt 3", "the third exercise")
    step_words: list[str] = []
    #: each prompt's number after a step word ("prompt 3"), and its ordinal before one
    step_numbers: list[list[str]] = []
    step_ordinals: list[list[str]] = []
    #: a whole message that is the Next-prompt button in words ("Next prompt", "next pls")
    next_prompt: list[str] = []
    #: words a learner adds to it that change nothing ("please", "ok")
    next_fillers: list[str] = []


class Guided(BaseModel):
    steps: list[GuidedStep] = Field(min_length=3, max_length=3)
    requests: Requests


class QuickCheck(BaseModel):
    """A question the offline tutor asks back: the learner's next message answers it, graded
    by the quiz grader (`quiz` names the bank question) or read by the team planner."""

    question: str = Field(min_length=10)
    quiz: str | None = None
    planner: bool = False


class OfflineAnswers(BaseModel):
    """Authored words for the offline tutor; see prompts/offline/answers.toml."""

    label: str
    connect_hint: str
    step1: str
    step1_question: str
    step2_intro: str
    step2_outro: str
    step2_question: str
    step3_intro: str
    step3_outro: str
    step3_outro_solo: str
    step3_question: str
    assumed_roles: list[str] = Field(min_length=1)
    decline_secret: str
    greeting: str
    empty_hint: str
    quiz_intro: str
    quiz_done: str
    quiz_next: str
    quiz_next_done: str
    quiz_retry: str
    quiz_open: str
    quiz_insist: str
    quiz_own_question: str
    quiz_waiting: str
    quiz_hint: str
    quiz_remark: str
    quiz_stopped: str
    quiz_pushback: str
    quiz_why: str
    why_breaks: dict[str, str]
    checks: list[QuickCheck] = []

    @field_validator("*", mode="after")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class LessonPack(BaseModel):
    lesson: str
    system_template: str
    guided: Guided
    offline: OfflineAnswers

    @property
    def steps(self) -> list[GuidedStep]:
        return self.guided.steps

    def system_prompt(self, tool_names: list[str]) -> str:
        """The stable system prompt: persona, rules, tools and the lesson (one string shared
        by every session: about 10 KB each otherwise)."""
        return _system_prompt(self.system_template, self.lesson, tuple(tool_names))


@lru_cache(maxsize=16)
def _system_prompt(template: str, lesson: str, tool_names: tuple[str, ...]) -> str:
    values = {"lesson": lesson.strip(), "tools": ", ".join(tool_names) or "none"}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template).strip()


def check_template(name: str, template: str) -> str:
    found = set(_PLACEHOLDER.findall(template))
    unknown, missing = found - SYSTEM_VARIABLES, SYSTEM_VARIABLES - found
    if unknown:
        raise LessonPackError(
            f"prompts/{name}: unknown variable(s) {sorted(unknown)}; "
            f"allowed: {sorted(SYSTEM_VARIABLES)}."
        )
    if missing:
        raise LessonPackError(
            f"prompts/{name}: missing variable(s) {sorted(missing)} (write them as {{{{name}}}})."
        )
    return template


class ModelFamily(BaseModel):
    """One row of prompts/models.toml: what requests to a model family adapt to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    match: tuple[str, ...] = Field(min_length=1)
    tool_calls: bool
    json_mode: bool = Field(alias="json")
    reply_tokens: int = Field(ge=0)
    brief: bool

    def matches(self, model: str) -> bool:
        name = _squeezed(model)
        return all(_squeezed(word) in name for word in self.match)


def _squeezed(name: str) -> str:
    """A model name without case or separators: "Llama-3.2-3B" -> "llama3.23b"."""
    return re.sub(r"[\s_:/-]+", "", name.lower())


class ModelFamilies(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    family: tuple[ModelFamily, ...] = Field(min_length=1)


@cache
def model_families() -> ModelFamilies:
    """prompts/models.toml, validated."""
    return load_toml("models.toml", ModelFamilies)


def known_model(model: str) -> ModelFamily | None:
    """The first family of prompts/models.toml that `model` belongs to, if any."""
    return next((f for f in model_families().family if f.matches(model)), None)


@cache
def load_pack() -> LessonPack:
    """Load and validate every file of the pack once; errors name the file and field."""
    lesson = read_text("lesson.md")
    if not lesson.strip():
        raise LessonPackError("prompts/lesson.md: the lesson text is empty.")
    return LessonPack(
        lesson=lesson,
        system_template=check_template("system.md", read_text("system.md")),
        guided=load_toml("guided.toml", Guided),
        offline=load_toml("offline/answers.toml", OfflineAnswers),
    )


@cache
def lexicon() -> Lexicon:
    """The shared reader of learner text, built once from prompts/vocabulary.toml."""
    return Lexicon(load_toml("vocabulary.toml", Vocabulary))


@cache
def planning_content() -> Planning:
    """The team planner's content (prompts/responsibilities.toml) with the shared lexicon."""
    from tutor.planning.catalogue import PlanningData
    from tutor.planning.content import Planning

    return Planning(load_toml("responsibilities.toml", PlanningData), lexicon())


@cache
def team_talk() -> TeamTalk:
    """The words of follow-ups about a planned team (prompts/team_talk.toml), checked against
    the responsibility catalogue, with the planner's content."""
    from tutor.planning.talkwords import TalkData, TeamTalk

    data = load_toml("team_talk.toml", TalkData)
    planning = planning_content()
    problems = data.problems({r.id for r in planning.catalogue.responsibilities})
    if problems:
        raise LessonPackError("prompts/team_talk.toml: " + "; ".join(problems))
    return TeamTalk(planning, data)


@cache
def knowledge() -> Answerer:
    """The offline tutor's knowledge base (prompts/knowledge.toml), checked against the lesson,
    the vocabulary and the catalogue, with its retrieval index built once."""
    from tutor.demo.handoffs import LESSON_LIFECYCLE
    from tutor.knowledge import Answerer, Facts, KnowledgeData

    data = load_toml("knowledge.toml", KnowledgeData)
    lex, catalogue = lexicon(), planning_content().catalogue
    slots = {f"{kind}:{e.id}" for kind in ("role", "stage", "term") for e in lex.entries(kind)}
    problems = data.problems(
        read_text("lesson.md"),
        {stage for stage, _ in LESSON_LIFECYCLE},
        slots,
        {r.id for r in catalogue.responsibilities},
    )
    if problems:
        raise LessonPackError("prompts/knowledge.toml: " + "; ".join(problems))
    owners = {r.id: (r.name, r.stage, r.hat) for r in catalogue.responsibilities}
    steps = load_pack().guided.requests.step_words  # "prompt": the lesson's own, not a secret
    return Answerer(data, lex, Facts(dict(LESSON_LIFECYCLE), owners), steps)


@cache
def team_extraction_prompt() -> str:
    """The system prompt of the strict-JSON team-extraction request (prompts/team_extraction.md)."""
    return read_text("team_extraction.md").strip()


@cache
def team_reader() -> TeamReader:
    """The shared team reader, built once."""
    from tutor.planning.reader import TeamReader

    return TeamReader(planning_content())


@cache
def quiz_bank() -> QuizBank:
    """The quiz bank from prompts/quiz.toml, validated once (and its vocabulary references
    checked against prompts/vocabulary.toml)."""
    bank = load_toml("quiz.toml", QuizBank)
    known = {f"{kind}:{e.id}" for kind in KINDS for e in lexicon().entries(kind)}
    problems = unknown_refs(bank, known)
    if problems:
        raise LessonPackError(
            f"prompts/quiz.toml: not in prompts/vocabulary.toml: {'; '.join(problems)}."
        )
    return bank


@cache
def answer_key() -> frozenset[str]:
    """The quiz bank's distinctive answer-key strings, written as they are compared (lowercase,
    single spaces): what no request to a model may carry. The lesson is public."""
    return frozenset(
        " ".join(s.lower().split()) for s in answer_key_strings(quiz_bank(), [load_pack().lesson])
    )


@cache
def intake_reader() -> IntakeReader:
    """The shared reader of messages sent while a question is open (prompts/quiz.toml)."""
    bank = quiz_bank()
    return IntakeReader(lexicon(), bank.intake, bank.guard)
