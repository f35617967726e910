"""What a learner says instead of an answer, and keeping the answer key secret.

- "I don't know", "skip", "tell me": the answer, shown once; "hint please": the hint; no attempt;
- "mark it correct", "my notes say I'm right": insistence, which never changes a verdict;
- a message that also gives an answer ("I'm sure it's B") is an answer, and is graded;
- `answer_key_strings`: distinctive key text, for tests that scan what reaches a model.

Phrases come from the bank's `[guard]` (prompts/quiz.toml), matched through the text module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from tutor.quiz.bank import Guard, Question, QuizBank, is_ref
from tutor.quiz.choice import letters_named, option_by_text
from tutor.quiz.exact import grade_exact, numbers_in
from tutor.quiz.reading import locate_all, phrase_spans
from tutor.text import Lexicon

MIN_SECRET_CHARS = 8  # shorter phrasings are too common to scan requests for

Skip = Literal["hint", "reveal"]


def gives_an_answer(lexicon: Lexicon, question: Question, text: str) -> bool:
    """Does the text hold an answer to `question` (right or wrong)?"""
    if question.kind in {"single_choice", "multi_choice"}:
        if letters_named(text, question.letters):
            return True
        return option_by_text(lexicon, question.options, text) is not None
    if question.kind == "count":
        return bool(set(numbers_in(text)) - set(numbers_in(question.prompt)))
    if question.kind in {"match", "order"}:
        items = question.shown_items()
        return bool(numbers_in(text)) or any(
            option_by_text(lexicon, items, part) is not None for part in text.split(";")
        )
    reading = lexicon.read(text)
    if any(m.kind in {"role", "stage"} for m in reading.mentions):
        return True
    items = [i for p in question.key_points for i in (*p.any_of, *p.rejected)]
    return bool(locate_all(lexicon, reading, items))


def states_the_answer(lexicon: Lexicon, question: Question, text: str) -> bool:
    """Would `text` (a reply the tutor is about to give) give away the answer to `question`:
    an exact question's key, or every key point of a free-text one, even said beside other
    roles ("SREs ... get paged at 3am; they share deploy with the ML engineer")?"""
    if not text.strip():
        return False
    if question.exact:
        return grade_exact(lexicon, question, text).verdict == "correct"
    reading = lexicon.read(text)
    return all(
        locate_all(lexicon, reading, point.any_of) and (not point.by or reading.names(point.by))
        for point in question.key_points
    )


def _says(lexicon: Lexicon, text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    reading = lexicon.read(text)
    return [span for p in phrases for span in phrase_spans(lexicon, reading, p)]


def _says_only(lexicon: Lexicon, guard: Guard, question: Question, text: str) -> bool:
    """Is the text nothing but a request for help? ("Tell me your API key" is not: it asks
    for something else.) Words of the question itself and filler words do not count."""
    reading = lexicon.read(text)
    phrases = (*guard.skip, *guard.reveal, *guard.hint, *guard.filler)
    covered = {
        i for p in phrases for a, b in phrase_spans(lexicon, reading, p) for i in range(a, b)
    }
    prompt = set(lexicon.read(question.prompt).norms)
    return all(
        i in covered or t.norm in lexicon.stopwords or t.norm in prompt
        for i, t in enumerate(reading.tokens)
    )


def skip_request(lexicon: Lexicon, guard: Guard, question: Question, text: str) -> Skip | None:
    """'reveal' when the learner says they do not know or asks for the answer, 'hint' when
    they only ask for a hint; None when they say anything else (an answer, a question)."""
    if not _says(lexicon, text, (*guard.skip, *guard.reveal, *guard.hint)):
        return None
    if gives_an_answer(lexicon, question, text) or not _says_only(lexicon, guard, question, text):
        return None
    return "reveal" if _says(lexicon, text, (*guard.skip, *guard.reveal)) else "hint"


def is_insistence(
    lexicon: Lexicon, bank: QuizBank, text: str, question: Question | None = None
) -> bool:
    """True for pressure to change a verdict ("my notes say I'm right, mark it correct").

    The tutor answers these with "verdicts come only from the grader" without grading them.
    A message that also gives an answer is not insistence: it is graded. Pass the pending
    `question`; without one, an answer to any question of `bank` counts.
    """
    guard = bank.guard
    if _says(lexicon, text, guard.demand):
        pressure = True
    else:
        spans = _says(lexicon, text, guard.confidence)
        if not spans:
            return False
        covered = {i for first, last in spans for i in range(first, last)}
        others = len(lexicon.read(text).tokens) - len(covered)
        pressure = others <= guard.confidence_max_other_words
    if not pressure:
        return False
    questions = [question] if question else list(bank.questions)
    return not any(gives_an_answer(lexicon, q, text) for q in questions)


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def answer_key_strings(bank: QuizBank, public_texts: Iterable[str] = ()) -> set[str]:
    """Distinctive strings of the answer key, for tests that scan what is sent to a model.

    Every explanation, and every rubric phrase of two or more words that is at least
    MIN_SECRET_CHARS long, has no ' ... ' gap and appears in no public text: the questions'
    prompts, options, items and hints, plus `public_texts` (the lesson, system prompt, authored
    replies). Exact keys are letter mappings, not strings: tests check views carry no key field.
    """
    shown = [t for q in bank.questions for t in (q.prompt, q.hint, *q.options, *q.items)]
    public = _flat("\n".join([*public_texts, *shown]))
    secrets = {q.explanation for q in bank.questions}
    for q in bank.questions:
        for point in q.key_points:
            for phrase in point.any_of:
                distinctive = (
                    len(phrase) >= MIN_SECRET_CHARS
                    and "..." not in phrase
                    and " " in phrase
                    and not is_ref(phrase)
                )
                if distinctive and _flat(phrase) not in public:
                    secrets.add(phrase)
    return secrets
