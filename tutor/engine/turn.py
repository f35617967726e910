"""The one turn path: every turn (a learner message, a command, an engine-run tool, a
retry) is played here over the learner's `Conversation`, and leaves its history valid for the
next request whatever stopped it.

A turn: the engine runs the tools the message needs (`TurnPlan.calls`) and shows their
artifacts; then, unless the plan says not to, the model answers in a tool loop (tool calls it
sends, or writes as text, run the same way); then the fact checker's notes follow its words.
What the turn produced is filled into the caller's `TurnState` (text, status, tools, grades,
the backend's acts); the session applies it to the state and stores it. The runner never
reaches back into the session.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend
from tutor.backends.context import ACTS_KEY, TurnActs, TurnContext
from tutor.backends.offline import OfflineBackend
from tutor.engine.bounds import Guard, Limits, Repetition, StreamEnded
from tutor.engine.checks import fact_issues
from tutor.engine.conversation import Conversation
from tutor.engine.events import Event, LessonFallback, Notice, ToolFinished, ToolStarted
from tutor.engine.fallback import (
    FROM_LESSON,
    FROM_LESSON_ABOVE,
    FROM_LESSON_NONE,
    judge_reply,
    lesson_answer,
    open_question,
    step_points,
    unseen,
)
from tutor.engine.history import (
    ToolCallIn,
    answer_dangling_calls,
    parse_tool_calls,
    text_calls,
    tool_message,
)
from tutor.engine.notices import CUT_OFF_MARK, INTERRUPTED, STOPPED
from tutor.engine.plan import TurnPlan, TurnState
from tutor.engine.request import context_note
from tutor.engine.toolcalls import ToolCallFilter
from tutor.errors import ProviderError
from tutor.facts import FactIssue
from tutor.facts.usefulness import Usefulness
from tutor.tools.presentation import artifact_for, display_for
from tutor.tools.registry import ASK, GRADE, ToolOutcome, run_tool

#: what the runner asks for each model request: the messages and the turn's context
Request = Callable[[TurnPlan], tuple[list[BaseMessage], TurnContext]]

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "Something went wrong on the tutor's side, so this answer stopped. Your conversation is "
    "saved: send your message again."
)
EMPTY_REPLY = "The model sent an empty answer. Send your message again, or rephrase it."
NO_TOOLS = (
    "This model server does not accept tools, so the tutor runs the demo and the team planner "
    "itself and the model explains their results."
)


class TurnRunner:
    """Plays turns over one conversation with one backend and its tools."""

    def __init__(
        self,
        conversation: Conversation,
        backend: Backend,
        tools: Sequence[BaseTool],
        limits: Limits,
        redact: Callable[[str], str],
        label: str,
        fallback: OfflineBackend | None = None,
        lesson: str = "",
    ) -> None:
        self.history = conversation.history
        #: the offline tutor, whose answer replaces a model reply that fails the checks
        self.fallback, self.lesson = fallback, lesson
        self._last_request: tuple[list[BaseMessage], TurnContext] | None = None
        self.backend, self.tools, self.limits = backend, list(tools), limits
        self._by_name = {t.name: t for t in tools}
        self.redact, self.label = redact, label
        self.guard: Guard | None = None
        self._told_no_tools = False
        self._request: Request | None = None

    def stop(self) -> None:
        if self.guard is not None:
            self.guard.stop()

    async def run(self, plan: TurnPlan, turn: TurnState, request: Request) -> AsyncIterator[Event]:
        """One turn, start to end, filling `turn`. Whatever happens, the history stays valid."""
        start, settled = len(self.history), False
        self.guard, self._request = Guard(self.limits.answer_timeout), request
        # With a question open, the engine read this message as something else than an answer:
        # a model must not grade it either (it would cost the learner an attempt).
        turn.grading_blocked = plan.reading.while_open not in (None, "answer", "dont_know")
        try:
            async with aclosing(self._play(plan, turn)) as events:
                async for event in events:
                    yield event
        except Exception as exc:  # a bug must cost one answer, never the learner's session
            trace = "".join(traceback.format_exception(exc))
            log.error("turn failed in session %s:\n%s", self.label, self.redact(trace))
            for event in self._cut(turn, "internal", INTERNAL_ERROR):
                yield event
        else:
            settled = True
        finally:
            self.guard = self._request = None
            if not settled and turn.notice is None:  # the consumer left (page closed)
                self._notice(turn, "interrupted", "interrupted", INTERRUPTED)
            self._settle_history(turn, start)

    async def _play(self, plan: TurnPlan, turn: TurnState) -> AsyncIterator[Event]:
        await self.backend.prepare()  # what the model can do shapes the request
        if plan.prompt is not None:
            self.history.append(HumanMessage(plan.prompt))
        if plan.reply:
            yield turn.show(plan.reply, "app")
        # Ids from the turn's place in the history, not the clock: the same turn gets the same
        # bytes, so a request read ahead (TutorSession.rehearse) is the one later sent.
        learner_turns = sum(1 for m in self.history if isinstance(m, HumanMessage))
        for index, call in enumerate(plan.calls):
            if call.lead:
                yield turn.show(f"{turn.paragraph()}{call.lead}", "app")
            engine_call = ToolCallIn(f"engine_{learner_turns}_{index}", call.name, call.args)
            self.history.append(AIMessage("", tool_calls=[engine_call.as_tool_call()]))
            async for event in self._run_call(engine_call, turn):
                yield event
        if plan.is_command and not plan.calls:
            turn.status = "command"
        if not plan.ask_model:
            if plan.prompt is not None:
                self.history.append(AIMessage(turn.text))
            return
        async with aclosing(self._tool_loop(turn, plan)) as loop:
            async for event in loop:
                yield event
        if not turn.text and not turn.tools and turn.status == "complete":
            yield self._notice(turn, "error", "empty_reply", EMPTY_REPLY)
        for event in self._checks(turn, plan):
            yield event

    # -- the model's tool loop ----------------------------------------------------------------

    async def _tool_loop(self, turn: TurnState, plan: TurnPlan) -> AsyncIterator[Event]:
        limit = self.limits.max_tool_rounds
        for round_no in range(limit + 1):
            found: list[AIMessageChunk | list[ToolCallIn]] = []
            async with aclosing(self._stream_reply(turn, plan, round_no)) as reply:
                async for event in reply:
                    if isinstance(event, AIMessageChunk | list):
                        found.append(event)
                    else:
                        yield event
            if not found:  # failed (a notice was given)
                return
            message, written = found
            calls = parse_tool_calls(message) + written  # type: ignore[arg-type,operator]
            if not calls:
                self.history.append(AIMessage(turn.round_text))
                turn.round_text = ""
                return
            if round_no == limit:
                break
            self.history.append(
                AIMessage(turn.round_text, tool_calls=[c.as_tool_call() for c in calls])
            )
            turn.round_text = ""
            for call in calls:
                async for event in self._run_call(call, turn):
                    yield event
        message = (
            f"The model kept calling tools after {limit} rounds, so I stopped this answer. "
            "Ask again, more specifically, or try another model."
        )
        for event in self._cut(turn, "tool_rounds", message):
            yield event

    async def _stream_reply(
        self, turn: TurnState, plan: TurnPlan, round_no: int
    ) -> AsyncIterator[Event | AIMessageChunk | list[ToolCallIn]]:
        """Stream one model response: text events, then the merged chunk and text calls."""
        guard, request = self.guard, self._request
        assert guard is not None and request is not None
        merged: AIMessageChunk | None = None
        turn.round_text = ""
        written, repeats = ToolCallFilter(), Repetition()
        try:
            messages, context = request(plan)
            self._last_request = (messages, context)
            if turn.acts is None and context.lesson_acts is not None:
                # What the message was about, as the lesson's answer read it: kept when the
                # model reports nothing ("no, I'm sure it's the data scientist" is then
                # about the same subject).
                turn.acts = context.lesson_acts
            # A model that cannot call tools is offered none: the engine runs what it needs.
            tools = self.tools if self.backend.profile.tool_calls else []
            stream = self.backend.stream(messages, tools, context)
            async with aclosing(guard.guarded(stream)) as chunks:  # type: ignore[arg-type]
                async for chunk in chunks:
                    merged = chunk if merged is None else merged + chunk
                    for event in self._model_text(turn, written.feed(chunk.text)):
                        yield event
                    if chunk.text and repeats.feed(chunk.text):
                        rescue = self._rescue(turn, plan, "repetition", LOOP_REASON, REPEATING)
                        for event in rescue:
                            yield event
                        return
            for event in self._model_text(turn, written.finish()):
                yield event
        except ProviderError as exc:
            for event in self._cut(turn, exc.kind, str(exc)):
                yield event
            return
        except StreamEnded as ended:
            for event in self._ended(turn, ended):
                yield event
            return
        merged = merged or AIMessageChunk(content="")
        for event in self._round_end(turn, plan, merged, written, round_no):
            yield event

    def _round_end(
        self,
        turn: TurnState,
        plan: TurnPlan,
        merged: AIMessageChunk,
        written: ToolCallFilter,
        round_no: int,
    ) -> list[Event | AIMessageChunk | list[ToolCallIn]]:
        """After a round streamed in full: usage, a finish that cut it, or its tool calls."""
        out: list[Event | AIMessageChunk | list[ToolCallIn]] = list(self._told_once())
        self._count_usage(turn, merged)
        acts = merged.response_metadata.get(ACTS_KEY)
        if acts:  # the last round that reported what it did wins
            turn.acts = TurnActs.model_validate(acts)
        finish = merged.response_metadata.get("finish_reason")
        if finish == "length":
            return out + self._rescue(turn, plan, "length", LENGTH_REASON, cut_reason(finish))
        if finish == "content_filter":
            return out + self._cut(turn, finish, cut_reason(finish))
        return [*out, merged, text_calls(written.calls, f"text_{round_no}")]

    def _model_text(self, turn: TurnState, text: str) -> list[Event]:
        if not text:
            return []
        events: list[Event] = []
        if not turn.round_text:
            text = text.lstrip("\n")
            if not text:
                return []
            if sep := turn.paragraph():
                # A new round after a tool call starts a new paragraph, so the live view and
                # the stored reply read the same (layout, not the model's words).
                events.append(turn.show(sep, "app"))
        turn.round_text += text
        events.append(turn.show(text, "model"))
        return events

    def _told_once(self) -> list[Event]:
        if self.backend.profile.supports_tools or self._told_no_tools:
            return []
        self._told_no_tools = True
        return [Notice("no_tools", NO_TOOLS)]

    @staticmethod
    def _count_usage(turn: TurnState, merged: AIMessageChunk) -> None:
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            got = (merged.usage_metadata or {}).get(key, 0)
            turn.usage[key] = turn.usage.get(key, 0) + int(got)

    # -- running tools -------------------------------------------------------------------------

    async def _run_call(self, call: ToolCallIn, turn: TurnState) -> AsyncIterator[Event]:
        yield ToolStarted(call.id, call.name, call.args)
        started = time.perf_counter()
        tool = self._by_name.get(call.name)
        if call.error:
            outcome = ToolOutcome(call.error, False)
        elif call.name == GRADE and turn.grading_blocked:
            outcome = ToolOutcome(NOT_AN_ANSWER, False)
        elif call.name == GRADE and turn.graded is not None:
            # One answer is graded once: a model grading it again must not cost an attempt.
            outcome = turn.graded
        elif tool is None:
            known = ", ".join(t.name for t in self.tools)
            outcome = ToolOutcome(
                f"Error: there is no tool named {call.name!r}. Available: {known}.", False
            )
        else:
            outcome = await run_tool(tool, call.args, call.id)
        if call.name == GRADE and outcome.ok and turn.graded is not outcome:
            turn.graded = outcome
            turn.grades.append((str(call.args.get("answer", "")), outcome.artifact))
        duration = time.perf_counter() - started
        self.history.append(tool_message(call.id, call.name, outcome))
        display = display_for(call.name, outcome)
        # "at": how much of the reply came before this call, so a reloaded page shows the
        # step where it ran (tutor.web.view.reply_messages).
        # "id" and "content" (what the model read, never an answer key) rebuild the model's
        # view of this turn after a reload or on another process (history_from_transcript).
        turn.tools.append(
            {
                "name": call.name,
                "args": call.args,
                "ok": outcome.ok,
                "display": display,
                "at": len(turn.text),
                "id": call.id,
                "content": outcome.content,
            }
        )
        yield ToolFinished(
            call.id, call.name, call.args, outcome.content, duration, outcome.ok, display
        )
        if outcome.ok:
            turn.results.append((call.name, outcome.artifact))
        shown = artifact_for(call.name, outcome)
        if shown and shown not in turn.shown:
            # The learner reads the tool's own result, once, whatever the model says next.
            turn.shown.append(shown)
            yield turn.show(f"{turn.paragraph()}{shown}", "app")

    def _rescue(
        self, turn: TurnState, plan: TurnPlan, kind: str, reason: str, message: str
    ) -> list[Event]:
        """A reply the engine had to end (it reached the length limit, or looped): a small
        model rambling past its budget. The lesson's answer goes on top of what it wrote —
        complete, so never worse than offline, and the turn counts (a try-it prompt's step
        advances); with no lesson answer for it, the reply is cut off."""
        if not self.backend.profile.offline and turn.model_tail.strip():
            events = self._fallback(turn, plan, [], forced=reason)
            if events:
                return events
        return self._cut(turn, kind, message)

    def _checks(self, turn: TurnState, plan: TurnPlan) -> list[Event]:
        """The fact checker's notes and, when the reply fails the checks, the lesson's answer
        on top of it (never for the offline tutor: its words are authored from the lesson)."""
        if turn.status != "complete" or self.backend.profile.offline or turn.fell_back:
            return []
        if not turn.model_text.strip() and not turn.results:
            return []  # nothing ran and nothing was said: the empty-reply notice covers it
        try:
            said = turn.model_text.strip()
            issues = fact_issues(turn.model_text, turn.results, plan.prompt or "") if said else []
            notes = [issue.note for issue in issues]
            events = self._fallback(turn, plan, issues)
        except Exception:  # a checker bug must not cost the learner the answer
            log.exception("checking a reply failed in session %s", self.label)
            return []
        if notes:
            events.append(turn.show(turn.paragraph() + "\n".join(notes), "app"))
        return events

    def _fallback(
        self,
        turn: TurnState,
        plan: TurnPlan,
        issues: list[FactIssue],
        forced: str | None = None,
    ) -> list[Event]:
        """The lesson's answer on top when the reply fails the checks (or, `forced`, for that
        reason whatever it says)."""
        if self.fallback is None or self._last_request is None:
            return []
        messages, context = self._last_request
        verdict = Usefulness(True, forced) if forced else self._verdict(turn, plan, issues)
        if not verdict.useless:
            return []
        reply = lesson_answer(self.fallback, messages, {t.name for t in self.tools}, context)
        if reply is None or (forced and reply.acts.act == "declined"):
            return []  # an offline decline is no answer to put over a model's long one
        # What the lesson's answer offered counts now; a quick check it ends with is not opened
        # (the model's conversation did not ask it, and a model is not told to grade it).
        turn.acts = reply.acts.model_copy(update={"asked": None})
        turn.fell_back = True
        tail = turn.model_tail
        lesson = unseen(reply.text, turn.text[: len(turn.text) - len(tail)])
        head = FROM_LESSON if lesson else FROM_LESSON_ABOVE
        head = (FROM_LESSON_NONE if reply.acts.act == "declined" else head).format(
            reason=verdict.reason
        )
        text = turn.fold_tail(tail, head, lesson)
        return [LessonFallback(tail, text, f"{head}\n\n{lesson}".strip(), verdict.reason)]

    def _verdict(self, turn: TurnState, plan: TurnPlan, issues: list[FactIssue]) -> Usefulness:
        """Whether the model's reply fails the checks, and why."""
        assert self._last_request is not None
        context = self._last_request[1]
        return judge_reply(
            turn.model_text,
            issues,
            learner=plan.prompt or "",
            note=context_note(context, brief=self.backend.profile.brief).text,
            previous=previous_reply(self.history),
            # Words of the lesson's answer the note gave the model are no echo of the note.
            lesson=f"{self.lesson}\n\n{context.lesson_answer or ''}",
            asked_for_question=any(c.name == ASK for c in plan.calls),
            app_output="\n".join(str(t["content"]) for t in turn.tools),
            step_points=step_points(context),
            question=open_question(context),
        )

    # -- ending early ----------------------------------------------------------------------------

    def _ended(self, turn: TurnState, ended: StreamEnded) -> list[Event]:
        if ended.reason == "stopped":
            return [self._notice(turn, "stopped", "stopped", STOPPED)]
        seconds = self.limits.answer_timeout
        message = f"The answer took longer than {seconds:.0f} s, so I stopped it. {SHORTER}"
        return self._cut(turn, "answer_timeout", message)

    def _cut(self, turn: TurnState, kind: str, message: str) -> list[Event]:
        """End the turn early: mark what the learner saw as cut off, then say why."""
        events: list[Event] = []
        if turn.text:
            events.append(turn.show(CUT_OFF_MARK, "app"))
        events.append(self._notice(turn, "cut_off" if turn.text else "error", kind, message))
        return events

    def _notice(self, turn: TurnState, status: str, kind: str, message: str) -> Notice:
        turn.status = status
        turn.notice = Notice(kind, self.redact(message))
        return turn.notice

    def _settle_history(self, turn: TurnState, start: int) -> None:
        """Leave the history valid for the next request, whatever stopped the turn."""
        if turn.status == "error" and not turn.text:
            # Keep a failed request out of the model's view so a retry can succeed.
            del self.history[start:]
            return
        answer_dangling_calls(self.history, start)
        if turn.round_text:
            # The partial answer stays in view, marked, so the model knows it was cut short.
            mark = "" if turn.status == "complete" else CUT_OFF_MARK
            self.history.append(AIMessage(turn.round_text.removesuffix(CUT_OFF_MARK) + mark))
            turn.round_text = ""


SHORTER = "Ask for a shorter answer, or rephrase."
NOT_AN_ANSWER = (
    "Error: the app read the learner's message as not an answer to the open question, so it "
    "stays open and nothing is graded. Reply to what they asked instead."
)
REPEATING = "The model started repeating itself, so I stopped this answer. Ask again or rephrase."
# After "the model's reply": why the lesson's answer went on top of a reply the engine ended.
LENGTH_REASON = "ran past the answer length limit"
LOOP_REASON = "started repeating itself"


def cut_reason(finish: str) -> str:
    why = (
        "it reached the answer length limit"
        if finish == "length"
        else "the provider's content filter stopped it"
    )
    return f"The answer was cut off: {why}. {SHORTER}"


def previous_reply(history: Sequence[BaseMessage]) -> str:
    """The tutor's words before the learner's latest message ("" when there are none)."""
    seen_learner = False
    for message in reversed(history):
        if isinstance(message, HumanMessage):
            if seen_learner:
                return ""
            seen_learner = True
        elif seen_learner and isinstance(message, AIMessage) and message.text:
            return message.text
    return ""
