"""One learner's conversation: the messages a model sees and the state the tutor keeps.

`Conversation` is the one object for it. The turn path appends to its history; what a turn
did to the state (a step done, a quiz graded, a question asked back, a team planned, a topic
answered, questions offered) is applied by `Conversation.after_turn` from data — the turn's
tool results and the backend's `TurnActs` — never read back from the tutor's words. The store
persists the state with the progress (`DialogueState` as JSON), so a reload, a restart or
another process gives back the same conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from tutor.backends.context import OpenQuestion, TurnActs
from tutor.errors import TeamError
from tutor.planning import Team
from tutor.planning.talk import PlanReply
from tutor.planning.teamplan import TeamPlan
from tutor.quiz import QuizState
from tutor.tools.names import ToolName

#: how many of the learner's recent acts the state keeps
RECENT_ACTS = 5


class DialogueState(BaseModel):
    """What the tutor remembers between turns besides messages, progress and the quiz."""

    #: a quick check or "describe your team" asked by the last reply (quiz questions are the
    #: quiz state's `current`)
    open_check: OpenQuestion | None = None
    #: the learner's team and its plan as last planned (pins: the learner's own choices)
    plan: TeamPlan | None = None
    #: what the last follow-up about the plan was about (responsibility ids per topic)
    plan_topics: list[list[str]] = []
    last_topic: str | None = None
    subject: str | None = None
    offered: list[str] = []
    recent_acts: list[str] = []
    #: the learner was told that a team description goes to the hosted model's provider
    privacy_told: bool = False

    def after(
        self, acts: TurnActs, plan: TeamPlan | None, keep_open: bool = False
    ) -> DialogueState:
        """The state after a learner turn whose reply did `acts` (and planned `plan`); with
        `keep_open` (the message was not an answer to it) the open check stays open."""
        return DialogueState(
            open_check=acts.asked or (self.open_check if keep_open else None),
            plan=plan or self.plan,
            plan_topics=self.plan_topics,
            last_topic=acts.topic or self.last_topic,
            subject=acts.subject,
            offered=list(acts.offered),
            recent_acts=[*self.recent_acts, acts.act][-RECENT_ACTS:]
            if acts.act
            else self.recent_acts,
            privacy_told=self.privacy_told,
        )


@dataclass
class Conversation:
    """The messages (tool calls and results included) and the state of one conversation."""

    history: list[BaseMessage] = field(default_factory=list)
    #: try-it prompts whose answer completed
    guided_step: int = 0
    quiz: QuizState = field(default_factory=QuizState)
    dialogue: DialogueState = field(default_factory=DialogueState)
    #: turns dropped from memory by `compact` (they stay in the store)
    trimmed_turns: int = 0
    #: the last learner message whose turn did not complete (what /retry sends)
    retry_text: str | None = None

    @property
    def open_question(self) -> OpenQuestion | None:
        """What the tutor is waiting on: the open quiz question first, else a check."""
        if self.quiz.current:
            return OpenQuestion(kind="quiz", id=self.quiz.current)
        return self.dialogue.open_check

    def after_turn(
        self,
        *,
        step: int | None,
        complete: bool,
        acts: TurnActs | None,
        tools: list[dict[str, Any]],
        talk: PlanReply | None = None,
        keep_open: bool = False,
        told_privacy: bool = False,
    ) -> None:
        """Apply a learner turn's outcome: a try-it prompt counts only when answered in full;
        the dialogue state follows the reply's acts, the team it planned and what a follow-up
        about the plan changed (an edit answered in full keeps the new plan; a what-if keeps
        the old one; "forget my team" drops it, even when stopped: a privacy request);
        `told_privacy`: the reply said the privacy notice."""
        if complete and step is not None and step == self.guided_step:
            self.guided_step += 1
        team = planned_team(tools)
        plan = TeamPlan(team=team) if team is not None else None
        # An edit holds only when its answer was given in full: a stopped "Maya is leaving"
        # leaves Maya on the team, so Retry answers the same message the same way.
        if talk is not None and talk.plan is not None and not talk.what_if and complete:
            plan = talk.plan
        self.dialogue = self.dialogue.after(acts or TurnActs(), plan, keep_open)
        # What this follow-up was about, for the next one; a new team has had none yet.
        topics = [list(t) for t in talk.topics] if talk is not None else []
        if topics or team is not None:
            self.dialogue = self.dialogue.model_copy(update={"plan_topics": topics})
        forget = talk is not None and talk.forget
        if forget or told_privacy:
            update: dict[str, Any] = {"plan": None, "plan_topics": []} if forget else {}
            self.dialogue = self.dialogue.model_copy(
                update=update | ({"privacy_told": True} if told_privacy else {})
            )

    def reset(self) -> None:
        self.history.clear()
        self.guided_step, self.trimmed_turns, self.retry_text = 0, 0, None
        self.quiz, self.dialogue = QuizState(), DialogueState()


def planned_team(tools: list[dict[str, Any]]) -> Team | None:
    """The team of the last successful planner run of a turn (its arguments), if any."""
    for record in reversed(tools):
        if record.get("name") == ToolName.ALLOCATE and record.get("ok"):
            args = record.get("args") or {}
            try:
                return Team.build(args.get("people") or [], args.get("product") or "llm")
            except TeamError:
                return None
    return None
