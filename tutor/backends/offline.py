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
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool

from tutor.backends.base import Backend, ModelProfile, learner_text
from tutor.backends.context import ACTS_KEY, OpenQuestion, TurnActs, TurnContext
from tutor.content.pack import (
    LessonPack,
    intake_reader,
    knowledge,
    lexicon,
    load_pack,
    quiz_bank,
    team_talk,
)
from tutor.content.planner import allocate, read_team, teammates_named
from tutor.demo.handoffs import LESSON_LIFECYCLE, Handoff, analyze_handoffs
from tutor.demo.variants import compare
from tutor.errors import TeamError
from tutor.knowledge import is_new_question
from tutor.knowledge.dialogue import is_thanks, named_topic, read_act
from tutor.planning import Allocation, Team
from tutor.quiz import Question, is_insistence, states_the_answer
from tutor.quiz.topics import asks_to_stop_quiz
from tutor.text import join_names, normalize, spoken
from tutor.tools.presentation import parse_json
from tutor.tools.registry import ALLOCATE, ASK, DEMO, GRADE, allocate_args

Pairs = list[tuple[str, str]]


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    acts: TurnActs = field(default_factory=TurnActs)


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

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        context: TurnContext | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        reply = self.respond(messages, {t.name for t in tools}, context)
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
            response_metadata={
                "finish_reason": "tool_calls" if chunks else "stop",
                ACTS_KEY: reply.acts.model_dump(),
            },
        )

    # -- deciding what to say ---------------------------------------------------------------

    def respond(
        self, messages: Sequence[BaseMessage], tools: set[str], context: TurnContext | None = None
    ) -> Reply:
        """The reply to the conversation's last message. `context` is the engine's turn state
        (without it — the tutor used on its own — nothing is open and nothing was read)."""
        ctx = context or TurnContext(steps_total=len(self.pack.steps))
        chat = [m for m in messages if not isinstance(m, SystemMessage)]
        if not chat:
            return Reply(self.answers.greeting)
        if isinstance(chat[-1], ToolMessage):
            return self.keep_waiting(self.explain_tool_results(chat, ctx), ctx, chat)
        text = learner_text(chat[-1])
        return self.keep_waiting(self.answer(text, ctx, tools, last_lifecycle(chat)), ctx, chat)

    def answer(
        self, text: str, ctx: TurnContext, tools: set[str], ran: Pairs | None = None
    ) -> Reply:
        """What to say to a learner message: refuse a request for secrets, follow the guided
        prompts, take an answer to the tutor's own pending question, run a tool, or answer
        from the knowledge base (which declines plainly what it cannot answer)."""
        a, kb = self.answers, knowledge()
        helped = self.while_open(text, ctx, tools)
        if helped is not None:
            return helped
        if ctx.reading.step is not None:  # "give me prompt 3" asks for no secret
            return self.guided(ctx.reading.step, text)
        action = kb.action(text)
        if action == "secret":
            return Reply(a.decline_secret, acts=TurnActs(act="refused"))
        if ctx.plan_answer is not None:  # the engine answered from the learner's team plan
            # ... unless the message changes the demo by name ("put that in the demo").
            shown = self.demo_variant(text, ctx, ran, explicit=True)
            return shown or Reply(ctx.plan_answer, acts=TurnActs(act="plan"))
        if asks_to_stop_quiz(lexicon(), quiz_bank().intake, text) and not asks(text):
            return Reply(a.quiz_stopped)  # nothing is open (an open question is skipped)
        if read_act(text, lexicon(), kb.data.dialogue) == "ack" and not ctx.pending_quiz:
            return self.acknowledge(text, ctx)  # "ok", "thanks" answer no quick check
        fresh = action == "quiz" or is_new_question(lexicon(), text)
        reply = None if fresh else self.answer_pending(text, ctx)
        if reply is not None:
            return reply
        if action == "quiz" and ASK in tools:
            # Asked in words while one is open: another question (the open one comes back).
            args = {"about": text} if self.open_bank_question(ctx) else {}
            return call(ASK, args, a.quiz_intro)
        return self.converse(text, ctx, action, ran)

    def converse(self, text: str, ctx: TurnContext, action: str | None, ran: Pairs | None) -> Reply:
        """A turn that answers nothing pending: an acknowledgement, the demo on the learner's
        variant, a follow-up on the last topic, a tool, or the knowledge base."""
        a, kb = self.answers, knowledge()
        act = read_act(text, lexicon(), kb.data.dialogue)
        if act == "ack":
            return self.acknowledge(text, ctx)
        shown = self.demo_variant(text, ctx, ran)
        if shown is not None:
            return shown
        if act in ("simpler", "example", "more", "why", "worst") and not kb.misconception(text):
            # "why not the ML engineer?": a role asked about is the alternative to the last
            # topic's owner, not a new topic.
            named = named_topic(text, lexicon(), roles=act != "why")
            topic = kb.topic_of(named) if named else ctx.last_topic
            followed = kb.follow_up(act, topic)
            if followed is not None and kb.addresses(text, followed, follows=True):
                return Reply(followed.text, acts=TurnActs(topic=topic, act=act))
        if ctx.reading.asks_for_demo:
            return call(DEMO, {}, a.step2_intro)
        if ctx.reading.looks_like_team and ctx.open_question is None:
            # With a question open, names in a message are a team only when the engine read
            # one surely (and planned it); otherwise they are a remark, never a plan. Nor is a
            # remark about people already planned ("no way Priya is doing on-call").
            known = teammates_named(text, ctx.plan.team) if ctx.plan is not None else []
            if known:
                words = {"names": join_names(known), "first": known[0]}
                return Reply(team_talk().data.unread.format(**words), acts=TurnActs(act="declined"))
            return self.allocate(text)
        if action == "greeting":
            return Reply(a.greeting)
        # A bare claim ("no, I'm sure it's the data scientist") is about the subject whose
        # owner the tutor's previous answer stated (kept in the conversation's state).
        found = kb.answer(text, subject=ctx.subject, topic=ctx.last_topic)
        if not kb.addresses(text, found):
            found = kb.declined(text)
        acts = TurnActs(
            topic=found.entry,
            subject=found.subject,
            offered=found.suggestions,
            act="declined" if found.declined else "answered",
            verdict=found.verdict,
        )
        return Reply(found.text, acts=acts)

    def demo_variant(
        self, text: str, ctx: TurnContext, ran: Pairs | None, explicit: bool = False
    ) -> Reply | None:
        """The demo run on the learner's change to it; or, when a change was asked for but
        not read exactly, an honest reply saying how to write it (never the lesson's own
        output); None when no change to the demo is asked. `explicit`: only a change that
        names the demo (it then wins over a follow-up on the team plan)."""
        kb = knowledge()
        cues = kb.data.variants
        on_demo = not explicit and (ran is not None or (ctx.last_topic or "").startswith("demo"))
        asked = kb.asks_for_change(text, ran, about_demo=on_demo)
        if explicit and not asked:
            return None
        variant = kb.variant(text, ran, about_demo=on_demo, subject=ctx.subject)
        if variant is not None:
            lifecycle = [{"stage": s, "owner": o} for s, o in variant.lifecycle]
            return call(DEMO, {"lifecycle": lifecycle}, cues.intro.format(change=variant.change))
        return Reply(cues.unread, acts=TurnActs(act="variant_unread")) if asked else None

    def acknowledge(self, text: str, ctx: TurnContext) -> Reply:
        """ "k", "thanks!", "ty 🙏": a short warm reply and the next step."""
        cues = knowledge().data.dialogue
        warm = cues.ack_thanks if is_thanks(text, lexicon(), cues) else cues.ack_ok
        return Reply(f"{warm} {cues.next_after(ctx.steps_done)}", acts=TurnActs(act="ack"))

    def open_bank_question(self, ctx: TurnContext) -> Question | None:
        """The bank question of the open quiz question or quick check, if one is open."""
        question, bank = ctx.open_question, quiz_bank()
        if question is None or question.kind == "team" or question.id not in bank.ids():
            return None
        return bank.get(question.id)

    def while_open(self, text: str, ctx: TurnContext, tools: set[str]) -> Reply | None:
        """A message sent while a question is open: an answer (or "I don't know") goes to the
        grader; a hint or "another question" is given; anything else is None, answered as
        such by the rest of `answer` while the question waits (`keep_waiting`)."""
        question = self.open_bank_question(ctx)
        if question is None or ctx.reading.step is not None:
            return None
        reader = intake_reader()
        intake = reader.read(question, text)
        # The engine's reading wins (it read a team described, say, as no answer).
        said = ctx.reading.while_open
        attempt = intake.is_attempt if said is None else said in ("answer", "dont_know")
        if attempt or is_insistence(lexicon(), quiz_bank(), text, question):
            return self.grade(question.id, text)
        if intake.wants == "hint":
            return Reply(self.answers.quiz_hint.format(hint=question.hint))
        if intake.wants == "move_on" and ASK in tools:
            return call(ASK, {"about": text}, self.answers.quiz_intro)
        if intake.kind == "pushback":
            return Reply(self.answers.quiz_pushback)
        cues = knowledge().data.dialogue
        asks_why = read_act(text, lexicon(), cues) == "why" and not named_topic(text, lexicon())
        if asks_why and ctx.open_question and ctx.open_question.kind != "check":
            # "why is that wrong?": about the quiz question. After a quick check, "why?" asks
            # about what the try-it prompt just explained.
            return Reply(self.answers.quiz_why)
        if intake.kind == "remark" and reader.thinks_aloud(text):
            return Reply(self.answers.quiz_remark)
        # "ok", "thanks", "it says IndentationError": answered (or declined) as any message
        # is, while the question waits (`keep_waiting` says so).
        return None

    def keep_waiting(
        self, reply: Reply, ctx: TurnContext, chat: Sequence[BaseMessage] = ()
    ) -> Reply:
        """While a question is open, a reply that neither graded nor moved on keeps it open
        (a quick check too), never states its answer, and ends by saying it is waiting."""
        question = self.open_bank_question(ctx)
        ran = {m.name for m in trailing_tool_messages(list(chat))}
        if (
            question is None
            or reply.tool_calls
            or ran & {GRADE, ASK}
            or ctx.reading.step is not None
        ):
            return reply
        text = reply.text
        # An answer already on screen (the try-it prompt's explanation a quick check asks
        # about) gives nothing away: a follow-up on it is answered, the check still waits.
        if states_the_answer(lexicon(), question, text) and not shown_before(question, chat):
            text = self.answers.quiz_own_question
        line = self.answers.quiz_waiting.format(question=question.prompt)
        asked = reply.acts.asked or (ctx.open_question if ctx.pending_quiz is None else None)
        acts = reply.acts.model_copy(update={"asked": asked})
        return Reply(f"{text}\n\n{line}".strip(), acts=acts)

    def answer_pending(self, text: str, ctx: TurnContext) -> Reply | None:
        """The learner's reply to "describe your team" (quiz questions and quick checks are
        read by `while_open`), or None when that is not what is pending."""
        question = ctx.open_question
        if question is None or question.kind != "team":
            return None
        return self.allocate(text) if ctx.reading.looks_like_team else None

    def grade(self, question_id: str, text: str) -> Reply:
        bank = quiz_bank()
        question = bank.get(question_id) if question_id in bank.ids() else None
        if is_insistence(lexicon(), bank, text, question):
            return Reply(self.answers.quiz_insist)
        return call(GRADE, {"question_id": question_id, "answer": text})

    def check_after(self, step: int) -> OpenQuestion | None:
        """The quick check the tutor asks at the end of try-it prompt `step` (index): the
        `[[checks]]` of prompts/offline/answers.toml, one per prompt, in order."""
        checks = self.answers.checks
        if not 0 <= step < len(checks):
            return None
        check = checks[step]
        return (
            OpenQuestion(kind="team")
            if check.planner
            else OpenQuestion(kind="check", id=check.quiz)
        )

    def guided(self, step: int, text: str) -> Reply:
        a = self.answers
        if step == 0:
            return Reply(
                f"{a.step1}\n\n{a.step1_question}",
                acts=TurnActs(asked=self.check_after(0), topic="roles-overview"),
            )
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
        if reading.question is not None:  # unsure who is on the team: ask, one line
            return Reply(reading.question, acts=TurnActs(asked=OpenQuestion(kind="team")))
        return call(ALLOCATE, allocate_args(reading.team), reading.lead)

    # -- explaining tool results ------------------------------------------------------------

    def explain_tool_results(self, chat: list[BaseMessage], ctx: TurnContext) -> Reply:
        results = trailing_tool_messages(chat)
        calls = {c["id"]: c for c in last_tool_calls(chat)}
        parts = [
            self.explain(m, calls.get(m.tool_call_id, {}).get("args", {}), ctx) for m in results
        ]
        # The quick check (or "describe your team") a try-it prompt's explanation ends with.
        asked = [p.asked for p in parts if p.asked is not None]
        text = "\n\n".join(p.text for p in parts if p.text)
        topic = "demo-output" if any(m.name == DEMO for m in results) else None
        acts = TurnActs(asked=asked[-1] if asked else None, topic=topic, act="explained")
        return Reply(text, acts=acts)

    def explain(self, message: ToolMessage, args: dict[str, Any], ctx: TurnContext) -> Said:
        output = message.text
        if output.startswith("Error:"):
            return Said(f"The tool could not do that: {output.removeprefix('Error:').strip()}")
        if message.name == DEMO and args.get("lifecycle"):
            # The learner's own variant: explained against the lesson, no quick check.
            return Said(explain_variant([(s["stage"], s["owner"]) for s in args["lifecycle"]]))
        if message.name == DEMO:
            # After try-it prompt 2 the demo's quick check (and its "/next to allocate a
            # team") would be stale: the rerun is explained without it.
            later = ctx.steps_done >= 2
            return Said(
                self.explain_demo(output, args, ask=not later),
                None if later else self.check_after(1),
            )
        if message.name == ALLOCATE:
            return Said(self.explain_allocation(message, args), self.check_after(2))
        if message.name == ASK:
            # The engine shows the question with its own instruction: nothing to add.
            view = parse_json(output) or {}
            return Said(self.answers.quiz_done if view.get("done") else "")
        if message.name == GRADE:
            # The engine has already shown the learner the grader's verdict verbatim.
            return Said(self.after_grade(parse_json(output) or {}, ctx))
        return Said(output)

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

    def after_grade(self, result: dict[str, Any], ctx: TurnContext) -> str:
        """What to do next: retry an open question (the grader already said "have another
        go"), else another question, and the lesson's next prompt only while one is left."""
        a = self.answers
        if result.get("verdict") != "correct" and not result.get("revealed"):
            return a.quiz_retry
        return a.quiz_next_done if ctx.lesson_done else a.quiz_next

    def explain_demo(self, output: str, args: dict[str, Any], ask: bool = True) -> str:
        demo = output.split("\n\n", 1)[0].rstrip("\n")
        custom = args.get("lifecycle")
        lifecycle = [(s["stage"], s["owner"]) for s in custom] if custom else None
        analysis = analyze_handoffs(lifecycle)
        del demo  # the engine shows the output itself; this explains it
        lines = ["Handoff by handoff:"]
        for h in analysis.handoffs:
            why = self.answers.why_breaks.get(f"{h.from_stage} -> {h.to_stage}", "")
            kind = handoff_kind(h, brief=True)
            lines.append(f"- **{h.from_stage} → {h.to_stage}** ({kind}). {why}".rstrip())
        # What full and partial mean is said once, in the outro.
        lines.append(f"That is {analysis.full_count} full and {analysis.partial_count} partial.")
        lines += [self.answers.step2_outro, self.answers.step2_question] if ask else []
        return "\n\n".join(lines)


def explain_variant(lifecycle: Pairs) -> str:
    """What the demo's output on the learner's variant shows, against the lesson's own."""
    cues = knowledge().data.variants
    analysis = analyze_handoffs(lifecycle)
    if not analysis.handoffs:
        return cues.no_handoffs
    new, gone = compare(lifecycle, LESSON_LIFECYCLE)
    lines = []
    if new:
        lines.append(cues.new_lines + " " + ", ".join(f"`{x}`" for x in new) + ".")
    if gone:
        lines.append(cues.gone_lines + " " + ", ".join(f"`{x}`" for x in gone) + ".")
    if not (new or gone):
        lines.append(cues.same_lines)
    kinds = [f"- **{h.from_owner} → {h.to_owner}** ({handoff_kind(h)})" for h in analysis.handoffs]
    count = (
        f"{len(analysis.handoffs)} handoffs: {analysis.full_count} full, "
        f"{analysis.partial_count} partial."
    )
    return "\n\n".join([*lines, count, "\n".join(kinds), cues.outro])


def last_lifecycle(chat: Sequence[BaseMessage]) -> Pairs | None:
    """The learner's variant the demo ran on last in this conversation (a tool call's
    arguments: data, not words), or None when it last ran on the lesson's list."""
    for message in reversed(chat):
        if isinstance(message, AIMessage):
            for tool_call in message.tool_calls:
                if tool_call["name"] == DEMO:
                    custom = tool_call["args"].get("lifecycle")
                    return [(s["stage"], s["owner"]) for s in custom] if custom else None
    return None


def shown_before(question: Question, chat: Sequence[BaseMessage]) -> bool:
    """The tutor's last words before this turn already stated the answer to `question`."""
    for message in reversed(chat[:-1]):
        if isinstance(message, AIMessage) and message.text.strip():
            return states_the_answer(lexicon(), question, message.text)
    return False


def who_does_what(allocation: Allocation) -> str:
    """Who owns the lesson's three critical points — the data contract, the eval gate and
    on-call (the allocation's Workload block already says what each person owns and backs up,
    so it is not said again here)."""
    lines = []
    key = {
        "data-contract": "the data contract",
        "eval-gate": "the eval gate",
        "on-call": "on-call (the 3am page)",
    }
    for a in allocation.assignments:
        if a.id in key:
            backup = f" (backup: {spoken(a.backup)})" if a.backup else " (no backup in the team)"
            lines.append(f"- {key[a.id].capitalize()} is owned by **{spoken(a.owner)}**{backup}.")
    return "\n".join(lines)


def asks(text: str) -> bool:
    """Does the message hold a question word ("whos paged? (not a quiz)")?"""
    words = {w for p in quiz_bank().intake.ask_words for w in normalize(p)}
    return bool(words & set(lexicon().read(text).norms))


def handoff_kind(h: Handoff, brief: bool = False) -> str:
    """How ownership moves at a handoff; `brief` (under the demo's output) says the kind and
    who hands to whom, and what the kinds mean is said once, in the outro."""
    if brief:  # who hands to whom: try-it 2 asks how work flows across the roles
        return f"{h.kind}: {h.from_owner} → {h.to_owner}"
    if h.kind == "full":
        return f"full handoff: {h.from_owner} → {h.to_owner}, nobody continues"
    moves = [f"{', '.join(h.continues)} continues"]
    if h.joins:
        moves.append(f"{', '.join(h.joins)} joins")
    if h.leaves:
        moves.append(f"{', '.join(h.leaves)} steps back")
    return "partial handoff: " + ", ".join(moves)


@dataclass(frozen=True)
class Said:
    """One tool result explained: the words, and the question they end by asking."""

    text: str
    asked: OpenQuestion | None = None


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
