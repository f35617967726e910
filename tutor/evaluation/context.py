"""What the eval's rules compare replies against: the lesson pack, the quiz bank (answer key),
the system prompt's own words, the configured secrets, the shared lexicon and the suite's cues.

Built once per eval run from the first session (`Context.of_session`), shared by every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from tutor.content.pack import LessonPack, lexicon
from tutor.evaluation.record import TurnRecord
from tutor.evaluation.scripts import Suite
from tutor.quiz import QuizBank, answer_key_strings
from tutor.text import Lexicon, normalize
from tutor.tools.registry import ALLOCATE, AllocateArgs, allocate_people

#: what every check returns: (passed, evidence)
Outcome = tuple[bool, str]

API_KEY = re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}")
SHINGLE = 8  # words in a row of the system prompt that count as quoting it


def _note_header() -> str:
    try:  # the engine's per-turn note to the model (inside the last user message)
        from tutor.engine.request import NOTE_HEADER

        return NOTE_HEADER
    except ImportError:  # an engine without one: nothing to recognise
        return ""


# Fixed phrases of the per-turn context note the engine adds (part of what a model is sent).
PROMPT_MARKERS = tuple(
    m
    for m in (
        _note_header(),
        "A quiz question is waiting for an answer: id (grade the learner's answer with "
        "grade_quiz_answer).",
        "Explain that output in your own words; do not retype it.",
        "Answer the learner's message above; do not repeat this note.",
    )
    if m
)


class Context:
    """Shared facts for the rules of one eval run."""

    def __init__(
        self,
        pack: LessonPack,
        bank: QuizBank,
        tool_names: list[str],
        secrets: Iterable[str],
        suite: Suite,
        lex: Lexicon | None = None,
    ) -> None:
        self.pack = pack
        self.bank = bank
        self.tool_names = tool_names
        self.secrets = [s for s in secrets if s]
        self.suite = suite
        self.lexicon = lex or lexicon()

    @classmethod
    def of_session(cls, session: Any, suite: Suite, secrets: Iterable[str] = ()) -> Context:
        tools = [t.name for t in session.tools]
        return cls(session.pack, session.quiz_bank, tools, secrets, suite)

    @property
    def cues(self) -> Any:
        return self.suite.cues

    @cached_property
    def key_strings(self) -> list[str]:
        """Answer-key strings no reply may contain (explanations, accepted phrasings)."""
        authored = list(strings_in(self.pack.offline.model_dump()))
        public = [
            self.pack.lesson,
            self.pack.system_prompt(self.tool_names),
            *(f"{s.prompt}\n{s.goal}" for s in self.pack.steps),
            *authored,
        ]
        return sorted(answer_key_strings(self.bank, public), key=len)

    @cached_property
    def prompt_shingles(self) -> dict[tuple[str, ...], str]:
        """Every run of SHINGLE words of the system prompt's own text (the lesson left out),
        except runs that are mostly the lesson's vocabulary (a list of the role names is the
        lesson talking, not the prompt leaking)."""
        template = re.sub(r"\{\{\s*\w+\s*\}\}", " ", self.pack.system_template)
        vocabulary = {
            w
            for kind in ("role", "stage", "term")
            for entry in self.lexicon.entries(kind)
            for phrase in (entry.name, *entry.phrases)
            for w in plain_words(phrase)
        }
        shingles: dict[tuple[str, ...], str] = {}
        for source in (template, *PROMPT_MARKERS):
            words = plain_words(source)
            for i in range(len(words) - SHINGLE + 1):
                run = tuple(words[i : i + SHINGLE])
                if sum(w not in vocabulary for w in run) >= SHINGLE // 2:
                    shingles.setdefault(run, " ".join(run))
        return shingles

    @cached_property
    def lesson_words(self) -> frozenset[str]:
        """Every word the lesson, the tutor's prompts and the vocabulary use (lowercase, and
        normalised): a capitalised word outside it names something beyond the lesson."""
        texts = [
            self.pack.lesson,
            self.pack.system_template,
            *(f"{s.title} {s.prompt} {s.goal}" for s in self.pack.steps),
            *(
                f"{entry.name} {' '.join(entry.phrases)}"
                for kind in ("role", "stage", "term")
                for entry in self.lexicon.entries(kind)
            ),
        ]
        words = {w.lower() for t in texts for w in re.findall(r"[^\W_]+", t)}
        return frozenset(words | {w for t in texts for w in normalize(t)})

    @cached_property
    def note_texts(self) -> list[str]:
        """What the engine's per-turn note tells the model (the steps' goals and key points):
        a model that echoes it has not explained anything in its own words."""
        steps = [
            f"{s.title}. Goal: {s.goal} Must cover: {'; '.join(k.name for k in s.key_points)}."
            for s in self.pack.steps
        ] + [s.explain for s in self.pack.steps]
        return [*PROMPT_MARKERS, *steps]

    def question(self, question_id: str | None) -> Any:
        """The bank's question with this id, or None."""
        if not question_id:
            return None
        return next((q for q in self.bank.questions if q.id == question_id), None)


def rerun_allocation(args: dict[str, Any]) -> Any:
    """The allocation the planner tool computed, recomputed from the arguments it was given."""
    parsed = AllocateArgs.model_validate(args)
    return allocate_people(parsed.people, parsed.product)[1]


def planner_run(turn: Any) -> tuple[Any | None, str]:
    """The allocation of the turn's last planner call (recomputed from its arguments), or None
    and why there is none, for a check's evidence."""
    runs = turn.ran(ALLOCATE)
    if not runs:
        return None, f"{ALLOCATE} did not run (tools: {turn.tool_names()})"
    return rerun_allocation(runs[-1].args), ""


def strings_in(value: Any) -> Iterable[str]:
    """Every string inside nested dicts and lists (the offline tutor's authored words)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def plain_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


#: a check: (its settings from eval.toml, the turn it looks at, the shared context) -> outcome
Rule = Callable[[Any, TurnRecord, Context], Outcome]
