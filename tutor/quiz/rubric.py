"""Free-text answers judged against a question's rubric (its key points), by rules.

A key point counts only when the answer asserts it: not negated, not a dropped belief, not an
aside, not the question's own words echoed back. A point that needs one owner
(`one_owner`) is not met when the answer also claims another role (shotgun lists, swapped
roles); a role said to do something off the question's topic, or to consume the thing, is
not a claim. When the rules leave words of the answer unplaced, the result is `unsure`, and a
model grader (tutor.quiz.model_grader) may look again. Pure: the lexicon is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.quiz.bank import KeyPoint, Question, is_ref
from tutor.quiz.reading import Hit, locate_all
from tutor.quiz.state import Verdict
from tutor.text import Lexicon, Mention, Reading

# Concepts every "who owns it" question is about, whatever its topic.
_GENERIC_TOPIC = frozenset({"term:ownership"})
_CONSUMER = "term:consumer"
_MIN_UNPLACED_CHARS = 3


@dataclass(frozen=True)
class PointResult:
    """One key point: met or not, the learner's words that met it, or that contradict it."""

    name: str
    met: bool
    span: str | None = None
    conflict: str | None = None


@dataclass(frozen=True)
class RubricResult:
    verdict: Verdict
    points: tuple[PointResult, ...]
    unsure: bool
    unrecognised: tuple[str, ...]

    @property
    def hit(self) -> list[str]:
        return [p.name for p in self.points if p.met]

    @property
    def missed(self) -> list[str]:
        return [p.name for p in self.points if not p.met]

    @property
    def conflicted(self) -> bool:
        return any(p.conflict for p in self.points)


def verdict_of(points: tuple[PointResult, ...]) -> Verdict:
    """All met and nothing contradicted: correct; some met: partial; none: incorrect."""
    met = sum(p.met for p in points)
    if met == len(points) and not any(p.conflict for p in points):
        return "correct"
    return "partial" if met else "incorrect"


@dataclass(frozen=True)
class _Answer:
    """An answer as read for one question."""

    text: str
    reading: Reading
    prompt_words: frozenset[str]
    topic: frozenset[str]

    def echoes(self, hit: Hit) -> bool:
        """Only the question's own words, said back ("gets paged" to "who gets paged?")."""
        words = self.reading.norms[hit.first : hit.last]
        return all(w in self.prompt_words for w in words)

    def quote(self, *hits: Hit | Mention) -> str:
        return self.text[min(h.start for h in hits) : max(h.end for h in hits)]


def _roles(reading: Reading) -> list[Mention]:
    return [m for m in reading.mentions if m.kind == "role"]


def attributed_role(reading: Reading, first: int, aside: bool) -> Mention | None:
    """The role a thing said at token `first` is said of: the nearest role before it in its
    clause, else the first after it in its clause, else the nearest role before it."""
    clause = reading.clause_of[first]
    roles = [m for m in _roles(reading) if m.aside == aside or m.clause == clause]
    same = [m for m in roles if m.clause == clause]
    before = [m for m in same if m.last <= first]
    if before:
        return before[-1]
    after = [m for m in same if m.first > first]
    if after:
        return after[0]
    earlier = [m for m in roles if m.last <= first]
    return earlier[-1] if earlier else None


_JOINERS = frozenset({"and", "or", "the", "both", "also", "as", "well", "to", "from", "then"})


def role_group(reading: Reading, role: Mention) -> list[Mention]:
    """The roles listed together with this one ("the data scientists and ML engineers"),
    which share what is said of them."""
    roles = [m for m in _roles(reading) if m.clause == role.clause]
    at = roles.index(role)
    lo = hi = at
    joined = lambda a, b: set(reading.norms[a.last : b.first]) <= _JOINERS  # noqa: E731
    while lo > 0 and joined(roles[lo - 1], roles[lo]):
        lo -= 1
    while hi + 1 < len(roles) and joined(roles[hi], roles[hi + 1]):
        hi += 1
    return roles[lo : hi + 1]


def _activities(reading: Reading, role: Mention) -> list[Mention]:
    """Stages and concepts asserted of this role mention (or of the roles listed with it)."""
    group = role_group(reading, role)
    return [
        m
        for m in reading.mentions
        if m.kind != "role" and m.asserted and attributed_role(reading, m.first, m.aside) in group
    ]


def claimed_roles(answer: _Answer, expected: set[str]) -> dict[str, Mention]:
    """Roles the answer puts forward as the answer (first mention of each)."""
    claims: dict[str, Mention] = {}
    for role in _roles(answer.reading):
        if not role.asserted or role.aside:
            continue
        ref = f"role:{role.id}"
        if ref not in expected:
            doing = {f"{m.kind}:{m.id}" for m in _activities(answer.reading, role)}
            if _CONSUMER in doing:
                continue  # "the data scientist consumes it"
            if doing and not doing & answer.topic:
                continue  # "the data scientist builds models on it": another job
        claims.setdefault(ref, role)
    return claims


def _counting(answer: _Answer, hits: list[Hit], *, echo_ok: bool) -> list[Hit]:
    return [h for h in hits if h.counts and (echo_ok or not answer.echoes(h))]


def _judge_by(lexicon: Lexicon, answer: _Answer, point: KeyPoint) -> PointResult:
    """'Data scientists build models': the thing said of that role, asserted."""
    roles = [(m.first, m.last) for m in _roles(answer.reading)]
    for hit in _counting(answer, locate_all(lexicon, answer.reading, point.any_of), echo_ok=True):
        if any(a < hit.last and hit.first < b for a, b in roles):
            continue  # "data" inside "data scientists" is the role's name, not what they do
        role = attributed_role(answer.reading, hit.first, hit.aside)
        if role is not None and role.id == point.by and role.asserted:
            return PointResult(point.name, True, answer.quote(role, hit))
    return PointResult(point.name, False)


def _judge_plain(lexicon: Lexicon, answer: _Answer, point: KeyPoint) -> PointResult:
    hits = _counting(answer, locate_all(lexicon, answer.reading, point.any_of), echo_ok=False)
    wrong = _counting(answer, locate_all(lexicon, answer.reading, point.rejected), echo_ok=False)
    if point.one_owner:
        expected = {p for p in point.any_of if p.startswith("role:")}
        claims = claimed_roles(answer, expected)
        others = [m for ref, m in claims.items() if ref not in expected]
        wrong += [Hit("role", m.first, m.last, m.start, m.end, True, False) for m in others]
    if wrong:
        return PointResult(point.name, False, conflict=answer.quote(wrong[0]))
    if hits:
        return PointResult(point.name, True, answer.quote(hits[0]))
    return PointResult(point.name, False)


def judge_point(lexicon: Lexicon, answer: _Answer, point: KeyPoint) -> PointResult:
    return (_judge_by if point.by else _judge_plain)(lexicon, answer, point)


def _topic(lexicon: Lexicon, question: Question) -> frozenset[str]:
    refs = {r for p in question.key_points for r in p.refs()}
    prompt = lexicon.read(question.prompt)
    refs |= {f"{m.kind}:{m.id}" for m in prompt.mentions if m.kind == "term"}
    return frozenset(refs | _GENERIC_TOPIC)


def read_answer(lexicon: Lexicon, question: Question, text: str) -> _Answer:
    reading = lexicon.read(text)
    prompt_words = frozenset(lexicon.read(question.prompt).norms)
    return _Answer(text, reading, prompt_words, _topic(lexicon, question))


def unplaced_words(
    lexicon: Lexicon, question: Question, answer: _Answer, known: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Content words of the answer that neither the vocabulary, the rubric nor the `known`
    phrases (the guard's "I don't know", "mark it correct") placed."""
    reading = answer.reading
    covered = [False] * len(reading.tokens)
    items = [i for p in question.key_points for i in (*p.any_of, *p.rejected) if not is_ref(i)]
    items += known
    spans = [(m.first, m.last) for m in reading.mentions]
    spans += [(h.first, h.last) for h in locate_all(lexicon, reading, items)]
    for first, last in spans:
        covered[first:last] = [True] * (last - first)
    words = []
    for token, done in zip(reading.tokens, covered, strict=True):
        norm = token.norm
        if done or norm in lexicon.stopwords or norm in answer.prompt_words:
            continue
        if len(norm) >= _MIN_UNPLACED_CHARS and not norm.isdigit():
            words.append(token.surface(reading.text))
    return tuple(dict.fromkeys(words))


def judge(
    lexicon: Lexicon, question: Question, text: str, known: tuple[str, ...] = ()
) -> RubricResult:
    """The rules' verdict on a free-text answer, point by point (`known`: phrases that are not
    part of an answer, so never "unrecognised")."""
    answer = read_answer(lexicon, question, text)
    points = tuple(judge_point(lexicon, answer, p) for p in question.key_points)
    verdict = verdict_of(points)
    unplaced = unplaced_words(lexicon, question, answer, known)
    conflicted = any(p.conflict for p in points)
    unsure = verdict != "correct" and not conflicted and bool(unplaced)
    return RubricResult(verdict, points, unsure, unplaced if unsure else ())
