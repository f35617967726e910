"""The offline tutor: a deterministic, rule-based 'model' behind the Backend interface.

It reads the conversation the way a model would, answers from the authored answers in
prompts/offline/, and calls the same tools through the same engine loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend, ModelProfile, learner_text, split_context_note
from tutor.content.pack import LessonPack, QuickCheck, knowledge, lexicon, load_pack, quiz_bank
from tutor.content.planner import allocate, looks_like_team, read_team
from tutor.demo.handoffs import Handoff, analyze_handoffs
from tutor.engine.intent import IntentReader
from tutor.errors import TeamError
from tutor.knowledge import asked, is_new_question, subject
from tutor.planning import Allocation, Team
from tutor.quiz import is_insistence, skip_request
from tutor.text import spoken
from tutor.tools.presentation import parse_json
from tutor.tools.registry import ALLOCATE, ASK, DEMO, GRADE


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class OfflineBackend(Backend):
    name = "offline"
    model = "offline"
    offline = True

    @property
    def profile(self) -> ModelProfile:
        return ModelProfile(
            label=self.label, streams_instantly=True, supports_json=False, offline=True
        )

    def __init__(self, pack: LessonPack | None = None) -> None:
        self.pack = pack or load_pack()
        self.answers = self.pack.offline
        self._prompts = [s.prompt for s in self.pack.steps]
        self.intent = IntentReader(self.pack)

    async def stream(
        self, messages: Sequence[BaseMessage], tools: Sequence[BaseTool]
    ) -> AsyncIterator[AIMessageChunk]:
        reply = self.respond(messages, {t.name for t in tools})
        for piece in re.findall(r"\S+\s*|\s+", reply.text):
            yield AIMessageChunk(content=piece)
        chunks = [
            {
                "index": i,
                "id": f"offline_{i}_{call['name']}",
                "name": call["name"],
                "args": json.dumps(call["args"]),
            }
            for i, call in enumerate(reply.tool_calls)
        ]
        prompt_chars = sum(len(m.text) for m in messages)
        yield AIMessageChunk(
            content="",
            tool_call_chunks=chunks,
            usage_metadata={
                "input_tokens": prompt_chars // 4,
                "output_tokens": len(reply.text) // 4,
                "total_tokens": (prompt_chars + len(reply.text)) // 4,
            },
            response_metadata={"finish_reason": "tool_calls" if chunks else "stop"},
        )

    # -- deciding what to say ---------------------------------------------------------------

    def respond(self, messages: Sequence[BaseMessage], tools: set[str]) -> Reply:
        chat = [m for m in messages if not isinstance(m, SystemMessage)]
        if not chat:
            return Reply(self.answers.greeting)
        if isinstance(chat[-1], ToolMessage):
            return self.explain_tool_results(chat)
        return self.answer(learner_text(chat[-1]), chat, tools)

    def answer(self, text: str, chat: list[BaseMessage], tools: set[str]) -> Reply:
        """What to say to a learner message: refuse a request for secrets, follow the guided
        prompts, take an answer to the tutor's own pending question, run a tool, or answer
        from the knowledge base (which declines plainly what it cannot answer)."""
        a, kb = self.answers, knowledge()
        helped = self.quiz_help(text, chat)
        if helped is not None:
            return helped
        action = kb.action(text)
        if action == "secret":
            return Reply(a.decline_secret)
        step = self.intent.step_of(text)
        if step is not None:
            return self.guided(step, text)
        fresh = action == "quiz" or is_new_question(lexicon(), text)
        reply = None if fresh else self.answer_pending(text, chat)
        if reply is not None:
            return reply
        if action == "quiz" and ASK in tools:
            # Asked in words while one is open: another question (the open one comes back).
            return call(ASK, {}, a.quiz_intro)
        if self.intent.asks_for_demo(text):
            return call(DEMO, {}, a.step2_intro)
        if looks_like_team(text) and not pending_question(chat):
            # With a quiz question open, names in a message are never a team to plan.
            return self.allocate(text)
        if action == "greeting":
            return Reply(a.greeting)
        # A bare claim ("no, I'm sure it's the data scientist") is about what the tutor's
        # previous message said the owner of: read back from the conversation.
        found = kb.answer(text, subject=subject(previous_tutor_text(chat)))
        if found.owners and pending_question(chat):
            # Who owns what is what quiz questions ask: the answer waits for the attempt.
            return Reply(a.quiz_own_question)
        return Reply(found.text)

    def quiz_help(self, text: str, chat: list[BaseMessage]) -> Reply | None:
        """ "I don't know", "hint please", "just tell me the answer" to a pending quiz question:
        the grader gives the hint or the answer (verdict "skipped"), before any other reading
        of those words (a request for secrets, a new question)."""
        pending, bank = pending_question(chat), quiz_bank()
        if not pending or pending not in bank.ids():
            return None
        if skip_request(lexicon(), bank.guard, bank.get(pending), text) is None:
            return None
        return call(GRADE, {"question_id": pending, "answer": text})

    def answer_pending(self, text: str, chat: list[BaseMessage]) -> Reply | None:
        """The learner's reply to the question the tutor asked last (a quiz question, a quick
        check, or "describe your team"), or None when nothing is pending."""
        pending = pending_question(chat)
        if pending:
            return self.grade(pending, text)
        check = self.pending_check(chat)
        if check is None:
            return None
        if check.planner:
            return self.allocate(text) if looks_like_team(text) else None
        return self.grade(check.quiz, text) if check.quiz else None

    def grade(self, question_id: str, text: str) -> Reply:
        bank = quiz_bank()
        question = bank.get(question_id) if question_id in bank.ids() else None
        if is_insistence(lexicon(), bank, text, question):
            return Reply(self.answers.quiz_insist)
        return call(GRADE, {"question_id": question_id, "answer": text})

    def pending_check(self, chat: list[BaseMessage]) -> QuickCheck | None:
        """The quick check the tutor's last message asked, if the learner has not answered."""
        # Only the message right before the learner's: an older question was answered already.
        last = chat[-2] if len(chat) >= 2 else None
        if not isinstance(last, AIMessage) or not last.text:
            return None
        checks = self.answers.checks
        index = asked(last.text, [c.question for c in checks])
        return checks[index] if index is not None else None

    def guided(self, step: int, text: str) -> Reply:
        a = self.answers
        if step == 0:
            return Reply(f"{a.step1}\n\n{a.step1_question}")
        if step == 1:
            return call(DEMO, {}, a.step2_intro)
        return self.allocate(text)

    def allocate(self, text: str) -> Reply:
        """Read the team (every person; the default split for roles nobody gave) and call the
        planner; say how the team was read, and ask to correct it when unsure."""
        try:
            reading = read_team(text)
        except TeamError as exc:
            return Reply(f"{exc}")
        people = [{"name": p.name, "roles": list(p.roles)} for p in reading.team.people]
        lead = reading.summary
        if reading.unsure and not reading.assumed:
            # With roles assumed, the summary already asks for the real ones: ask once.
            lead += " If I got anyone wrong, tell me the right names and roles and I'll redo it."
        return call(ALLOCATE, {"people": people, "product": reading.team.product}, lead)

    # -- explaining tool results ------------------------------------------------------------

    def explain_tool_results(self, chat: list[BaseMessage]) -> Reply:
        results = trailing_tool_messages(chat)
        calls = {c["id"]: c for c in last_tool_calls(chat)}
        parts = [
            self.explain(m, calls.get(m.tool_call_id, {}).get("args", {}), chat) for m in results
        ]
        return Reply("\n\n".join(p for p in parts if p))

    def explain(
        self, message: ToolMessage, args: dict[str, Any], chat: Sequence[BaseMessage] = ()
    ) -> str:
        output = message.text
        if output.startswith("Error:"):
            return f"The tool could not do that: {output.removeprefix('Error:').strip()}"
        if message.name == DEMO:
            return self.explain_demo(output, args)
        if message.name == ALLOCATE:
            return self.explain_allocation(message, args)
        if message.name == ASK:
            # The engine shows the question with its own instruction: nothing to add.
            view = parse_json(output) or {}
            return self.answers.quiz_done if view.get("done") else ""
        if message.name == GRADE:
            # The engine has already shown the learner the grader's verdict verbatim.
            return self.after_grade(parse_json(output) or {}, chat)
        return output

    def explain_allocation(self, message: ToolMessage, args: dict[str, Any]) -> str:
        """Who wears which hat and who holds the critical work, in words, from the allocation
        itself (the engine shows the table); a solo team is never called backed up."""
        a = self.answers
        allocation = message.artifact
        if not isinstance(allocation, Allocation):
            try:  # a stored session: the same pure allocation, from the same arguments
                people, product = args.get("people", []), args.get("product", "llm")
                allocation = allocate(Team.build(people, product))
            except TeamError:
                return a.step3_outro
        outro = a.step3_outro if allocation.fully_backed_up else a.step3_outro_solo
        return "\n\n".join([a.step3_intro, who_does_what(allocation), outro, a.step3_question])

    def after_grade(self, result: dict[str, Any], chat: Sequence[BaseMessage]) -> str:
        """What to do next: retry an open question (the grader already said "have another
        go"), else another question, and the lesson's next prompt only while one is left."""
        a = self.answers
        if result.get("verdict") != "correct" and not result.get("revealed"):
            return a.quiz_retry
        return a.quiz_next_done if lesson_done(chat) else a.quiz_next

    def explain_demo(self, output: str, args: dict[str, Any]) -> str:
        demo = output.split("\n\n", 1)[0].rstrip("\n")
        custom = args.get("lifecycle")
        lifecycle = [(s["stage"], s["owner"]) for s in custom] if custom else None
        analysis = analyze_handoffs(lifecycle)
        del demo  # the engine shows the output itself; this explains it
        lines = ["What the output shows, handoff by handoff:"]
        for h in analysis.handoffs:
            why = self.answers.why_breaks.get(f"{h.from_stage} -> {h.to_stage}", "")
            lines.append(f"- **{h.from_stage} → {h.to_stage}** ({handoff_kind(h)}). {why}".rstrip())
        lines.append(
            f"That is {analysis.full_count} full and {analysis.partial_count} partial "
            "handoffs: a *full* handoff (nobody continues) is the riskiest; a *partial* "
            "one keeps someone who carries context across."
        )
        lines += [self.answers.step2_outro, self.answers.step2_question]
        return "\n\n".join(lines)


def who_does_what(allocation: Allocation) -> str:
    """Who owns the eval gate and on-call (the allocation's Workload block already says what
    each person owns and backs up, so it is not said again here)."""
    lines = []
    key = {"eval-gate": "the eval gate", "on-call": "on-call (the 3am page)"}
    for a in allocation.assignments:
        if a.id in key:
            backup = f" (backup: {spoken(a.backup)})" if a.backup else " (no backup in the team)"
            lines.append(f"- {key[a.id].capitalize()} is owned by **{spoken(a.owner)}**{backup}.")
    return "\n".join(lines)


def handoff_kind(h: Handoff) -> str:
    if h.kind == "full":
        return f"full handoff: {h.from_owner} → {h.to_owner}, nobody continues"
    moves = [f"{', '.join(h.continues)} continues"]
    if h.joins:
        moves.append(f"{', '.join(h.joins)} joins")
    if h.leaves:
        moves.append(f"{', '.join(h.leaves)} steps back")
    return "partial handoff: " + ", ".join(moves)


def call(name: str, args: dict[str, Any], text: str = "") -> Reply:
    return Reply(text, [{"name": name, "args": args}])


def trailing_tool_messages(chat: list[BaseMessage]) -> list[ToolMessage]:
    out: list[ToolMessage] = []
    for message in reversed(chat):
        if not isinstance(message, ToolMessage):
            break
        out.append(message)
    return out[::-1]


def last_tool_calls(chat: list[BaseMessage]) -> list[dict[str, Any]]:
    for message in reversed(chat):
        if isinstance(message, AIMessage) and message.tool_calls:
            return list(message.tool_calls)
    return []


# The engine's note in the learner's turn says where the lesson is ("The learner last worked
# on try-it prompt 3 of 3" once the third is done: tutor.engine.request._step_line).
_LAST_STEP = re.compile(r"last worked on try-it prompt (\d+) of (\d+)")


# The same note names the quiz question the app is waiting on ("A quiz question is waiting for
# an answer: id q3"; tutor.engine.request.context_note), from the session's stored quiz state.
_WAITING = re.compile(r"A quiz question is waiting for an answer: id (\S+)")


def app_note(chat: Sequence[BaseMessage]) -> str:
    """The app's note in the last learner turn ('' when there is none)."""
    human = next((m for m in reversed(chat) if isinstance(m, HumanMessage)), None)
    return split_context_note(human.text)[1] if human else ""


def lesson_done(chat: Sequence[BaseMessage]) -> bool:
    """Whether every try-it prompt is done, as the app's note in the last learner turn says."""
    found = _LAST_STEP.search(app_note(chat))
    return bool(found) and found.group(1) == found.group(2)


def previous_tutor_text(chat: Sequence[BaseMessage]) -> str:
    """The text of the tutor's message before the learner's latest one ("" if none)."""
    for message in reversed(chat[:-1]):
        if isinstance(message, HumanMessage):
            return ""
        if isinstance(message, AIMessage) and message.text:
            return message.text
    return ""


def pending_question(chat: list[BaseMessage]) -> str | None:
    """The id of the last quiz question asked and not yet answered correctly or revealed.

    The app's note says it when there is one (rebuilt each request from the session's quiz
    state, so it holds after a resume, whose history has no tool messages); without a note
    (a bare conversation), the tool messages say it."""
    note = app_note(chat)
    if note:
        found = _WAITING.search(note)
        return found.group(1) if found else None
    for message in reversed(chat):
        if not isinstance(message, ToolMessage):
            continue
        data = parse_json(message.text) or {}
        if message.name == GRADE:
            if data.get("verdict") == "correct" or data.get("revealed"):
                return None
            return data.get("question_id")
        if message.name == ASK:
            return data.get("id")
    return None
