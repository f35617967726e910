"""Grading the exact kinds in code: single and multiple choice, match, order, count.

Each grader reads the answer forms documented on `QuestionView` and returns an `ExactResult`:
the verdict, and for the learner what was right and wrong. No prose is judged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.quiz.bank import Question
from tutor.quiz.choice import choice_index, letters_claimed, option_by_text
from tutor.quiz.reading import span_polarity
from tutor.quiz.state import Verdict
from tutor.text import Lexicon, tokenize

# Where a learner separates the parts of a structured answer, strongest first.
_SEPARATORS = (
    re.compile(r"\s*(?:;|\n)\s*"),
    re.compile(r"\s*(?:->|\u2192|>)\s*"),
    re.compile(r"\s*(?:,|\bthen\b)\s*", re.IGNORECASE),
)
_STRONG_PARTS = _SEPARATORS[0]
_PAIRS = (
    re.compile(r"\s*=\s*"),
    re.compile(r"\s*(?::|\u2192|->|\s-\s|\bis\b|\))\s*"),
)
_COMPACT_PAIR = re.compile(r"(\d+)\s*[=:.)\-]?\s*([a-h])\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExactResult:
    verdict: Verdict
    right: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)


def _split(text: str) -> list[str]:
    """The parts of a list answer, cut at the strongest separator it uses."""
    for separator in _SEPARATORS:
        parts = [p.strip() for p in separator.split(text) if p.strip()]
        if len(parts) > 1:
            return parts
    return [text.strip()]


def _pair(part: str) -> list[str]:
    for separator in _PAIRS:
        bits = separator.split(part, maxsplit=1)
        if len(bits) == 2:
            return bits
    return [part]


def grade_single(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    index = choice_index(lexicon, q.options, answer)
    if index is None:
        return ExactResult("incorrect", wrong=["no single option picked"])
    letter = q.letters[index]
    if letter == q.answer:
        return ExactResult("correct", right=[q.option(letter)])
    return ExactResult("incorrect", wrong=[q.option(letter)])


def picked_options(lexicon: Lexicon, q: Question, answer: str) -> list[str]:
    """The option letters a multiple-choice answer ticks (letters, else option texts)."""
    letters, denied = letters_claimed(lexicon, answer, q.letters)
    if letters or denied:
        return list(dict.fromkeys(letters))
    parts = _split(answer)
    found = [option_by_text(lexicon, q.options, part, loose=len(parts) > 1) for part in parts]
    return list(dict.fromkeys(q.letters[i] for i in found if i is not None))


def grade_multi(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    chosen = picked_options(lexicon, q, answer)
    right = [c for c in chosen if c in q.answers]
    wrong = [c for c in chosen if c not in q.answers]
    result = {"right": [q.option(c) for c in right], "wrong": [q.option(c) for c in wrong]}
    if set(chosen) == set(q.answers):
        return ExactResult("correct", **result)
    # Ticking everything is a guess, not partial knowledge.
    partial = right and len(wrong) <= 1 and len(chosen) < len(q.options)
    return ExactResult("partial" if partial else "incorrect", **result)


def _pick(lexicon: Lexicon, choices: tuple[str, ...], text: str, letters: bool) -> int | None:
    text = text.strip().strip("().[]").strip()
    if _is_number(text) and not letters:
        n = int(text)
        return n - 1 if 1 <= n <= len(choices) else None
    if letters and len(text) == 1 and text.lower() in "abcdefgh"[: len(choices)]:
        return "abcdefgh".index(text.lower())
    return option_by_text(lexicon, choices, text, loose=True)


def read_pairs(lexicon: Lexicon, q: Question, answer: str) -> dict[int, int]:
    """{item index: option index} from '1=b; 2=a', '1b 2a' or 'item text=option text'."""
    items = q.shown_items()
    compact = _COMPACT_PAIR.findall(answer)
    if compact and len(compact) >= len(_STRONG_PARTS.split(answer.strip())):
        found = {int(n) - 1: "abcdefgh".index(letter.lower()) for n, letter in compact}
        return {i: o for i, o in found.items() if 0 <= i < len(items) and o < len(q.options)}
    pairs: dict[int, int] = {}
    for part in _split(answer):
        bits = _pair(part)
        if len(bits) != 2:
            continue
        item = _pick(lexicon, items, bits[0], letters=False)
        option = _pick(lexicon, q.options, bits[1], letters=True)
        if item is not None and option is not None:
            pairs[item] = option
    return pairs


def grade_match(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    pairs = read_pairs(lexicon, q, answer)
    right, wrong = [], []
    for i, item in enumerate(q.items):
        given = pairs.get(i)
        expected = q.letters.index(q.pairs[i])
        (right if given == expected else wrong).append(item)
    if not wrong:
        return ExactResult("correct", right=right)
    partial = len(right) * 2 >= len(q.items)
    return ExactResult("partial" if partial else "incorrect", right=right, wrong=wrong)


def read_order(lexicon: Lexicon, q: Question, answer: str) -> list[int]:
    """The items (as indexes into the shown items) in the order the answer gives them."""
    shown = q.shown_items()
    numbers = [t.norm for t in tokenize(answer)]
    if numbers and all(_is_number(n) for n in numbers):
        return [int(n) - 1 for n in numbers if 1 <= int(n) <= len(shown)]
    found = [_pick(lexicon, shown, part, letters=False) for part in _split(answer)]
    return [i for i in found if i is not None]


def _lcs(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


def grade_order(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    shown = q.shown_items()
    given = [shown[i] for i in read_order(lexicon, q, answer)]
    expected = list(q.items)
    if given == expected:
        return ExactResult("correct", right=given)
    if sorted(given) != sorted(expected):
        return ExactResult("incorrect", wrong=["every item, once each"])
    # One item out of place (everything else in order): partial.
    partial = _lcs(given, expected) >= len(expected) - 1
    misplaced = [g for g, e in zip(given, expected, strict=True) if g != e]
    return ExactResult("partial" if partial else "incorrect", wrong=misplaced)


def numbers_in(text: str) -> list[int]:
    """Numbers a text gives, digits or words ("five" -> 5), in order, without repeats."""
    return list(dict.fromkeys(int(t.norm) for t in tokenize(text) if _is_number(t.norm)))


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def asserted_numbers(lexicon: Lexicon, text: str) -> list[int]:
    """The numbers a text gives and does not deny ("not six" gives none)."""
    reading = lexicon.read(text)
    found = []
    for token in reading.tokens:
        if _is_number(token.norm):
            hit = span_polarity(lexicon, reading, token.start, token.end)
            if hit is None or hit.asserted:
                found.append(int(token.norm))
    return list(dict.fromkeys(found))


def grade_count(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    found = asserted_numbers(lexicon, answer)
    echoed = set(numbers_in(q.prompt))
    own = [n for n in found if n not in echoed] or found
    if len(own) != 1:
        return ExactResult("incorrect", wrong=["no single number given"])
    if own[0] == q.number:
        return ExactResult("correct", right=[str(own[0])])
    return ExactResult("incorrect", wrong=[str(own[0])])


def grade_exact(lexicon: Lexicon, q: Question, answer: str) -> ExactResult:
    """The verdict for an exact-kind question."""
    if q.kind == "single_choice":
        return grade_single(lexicon, q, answer)
    if q.kind == "multi_choice":
        return grade_multi(lexicon, q, answer)
    if q.kind == "match":
        return grade_match(lexicon, q, answer)
    if q.kind == "order":
        return grade_order(lexicon, q, answer)
    if q.kind == "count":
        return grade_count(lexicon, q, answer)
    raise ValueError(f"{q.kind} is not an exact kind")
