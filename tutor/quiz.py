"""Quiz bank, per-learner quiz state, question selection and grading.

Pure: the only I/O is loading `prompts/quiz.toml` (cached). The bank holds the answer key, so
only `QuestionView` (from `Question.public()`) and `Grade.for_model()` may reach a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
# Words that only join others: "ML Engineer and SRE/Platform" = "ML Engineer + SRE/Platform"
# ("+", "&" and "/" are punctuation, dropped anyway).
_SEPARATORS = frozenset({"and"})
_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()
_CONTRACTIONS = (  # after apostrophes are dropped: "isn't" -> "isnt"
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("werent", "were not"),
    ("doesnt", "does not"),
    ("dont", "do not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("wouldnt", "would not"),
    ("shouldnt", "should not"),
    ("couldnt", "could not"),
    ("hasnt", "has not"),
    ("havent", "have not"),
    ("mustnt", "must not"),
    ("theyre", "they are"),
    ("youre", "you are"),
    ("its", "it is"),
    ("im", "i am"),
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
    ("owned", "own"),
    # The usual abbreviations of the lesson's roles.
    ("mle", "ml engineer"),
    ("ds", "data scientist"),
    ("de", "data engineer"),
    *((word, str(number)) for number, word in enumerate(_NUMBERS)),
    *_CONTRACTIONS,
)


def _stem(word: str) -> str:
    """Fold spelling variants and plain plurals, so 'pipelines' matches 'pipeline'."""
    if len(word) > 5:
        for old, new in _SPELLING:
            if word.endswith(old):
                word = word[: -len(old)] + new
                break
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"  # responsibilities -> responsibility
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _raw_words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "").replace("'", "")
    text = _DIGIT_ALPHA.sub(r"\1 \2", text)  # "3am" -> "3 am"
    return [_stem(w) for w in _WORD.findall(text) if w not in _SEPARATORS]


@cache
def _synonym_table() -> tuple[tuple[Words, Words], ...]:
    """Synonyms in normalised form, longest source first so the longest match wins."""
    table = [(tuple(_raw_words(src)), tuple(_raw_words(dst))) for src, dst in _SYNONYMS]
    return tuple(sorted(table, key=lambda pair: -len(pair[0])))


def normalize(text: str) -> Words:
    """Lowercase words without punctuation, plurals folded, synonyms mapped ('sre', 'oncall').

    "and" is dropped (it joins like "+" or "/"), number words become digits ("five" -> "5"),
    contractions are spelt out ("isn't" -> "is not") and role abbreviations expanded
    ("DS", "DE", "MLE").
    """
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


def _ends(words: Words, segments: Sequence[Words], pos: int, gap: int) -> list[int]:
    """Where a match of `segments` ends, each starting within `gap` words of the last."""
    if not segments:
        return [pos]
    run = segments[0]
    starts = _contains(words, run, pos, pos + gap)
    return [end for s in starts for end in _ends(words, segments[1:], s + len(run), gap)]


def _spans(words: Words, segments: Sequence[Words], gap: int = GAP_WORDS) -> list[tuple[int, int]]:
    """(start, end) of every match of the word runs `segments`, in order, gaps of <= `gap`."""
    first, *rest = segments
    return [
        (s, end)
        for s in _contains(words, first, 0, len(words))
        for end in _ends(words, rest, s + len(first), gap)
    ]


def phrase_in(words: Words, phrase: str) -> bool:
    """True when the phrasing occurs in `words` as whole words (gaps only where it says ...)."""
    return bool(_spans(words, phrase_segments(phrase)))


# ---------------------------------------------------------------- negation

# An answer is also read clause by clause, so "not" reaches only within its own clause.
_CLAUSE_BREAK = re.compile(r"[.;:!?,()\[\]{}\n\u2013\u2014]|\s-\s|\bbut\b", re.IGNORECASE)
NEGATION_WINDOW = 3  # words before a phrase in which a negator cancels it
_NEGATORS = frozenset({"not", "never", "neither", "nor", "except"})
_NEGATING_PAIRS = frozenset({("rather", "than"), ("instead", "of"), ("other", "than")})
_AUXILIARIES = frozenset(
    w
    for aux in "is are was were does do did can will would should could must has have".split()
    for w in normalize(aux)
)


@dataclass(frozen=True)
class Clauses:
    """An answer's normalised words, each with the number of the clause it stands in."""

    words: Words
    clause: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Clauses:
        words: list[str] = []
        clause: list[int] = []
        for number, part in enumerate(_CLAUSE_BREAK.split(text)):
            found = normalize(part)
            words += found
            clause += [number] * len(found)
        return cls(tuple(words), tuple(clause))

    def _same(self, i: int, j: int) -> bool:
        return 0 <= j < len(self.words) and self.clause[j] == self.clause[i]

    def negated(self, start: int, end: int) -> bool:
        """Is the phrase at words[start:end] denied? A negator ("not", "never", "neither",
        "nor", "except", "rather than", "instead of", "other than") ends within the
        NEGATION_WINDOW words before it, or it is followed by "never" or by an auxiliary and
        "not"/"never" ("X is not", "X doesn't"), all within the phrase's clause."""
        w = self.words
        for j in range(start - 1, start - 1 - NEGATION_WINDOW, -1):
            if not self._same(start, j):
                break
            if w[j] in _NEGATORS or (
                self._same(start, j - 1) and (w[j - 1], w[j]) in _NEGATING_PAIRS
            ):
                return True
        if self._same(start, end) and w[end] == "never":
            return True
        return (
            self._same(start, end + 1) and w[end] in _AUXILIARIES and w[end + 1] in {"not", "never"}
        )

    def positive(
        self, segments: Sequence[Words], gap: int = GAP_WORDS, blockers: frozenset[str] = _NEGATORS
    ) -> bool:
        """True when the word runs occur at least once without being negated, and without a
        negator (or other `blockers`) in the words between them ("the data engineer doesn't
        own the pipeline" does not say "data engineer ... pipeline")."""
        own = {w for run in segments for w in run}
        return any(
            not self.negated(s, e) and not (set(self.words[s:e]) - own) & blockers
            for s, e in _spans(self.words, segments, gap)
        )


# ---------------------------------------------------------------- the bank


class _Strict(BaseModel):
    # extra="forbid": a misspelt key in quiz.toml is an error naming it, not silently ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KeyPoint(_Strict):
    """One thing a short answer must say, with the phrasings that count as saying it.

    With `rejected` phrasings (the other roles, for a "which role?" point) the point is about
    *which* answer the learner claims: it is hit when an accepted phrasing is named
    positively (not negated, see `Clauses.negated`) and no rejected phrasing is. So "the data
    engineer, not the data scientist" hits a data-engineer point, while "the data scientist,
    not the data engineer" and "data engineer or data scientist" do not. Without `rejected`,
    any occurrence counts ("it's not clear who owns it" is a right answer, not a denial).
    """

    name: str = Field(min_length=1)
    accepted: list[str] = Field(min_length=1)
    rejected: list[str] = Field(default_factory=list)

    @field_validator("accepted", "rejected")
    @classmethod
    def _phrases_have_words(cls, value: list[str]) -> list[str]:
        for phrase in value:
            if not all(phrase_segments(phrase)):
                raise ValueError(f"phrasing {phrase!r} has no words on one side of '...'")
        return value

    @model_validator(mode="after")
    def _no_phrasing_both_ways(self) -> KeyPoint:
        both = {normalize(p) for p in self.accepted} & {normalize(p) for p in self.rejected}
        if both:
            shown = ", ".join(sorted(" ".join(words) for words in both))
            raise ValueError(f"key point {self.name!r}: accepted and rejected both hold {shown}")
        return self

    def hit_by(self, words: Words, clauses: Clauses) -> bool:
        """Does an answer (as normalised `words` and as `clauses`) make this point?"""
        if not self.rejected:
            return any(phrase_in(words, phrase) for phrase in self.accepted)
        claims = any(clauses.positive(phrase_segments(p)) for p in self.accepted)
        return claims and not any(clauses.positive(phrase_segments(p)) for p in self.rejected)


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

SHOWN_TO_LEARNER = "The grader has shown the learner the explanation."


class Grade(BaseModel):
    """The verdict on one answer. Only `for_model()` may reach a model: the key points'
    names (`hit`, `missed`), `explanation` and `correct_answer` are for the learner only."""

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
        """What a model may see: the verdict, counts, the (public) hint and a message.

        A whitelist, so a field added later cannot leak: no key point's name (not even the
        ones the learner hit), no explanation, no correct option. Once revealed, the message
        says the learner was shown the explanation, so a model need not invent one.
        """
        return {
            "question_id": self.question_id,
            "verdict": self.verdict,
            "attempt": self.attempt,
            "hit_count": len(self.hit),
            "missed_count": len(self.missed),
            "hint": self.hint,
            "revealed": self.revealed,
            "message": _model_message(self),
        }


# ---------------------------------------------------------------- choice answers

# "a" (and "i") are English words as well as option letters: they count as a letter only in
# answer-like positions. Any other option letter standing alone as a word is a letter.
_WORDLIKE_LETTERS = frozenset("ai")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|a\.m|p\.m)\b\.?|\ba\s*/\s*b(?=\s*test)")
_LETTER_CUES = frozenset({"option", "choice", "letter"})
_AFTER_LETTER_CLAIM = re.compile(
    r"\s*(?:(?:is|was) (?:correct|right|(?:the |my )(?:right |correct )?answer)|because|since)\b"
)
_AFTER_LETTER_END = re.compile(r"\s*(?:$|[.!?,;:)\]\u2013\u2014]|-(?:\s|$))")
_LIST_AFTER = re.compile(r"\s*(?:,|/|&|\bor\b|\band\b)\s*([^\W\d_])(?![^\W_])")
_LIST_BEFORE = re.compile(r"(?:^|[^\w])([^\W\d_])\s*(?:,|/|&|\bor\b|\band\b)\s*$")


def _letter_text(text: str) -> str:
    text = text.lower().replace("\u2019", "").replace("'", "")
    return _ABBREVIATION.sub(" ", text)


def _is_letter_use(text: str, start: int, end: int, previous: str | None, letters: str) -> bool:
    """Is a lone "a" at text[start:end] an option letter rather than the article?

    Yes in "(a)", "a)", "option a", "a or c", "a is correct", "a because...", and when
    nothing but punctuation follows it ("a", "it's a.", "I'd say a!", "a, since..."): the
    article is always followed by a word.
    """
    before, after = text[:start].rstrip(), text[end:]
    if before.endswith(("(", "[")) or previous in _LETTER_CUES:
        return True
    if _AFTER_LETTER_END.match(after) or _AFTER_LETTER_CLAIM.match(after):
        return True
    listed = _LIST_AFTER.match(after) or _LIST_BEFORE.search(before)
    return bool(listed and listed.group(1) in letters)


def letters_named(answer: str, letters: str) -> list[str]:
    """The option letters (among `letters`) the answer names as standalone words, in order."""
    text = _letter_text(answer)
    tokens = list(_WORD.finditer(text))
    found = []
    for k, token in enumerate(tokens):
        letter = token.group(0)
        if len(letter) != 1 or letter not in letters:
            continue
        previous = tokens[k - 1].group(0) if k else None
        if letter in _WORDLIKE_LETTERS and not _is_letter_use(
            text, token.start(), token.end(), previous, letters
        ):
            continue
        found.append(letter)
    return found


OPTION_GAP = GAP_WORDS  # words allowed between an option's parts ("Data Scientist -> ML Engineer")
# Between an option's parts, alternatives or a denial break the match: "ML Engineer or
# SRE/Platform" and "ML Engineer, not SRE/Platform" do not name "ML Engineer + SRE/Platform".
_OPTION_BLOCKERS = _NEGATORS | {"or", "either"}
_OPTION_PARTS = re.compile(r"\s*(?:->|\u2192|\+|&|/|,|\band\b)\s*", re.IGNORECASE)
_STOPWORDS = frozenset(
    normalize(
        "a an the to of for in on at by with from as is are be it they them their this that "
        "which what who whom each every any all so or if when then there its"
    )
)


def _option_parts(option: str) -> tuple[Words, ...]:
    """An option's text split where it joins roles ("ML Engineer + SRE/Platform": 3 parts)."""
    return tuple(p for p in (normalize(part) for part in _OPTION_PARTS.split(option)) if p)


def _option_by_text(question: Question, answer: str) -> int | None:
    """The one option the answer names, not negated (a longer option beats its own parts).

    An option is named when its parts appear in order, up to OPTION_GAP words apart, with no
    "or" or negator between them: "the product team together with the data scientist" names
    "Product + Data Scientist"; "Product or the data scientist" does not.
    """
    clauses = Clauses.of(answer)
    forms = [_option_parts(opt) for opt in question.options]
    found = [
        i for i, parts in enumerate(forms) if clauses.positive(parts, OPTION_GAP, _OPTION_BLOCKERS)
    ]
    # "ML Engineer + SRE/Platform" also contains "ML Engineer": keep only the widest match.
    widest = [
        i
        for i in found
        if not any(j != i and _spans(sum(forms[j], ()), forms[i], OPTION_GAP) for j in found)
    ]
    return widest[0] if len(widest) == 1 else None


def _option_by_words(question: Question, answer: str) -> int | None:
    """A paraphrased option: the answer uses at least 2, and at least a third, of the words
    only that option has (stopwords aside), and none that only another option has.
    "know which hat they are wearing" picks "To know which hat they're wearing for a given
    task". Refused when the answer negates something the option does not ("don't need to
    know which hat")."""
    words = set(normalize(answer))
    contents = [set(normalize(opt)) - _STOPWORDS for opt in question.options]
    own = [
        c - set().union(*(d for j, d in enumerate(contents) if j != i))
        for i, c in enumerate(contents)
    ]
    used = [words & o for o in own]
    picked = [i for i, u in enumerate(used) if u]
    if len(picked) != 1:
        return None
    i = picked[0]
    if len(used[i]) < max(2, -(-len(own[i]) // 3)):
        return None
    if (words & _NEGATORS) - set(normalize(question.options[i])):
        return None
    return i


def choice_index(question: Question, answer: str) -> int | None:
    """Which option the answer picks, or None when it picks none or is ambiguous.

    One option letter standing alone ("B", "It's B", "I'd say B", "(B)", "B) ML Engineer")
    picks that option; two different letters are ambiguous. If the answer also names a
    different option by its text ("B) Data Engineer" where B is ML Engineer), it is
    ambiguous too. Without a letter, the option text decides (`_option_by_text`), then a
    paraphrase of one option (`_option_by_words`).
    """
    named = set(letters_named(answer, question.letters))
    by_text = _option_by_text(question, answer)
    if len(named) > 1:
        return None
    if named:
        index = question.letters.index(named.pop())
        return index if by_text in (None, index) else None
    return by_text if by_text is not None else _option_by_words(question, answer)


def _grade_choice(question: Question, answer: str) -> Verdict:
    index = choice_index(question, answer)
    if index is None or question.answer is None:
        return "incorrect"
    return "correct" if question.letters[index] == question.answer else "incorrect"


def _grade_short(question: Question, answer: str) -> tuple[Verdict, list[str], list[str]]:
    words, clauses = normalize(answer), Clauses.of(answer)
    hit, missed = [], []
    for point in question.key_points:
        (hit if point.hit_by(words, clauses) else missed).append(point.name)
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


# The UI shows "<mark> **<Verdict>.** <message>": messages never repeat the verdict.
WELL_DONE = "Well done — that's the lesson's answer."
TRY_AGAIN = "Have another go, with the hint."
COMES_BACK = "This question will come back later."
HERE_IS_THE_ANSWER = "Here is the answer; this question will come back later."


def _partly(hit: int, total: int) -> str:
    return f"Partly there: {hit} of {total} key points."


def _message(verdict: Verdict, attempt: int, revealed: bool, hit: int, total: int) -> str:
    """The learner's message; the explanation is shown right after it once revealed."""
    if verdict == "correct":
        return WELL_DONE if attempt == 1 else f"{WELL_DONE[:-1]} (attempt {attempt})."
    rest = HERE_IS_THE_ANSWER if revealed else TRY_AGAIN
    return f"{_partly(hit, total)} {rest}" if verdict == "partial" else rest


def _model_message(result: Grade) -> str:
    """The model's message: like the learner's, but it never says "here is the answer"
    (the model does not have it); it says the learner was shown the explanation."""
    if not result.revealed:
        return result.message
    if result.verdict == "correct":
        return f"{result.message} {SHOWN_TO_LEARNER}"
    total = len(result.hit) + len(result.missed)
    part = f"{_partly(len(result.hit), total)} " if result.verdict == "partial" else ""
    return f"{part}{SHOWN_TO_LEARNER} {COMES_BACK}"


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

# Demands on the grader: insistence wherever they appear, unless an answer comes with them.
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
# Bare confidence: insistence only when little else is said.
_CONFIDENCE = re.compile(
    r"\b(?:(?:i am|im) (?:sure|right|correct|certain|positive)|i was (?:right|correct)|trust me)\b"
)
_CONFIDENCE_MAX_OTHER_WORDS = 2


def gives_an_answer(text: str, question: Question | None = None) -> bool:
    """Does the text hold an answer to `question` (to any question of the bank if None)?

    For a choice question: an option letter standing alone, or an option's text. For a short
    one: any accepted or rejected phrasing of a key point (a wrong role named is an answer).
    """
    if question is None:
        return bool(letters_named(text, LETTERS)) or any(
            gives_an_answer(text, q) for q in default_bank().questions
        )
    if question.kind == "choice":
        if letters_named(text, question.letters):
            return True
        words = normalize(text)
        return any(_spans(words, _option_parts(opt), OPTION_GAP) for opt in question.options)
    words = normalize(text)
    return any(
        phrase_in(words, phrase)
        for point in question.key_points
        for phrase in (*point.accepted, *point.rejected)
    )


def is_insistence(text: str, question: Question | None = None) -> bool:
    """True for pressure to change a verdict ("my notes say I'm right, mark it correct").

    The tutor answers these with "verdicts come only from the grader" without grading them,
    so they consume no attempt. A message that also gives an answer ("I'm sure it's B", "my
    notes say the data engineer, mark it correct") is not insistence: it is graded. Pass the
    pending `question` to judge that against it; without one, any question of the bank counts.
    """
    flat = " ".join(_WORD.findall(text.lower().replace("\u2019", "").replace("'", "")))
    if _DEMAND.search(flat):
        pressure = True
    elif _CONFIDENCE.search(flat):
        pressure = len(_CONFIDENCE.sub(" ", flat).split()) <= _CONFIDENCE_MAX_OTHER_WORDS
    else:
        return False
    return pressure and not gives_an_answer(text, question)


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
