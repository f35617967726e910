"""Quiz bank, per-learner quiz state, question selection and grading.

Pure: the only I/O is loading `prompts/quiz.toml` (cached). The bank holds the answer key, so
only `QuestionView` (from `Question.public()`) and `Grade.for_model()` may reach a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tutor.errors import InputError
from tutor.resources import load_toml

BANK_FILE = "quiz.toml"
MAX_ANSWER_CHARS = 4000
LETTERS = "abcdefgh"
GAP_WORDS = 4  # words allowed where an accepted phrasing says " ... "
REVEAL_AFTER = 2  # failed attempts before the explanation is revealed
MIN_SECRET_CHARS = 8  # shorter accepted phrasings are too common to scan requests for

Verdict = Literal["correct", "partial", "incorrect"]
Words = tuple[str, ...]

# ---------------------------------------------------------------- text normalisation

_WORD = re.compile(r"[^\W_]+")
_DIGIT_ALPHA = re.compile(r"(\d)([^\W\d_])")
# British/American spellings and verb forms fold together: productionise(d) = productionize.
_SPELLING = (
    ("isation", "ization"),
    ("ising", "ize"),
    ("izing", "ize"),
    ("ised", "ize"),
    ("ized", "ize"),
    ("ises", "ize"),
    ("izes", "ize"),
    ("ise", "ize"),
)
_SYNONYMS = (
    ("site reliability engineering", "sre"),
    ("site reliability engineer", "sre"),
    ("site reliability", "sre"),
    ("machine learning", "ml"),
    ("large language model", "llm"),
    ("on call", "oncall"),
    ("hand off", "handoff"),
    ("hand over", "handoff"),
    ("handover", "handoff"),
    ("evaluation", "eval"),
    ("evaluate", "eval"),
    ("evaluated", "eval"),
    ("evaluating", "eval"),
    ("productionalize", "productionize"),
    ("mle", "ml engineer"),
)


def _stem(word: str) -> str:
    """Fold spelling variants and plain plurals, so 'pipelines' matches 'pipeline'."""
    if len(word) > 5:
        for old, new in _SPELLING:
            if word.endswith(old):
                word = word[: -len(old)] + new
                break
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _raw_words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "").replace("'", "")
    text = _DIGIT_ALPHA.sub(r"\1 \2", text)  # "3am" -> "3 am"
    return [_stem(w) for w in _WORD.findall(text)]


@cache
def _synonym_table() -> tuple[tuple[Words, Words], ...]:
    """Synonyms in normalised form, longest source first so the longest match wins."""
    table = [(tuple(_raw_words(src)), tuple(_raw_words(dst))) for src, dst in _SYNONYMS]
    return tuple(sorted(table, key=lambda pair: -len(pair[0])))


def normalize(text: str) -> Words:
    """Lowercase words without punctuation, plurals folded, synonyms mapped ('sre', 'oncall')."""
    words, out, i = _raw_words(text), [], 0
    while i < len(words):
        for src, dst in _synonym_table():
            if tuple(words[i : i + len(src)]) == src:
                out.extend(dst)
                i += len(src)
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def phrase_segments(phrase: str) -> tuple[Words, ...]:
    """An accepted phrasing split at ' ... ' into normalised word runs."""
    return tuple(normalize(part) for part in phrase.split("..."))


def _contains(words: Words, run: Words, lo: int, hi: int) -> list[int]:
    """Start positions in [lo, hi] where `run` occurs in `words`."""
    hi = min(hi, len(words) - len(run))
    return [s for s in range(lo, hi + 1) if words[s : s + len(run)] == run]


def _match_rest(words: Words, segments: Sequence[Words], pos: int) -> bool:
    if not segments:
        return True
    run = segments[0]
    starts = _contains(words, run, pos, pos + GAP_WORDS)
    return any(_match_rest(words, segments[1:], s + len(run)) for s in starts)


def phrase_in(words: Words, phrase: str) -> bool:
    """True when the phrasing occurs in `words` as whole words (gaps only where it says ...)."""
    first, *rest = phrase_segments(phrase)
    starts = _contains(words, first, 0, len(words))
    return any(_match_rest(words, rest, s + len(first)) for s in starts)


# ---------------------------------------------------------------- the bank


class _Strict(BaseModel):
    # extra="forbid": a misspelt key in quiz.toml is an error naming it, not silently ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KeyPoint(_Strict):
    """One thing a short answer must say, with the phrasings that count as saying it."""

    name: str = Field(min_length=1)
    accepted: list[str] = Field(min_length=1)

    @field_validator("accepted")
    @classmethod
    def _phrases_have_words(cls, value: list[str]) -> list[str]:
        for phrase in value:
            if not all(phrase_segments(phrase)):
                raise ValueError(f"phrasing {phrase!r} has no words on one side of '...'")
        return value


class QuestionView(BaseModel):
    """What a learner or a model may see of a question: no answer, hint or explanation."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["choice", "short"]
    topic: str
    prompt: str
    options: tuple[str, ...] = ()

    def render(self) -> str:
        """The question as text, options lettered A), B), ..."""
        lines = [self.prompt]
        lines += [f"{LETTERS[i].upper()}) {opt}" for i, opt in enumerate(self.options)]
        return "\n".join(lines)


class Question(_Strict):
    """One question with its answer key (`answer` or `key_points`)."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)
    kind: Literal["choice", "short"]
    topic: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    options: list[str] = Field(default_factory=list, max_length=len(LETTERS))
    answer: str | None = None
    key_points: list[KeyPoint] = Field(default_factory=list)
    hint: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    source: str = Field(min_length=1)
    guided_step: int | None = Field(default=None, ge=1, le=3)

    @field_validator("answer")
    @classmethod
    def _letter_lowercase(cls, value: str | None) -> str | None:
        return None if value is None else value.strip("() ").lower()

    @model_validator(mode="after")
    def _fits_kind(self) -> Question:
        problem = self._choice_problem() if self.kind == "choice" else self._short_problem()
        if problem:
            raise ValueError(f"question {self.id!r}: {problem}")
        return self

    def _choice_problem(self) -> str | None:
        if len(self.options) < 2:
            return "options: a choice question needs at least 2 options"
        if self.answer is None or len(self.answer) != 1 or self.answer not in self.letters:
            return f"answer: must be one of the option letters {', '.join(self.letters)}"
        forms = [normalize(opt) for opt in self.options]
        if not all(forms) or len(set(forms)) != len(forms):
            return "options: each option needs words and must differ from the others"
        if self.key_points:
            return "key_points: only short questions have key points"
        return None

    def _short_problem(self) -> str | None:
        if not self.key_points:
            return "key_points: a short question needs at least 1 key point"
        if self.options or self.answer is not None:
            return "options/answer: only choice questions have options and an answer"
        return None

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]

    def correct_option(self) -> str | None:
        """'B) ML Engineer' for a choice question, None for a short one."""
        if self.kind != "choice" or self.answer is None:
            return None
        return f"{self.answer.upper()}) {self.options[self.letters.index(self.answer)]}"

    def public(self) -> QuestionView:
        return QuestionView(
            id=self.id, kind=self.kind, topic=self.topic, prompt=self.prompt, options=self.options
        )


class QuizBank(_Strict):
    """All questions, in the order they are asked."""

    questions: list[Question] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, value: list[Question]) -> list[Question]:
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
        raise InputError(f"There is no quiz question {question_id!r}.")

    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def for_step(self, step: int) -> list[Question]:
        return [q for q in self.questions if q.guided_step == step]


@cache
def default_bank() -> QuizBank:
    """The bank from `prompts/quiz.toml`, validated once per process."""
    return load_toml(BANK_FILE, QuizBank)


# ---------------------------------------------------------------- learner state


class VerdictRecord(BaseModel):
    question_id: str
    verdict: Verdict
    attempt: int


class Score(BaseModel):
    """Progress summary: `correct` of `answered` distinct questions are mastered."""

    answered: int
    correct: int
    attempts: int
    mastered: list[str]
    percent: int
    total: int | None = None


class QuizState(BaseModel):
    """One learner's quiz progress; JSON-serialisable (stored by tutor.store)."""

    attempts: dict[str, int] = Field(default_factory=dict)
    mastered: list[str] = Field(default_factory=list)  # a set, kept ordered for stable JSON
    current: str | None = None
    history: list[VerdictRecord] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)  # oldest first

    @classmethod
    def from_json(cls, text: str | None) -> QuizState:
        """State saved by `model_dump_json()`; a fresh state for None or ''."""
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            raise InputError("The saved quiz progress is unreadable; /reset starts over.") from None

    def summary(self, total: int | None = None) -> Score:
        answered = [qid for qid, n in self.attempts.items() if n > 0]
        correct = sum(1 for qid in answered if qid in self.mastered)
        percent = round(100 * correct / len(answered)) if answered else 0
        return Score(
            answered=len(answered),
            correct=correct,
            attempts=len(self.history),
            mastered=list(self.mastered),
            percent=percent,
            total=total,
        )


# ---------------------------------------------------------------- selection


def _is_due(state: QuizState, question_id: str) -> bool:
    """A missed question is due again once another question was graded after it."""
    last = max((i for i, r in enumerate(state.history) if r.question_id == question_id), default=-1)
    return last < len(state.history) - 1


def _rank(question: Question, index: int, state: QuizState, step: int | None) -> tuple:
    preferred = step is not None and question.guided_step == step
    if question.id in state.missed:
        category = 0 if _is_due(state, question.id) else 2
        return (not preferred, category, state.missed.index(question.id))
    return (not preferred, 1, index)


def next_question(bank: QuizBank, state: QuizState, step: int | None = None) -> Question | None:
    """The next question to ask: never a mastered one; None when all are mastered.

    Order: the given guided step's questions first; within that, missed questions that are
    due again, then unasked ones in bank order, then missed ones not yet due (only when nothing
    else is left). Deterministic: depends on the state only.
    """
    open_ = [(i, q) for i, q in enumerate(bank.questions) if q.id not in state.mastered]
    if not open_:
        return None
    return min(open_, key=lambda iq: _rank(iq[1], iq[0], state, step))[1]


def ask(bank: QuizBank, state: QuizState, step: int | None = None) -> Question | None:
    """`next_question`, remembered as the pending question in `state.current`."""
    question = next_question(bank, state, step)
    state.current = question.id if question else None
    return question


# ---------------------------------------------------------------- grading


class Grade(BaseModel):
    """The verdict on one answer. `explanation` and `correct_answer` are for the learner only."""

    question_id: str
    verdict: Verdict
    hit: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    attempt: int
    hint: str | None = None
    explanation: str | None = None
    correct_answer: str | None = None
    revealed: bool = False
    message: str

    def for_model(self) -> dict[str, Any]:
        """What a model may see: verdict and hint; missed points only once revealed."""
        data = self.model_dump(exclude={"explanation", "correct_answer"})
        data["missed_count"] = len(self.missed)
        if not self.revealed:
            data["missed"] = []
        return data


_LETTER_ONLY = re.compile(
    r"^(?:(?:my |the )?answer(?: is)?\s*[:=-]?\s*|option\s+|choice\s+"
    r"|i (?:pick|choose|say|think)\s+)?[(\[]?([a-z])[)\].:,]?$"
)
_LETTER_AND_TEXT = re.compile(r"^[(\[]?([a-z])[)\].:]\s*(.+)$", re.DOTALL)


def _option_by_text(question: Question, text: str) -> int | None:
    """The one option whose words the answer contains (a longer option beats its own prefix)."""
    words = normalize(text)
    forms = [normalize(opt) for opt in question.options]
    if words in forms:
        return forms.index(words)
    found = [i for i, form in enumerate(forms) if _contains(words, form, 0, len(words))]
    # "ML Engineer + SRE/Platform" also contains "ML Engineer": keep only the widest match.
    widest = [
        i
        for i in found
        if not any(j != i and _contains(forms[j], forms[i], 0, len(forms[j])) for j in found)
    ]
    return widest[0] if len(widest) == 1 else None


def choice_index(question: Question, answer: str) -> int | None:
    """Which option the answer picks: 'b', 'B)', '(b)', 'answer: b' or the option text."""
    text = " ".join(answer.lower().split())
    if match := _LETTER_ONLY.match(text):
        letter = match.group(1)
        return question.letters.index(letter) if letter in question.letters else None
    if match := _LETTER_AND_TEXT.match(text):
        letter, rest = match.groups()
        if letter in question.letters:
            index = question.letters.index(letter)
            return index if normalize(rest) == normalize(question.options[index]) else None
    return _option_by_text(question, text)


def _grade_choice(question: Question, answer: str) -> Verdict:
    index = choice_index(question, answer)
    if index is None or question.answer is None:
        return "incorrect"
    return "correct" if question.letters[index] == question.answer else "incorrect"


def _grade_short(question: Question, answer: str) -> tuple[Verdict, list[str], list[str]]:
    words = normalize(answer)
    hit, missed = [], []
    for point in question.key_points:
        found = any(phrase_in(words, phrase) for phrase in point.accepted)
        (hit if found else missed).append(point.name)
    verdict: Verdict = "correct" if not missed else "partial" if hit else "incorrect"
    return verdict, hit, missed


def _checked_answer(answer: str) -> str:
    text = answer.strip()
    if not text:
        raise InputError("Type an answer first, then send it.")
    if len(text) > MAX_ANSWER_CHARS:
        raise InputError(f"That answer is too long; keep it under {MAX_ANSWER_CHARS} characters.")
    return text


def _record(state: QuizState, question_id: str, verdict: Verdict) -> int:
    """Update the learner's state with one verdict; returns the attempt number."""
    attempt = state.attempts.get(question_id, 0) + 1
    state.attempts[question_id] = attempt
    state.history.append(VerdictRecord(question_id=question_id, verdict=verdict, attempt=attempt))
    if question_id in state.missed:
        state.missed.remove(question_id)  # re-queued at the back below if still missed
    if verdict == "correct":
        if question_id not in state.mastered:
            state.mastered.append(question_id)
        state.current = None
    else:
        state.missed.append(question_id)
        state.current = None if attempt >= REVEAL_AFTER else question_id
    return attempt


def _message(verdict: Verdict, attempt: int, revealed: bool, hit: int, total: int) -> str:
    if verdict == "correct":
        return "Correct!" if attempt == 1 else f"Correct, on attempt {attempt}."
    part = f"Partly right: {hit} of {total} key points." if verdict == "partial" else "Not quite."
    if revealed:
        return f"{part} Here is the answer; this question will come back later."
    return f"{part} Have another go, with the hint."


def grade(question: Question, answer: str, state: QuizState) -> Grade:
    """Grade one answer and record it in `state`. Raises InputError (recording nothing) if blank."""
    text = _checked_answer(answer)
    if question.kind == "choice":
        verdict, hit, missed = _grade_choice(question, text), [], []
    else:
        verdict, hit, missed = _grade_short(question, text)
    attempt = _record(state, question.id, verdict)
    revealed = verdict == "correct" or attempt >= REVEAL_AFTER
    return Grade(
        question_id=question.id,
        verdict=verdict,
        hit=hit,
        missed=missed,
        attempt=attempt,
        hint=None if revealed else question.hint,
        explanation=question.explanation if revealed else None,
        correct_answer=question.correct_option() if revealed else None,
        revealed=revealed,
        message=_message(verdict, attempt, revealed, len(hit), len(question.key_points)),
    )


# ---------------------------------------------------------------- insistence and key secrecy

# Demands on the grader: insistence wherever they appear.
_DEMAND = re.compile(
    r"\b(?:"
    r"mark (?:it|this|that|me|my answer)(?: as)? (?:correct|right)"
    r"|(?:count|accept|take|grade) (?:it|this|that|my answer)(?: as)? (?:correct|right)"
    r"|my answer (?:is|was) (?:right|correct)"
    r"|my (?:notes|teacher|book|textbook|professor|boss|manager) (?:say|says|said)"
    r"|(?:give|award) me (?:the |full )?(?:point|points|credit|marks)"
    r"|(?:you are|youre|the grader is|grader is) (?:wrong|mistaken)"
    r"|change (?:the|my|your) (?:verdict|grade|score|mark)"
    r"|override|overrule"
    r")\b"
)
# Bare confidence: insistence only when little else is said ("I'm sure it's B" is an answer).
_CONFIDENCE = re.compile(
    r"\b(?:(?:i am|im) (?:sure|right|correct|certain|positive)|i was (?:right|correct)|trust me)\b"
)
_CONFIDENCE_MAX_OTHER_WORDS = 2


def is_insistence(text: str) -> bool:
    """True for pressure to change a verdict ("my notes say I'm right, mark it correct").

    The tutor answers these with "verdicts come only from the grader" without grading them,
    so they consume no attempt. Graded as an answer, they simply fail.
    """
    flat = " ".join(_WORD.findall(text.lower().replace("\u2019", "").replace("'", "")))
    if _DEMAND.search(flat):
        return True
    if not _CONFIDENCE.search(flat):
        return False
    return len(_CONFIDENCE.sub(" ", flat).split()) <= _CONFIDENCE_MAX_OTHER_WORDS


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def answer_key_strings(bank: QuizBank, public_texts: Iterable[str] = ()) -> set[str]:
    """Distinctive strings of the answer key, for tests that scan what is sent to a model.

    Every explanation, and every accepted phrasing of a short question that has two or more
    words, is at least MIN_SECRET_CHARS long, has no ' ... ' gap and appears in no public text:
    the questions' prompts, options and hints, plus `public_texts` (pass the lesson, system
    prompt and any authored replies a model may legitimately see). Choice answers are a
    letter mapping, not a string: tests cover them by checking views carry no `answer` field.
    """
    shown = [t for q in bank.questions for t in (q.prompt, q.hint, *q.options)]
    public = _flat("\n".join([*public_texts, *shown]))
    secrets = {q.explanation for q in bank.questions}
    for q in bank.questions:
        for point in q.key_points:
            for phrase in point.accepted:
                distinctive = (
                    len(phrase) >= MIN_SECRET_CHARS and "..." not in phrase and " " in phrase
                )
                if distinctive and _flat(phrase) not in public:
                    secrets.add(phrase)
    return secrets
