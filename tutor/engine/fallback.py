"""The offline tutor's answer on a model's turn: handed to the model before it speaks, and put
on top when its reply fails the checks — never worse than offline.

Before the request (`with_lesson_answer`), the offline tutor reads the learner's message; when
it has an answer it is sure of, the note quotes it for the model to say in its own words.
After a model's reply has streamed, it is checked: the fact checker (a wrong owner, an invented
handoff), the open question's answer given away, and the usefulness checks
(`tutor.facts.usefulness`: empty, only a question, an echo of the learner or of the note, a
repeat, nothing about what was asked). When it fails, the offline tutor's answer to the same
request — deterministic, about a millisecond — goes on top, marked as coming from the lesson,
and the model's words are folded below it, kept. An offline decline never replaces a model
reply that passes the checks (it only ever replaces one that fails them).
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage

from tutor.backends.context import TurnActs, TurnContext
from tutor.backends.offline import OfflineBackend, Reply
from tutor.content.pack import answer_key, lexicon, quiz_bank
from tutor.errors import InputError
from tutor.facts import FactIssue
from tutor.facts.usefulness import Usefulness, usefulness
from tutor.quiz import Question, assess

#: the offline tutor's acts whose words a model is given to say in its own: a sure answer
#: from the lesson (a knowledge entry over its threshold, a correction that holds) and a
#: refusal of a request for secrets. Never a decline (the model may know better from the
#: lesson), an acknowledgement (nothing to ground) or a team reading (planned by the engine).
GUIDING_ACTS = ("answered", "refused")
GIVES_AWAY = "gives away the answer to the question the learner is working on"

FROM_LESSON_MARK = "**From the lesson**"
# `reason` reads after "the model's reply": "echoes the learner's message", "names the Data
# Scientist as owner of on-call / incidents; the lesson says SRE/Platform".
FROM_LESSON = FROM_LESSON_MARK + " — the model's reply {reason}. Here is the lesson's answer:"
# When the lesson's answer is a decline: the model's reply is withheld, and nothing is claimed.
FROM_LESSON_NONE = (
    FROM_LESSON_MARK + " — the model's reply {reason}, so it is not shown; the lesson's own "
    "answers don't cover this one:"
)
# When the app already showed everything the lesson's answer says (a plan's table and its lead).
FROM_LESSON_ABOVE = (
    FROM_LESSON_MARK + " — the model's reply {reason}; the answer above is the lesson's."
)


def judge_reply(
    model_text: str,
    issues: Sequence[FactIssue],
    *,
    learner: str,
    note: str,
    previous: str,
    lesson: str,
    asked_for_question: bool = False,
    app_output: str = "",
    step_points: Sequence[Sequence[str]] = (),
    question: Question | None = None,
) -> Usefulness:
    """Why a model's reply fails the checks (useless with a reason), or useful. A wrong fact
    is named first: it says plainly what was wrong, where "echoes the learner" would not.
    `question`: the quiz question or quick check the learner is working on, whose answer the
    reply must not give."""
    if issues:
        return Usefulness(True, issues[0].reason)
    if question is not None and _gives_away(model_text, question):
        return Usefulness(True, GIVES_AWAY)
    return usefulness(
        lexicon(),
        learner,
        note,
        previous,
        model_text,
        lesson=lesson,
        asked_for_question=asked_for_question,
        app_output=app_output,
        step_points=step_points,
    )


def open_question(context: TurnContext) -> Question | None:
    """The bank question the learner is working on (a quiz question or a quick check)."""
    waiting, bank = context.open_question, quiz_bank()
    if waiting is None or waiting.kind == "team" or waiting.id not in bank.ids():
        return None
    return bank.get(waiting.id)


def _gives_away(text: str, question: Question) -> bool:
    """The reply, read as an answer, is one the quiz's own grader accepts: it told the learner
    the answer (measured: Qwen2.5-Coder-1.5B, told not to, wrote "The correct answer is …"
    under the hint)."""
    try:
        return assess(lexicon(), question, text, quiz_bank().guard).verdict == "correct"
    except InputError:  # empty, or too long to read as an answer: nothing given
        return False


def step_points(context: TurnContext) -> list[list[str]]:
    """A try-it prompt's key points (each as its phrasings) for the usefulness checks; none
    for any other message."""
    if context.step is None or not context.is_step_prompt:
        return []
    return [point.any_of for point in context.step.key_points]


def lesson_answer(
    offline: OfflineBackend,
    messages: Sequence[BaseMessage],
    tools: set[str],
    context: TurnContext,
) -> Reply | None:
    """The offline tutor's reply to the same request, or None when it would need to run a
    tool first (nothing to put on top now) or has nothing to say."""
    reply = offline.respond(messages, tools, context)
    if reply.tool_calls or not reply.text.strip():
        return None
    return reply


def with_lesson_answer(
    offline: OfflineBackend | None,
    window: Sequence[BaseMessage],
    tools: set[str],
    context: TurnContext,
) -> TurnContext:
    """The turn's context with the offline tutor's answer to the learner's message, when it is
    one a model should say in its own words (`GUIDING_ACTS`). A small model given the whole
    lesson and no pointer agrees with "the data scientist gets paged, right?"; given the
    lesson's correction it says it. Nothing is added for a try-it prompt (its task says what
    to write), an artifact the app showed (the note asks about it), a team follow-up (the
    plan's facts), or with a quiz question or quick check open (an answer from the lesson
    could give it away)."""
    question = context.open_question
    if (
        offline is None
        or not window
        or not isinstance(window[-1], HumanMessage)
        or context.is_step_prompt
        or context.engine_ran
        or context.plan_answer is not None
        or (question is not None and question.kind != "team")
    ):
        return context
    reply = lesson_answer(offline, window, tools, context)
    if reply is None or reply.acts.act not in GUIDING_ACTS or reply.acts.asked is not None:
        return context
    said = " ".join(reply.text.lower().split())
    if any(key in said for key in answer_key()):
        return context  # no request carries the quiz's answer key, even between questions
    acts = TurnActs(topic=reply.acts.topic, subject=reply.acts.subject, verdict=reply.acts.verdict)
    return context.model_copy(update={"lesson_answer": reply.text, "lesson_acts": acts})


def unseen(lesson: str, shown: str) -> str:
    """The paragraphs of the lesson's answer the learner has not been shown this turn (a
    plan's table the app showed first is not repeated under the fallback's head)."""
    paragraphs = [p for p in lesson.strip().split("\n\n") if p.strip()]
    return "\n\n".join(p for p in paragraphs if p.strip() not in shown)
