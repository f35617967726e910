"""How a team description is cut up before the reader decides who each piece names.

`pieces(text, words)`: table rows become "name: roles" lines, bullets are dropped, lines are
cut into sentences (a period after a title such as "Dr." does not end one), a header before a
colon ("team:", "there are 4 of us:") is set apart, and each sentence is cut into list items
at commas, "and", "&" and "plus" — never inside parentheses. Each item is a `Piece`.

The reader's vocabulary is `tutor.planning.words.Words`; who a piece names is
`tutor.planning.names`. Pure: the words are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutor.text import Token

if TYPE_CHECKING:
    from tutor.planning.words import Words

# A slash with spaces around it lists ("Elif - DS / Burak - DE"); "DE/MLE" names one job.
LIST_SEP = re.compile(r",|\s+(?:and|&|plus|as well as|\+|/)\s+|\s*&\s*", re.IGNORECASE)
_HEADER_SEP = re.compile(r":|\s[-\u2013\u2014]\s|\s[\u2013\u2014]|[\u2013\u2014]\s")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|;")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7]|\d+[.)])\s+")


@dataclass(frozen=True)
class Piece:
    """One list item: its text, tokens, the separator before it and its sentence number."""

    text: str
    tokens: tuple[Token, ...]
    sep: str
    sentence: int
    #: the item is in a list of people (after a team header, or beside the speaker), so a
    #: name standing alone in it is a person
    roster: bool = False
    #: nothing in the text binds a name to a role: every name that is not a word is a person
    lenient: bool = False
    #: the next item is a job ("Wang Fang, data engineer, …"): apposition binds the name
    apposed: bool = False
    #: the item before is a job with no name ("a research engineer, Thandiwe, who …"): a
    #: name standing alone here is that person's
    after_role: bool = False
    #: the item is a name joined by a list mark to a person's name ("Tane and Aroha are …",
    #: "Anjali, Vikram, Sunita — all MLEs"): a name alone in it is a person too
    coordinated: bool = False
    #: the item before ends with a job said of someone ("we use a freelance DevOps person"),
    #: the job of a name standing alone here ("Marek")
    role_before: str = ""
    #: the item is a job the next item names ("our ML engineer" of "our ML engineer,
    #: Chiamaka, …"): it continues nobody
    named_next: bool = False
    #: the next item says the name here has left ("Hamid" of "Our DE, Hamid, left …")
    gone: bool = False

    @property
    def norms(self) -> list[str]:
        return [t.norm for t in self.tokens]

    def span(self, lo: int, hi: int) -> str:
        """The text from just after token lo-1 to just before token hi (punctuation kept)."""
        start = self.tokens[lo - 1].end if lo > 0 else 0
        end = self.tokens[hi].start if hi < len(self.tokens) else len(self.text)
        return self.text[start:end] if start < end else ""

    def surface(self, i: int) -> str:
        return self.tokens[i].surface(self.text)


def pieces(text: str, words: Words, lenient: bool = False) -> list[Piece]:
    """Every list item of the description, in order, with its sentence number. `lenient`:
    every list is a list of people (for a text where nothing binds a name to a role)."""
    found: list[Piece] = []
    sentence = 0
    for line in _lines(text, words):
        for part in _sentences(line, words):
            for chunk, after_header in _headers(part, words):
                sentence += 1
                items = [
                    (s, i, c, words.lexicon.read(i).tokens)
                    for s, i, c in _items(chunk, words.goes_on)
                ]
                roster = lenient or after_header or words.is_roster(chunk)
                for k, (sep, item, _, tokens) in enumerate(items):
                    if tokens:
                        sep = ":" if after_header and k == 0 else sep
                        # "Wang Fang, data engineer, and …": a role after the comma
                        # (apposition takes a comma: "Oh and a DevOps contractor" is a list)
                        # (and names a job or a relation, not the speaker: "hello, I'm May")
                        apposed = (
                            k + 1 < len(items)
                            and items[k + 1][2]
                            and words.is_role_only(items[k + 1][1])
                            and not words.opens_with_speaker(items[k + 1][1])
                        )
                        before = items[k - 1][1] if k else ""
                        # "me, Lucas and Aiko": a name after the speaker is one more person
                        after_role = (
                            sep == "," and words.is_role_only(before) and not words.is_me(before)
                        )
                        # "we use a freelance DevOps person, Marek, …": the item before ends
                        # with someone's job, whom the name in this one names
                        role_before = (
                            before
                            if sep == ","
                            and _lone_name(item, words)
                            and (after_role or words.ends_with_someone(before))
                            and not words.is_me(before)
                            else ""
                        )
                        # "our ML engineer, Chiamaka, …": a job the next item names
                        named_next = (
                            k + 1 < len(items)
                            and items[k + 1][0] == ","
                            and words.is_role_only(item)
                            and _lone_name(items[k + 1][1], words)
                        )
                        # "Our DE, Hamid, left in March": someone who has left
                        gone = k + 1 < len(items) and words.says_gone(items[k + 1][1])
                        found.append(
                            Piece(
                                item, tokens, sep, sentence, roster, lenient, apposed,
                                after_role, role_before=role_before, named_next=named_next,
                                gone=gone,
                            )
                        )  # fmt: skip
    return found


def _lone_name(item: str, words: Words) -> bool:
    """'Chiamaka', 'Zhang Wei': one to three capitalised words and nothing else."""
    said = item.split()
    return 0 < len(said) <= 3 and all(
        w[:1].isupper() and not words.skills.names_a_role(w) for w in said
    )


def _lines(text: str, words: Words) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|") or line.count("|") >= 2:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(not c.strip("-: ") for c in cells) or all(words.is_header(c) for c in cells):
                continue
            line = (
                f"{cells[0]}: {', '.join(c for c in cells[1:] if c)}"
                if len(cells) > 1
                else cells[0]
            )
        line = _BULLET.sub("", line)
        if line:
            lines.append(line)
    return lines


def _depths(text: str) -> list[int]:
    depths, depth = [], 0
    for char in text:
        depths.append(depth)
        depth += char in "(["
        depth -= char in ")]" and depth > 0
    return depths


def _sentences(line: str, words: Words) -> list[str]:
    depth, out, start = _depths(line), [], 0
    for m in _SENTENCE_END.finditer(line):
        if depth[m.start()] or _after_title(line[: m.start()], words):
            continue
        out.append(line[start : m.start()])
        start = m.end()
    out.append(line[start:])
    return [s.strip() for s in out if s.strip()]


def _after_title(before: str, words: Words) -> bool:
    last = before.split()[-1:] if before.split() else []
    return bool(last) and words.phrase(last[0]) in {(t,) for t in words.titles}


def _headers(sentence: str, words: Words) -> list[tuple[str, bool]]:
    """'team of 3: Ana, Ben' -> [('team of 3', False), ('Ana, Ben', True)]: the flag marks a
    chunk that follows a header. 'Ana: data scientist' and 'Chen: infra' stay whole."""
    depth = _depths(sentence)
    for m in _HEADER_SEP.finditer(sentence):
        if depth[m.start()]:
            continue
        head, rest = sentence[: m.start()].strip(), sentence[m.end() :].strip()
        if not rest:
            break
        people = _items(head)
        if m.group().strip() == ":" and _lead_in(head, rest, words):
            return [(head, False), (rest, False)]
        if (
            words.is_header(head)
            and len(people) > 1
            and all(words.is_person(p) for _, p, _ in people)
        ):
            # "me and my cofounder: I do ML, she does backend" lists people, not a header.
            return [(head, False), *_after(_headers(rest, words))]
        if words.is_header(head):
            counted = words.is_count_piece(list(words.phrase(head)), head)
            return [*([(head, False)] if counted else []), *_after(_headers(rest, words))]
        # "Lucía y Mateo: Lucía does data science and Mateo does data engineering"
        # (not a duty going on past a dash: "Quang who does MLOps — deploying, monitoring")
        item = people[-1][1] if people else ""
        going_on = any(w in words.binding_verbs for w in item.lower().split())
        bare = m.group().strip() == ":" or not going_on
        if (len(people) > 1 or " y " in f" {head} ") and len(_items(rest)) > 1 and bare:
            return [(head, False), *_after(_headers(rest, words))]
        break
    return [(sentence, False)]


def _lead_in(head: str, rest: str, words: Words) -> bool:
    """'Some context: I'm the PM at …': words before a colon that name nobody and no job,
    and the speaker after it."""
    if not words.opens_with_speaker(rest):
        return False
    return not words.is_person(head) and not words.skills.names_a_role(head)


def _after(chunks: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(chunks[0][0], True), *chunks[1:]] if chunks else chunks


def _items(
    sentence: str, goes_on: Callable[[str], bool] | None = None
) -> list[tuple[str, str, bool]]:
    """(separator before, item, whether a comma is among the marks before it) at commas,
    'and', '&', 'plus', outside parentheses. `goes_on(rest)`: the words after an 'and' go on
    with the subject before it ("Pita runs our cluster and is on-call"), so no item starts."""
    depth, items, sep, start, comma = _depths(sentence), [], "", 0, False
    for m in LIST_SEP.finditer(sentence):
        if depth[m.start()]:
            continue
        mark = m.group().strip().lower() or "and"
        if goes_on and mark in ("and", "&") and goes_on(sentence[m.end() :]):
            continue
        items.append((sep, sentence[start : m.start()], comma))
        # ", and": the empty item between the marks goes, its comma stays on record
        comma = mark == "," or (comma and not sentence[start : m.start()].strip(" .:;"))
        sep, start = mark, m.end()
    items.append((sep, sentence[start:], comma))
    return [(s, i.strip(" .:;"), c) for s, i, c in items if i.strip(" .:;")]
