"""The quiz bank: questions of every kind with their answer key, validated at load.

Content models only (frozen, shared process-wide); `tutor.content.pack.quiz_bank()` loads
prompts/quiz.toml into them. The key never leaves through `QuestionView`, the public view.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tutor.errors import InputError
from tutor.text import KINDS

LETTERS = "abcdefgh"
MAX_OPTIONS = len(LETTERS)

Kind = Literal["free_text", "single_choice", "multi_choice", "match", "order", "count"]
EXACT_KINDS: frozenset[str] = frozenset(
    {"single_choice", "multi_choice", "match", "order", "count"}
)
# The bank's first format had two kinds; old files keep loading.
_OLD_KINDS = {"choice": "single_choice", "short": "free_text"}

INSTRUCTIONS: dict[str, str] = {
    "free_text": "Answer in a sentence or two.",
    "single_choice": "Answer with one letter (or the option's text).",
    "multi_choice": "Answer with every letter that applies, e.g. a, c.",
    "match": "Answer with one pair per item, e.g. 1=b; 2=a (item number = option letter).",
    "order": "Answer with the item numbers in order, e.g. 3, 1, 2.",
    "count": "Answer with a number.",
}


class _Content(BaseModel):
    # frozen: cached and shared by every learner; extra="forbid": a misspelt key in quiz.toml
    # is an error naming it, not silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def is_ref(text: str) -> bool:
    """'role:data_engineer' names a vocabulary entry; anything else is a phrase."""
    kind, sep, rest = text.partition(":")
    return bool(sep) and kind in KINDS and bool(rest) and " " not in text


class KeyPoint(_Content):
    """One thing a free-text answer must assert (see the comments at the top of quiz.toml)."""

    name: str = Field(min_length=1)
    any_of: tuple[str, ...] = Field(min_length=1)
    rejected: tuple[str, ...] = ()
    by: str | None = None
    one_owner: bool = False

    @field_validator("any_of", "rejected")
    @classmethod
    def _phrases_have_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for phrase in value:
            if not all(part.strip() for part in phrase.split("...")):
                raise ValueError(f"phrasing {phrase!r} has no words on one side of '...'")
        return value

    @model_validator(mode="after")
    def _no_phrasing_both_ways(self) -> KeyPoint:
        both = {p.lower() for p in self.any_of} & {p.lower() for p in self.rejected}
        if both:
            raise ValueError(
                f"key point {self.name!r}: any_of and rejected both hold {sorted(both)}"
            )
        if self.one_owner and not any(p.startswith("role:") for p in self.any_of):
            raise ValueError(f"key point {self.name!r}: one_owner needs a role:ID in any_of")
        return self

    def refs(self) -> tuple[str, ...]:
        return tuple(p for p in (*self.any_of, *self.rejected) if is_ref(p))


class QuestionView(BaseModel):
    """What a learner or a model may see of a question: no answer, hint or explanation.

    `kind` tells a surface how to offer the answer, and which text to send back as the
    learner's answer (the grader reads exactly these forms; they work in a terminal too):

    - "free_text": the learner's own words.
    - "single_choice": `options` lettered a, b, c...; send one letter ("b") or the option text.
    - "multi_choice": `options` as checkboxes; send the ticked letters joined by commas
      ("a, c, d"; order does not matter), or option texts joined by ";".
    - "match": one dropdown per entry of `items` (numbered 1..n), each offering `options`
      (lettered); send "1=b; 2=a; 3=c" (item number = option letter; texts work too:
      "build data pipeline=Data Engineer; ...").
    - "order": `items` shown in this (scrambled) order, numbered 1..n; send the numbers in the
      chosen order, "3, 1, 2" (or the texts joined by ";" or "->").
    - "count": a number input; send "5" ("five", "there are 5" also work).

    Any kind: "I don't know", "skip", "hint please" get a hint or the answer without using an
    attempt (verdict "skipped"). `instructions` is the one-line version for a terminal.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Kind
    topic: str
    prompt: str
    options: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    instructions: str = ""

    def render(self) -> str:
        """The question as text: options lettered A), B), items numbered 1., 2., ..."""
        lines = [self.prompt]
        lines += [f"{i + 1}. {item}" for i, item in enumerate(self.items)]
        lines += [f"{LETTERS[i].upper()}) {opt}" for i, opt in enumerate(self.options)]
        lines.append(self.instructions)
        return "\n".join(line for line in lines if line)


class Question(_Content):
    """One question and its key: `answer`/`answers`/`pairs`/`items` order/`number`/`key_points`."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)
    kind: Kind
    topic: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    options: tuple[str, ...] = Field((), max_length=MAX_OPTIONS)
    items: tuple[str, ...] = Field((), max_length=12)
    answer: str | None = None
    answers: tuple[str, ...] = ()
    pairs: tuple[str, ...] = ()
    number: int | None = None
    key_points: tuple[KeyPoint, ...] = ()
    hint: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    source: str = Field(min_length=1)
    guided_step: int | None = Field(default=None, ge=1, le=3)

    @model_validator(mode="before")
    @classmethod
    def _old_kind_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in _OLD_KINDS:
            data = {**data, "kind": _OLD_KINDS[data["kind"]]}
        return data

    @field_validator("answer")
    @classmethod
    def _letter_lowercase(cls, value: str | None) -> str | None:
        return None if value is None else value.strip("() ").lower()

    @field_validator("answers", "pairs")
    @classmethod
    def _letters_lowercase(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip("() ").lower() for v in value)

    @model_validator(mode="after")
    def _fits_kind(self) -> Question:
        problem = _kind_problem(self)
        if problem:
            raise ValueError(f"question {self.id!r}: {problem}")
        return self

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]

    @property
    def exact(self) -> bool:
        return self.kind in EXACT_KINDS

    def option(self, letter: str) -> str:
        return f"{letter.upper()}) {self.options[self.letters.index(letter)]}"

    def shown_items(self) -> tuple[str, ...]:
        """Items as shown: for `order`, a fixed scramble (alphabetical, or reversed when
        alphabetical happens to be the answer); otherwise as authored."""
        if self.kind != "order":
            return self.items
        shown = tuple(sorted(self.items, key=str.casefold))
        return shown if shown != self.items else tuple(reversed(self.items))

    def correct_option(self) -> str | None:
        """The key in words, for the learner once revealed ('B) ML Engineer', '5', ...)."""
        if self.kind == "single_choice" and self.answer:
            return self.option(self.answer)
        if self.kind == "multi_choice":
            return "; ".join(self.option(letter) for letter in self.answers)
        if self.kind == "match":
            pairs = zip(self.items, self.pairs, strict=True)
            return "; ".join(f"{item}: {self.options[self.letters.index(p)]}" for item, p in pairs)
        if self.kind == "order":
            return " -> ".join(self.items)
        if self.kind == "count":
            return str(self.number)
        return None

    def key_answer(self) -> str | None:
        """The key written as an answer the grader accepts (the forms on QuestionView);
        None for free text, whose key is a rubric."""
        if self.kind == "single_choice":
            return self.answer
        if self.kind == "multi_choice":
            return ", ".join(self.answers)
        if self.kind == "match":
            return "; ".join(f"{i + 1}={letter}" for i, letter in enumerate(self.pairs))
        if self.kind == "order":
            shown = self.shown_items()
            return ", ".join(str(shown.index(item) + 1) for item in self.items)
        if self.kind == "count":
            return str(self.number)
        return None

    def public(self) -> QuestionView:
        return QuestionView(
            id=self.id,
            kind=self.kind,
            topic=self.topic,
            prompt=self.prompt,
            options=self.options,
            items=self.shown_items(),
            instructions=INSTRUCTIONS[self.kind],
        )


def _kind_problem(q: Question) -> str | None:
    """What is wrong with the fields for the question's kind, if anything."""
    extra = {
        "options": bool(q.options) and q.kind not in {"single_choice", "multi_choice", "match"},
        "items": bool(q.items) and q.kind not in {"match", "order"},
        "answer": q.answer is not None and q.kind != "single_choice",
        "answers": bool(q.answers) and q.kind != "multi_choice",
        "pairs": bool(q.pairs) and q.kind != "match",
        "number": q.number is not None and q.kind != "count",
        "key_points": bool(q.key_points) and q.kind != "free_text",
    }
    wrong = [name for name, bad in extra.items() if bad]
    if wrong:
        return f"{', '.join(wrong)}: not used by a {q.kind} question"
    return _CHECKS[q.kind](q)


def _options_problem(q: Question) -> str | None:
    if len(q.options) < 2:
        return "options: needs at least 2 options"
    if len({o.casefold() for o in q.options}) != len(q.options):
        return "options: each option must differ from the others"
    return None


def _single(q: Question) -> str | None:
    if q.answer is None or len(q.answer) != 1 or q.answer not in q.letters:
        return f"answer: must be one of the option letters {', '.join(q.letters)}"
    return _options_problem(q)


def _multi(q: Question) -> str | None:
    if not q.answers or any(a not in q.letters for a in q.answers):
        return f"answers: must be option letters among {', '.join(q.letters)}"
    if len(set(q.answers)) != len(q.answers):
        return "answers: a letter is listed twice"
    return _options_problem(q)


def _match(q: Question) -> str | None:
    if len(q.items) < 2:
        return "items: a match question needs at least 2 items"
    if len(q.pairs) != len(q.items) or any(p not in q.letters for p in q.pairs):
        return "pairs: one option letter per item, in the items' order"
    return _options_problem(q)


def _order(q: Question) -> str | None:
    if len(q.items) < 3 or len({i.casefold() for i in q.items}) != len(q.items):
        return "items: an order question needs at least 3 different items"
    return None


def _count(q: Question) -> str | None:
    return None if q.number is not None and q.number >= 0 else "number: the right count (>= 0)"


def _free(q: Question) -> str | None:
    return None if q.key_points else "key_points: a free_text question needs at least 1 key point"


_CHECKS = {
    "single_choice": _single,
    "multi_choice": _multi,
    "match": _match,
    "order": _order,
    "count": _count,
    "free_text": _free,
}


def unknown_refs(bank: QuizBank, known: set[str]) -> list[str]:
    """Problems with vocabulary references in the rubrics, given the known 'kind:id's."""
    problems = []
    for q in bank.questions:
        for point in q.key_points:
            wanted = [*point.refs(), *([f"role:{point.by}"] if point.by else [])]
            for ref in wanted:
                if ref not in known:
                    problems.append(f"question {q.id!r}, key point {point.name!r}: {ref}")
    return problems


class Guard(_Content):
    """What learners say instead of an answer; phrases matched through the text module."""

    skip: tuple[str, ...] = ()
    reveal: tuple[str, ...] = ()
    hint: tuple[str, ...] = ()
    filler: tuple[str, ...] = ()
    demand: tuple[str, ...] = ()
    confidence: tuple[str, ...] = ()
    confidence_max_other_words: int = 2


# No guard phrases: a default for callers that grade without a bank (immutable, so shared).
NO_GUARD = Guard()


class IntakeWords(_Content):
    """How a message sent while a question is open is read (see `[intake]` in quiz.toml)."""

    discourse: tuple[str, ...] = ()
    ask_words: tuple[str, ...] = ()
    auxiliaries: tuple[str, ...] = ()
    answer_subjects: tuple[str, ...] = ()
    #: words that open a reason ("because the handoff code is slower?"): an answer offered
    reason_openers: tuple[str, ...] = ()
    self_words: tuple[str, ...] = ()
    own_world: tuple[str, ...] = ()
    offer_verbs: tuple[str, ...] = ()
    politeness: tuple[str, ...] = ()
    request_verbs: tuple[str, ...] = ()
    request_things: tuple[str, ...] = ()
    move_on: tuple[str, ...] = ()
    quiz_me: tuple[str, ...] = ()
    quiz_words: tuple[str, ...] = ()
    quiz_stop: tuple[str, ...] = ()
    quiz_nouns: tuple[str, ...] = ()
    pushback_targets: tuple[str, ...] = ()
    pushback_words: tuple[str, ...] = ()
    thinking: tuple[str, ...] = ()
    answer_threshold: float = Field(0.7, ge=0, le=1)


NO_INTAKE = IntakeWords()


class QuizBank(_Content):
    """All questions, in the order they are asked, and the guard's phrases."""

    questions: tuple[Question, ...] = Field(min_length=1)
    guard: Guard = NO_GUARD
    intake: IntakeWords = NO_INTAKE

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, value: tuple[Question, ...]) -> tuple[Question, ...]:
        seen: set[str] = set()
        for q in value:
            if q.id in seen:
                raise ValueError(f"id {q.id!r} is used by more than one question")
            seen.add(q.id)
        return value

    def get(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise InputError(
            f"There is no quiz question {question_id!r}. `tutor quiz list` shows them."
        )

    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def for_step(self, step: int) -> list[Question]:
        return [q for q in self.questions if q.guided_step == step]
