"""The turn context: what the engine tells a backend about one turn, as data.

The engine builds one `TurnContext` per request from the conversation's state and hands it to
the backend with the messages. A model reads it as the note rendered into the last learner
turn (`tutor.engine.request.context_note`); the offline tutor reads the object itself, so no
backend ever parses state back out of prose. What a backend did that the conversation must
remember (the question it asked back, the topic it answered, the questions it offered) comes
back the same way: as `TurnActs` in the response's metadata, never read out of its words.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.content.pack import GuidedStep
from tutor.planning.teamplan import TeamPlan

#: the key of `AIMessageChunk.response_metadata` a backend puts its `TurnActs` under
ACTS_KEY = "tutor_acts"

QuestionKind = Literal["quiz", "check", "team"]


class OpenQuestion(BaseModel):
    """A question the tutor asked and is waiting on: a quiz question, a quick check after a
    try-it prompt (graded against the bank question `id`), or "describe your team"."""

    model_config = ConfigDict(frozen=True)

    kind: QuestionKind
    id: str | None = None


class MessageReading(BaseModel):
    """What the engine read the learner's message as, before any backend ran (one reading,
    shared by every backend: the offline tutor never reads the message for these again)."""

    model_config = ConfigDict(frozen=True)

    #: the try-it prompt (index) the message is, verbatim or paraphrased
    step: int | None = None
    #: it asks to see or run the handoff demo
    asks_for_demo: bool = False
    #: it reads as a description of people on a team
    looks_like_team: bool = False
    #: with a quiz question or quick check open: what the message is to it ("answer",
    #: "dont_know", "question", "request", "remark", "pushback"; tutor.quiz.intake)
    while_open: str | None = None


class TurnActs(BaseModel):
    """What a backend's reply did that the conversation keeps (all optional: a model that
    reports nothing leaves the conversation with no open check, topic or offer)."""

    #: the question the reply asked back (a quick check, "describe your team")
    asked: OpenQuestion | None = None
    topic: str | None = None
    subject: str | None = None
    offered: tuple[str, ...] = Field(default=(), max_length=5)
    #: how the reply read the learner's message ("question", "answer", "ack", ...)
    act: str | None = None
    #: how it judged a claim the learner stated ("yes": right, "no": wrong, by the lesson)
    verdict: Literal["yes", "no"] | None = None


class TurnContext(BaseModel):
    """What a backend should know about this turn that the learner did not say."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    #: the try-it prompt this message is (or the last one done), 1-based; 0: none yet
    step_number: int = 0
    step: GuidedStep | None = None
    steps_total: int = 3
    #: try-it prompts whose answer completed
    steps_done: int = 0
    #: True when this message is the try-it prompt itself
    is_step_prompt: bool = False
    quiz_correct: int = 0
    quiz_answered: int = 0
    open_question: OpenQuestion | None = None
    reading: MessageReading = MessageReading()
    #: the learner's team and its plan as last planned (None: no team described yet)
    plan: TeamPlan | None = None
    #: the engine's answer to a follow-up about that plan, from the plan (the offline tutor
    #: says it; a model gets `plan_facts` and explains them)
    plan_answer: str | None = None
    plan_facts: tuple[str, ...] = ()
    #: the knowledge entry the tutor's last answer came from
    last_topic: str | None = None
    #: the stage or responsibility whose owner the tutor's last answer stated (what a bare
    #: "no, it's the data scientist" that follows is about)
    subject: str | None = None
    #: the questions the tutor offered last turn (`/ask N` picks one)
    offered: tuple[str, ...] = ()
    dropped_turns: int = 0
    #: tools the app ran for this message, with what it assumed while reading the message
    engine_ran: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    #: with a model: the offline tutor's answer to this message when it has one it is sure
    #: of (a knowledge entry over its calibrated threshold, a correction, a refusal), for the
    #: model to say in its own words; and what that answer was about (topic, subject), which
    #: the conversation keeps when the model reports nothing
    lesson_answer: str | None = None
    lesson_acts: TurnActs | None = None

    @property
    def lesson_done(self) -> bool:
        return self.steps_done >= self.steps_total

    @property
    def pending_quiz(self) -> str | None:
        """The id of the quiz question waiting for an answer, if one is."""
        question = self.open_question
        return question.id if question is not None and question.kind == "quiz" else None
