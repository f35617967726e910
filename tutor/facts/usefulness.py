"""Is a model's reply useless to the learner? (pure; the engine decides what to show)

Small models fail in a few recognisable shapes (measured with Qwen2.5-Coder 0.5B/1.5B, see
../shared/STACK.md beside the checkout): nothing at all; one stray question as the whole reply
("What is the full context of the 'frame problem & metrics' stage?"); the learner's own message
handed back; the app's context note handed back ("I see you've not started the three try-it
prompts yet"); the previous reply again; one line looping; or something that touches nothing
the learner asked about. `usefulness` names the first shape that fits, with a reason, or none.

Copying is measured on runs of words (normalised through `tutor.text`), so a reply that quotes
a few words of the question while answering it is not an echo; words the lesson itself uses
(`lesson`) never count as copied from the note, so restating the lesson's key points is no echo.
Thresholds were calibrated on tests/data/usefulness.toml (at most 5% of good replies flagged).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from tutor.text import Lexicon, is_dictionary_word, normalize

ECHO_RUN = 4  # words in a row copied from the learner
NOTE_RUN = 5  # words in a row copied from the note
ECHO_SHARE = 0.6  # share of the reply's words in copied runs that makes it an echo
REPEAT_RATIO = 90  # rapidfuzz ratio to the previous reply that makes a repeat
QUESTION_WORDS = 40  # a reply of questions only, at most this long, is a stray question
LOOP_TIMES = 3  # one line this many times, as half the reply or more, is a loop
# A reply to a try-it prompt states at least this many of the step's key points in its own
# words (calibrated on tests/data/usefulness.toml with the other thresholds).
STEP_POINTS_MIN = 2

_SENTENCE = re.compile(r"[^.!?:;\n]+[.!?:;]*")
_CAPITALISED = re.compile(r"\b[A-Z][a-z\u00e0-\u00ff]+")


@dataclass(frozen=True)
class Usefulness:
    """`useless` with the shape it has (`reason`, which reads after "the model's reply": "is
    only a question, with no answer"), or useful with reason ""."""

    useless: bool
    reason: str = ""


USEFUL = Usefulness(False)


def usefulness(
    lexicon: Lexicon,
    learner: str,
    note: str,
    previous: str,
    reply: str,
    *,
    lesson: str = "",
    asked_for_question: bool = False,
    app_output: str = "",
    step_points: Sequence[Sequence[str]] = (),
) -> Usefulness:
    """The first useless shape `reply` has, given what the learner wrote, the note the model
    saw, and the model's previous reply. `asked_for_question`: the learner asked to be asked
    (a quiz), so a question alone is an answer. `app_output`: the tool results the model was
    handed this turn (the learner already sees them), so a reply that hands back the learner's
    turn with them is an echo too. `step_points`: the message is a try-it prompt, and these
    are its key points (each as phrasings, any one counts): the reply must state enough of
    them, or the step's content never reached the learner."""
    words = normalize(reply)
    if not words:
        return Usefulness(True, "is empty")
    learner_copied = _covered(words, learner, ECHO_RUN) if learner.strip() else set()
    app_copied = _covered(words, app_output, ECHO_RUN) if app_output.strip() else set()
    handed_back = len(learner_copied | app_copied) >= ECHO_SHARE * len(words)
    checks = (
        (_echoes_note(lexicon, words, note, lesson), "echoes the app's context note"),
        (len(learner_copied) >= ECHO_SHARE * len(words), "echoes the learner's message"),
        (handed_back, "hands back what it was sent (the learner's message and the app's output)"),
        (_repeats(reply, previous), "repeats its previous reply"),
        (_loops(reply), "repeats one line over and over"),
        (not asked_for_question and _only_questions(reply), "is only a question, with no answer"),
        (_off_question(lexicon, learner, reply), "says nothing about what the learner asked"),
        (_misses_step(reply, step_points), "leaves out what this try-it prompt must cover"),
    )
    return next((Usefulness(True, reason) for found, reason in checks if found), USEFUL)


def _misses_step(reply: str, points: Sequence[Sequence[str]]) -> bool:
    """A try-it prompt's reply that states fewer than STEP_POINTS_MIN of its key points."""
    if not points:
        return False
    text = reply.lower()
    stated = sum(1 for phrasings in points if any(p in text for p in phrasings))
    return stated < min(STEP_POINTS_MIN, len(points))


def _runs(words: tuple[str, ...], n: int) -> set[tuple[str, ...]]:
    return {words[i : i + n] for i in range(len(words) - n + 1)}


def _covered(words: tuple[str, ...], source: str, n: int, exclude: str = "") -> set[int]:
    """Indexes of the reply's words that sit in runs of `n` words found in `source` (and not
    in `exclude`); a reply shorter than `n` found whole in `source` is covered whole."""
    runs = _runs(normalize(source), n) - _runs(normalize(exclude), n)
    if len(words) < n:
        whole = " ".join(words) in " ".join(normalize(source))
        return set(range(len(words))) if whole else set()
    covered: set[int] = set()
    for i in range(len(words) - n + 1):
        if words[i : i + n] in runs:
            covered.update(range(i, i + n))
    return covered


def _echoes_note(lexicon: Lexicon, words: tuple[str, ...], note: str, lesson: str) -> bool:
    """Mostly copied from the note, and copying the note's own words ("started", "prompt",
    "answered") — not only the lesson's, which the note quotes as what to cover."""
    if not note.strip():
        return False
    covered = _covered(words, note, NOTE_RUN, exclude=lesson)
    own = set(normalize(note)) - set(normalize(lesson)) - lexicon.stopwords - lexicon.entry_words
    copied_own = {words[i] for i in covered} & own
    return len(covered) >= ECHO_SHARE * len(words) and len(copied_own) >= 2


def _repeats(reply: str, previous: str) -> bool:
    if not previous.strip():
        return False
    a, b = " ".join(normalize(reply)), " ".join(normalize(previous))
    return fuzz.ratio(a, b) >= REPEAT_RATIO


def _loops(reply: str) -> bool:
    lines = [" ".join(normalize(line)) for line in reply.splitlines() if normalize(line)]
    if len(lines) < LOOP_TIMES:
        return False
    top = max(lines.count(line) for line in set(lines))
    return top >= LOOP_TIMES and top * 2 >= len(lines)


def _only_questions(reply: str) -> bool:
    """Every sentence asks, and the reply is short: a question where an answer was due."""
    sentences = [s.strip() for s in _SENTENCE.findall(reply) if normalize(s)]
    return (
        bool(sentences)
        and all(s.endswith("?") for s in sentences)
        and len(normalize(reply)) <= QUESTION_WORDS
    )


def _off_question(lexicon: Lexicon, learner: str, reply: str) -> bool:
    """The learner asks about roles, stages or people; the reply names no role, no stage and
    none of those people ("Tomás is leaving, what changes?" -> "I see you've not started the
    three try-it prompts yet"). Asked only about a concept ("what's a data contract?"), the
    reply must name it or a role or stage. Concepts alone never carry a reply: their phrasings
    include everyday words ("depends on", "responsibilities")."""
    asked, said = lexicon.read(learner), lexicon.read(reply)
    people = _names(learner) - _lesson_names(lexicon, learner)
    named = any(re.search(rf"\b{re.escape(p)}\b", reply) for p in people)
    concrete = [m for m in said.mentions if m.kind in ("role", "stage")]
    if named or concrete:
        return False
    if people or any(m.kind in ("role", "stage") for m in asked.mentions):
        return True
    terms = set(asked.ids("term", asserted=None))
    return bool(terms) and not terms & set(said.ids("term", asserted=None))


def _names(text: str) -> set[str]:
    """Capitalised words the dictionary does not know: people's names ("Tomás", "Priya")."""
    return {w for w in _CAPITALISED.findall(text) if not is_dictionary_word(w.lower())}


def _lesson_names(lexicon: Lexicon, text: str) -> set[str]:
    """Capitalised words of `text` that are lesson vocabulary ("SRE", "Platform")."""
    reading = lexicon.read(text)
    return {
        text[t.start : t.end] for m in reading.mentions for t in reading.tokens[m.first : m.last]
    }
