"""What a message sent while a question is open is: an answer to it, "I don't know", or
something else — a question, a request, a remark, pushback — that is answered as such while the
question stays open and no attempt is used.

Read by form, sentence by sentence (which word opens it after "wait", "so", "btw"...; whether it
ends with "?"), and by whether the message holds answer content for the open question's kind (an
option letter or text, a number, a role or stage, a rubric phrase that is more than the
question's own words). The vocabulary is the bank's `[intake]` (prompts/quiz.toml); words are
matched through the shared text module. Pure. Precision first: when a message could be a
question as well as an answer, it is a question, and the quiz waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tutor.quiz.bank import Guard, IntakeWords, Question
from tutor.quiz.guard import gives_an_answer, skip_request
from tutor.quiz.reading import locate_all
from tutor.text import Lexicon, Reading, normalize
from tutor.text.english import is_ordinary_word, tool_name

IntakeKind = Literal["answer", "dont_know", "question", "request", "remark", "pushback"]
INTAKE_KINDS: tuple[IntakeKind, ...] = (
    "answer",
    "dont_know",
    "question",
    "request",
    "remark",
    "pushback",
)
Wants = Literal["hint", "move_on"]
_SENTENCE_ENDS = frozenset(".?!;\n")
_ALOUD = ("thinking", "discourse", "politeness")


@dataclass(frozen=True)
class Intake:
    """The reading of one message against the open question, with how sure it is."""

    kind: IntakeKind
    confidence: float
    #: what a request asks for, when it is one the quiz handles itself
    wants: Wants | None = None

    @property
    def is_attempt(self) -> bool:
        """An answer or "I don't know": the grader takes it (the latter uses no attempt)."""
        return self.kind in ("answer", "dont_know")


@dataclass(frozen=True)
class Sentence:
    """Tokens [lo, hi) of a message, the text they cover, and whether a "?" ends them."""

    lo: int
    hi: int
    text: str
    asks_mark: bool


def sentences(reading: Reading) -> list[Sentence]:
    """The message cut after ".", "?", "!", ";" or a line break."""
    tokens, text, out, lo = reading.tokens, reading.text, [], 0
    for k, token in enumerate(tokens):
        gap_end = tokens[k + 1].start if k + 1 < len(tokens) else len(text)
        gap = text[token.end : gap_end]
        if k + 1 == len(tokens) or _SENTENCE_ENDS & set(gap):
            piece = text[tokens[lo].start : gap_end]
            out.append(Sentence(lo, k + 1, piece, "?" in gap))
            lo = k + 1
    return out


def clauses(reading: Reading, s: Sentence) -> list[Sentence]:
    """`s` cut at commas ("I'm not sure, maybe the data scientist": two clauses)."""
    tokens, text, out, lo = reading.tokens, reading.text, [], s.lo
    for k in range(s.lo, s.hi):
        gap = text[tokens[k].end : tokens[k + 1].start] if k + 1 < s.hi else ""
        if k + 1 == s.hi or "," in gap:
            end = tokens[k].end
            out.append(Sentence(lo, k + 1, text[tokens[lo].start : end], s.asks_mark))
            lo = k + 1
    return out


class IntakeReader:
    """Reads messages against open questions with one vocabulary. Immutable."""

    def __init__(self, lexicon: Lexicon, words: IntakeWords, guard: Guard) -> None:
        self.lex, self.words, self.guard = lexicon, words, guard
        self._phrases = {
            name: tuple(normalize(p) for p in getattr(words, name) if normalize(p))
            for name in (
                "discourse",
                "politeness",
                "request_verbs",
                "request_things",
                "move_on",
                "pushback_targets",
                "pushback_words",
                "offer_verbs",
                "thinking",
            )
        }
        self._single = {
            name: frozenset(w for p in getattr(words, name) for w in normalize(p))
            for name in (
                "ask_words",
                "auxiliaries",
                "answer_subjects",
                "self_words",
                "own_world",
                "reason_openers",
            )
        }

    def read(self, question: Question, text: str) -> Intake:
        """What `text` is, sent while `question` is open."""
        reading = self.lex.read(text)
        if not reading.tokens:
            return Intake("remark", 0.9)
        skip = skip_request(self.lex, self.guard, question, text)
        if skip == "reveal":
            return Intake("dont_know", 0.95)
        if skip == "hint":
            return Intake("request", 0.9, "hint")
        return self._by_form(question, reading)

    def _by_form(self, question: Question, reading: Reading) -> Intake:
        parts = sentences(reading)
        request = [s for s in parts if self._requests(reading, s)]
        if request:
            return Intake("request", 0.85, self._wants(reading))
        pushing = [s for s in parts if self._pushes_back(reading, s)]
        if not pushing and self._gives_reason(reading):
            # "because the handoff code is slower?": a reason offered, however unsure, is an
            # answer to grade — never a new question about the words it uses.
            return Intake("answer", self.words.answer_threshold)
        asking = [s for s in parts if self._asks(question, reading, s)]
        # "what's an eval gate? the lesson never explains it": a question of its own beside
        # a complaint is answered as a question.
        if any(s not in pushing for s in asking):
            return Intake("question", 0.9)
        if pushing:
            return Intake("pushback", 0.8)
        if asking:
            return Intake("question", 0.9)
        # A sentence about the learner's own team offers no answer, nor does a clause about
        # the learner ("I always mix up X and Y").
        pieces = [c for s in parts if not self._own_world(reading, s) for c in clauses(reading, s)]
        offered = [c for c in pieces if not self._about_self(reading, c)]
        if any(self.has_content(question, c.text) for c in offered):
            hedged = any(s.asks_mark for s in parts)
            if hedged and self._names_other_subject(question, reading):
                return Intake("question", 0.75)  # "so product owns the metrics?"
            confidence = 0.75 if hedged else 0.9
            if confidence >= self.words.answer_threshold:
                return Intake("answer", confidence)
            return Intake("question", 1 - confidence)
        if any(s.asks_mark for s in parts):
            return Intake("question", 0.7)
        if self._fragment(reading):
            # "5", "the ml engineer": no verb, no question, only a thing named — a bare answer
            # (its grader says it is not one of the options or not right).
            return Intake("answer", 0.8)
        return Intake("remark", 0.7)

    def _gives_reason(self, reading: Reading) -> bool:
        """The message opens (after "so", "um"…) with a word that gives a reason."""
        return next(iter(self.lex.spoken(reading)), None) in self._single["reason_openers"]

    def _fragment(self, reading: Reading) -> bool:
        """Names a role, stage, concept or number and nothing else (stopwords aside)."""
        named = {i for m in reading.mentions for i in range(m.first, m.last)}
        rest = [t.norm for i, t in enumerate(reading.tokens) if i not in named]
        plain = all(n.isdigit() or n in self.lex.stopwords for n in rest)
        return plain and (bool(named) or any(n.isdigit() for n in rest))

    def thinks_aloud(self, text: str) -> bool:
        """The learner is only thinking ("hmm", "let me think", "one sec"): every word is
        thinking, a discourse opener or a stopword — nothing to answer but "take your time"."""
        reading = self.lex.read(text)
        covered: set[int] = set()
        for i in range(len(reading.tokens)):
            n = max(self._match(reading, i, name, len(reading.tokens)) for name in _ALOUD)
            covered.update(range(i, i + n))
        words = [t.norm for k, t in enumerate(reading.tokens) if k not in covered]
        return bool(covered) and all(w in self.lex.stopwords for w in words)

    # -- the form of one sentence --------------------------------------------------------------

    def _match(self, reading: Reading, i: int, name: str, hi: int) -> int:
        """Tokens of the longest phrase of `name` that starts at token i (0: none)."""
        norms = reading.norms
        best = 0
        for words in self._phrases[name]:
            n = len(words)
            fits = i + n <= hi and n > best
            if fits and all(self.lex.same_word(norms[i + j], words[j]) for j in range(n)):
                best = n
        return best

    def _contains(self, reading: Reading, s: Sentence, name: str) -> bool:
        return any(self._match(reading, i, name, s.hi) for i in range(s.lo, s.hi))

    def _head(self, reading: Reading, s: Sentence, *skipped: str) -> int:
        """The first token of `s` after opening words of the `skipped` kinds."""
        i = s.lo
        while i < s.hi:
            step = max(self._match(reading, i, name, s.hi) for name in skipped)
            if not step:
                break
            i += step
        return i

    def _requests(self, reading: Reading, s: Sentence) -> bool:
        """Asks the tutor to do something ("give me a hint", "can you list the stages")."""
        if self._contains(reading, s, "request_things"):
            return True
        head = self._head(reading, s, "discourse", "politeness")
        return head < s.hi and bool(self._match(reading, head, "request_verbs", s.hi))

    def _wants(self, reading: Reading) -> Wants | None:
        whole = Sentence(0, len(reading.tokens), reading.text, False)
        if self._contains(reading, whole, "move_on"):
            return "move_on"
        hint = self.guard.hint
        return "hint" if any(self.lex.find(reading.text, p) for p in hint) else None

    def _pushes_back(self, reading: Reading, s: Sentence) -> bool:
        """Disputes the question, its options or the tutor ("that's a trick question")."""
        return self._contains(reading, s, "pushback_targets") and self._contains(
            reading, s, "pushback_words"
        )

    def _asks(self, question: Question, reading: Reading, s: Sentence) -> bool:
        """A question of the learner's own: a question word opening it (or anywhere in it,
        with a "?"), or a verb before its subject ("does product count?") — but not "is it
        the SRE?", where the subject stands for the answer."""
        norms = reading.norms
        head = self._head(reading, s, "discourse")
        if head >= s.hi:
            return False
        if norms[head] in self._single["ask_words"]:
            # "where one team hands work to another" answers "Where does ... break?"
            return s.asks_mark or norms[head] not in self._asked_by(question)
        if s.asks_mark and any(norms[i] in self._single["ask_words"] for i in range(head, s.hi)):
            return True
        if norms[head] not in self._single["auxiliaries"]:
            return False
        subject = head + 1
        while subject < s.hi and norms[subject] == "not":
            subject += 1
        return subject < s.hi and norms[subject] not in self._single["answer_subjects"]

    def _about_self(self, reading: Reading, s: Sentence) -> bool:
        """The learner talks about themselves ("I always mix up X and Y"), unless the verb
        offers an answer ("I think X", "I'd say X")."""
        head = self._head(reading, s, "discourse")
        if head >= s.hi or reading.norms[head] not in self._single["self_words"]:
            return False
        window = range(head + 1, min(head + 3, s.hi))
        return not any(self._match(reading, i, "offer_verbs", s.hi) for i in window)

    def _own_world(self, reading: Reading, s: Sentence) -> bool:
        """The sentence is about the learner's own team or work: a word of `own_world`, or a
        name the lesson's vocabulary does not have ("Sam", "Airflow") after its first word —
        unless it offers an answer ("we'd say the SRE")."""
        tokens, text = reading.tokens, reading.text
        named = {i for m in reading.mentions for i in range(m.first, m.last)}
        for k in range(s.lo, s.hi):
            said = tokens[k].surface(text)
            # The first word is capitalised anyway ("The SRE gets paged"): no name by spelling.
            name = k > s.lo and k not in named and tool_name(said) and not is_ordinary_word(said)
            if tokens[k].norm in self._single["own_world"] or name:
                window = range(k + 1, min(k + 4, s.hi))
                return not any(self._match(reading, i, "offer_verbs", s.hi) for i in window)
        return False

    def _asked_by(self, question: Question) -> set[str]:
        """The question words the open question itself opens with."""
        norms = self.lex.read(question.prompt).norms
        return {w for w in norms[:1] if w in self._single["ask_words"]}

    def _names_other_subject(self, question: Question, reading: Reading) -> bool:
        """Who owns a stage or concept the open question, its key and its options never
        name: a question on another subject ("so product owns the metrics?" while on-call is
        asked). A hedged list of stages without a role ("maybe training and deploying?") is
        still an answer, right or wrong."""
        keyed = " ; ".join(
            (
                question.prompt,
                *question.options,
                *question.items,
                *(i for p in question.key_points for i in p.any_of),
            )
        )
        known = {(m.kind, m.id) for m in self.lex.read(keyed).mentions}
        subjects = [m for m in reading.mentions if m.kind != "role"]
        claims = any(m.kind == "role" for m in reading.mentions)
        return claims and any((m.kind, m.id) not in known for m in subjects)

    # -- answer content ----------------------------------------------------------------------

    def has_content(self, question: Question, text: str) -> bool:
        """Does `text` hold something that answers `question` (right or wrong), beyond the
        question's own words said back?"""
        reading, prompt = self.lex.read(text), self.lex.read(question.prompt)
        echoed = {(m.kind, m.id) for m in prompt.mentions}
        if question.kind != "free_text":
            if gives_an_answer(self.lex, question, text):
                return True
            # A role or stage of the options, even one several options name, is an attempt
            # ("the data scientist, it's their metrics").
            shown = self.lex.read(" ; ".join((*question.options, *question.items)))
            offered = {(m.kind, m.id) for m in shown.mentions} - echoed
            return any((m.kind, m.id) in offered for m in reading.mentions)
        if any(
            m.kind in {"role", "stage"} and (m.kind, m.id) not in echoed for m in reading.mentions
        ):
            return True
        own = set(prompt.norms) | self.lex.stopwords
        items = [i for p in question.key_points for i in (*p.any_of, *p.rejected)]
        return any(
            any(reading.tokens[k].norm not in own for k in range(hit.first, hit.last))
            for hit in locate_all(self.lex, reading, items)
        )
