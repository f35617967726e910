"""What a learner message means for the engine, the same for every backend.

The one place that decides: does it ask to be quizzed, is it the next (or an earlier) try-it
prompt, is it an answer to the open question, does it ask to see the handoff demo, does it
describe a team — and so which tool the engine runs itself before any model speaks. Built on
the shared text module (`tutor.text`, via `tutor.content.pack.lexicon()`), the quiz's intake
reader (`tutor.quiz.intake`) and the team reader (`tutor.planning`); wordings live in
prompts/guided.toml and prompts/quiz.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tutor.backends.context import MessageReading, OpenQuestion
from tutor.content.pack import LessonPack, knowledge, lexicon, quiz_bank
from tutor.content.planner import looks_like_team, names_people_with_jobs, read_team
from tutor.demo.variant_words import norms_of
from tutor.errors import TeamError
from tutor.knowledge.dialogue import read_act
from tutor.planning import Team
from tutor.quiz import IntakeReader, Question, QuizBank
from tutor.quiz.reading import phrase_spans
from tutor.quiz.topics import asks_for_quiz
from tutor.text import Lexicon
from tutor.tools.registry import ALLOCATE, ASK, DEMO, GRADE, allocate_args


@dataclass(frozen=True)
class EngineCall:
    """A tool the engine runs itself for a message, with the arguments it read."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    #: what the engine read or assumed, for the model ("I read your team as: ...")
    note: str = ""
    #: app text shown to the learner before the result (the same reading, in their words)
    lead: str = ""


#: at most this many words, an opening sentence of pushback ("Disagree.") makes the message one
OPENING_WORDS = 3
#: most words between a way of seeing ("show", "what does") and the demo it is about
DEMO_WINDOW = 3


@dataclass(frozen=True)
class Meaning:
    """What a message asks for: the engine's reading of it (which try-it prompt it is, a
    demo request, a team) and the tool the engine runs for it."""

    reading: MessageReading = field(default_factory=MessageReading)
    call: EngineCall | None = None

    @property
    def step(self) -> int | None:
        return self.reading.step


class IntentReader:
    """Reads learner messages against one lesson pack. Immutable; share it freely."""

    def __init__(
        self, pack: LessonPack, lex: Lexicon | None = None, bank: QuizBank | None = None
    ) -> None:
        self.pack = pack
        self.lex = lex or lexicon()
        self.bank = bank or quiz_bank()
        self.intake = IntakeReader(self.lex, self.bank.intake, self.bank.guard)
        self.requests = pack.guided.requests
        self._step_terms = [self._terms(s.prompt) for s in pack.steps]

    def read(self, text: str, open_question: OpenQuestion | None = None) -> Meaning:
        """What `text` asks for. A request to be quizzed asks a question (on what it names),
        before anything else it mentions is run ("quiz me on the demo" never shows the demo).
        With a quiz question or quick check open, an answer or "I don't know" goes to the
        grader, for every backend; anything else is answered as such while it stays open."""
        reading = self.reading(text)
        if asks_for_quiz(self.lex, self.bank.intake, text):
            return Meaning(
                reading, EngineCall(ASK, {"about": text}, lead=self.pack.offline.quiz_intro)
            )
        if reading.step is not None:
            tool = self.pack.steps[reading.step].uses_tool
            return Meaning(reading, self._call_for(tool, text) if tool else None)
        question = self._bank_question(open_question)
        described = question is not None and self.describes_team(text)
        team = self.team_call(text, described=True) if described else None
        if team is not None:
            return self._team_while_open(reading, team, open_question)
        if question is not None:
            intake = self.intake.read(question, text)
            kind = intake.kind
            if intake.is_attempt and knowledge().asks_for_change(text):
                kind = "request"  # "say stage 4 is the Data Engineer's. Output?": the demo's
            reading = reading.model_copy(update={"while_open": kind})
            if kind in ("answer", "dont_know"):
                args = {"question_id": question.id, "answer": text}
                return Meaning(reading, EngineCall(GRADE, args))
            # Names in a remark ("this is my team, we are 3") are not a team to plan, and a
            # demo shown unasked could give the answer away: the backend answers.
            return Meaning(reading)
        if reading.asks_for_demo:
            return Meaning(reading, EngineCall(DEMO))
        if self.describes_team(text):
            return Meaning(reading, self.team_call(text))
        return Meaning(reading)

    @staticmethod
    def _team_while_open(
        reading: MessageReading, team: EngineCall, open_question: OpenQuestion | None
    ) -> Meaning:
        """A team described while a question is open is never graded as an answer: it is
        planned. A quick check the learner never asked for gives way (it closes); a quiz
        question they asked for stays open."""
        if open_question is not None and open_question.kind == "check":
            return Meaning(reading, team)
        return Meaning(reading.model_copy(update={"while_open": "remark"}), team)

    def _bank_question(self, open_question: OpenQuestion | None) -> Question | None:
        if open_question is None or open_question.kind == "team":
            return None
        return self.bank.get(open_question.id) if open_question.id in self.bank.ids() else None

    def reading(self, text: str) -> MessageReading:
        """The one reading of a message every backend gets (in the turn context)."""
        return MessageReading(
            step=self.step_of(text),
            asks_for_demo=self.asks_for_demo(text),
            looks_like_team=self.team_like(text),
        )

    def team_like(self, text: str) -> bool:
        """Names people on a team — and is not an argument about the lesson: a stated
        misconception or pushback ("CI owns our eval gate", "honestly this is org-chart
        trivia") is answered, never planned as a team."""
        if not looks_like_team(text):
            return False
        if names_people_with_jobs(text):
            # A team spelled out is planned even beside a belief ("Neither of us likes
            # on-call. Can you split this up?"): the plan gives the pager an owner.
            return True
        kb = knowledge()
        argues = kb.misconception(text) is not None
        return not argues and not self._pushes_back(text)

    def _pushes_back(self, text: str) -> bool:
        """Pushback, as a whole or by its opening ("Disagree. SRE shouldn't share deploy &
        monitor. We deploy, they monitor. Clean split." argues; it describes no team)."""
        cues = knowledge().data.dialogue
        opening = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
        said = [text, opening] if len(self.lex.read(opening).tokens) <= OPENING_WORDS else [text]
        return any(read_act(t, self.lex, cues) == "pushback" for t in said)

    @staticmethod
    def unread() -> Meaning:
        """The meaning of a message the reader failed on: nothing read, the backend answers."""
        return Meaning()

    def step_of(self, text: str) -> int | None:
        """The try-it prompt `text` is, verbatim or paraphrased, or names by its number
        ("give me prompt 3"); None when it is none."""
        named = self.step_named(text)
        if named is not None:
            return named
        words = set(self._terms(text))
        best, best_cover = None, 0.0
        for index, terms in enumerate(self._step_terms):
            hit = sum(1 for t in terms if any(self.lex.same_word(t, w) for w in words))
            cover = hit / len(terms) if terms else 0.0
            if cover > best_cover:
                best, best_cover = index, cover
        return best if best_cover >= self.requests.step_coverage else None

    def step_named(self, text: str) -> int | None:
        """The prompt a message names by number: a prompt word with one prompt's number right
        before or after it ("prompt 3", "the third prompt", "try-it 2"), and no other."""
        reading, requests = self.lex.read(text), self.requests
        norms = reading.norms
        found: set[int] = set()
        for word in requests.step_words:
            for first, last in phrase_spans(self.lex, reading, word):
                after = norms[last] if last < len(norms) else None
                before = norms[first - 1] if first > 0 else None
                found.update(i for i, nums in enumerate(requests.step_numbers) if after in nums)
                found.update(i for i, ords in enumerate(requests.step_ordinals) if before in ords)
        return found.pop() if len(found) == 1 else None

    def describes_team(self, text: str) -> bool:
        """A team the learner describes as theirs, for planning ("we are Ana, a data
        scientist, ..."; "my team of three, who owns what?"). Roles described in general
        ("data scientists build models") are not a team: those are left to the model."""
        kb = knowledge()
        said = any(self.lex.find(text, phrase) for phrase in self.requests.team)
        # "Fatima trains the models, Chen Wei handles on-call": people given MLOps jobs by
        # name are a team without the word "team" (the offline tutor plans them; so must a
        # model's turn, which would otherwise get no allocation to be checked against) —
        # unless they are put in the demo ("run the demo with our names: Ana frames, …")
        spelled = names_people_with_jobs(text) and kb.variant(text) is None
        if not said and not spelled:
            return False
        if kb.asks_for_change(text) or (kb.variant(text) is not None and self._asks_output(text)):
            return False  # people put in the demo ("..., what does the demo print?")
        # Without a word asking what it prints, who does what is a team, even beside a
        # "demo" of their own ("Lukas set up the server and the demo website").
        return self.team_like(text)

    def _asks_output(self, text: str) -> bool:
        cues = knowledge().data.variants
        return any(self.lex.find(text, p) for p in (*cues.output, *cues.suppose))

    def asks_for_demo(self, text: str) -> bool:
        """Names the demo and a way of seeing or running it ("show me the demo output") —
        not a change to it ("if every owner is 'Me', what does the demo print?"): the
        backend runs that variant."""
        kb = knowledge()
        norms = self.lex.read(text).norms
        if norms and norms[0] in norms_of(kb.data.variants.explains):
            return False  # "why does the demo print X?" asks about the output, not to see it
        demo = [s for p in self.requests.demo for s in self.lex.find(text, p)]
        show = [s for p in self.requests.show for s in self.lex.find(text, p)] if demo else []
        # The two close together: "what does range(len(lifecycle)-1) do in the demo" asks
        # about a line of its code, not to see it run.
        near = any(max(a[0], b[0]) - min(a[1], b[1]) <= DEMO_WINDOW for a in demo for b in show)
        # A change it cannot read is not a request for the lesson's own output either.
        return near and kb.variant(text) is None and not kb.asks_for_change(text)

    def _terms(self, text: str) -> list[str]:
        # Words only: the `kind:id` mention terms would count a role twice.
        return [t for t in self.lex.content_terms(text) if ":" not in t]

    def _call_for(self, tool: str, text: str) -> EngineCall | None:
        if tool == ALLOCATE:
            return self.team_call(text, default=True)
        return EngineCall(tool)

    def team_call(
        self, text: str, *, default: bool = False, described: bool = False
    ) -> EngineCall | None:
        """The planner's arguments for the team the reader finds in `text`. A description
        the reader refuses (too long, no people) gets no call, so the learner hears why;
        with `default` (the try-it prompt's "3-person team") the reader's default split.
        With `described`, only a team that says what someone does ("we are 3 ppl", a head
        count alone, describes nobody: while a question is open that is a remark)."""
        try:
            reading = read_team(text)
        except TeamError:
            if not default:
                return None
            reading = read_team(self.pack.steps[-1].prompt)
        if reading.question is not None and not default:
            return None  # unsure: the backend asks (or a model reads it, `team_reading`)
        if described and len(reading.assumed) >= len(reading.team.people):
            return None
        return allocate_call(reading.team, reading.lead)


#: one reader per lesson pack, shared by every session (immutable; building one costs about
#: 2 ms of a learner's first message); a few packs at most, the pack kept so its id stays its
_READERS: dict[int, tuple[LessonPack, IntentReader]] = {}


def intent_reader(pack: LessonPack) -> IntentReader:
    """The shared reader of `pack`."""
    kept = _READERS.get(id(pack))
    if kept is None or kept[0] is not pack:
        if len(_READERS) >= 8:
            _READERS.clear()
        kept = _READERS[id(pack)] = (pack, IntentReader(pack))
    return kept[1]


def allocate_call(team: Team, summary: str) -> EngineCall:
    """The planner run for a team, with how it was read (for the model and the learner)."""
    return EngineCall(ALLOCATE, allocate_args(team), note=summary, lead=summary)
