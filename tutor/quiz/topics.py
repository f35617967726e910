"""Which questions a request to be quizzed names ("quiz me on the 3am thing", "test me on who
owns which stage"): the bank's questions ranked by the request's words, each weighted by how
rare it is across the bank (inverse document frequency), over what a learner sees of a question
(topic, prompt, options, items). Pure; the words come through the shared text module.
"""

from __future__ import annotations

import math
from collections import Counter

from tutor.quiz.bank import IntakeWords, Question, QuizBank
from tutor.quiz.reading import phrase_spans
from tutor.text import Lexicon, Reading, normalize

#: a question is on the named topic when it scores at least this share of the best one
NEAR_BEST = 0.75


def asks_for_quiz(lexicon: Lexicon, words: IntakeWords, text: str) -> bool:
    """Does `text` ask to be quizzed ("quiz me", "ask me a question", "next question")? Not
    when a stop word governs the request ("stop quizzing me", "no more questions")."""
    reading = lexicon.read(text)
    spans = [s for p in words.quiz_me for s in phrase_spans(lexicon, reading, p)]
    return any(not _stopped(reading, words, first) for first, _last in spans)


def asks_to_stop_quiz(lexicon: Lexicon, words: IntakeWords, text: str) -> bool:
    """Does `text` ask the quiz to stop ("stop the quiz", "no more questions pls")?"""
    reading = lexicon.read(text)
    quiz = {w for p in words.quiz_nouns for w in normalize(p)}
    return any(n in quiz and _stopped(reading, words, k) for k, n in enumerate(reading.norms))


def _stopped(reading: Reading, words: IntakeWords, first: int) -> bool:
    """A stop word within the two words before token `first` (or on it: "quit")."""
    stops = {w for p in words.quiz_stop for w in normalize(p)}
    return bool(stops & set(reading.norms[max(0, first - 2) : first + 1]))


def _terms(lexicon: Lexicon, text: str) -> set[str]:
    return set(lexicon.content_terms(text))


def _asked(question: Question) -> str:
    """What a question asks: its topic, prompt and items (the wrong options are left out:
    they name other things on purpose, "Only at the last stage, on-call")."""
    return " ; ".join((question.topic, question.prompt, *question.items))


#: how much a word of a question's answer counts against a word of what it asks
ANSWER_WEIGHT = 0.5


def questions_about(lexicon: Lexicon, bank: QuizBank, text: str) -> list[str]:
    """Ids of the questions the request names, best first; [] when it names no topic."""
    asked = {w for p in bank.intake.quiz_words for w in normalize(p)}
    query = {t for t in _terms(lexicon, text) if t not in asked}
    asks = {q.id: _terms(lexicon, _asked(q)) for q in bank.questions}
    answers = {q.id: _terms(lexicon, q.explanation) - asks[q.id] for q in bank.questions}
    df = Counter(t for qid in asks for t in asks[qid] | answers[qid])
    n = len(asks)

    def weight(terms: set[str]) -> float:
        return sum(math.log(n / df[t]) for t in query & terms if df[t] < n)

    scores = {qid: weight(asks[qid]) + ANSWER_WEIGHT * weight(answers[qid]) for qid in asks}
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return []
    ranked = sorted(scores, key=lambda qid: -scores[qid])
    return [qid for qid in ranked if scores[qid] >= NEAR_BEST * best]
