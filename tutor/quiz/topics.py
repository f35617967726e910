"""Which questions a request to be quizzed names ("quiz me on the 3am thing", "test me on who
owns which stage"): the bank's questions ranked by the request's words, each weighted by how
rare it is across the bank (inverse document frequency), over what a learner sees of a question
(topic, prompt, options, items). Pure; the words come through the shared text module.
"""

from __future__ import annotations

import math
from collections import Counter

from tutor.quiz.bank import IntakeWords, Question, QuizBank
from tutor.text import Lexicon, normalize

#: a question is on the named topic when it scores at least this share of the best one
NEAR_BEST = 0.75


def asks_for_quiz(lexicon: Lexicon, words: IntakeWords, text: str) -> bool:
    """Does `text` ask to be quizzed ("quiz me", "ask me a question", "next question")?"""
    return any(lexicon.find(text, phrase) for phrase in words.quiz_me)


def _terms(lexicon: Lexicon, text: str) -> set[str]:
    return set(lexicon.content_terms(text))


def _shown(question: Question) -> str:
    return " ; ".join((question.topic, question.prompt, *question.options, *question.items))


def questions_about(lexicon: Lexicon, bank: QuizBank, text: str) -> list[str]:
    """Ids of the questions the request names, best first; [] when it names no topic."""
    asked = {w for p in bank.intake.quiz_words for w in normalize(p)}
    query = {t for t in _terms(lexicon, text) if t not in asked}
    docs = {q.id: _terms(lexicon, _shown(q)) for q in bank.questions}
    df = Counter(t for terms in docs.values() for t in terms)
    n = len(docs)
    scores = {
        qid: sum(math.log(n / df[t]) for t in query & terms if df[t] < n)
        for qid, terms in docs.items()
    }
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return []
    ranked = sorted(scores, key=lambda qid: -scores[qid])
    return [qid for qid in ranked if scores[qid] >= NEAR_BEST * best]
