"""A follow-up about a planned team, read against that team: which of its people it names
(typo-tolerant, accents ignored, "me"/"I" for the speaker), new names it introduces, a head
count, its cues and topics, and whether it asks. Pure.

Names are matched with rapidfuzz against the team's own names, so the reader never has to
guess who someone is: a follow-up can only name the people the plan already has, or bring in
a capitalised name the team does not have yet (a hire).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from tutor.planning.model import Team
from tutor.planning.talkwords import Said, TalkWords
from tutor.text import is_dictionary_word, is_speaker, tokenize

# A name written with a typo still matches from this rapidfuzz ratio (names of 4+ letters).
NAME_MIN_SCORE = 85
_NAME_MIN_CHARS = 4
_WORD = re.compile(r"[^\W_]+(?:[-'\u2019][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
SPEAKER_WORDS = frozenset({"i", "me", "myself", "i'm", "im"})
# Count nouns that count engineers only ("3 engineers"), not the whole team.
ENGINEER_NOUNS = frozenset({"engineer", "dev", "developer"})


@dataclass(frozen=True)
class NameHit:
    """A team member named in the follow-up: who, where (character offset), how sure."""

    person: str
    start: int
    score: float


@dataclass(frozen=True)
class FollowUp:
    text: str
    said: tuple[Said, ...]
    topics: tuple[tuple[str, ...], ...]
    people: tuple[NameHit, ...]
    newcomers: tuple[str, ...]
    count: int | None
    question: bool
    # The head count is of engineers ("if we grew to 3 engineers"), not of the whole team.
    counts_engineers: bool = False

    def has(self, cue: str, *, asserted: bool = True) -> bool:
        return any(s.id == cue and (not asserted or not s.negated) for s in self.said)

    def denied(self, cue: str) -> bool:
        return any(s.id == cue and s.negated for s in self.said)

    @property
    def names(self) -> tuple[str, ...]:
        """The team members named, each once, in text order."""
        return tuple(dict.fromkeys(h.person for h in self.people))

    @property
    def confidence(self) -> float:
        """How sure the names are: the weakest name match (1.0 when none was needed)."""
        return min((h.score for h in self.people), default=1.0)


def fold(text: str) -> str:
    """Lowercase, accents off ("Sofía" -> "sofia"), for matching names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def read_follow_up(
    text: str, team: Team, words: TalkWords, count_nouns: frozenset[str]
) -> FollowUp:
    people, unknown = _names(text, team)
    count, noun = _count(text, count_nouns)
    return FollowUp(
        text=text,
        said=tuple(words.cues(text)),
        topics=tuple(words.topics(text)),
        people=tuple(people),
        newcomers=tuple(dict.fromkeys(unknown)),
        count=count,
        question=words.is_question(text),
        counts_engineers=noun in ENGINEER_NOUNS,
    )


def _names(text: str, team: Team) -> tuple[list[NameHit], list[str]]:
    """Team members named (best match per word) and capitalised words that name nobody."""
    hits: list[NameHit] = []
    unknown: list[str] = []
    speaker = next((p.name for p in team.people if is_speaker(p.name)), None)
    for match in _WORD.finditer(text):
        word = re.sub(r"['\u2019]s$", "", match.group())
        folded = fold(word)
        if speaker and folded in SPEAKER_WORDS:
            hits.append(NameHit(speaker, match.start(), 1.0))
            continue
        best = _best_person(folded, team)
        if best is not None:
            hits.append(NameHit(best[0], match.start(), best[1]))
        elif _looks_like_new_name(word, text[: match.start()]):
            unknown.append(word)
    return hits, unknown


def _best_person(folded: str, team: Team) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for person in team.people:
        if is_speaker(person.name):
            continue
        for part in [person.name, *person.name.split()]:
            target = fold(part)
            if folded == target:
                score = 100.0
            elif min(len(folded), len(target)) >= _NAME_MIN_CHARS:
                score = fuzz.ratio(folded, target)
            else:
                continue
            if score >= NAME_MIN_SCORE and (best is None or score / 100 > best[1]):
                best = (person.name, score / 100)
    return best


def _looks_like_new_name(word: str, before: str) -> bool:
    """A capitalised word (not an acronym) that is no English word where a sentence starts."""
    if not word[:1].isupper() or word.isupper() or len(word) < 2:
        return False
    starts_sentence = not before.strip() or bool(_SENTENCE_END.search(before))
    return not (starts_sentence and is_dictionary_word(word.lower()))


def _count(text: str, count_nouns: frozenset[str]) -> tuple[int | None, str]:
    """A head count: a number before a count noun ("two people", "3 engineers"), or one that
    ends its clause ("what if we were two?")."""
    tokens = tokenize(text)
    for i, token in enumerate(tokens):
        if not token.norm.isdigit() or not 1 <= int(token.norm) <= 50:
            continue
        following = tokens[i + 1].norm if i + 1 < len(tokens) else ""
        ends_clause = i + 1 == len(tokens) or bool(
            re.match(r"\s*[?.!,;]", text[token.end : tokens[i + 1].start])
        )
        if following in count_nouns or ends_clause:
            return int(token.norm), following
    return None, ""
