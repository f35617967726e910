"""How a team description is cut up before the reader decides who each piece names.

- `pieces(text, words)`: table rows become "name: roles" lines, bullets are dropped, lines are
  cut into sentences (a period after a title such as "Dr." does not end one), a header before
  a colon ("team:", "there are 4 of us:") is set apart, and each sentence is cut into list
  items at commas, "and", "&" and "plus" — never inside parentheses.
- `Words`: the reader's words (prompts/responsibilities.toml `[reader]`), normalised through the
  shared text module, with the small lookups the reader needs (names, counts, fillers).

Pure: the words and the lexicon are passed in. Slightly over 400 lines because the cutting
steps run in order on one text; split apart, one pipeline would be read in several files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tutor.planning.catalogue import ReaderWords
from tutor.text import Lexicon, Token

Phrase = tuple[str, ...]
_LIST_SEP = re.compile(r",|\s+(?:and|&|plus|as well as)\s+|\s*&\s*", re.IGNORECASE)
_HEADER_SEP = re.compile(r":|\s[-\u2013\u2014]\s|\s[\u2013\u2014]|[\u2013\u2014]\s")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|;")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7]|\d+[.)])\s+")
_POSSESSIVE = re.compile(r"['\u2019]s$")  # "Ana's our data scientist"
_ARTICLES = frozenset({"a", "an", "another", "one"})
_FILLERS = frozenset(
    {"and", "plus", "also", "just", "only", "then", "it", "be", "there", "with", "as", "well",
     "but", "so", "mostly", "mainly", "both", "all", "who", "that"}
)  # fmt: skip


@dataclass(frozen=True)
class Piece:
    """One list item: its text, tokens, the separator before it and its sentence number."""

    text: str
    tokens: tuple[Token, ...]
    sep: str
    sentence: int

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


class Words:
    """The reader's vocabulary, normalised once."""

    def __init__(self, words: ReaderWords, lexicon: Lexicon, skills) -> None:
        self.lexicon, self.skills = lexicon, skills
        one = self._words
        self.not_names = one(words.not_names) | lexicon.stopwords
        self.particles, self.titles = one(words.particles), one(words.titles)
        self.first_person, self.pronouns = one(words.first_person), one(words.pronouns)
        # Compared with the word as written: "are" shares, "is" (also "be") does not.
        self.plural_links = frozenset(w.lower() for w in words.plural_links)
        self.links = frozenset(w.lower() for w in words.links) | self.plural_links
        self.articles = _ARTICLES
        many = self._phrases
        self.relations, self.copy_roles = many(words.relations), many(words.copy_roles)
        self.count_nouns, self.count_before = many(words.count_nouns), many(words.count_before)
        # Matched as written: the text module reads "solo" and "single" as the number 1.
        self.solo = tuple(tuple(p.lower().split()) for p in words.solo)
        self.everything = many(words.everything)
        self.activity, self.headers = many(words.activity), many(words.headers)
        self.requests = many(words.requests)
        self.product_cues: tuple[Phrase, ...] = ()  # set by the reader (llm and ml cues)

    def phrase(self, text: str) -> Phrase:
        return tuple(t.norm for t in self.lexicon.read(text).tokens)

    def _words(self, items: Iterable[str]) -> frozenset[str]:
        return frozenset(w for item in items for w in self.phrase(item))

    def _phrases(self, items: Iterable[str]) -> tuple[Phrase, ...]:
        found = {self.phrase(p) for p in items} - {()}
        return tuple(sorted(found, key=len, reverse=True))

    # -- phrase lookups ------------------------------------------------------------------------

    @staticmethod
    def run_at(norms: Sequence[str], i: int, phrases: Sequence[Phrase]) -> int | None:
        """Length of the longest phrase starting at token i, with an optional plural 's'."""
        for p in phrases:
            if tuple(norms[i : i + len(p)]) == p:
                return len(p)
        return None

    def at(self, norms: Sequence[str], i: int, phrases: Sequence[Phrase]) -> bool:
        return self.run_at(norms, i, phrases) is not None

    def any_run(self, norms: Sequence[str], phrases: Sequence[Phrase]) -> bool:
        return any(self.at(norms, i, phrases) for i in range(len(norms)))

    def skip_fillers(self, norms: Sequence[str]) -> int:
        i = 0
        while i < len(norms) and norms[i] in _FILLERS:
            i += 1
        return i

    def is_clause(self, text: str) -> bool:
        """Words that say something other than a job: they don't open with a skill and run
        past a short job title ("sure the data scientist is the one who gets paged")."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in _mentions(text, self.skills, self.lexicon)]
        return len(tokens) > 3 and 0 not in starts

    def only_fillers(self, text: str) -> bool:
        if self.skills.names_a_skill(text):
            return False
        return all(n in self.not_names for n in self.phrase(text))

    def strip_links(self, text: str) -> str:
        """'runs the infra' -> 'infra': leading link words and articles go, up to the first
        word of a skill or vocabulary phrase ('ML engineer', 'on-call' stay whole)."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in _mentions(text, self.skills, self.lexicon)]
        stop = min(starts, default=len(tokens))
        k, negators = 0, set(self.lexicon.cues.negators)
        while k < min(stop, len(tokens)) and tokens[k].norm in self.not_names:
            if tokens[k].norm in negators or (
                k + 1 < len(tokens) and tokens[k + 1].norm in negators
            ):
                break  # "isn't technical" keeps its negation
            k += 1
        if k == 0:
            return text.strip()
        return text[tokens[k].start :].strip() if k < len(tokens) else ""

    def activity_cut(self, norms: Sequence[str], lo: int, hi: int) -> int:
        """Where what the team builds starts ('building a chatbot', 'for our churn model').
        'building the data pipeline' is a job, not a product: words after the activity that
        name a skill, and no product cue, keep it."""
        for j in range(lo, hi):
            n = self.run_at(norms, j, self.activity)
            if n is None:
                continue
            after = " ".join(norms[j + n : min(hi, j + n + 3)])
            if (
                after
                and self.skills.names_a_skill(after)
                and not self.any_run(norms[j + n : hi], self.product_cues)
            ):
                continue
            return j
        return hi

    def after_request(self, norms: Sequence[str], lo: int, hi: int) -> int:
        """Just after the last request or header phrase in [lo, hi) ('help me allocate … for')."""
        cut = lo
        for j in range(lo, hi):
            n = self.run_at(norms, j, self.requests + self.headers + self.activity)
            if n is not None:
                cut = j + n
        return min(cut, hi)

    # -- counts --------------------------------------------------------------------------------

    def count(self, text: str) -> int | None:
        """The head count a text states ('3-person team', 'team of four', 'just me'), if any."""
        norms = [t.norm for t in self.lexicon.read(text).tokens]
        for i, word in enumerate(norms):
            if not word.isdecimal():
                continue
            if self.at(norms, i + 1, self.count_nouns) or self._count_before(norms, i):
                plus = re.search(rf"\b{word}\s*\+", text) is not None  # "50+ people": over 50
                return int(word) + plus
        return 1 if self.is_solo(text) else None

    def is_solo(self, text: str) -> bool:
        said = [t.surface(text).lower() for t in self.lexicon.read(text).tokens]
        return self.any_run(said, self.solo)

    def _count_before(self, norms: Sequence[str], i: int) -> bool:
        return any(tuple(norms[max(0, i - len(p)) : i]) == p for p in self.count_before)

    def is_count_piece(self, norms: Sequence[str], text: str = "") -> bool:
        return any(
            w.isdecimal()
            and (self.at(norms, i + 1, self.count_nouns) or self._count_before(norms, i))
            for i, w in enumerate(norms)
        ) or (bool(text) and self.is_solo(text))

    def is_header(self, text: str) -> bool:
        """'team', 'our team', 'there are 4 of us': words before a colon that name nobody."""
        norms = self.phrase(text)
        if self.is_count_piece(list(norms), text):
            return True
        return bool(norms) and all(n in self.not_names or n.isdecimal() for n in norms)

    def is_person(self, text: str) -> bool:
        """'me', 'I', 'my cofounder': words that name someone even with no name in them."""
        norms = self.phrase(text)
        return any(n in self.first_person for n in norms) or self.any_run(norms, self.relations)

    # -- names ---------------------------------------------------------------------------------

    def names(self, piece: Piece, skills) -> list[tuple[int, int, str, bool]]:
        """(first token, end token, name as written, guessed) for each name in the piece."""
        taken = _skill_tokens(piece, skills, self.lexicon)
        found, i, toks = [], 0, piece.tokens
        head = self.skip_fillers(piece.norms)
        while i < len(toks):
            end, guessed = self._name_run(piece, i, taken, head)
            if end > i:
                name = piece.text[toks[i].start : toks[end - 1].end]
                found.append((i, end, _POSSESSIVE.sub("", name), guessed))
                i = end
            else:
                i += 1
        if not found:
            found = self._head_name(piece, taken)
        return found

    def _name_run(self, piece: Piece, i: int, taken: set[int], head: int) -> tuple[int, bool]:
        """End of the name starting at token i (i itself if none), and whether it is a guess."""
        toks, norms, end, guessed = piece.tokens, piece.norms, i, False
        while end < len(toks):
            if end > i and not _joined(piece.text, toks[end - 1], toks[end], norms[end - 1], self):
                break
            word = piece.surface(end)
            if norms[end] in self.titles and word[:1].isupper() and end + 1 < len(toks):
                end += 1
                continue
            if norms[end] in self.particles and word.islower() and self._capital_after(piece, end):
                end += 1
                continue
            if not self._namey(piece, end, taken, head=end == head):
                break
            guessed = guessed or not word[:1].isupper()
            end += 1
        while end > i and (norms[end - 1] in self.titles or norms[end - 1] in self.particles):
            end -= 1  # a name ends with a name, not a title or particle
        return end, guessed and end > i

    def _capital_after(self, piece: Piece, k: int) -> bool:
        for j in range(k + 1, len(piece.tokens)):
            if piece.norms[j] not in self.particles:
                return piece.surface(j)[:1].isupper()
        return False

    def _namey(self, piece: Piece, k: int, taken: set[int], head: bool) -> bool:
        word, norm = piece.surface(k), piece.norms[k]
        hyphen = (
            k + 1 < len(piece.tokens)
            and piece.text[piece.tokens[k].end : piece.tokens[k + 1].start] == "-"
        )
        if word[:1].isupper() and hyphen and k not in taken:
            return True  # "Do-yun", "Jean-Luc"
        if not word[:1].isalpha() or norm in self.not_names or k in taken:
            return False
        if norm in self.first_person or norm in self.pronouns or norm.isdecimal():
            return False
        if word[:1].isupper():
            return True
        # A lowercase word is a name only where a name stands: alone in a list item, or just
        # before "(", ":" or a dash ("maria (ml)", "ana, ben and chen"), or joined by a hyphen.
        if k > 0 and piece.text[piece.tokens[k - 1].end : piece.tokens[k].start] in ("-", "'"):
            return True  # "Ji-woo"
        if not head:
            return False
        rest = piece.text[piece.tokens[k].end :].lstrip()
        linked = k + 1 < len(piece.tokens) and piece.surface(k + 1).lower() in self.links
        return (not rest or rest[0] in "(:-\u2013\u2014" or linked) and len(norm) > 1

    def _head_name(self, piece: Piece, taken: set[int]) -> list[tuple[int, int, str, bool]]:
        """'Dev - product manager': a capitalised word before ':'/'-'/'(' is a name even when it
        is also a skill word, if the words after it name a role."""
        toks = piece.tokens
        if not toks or not piece.surface(0)[:1].isupper() or piece.norms[0] in self.not_names:
            return []
        rest = piece.text[toks[0].end :].lstrip()
        if not rest or rest[0] not in "(:-\u2013\u2014" or not any(k > 0 for k in taken):
            return []
        return [(0, 1, piece.surface(0), False)]


def _joined(text: str, a: Token, b: Token, norm_a: str, words: Words) -> bool:
    """Two tokens of one name: a space between, a hyphen or apostrophe, or 'Dr. ' after a title."""
    gap = text[a.end : b.start]
    return gap in (" ", "-", "'") or (norm_a in words.titles and gap.strip() == ".")


def _skill_tokens(piece: Piece, skills, lexicon: Lexicon) -> set[int]:
    """Token indexes inside a skill or vocabulary mention: never part of a name."""
    taken: set[int] = set()
    for m in _mentions(piece.text, skills, lexicon):
        taken.update(range(m.first, m.last))
    return taken


def _mentions(text: str, skills, lexicon: Lexicon) -> list:
    """Skill phrases, and the vocabulary's roles and stages, named in `text`."""
    shared = [m for m in lexicon.read(text).mentions if m.kind in ("role", "stage")]
    return list(skills.lexicon.read(text).mentions) + shared


# --- cutting the text -----------------------------------------------------------------------


def pieces(text: str, words: Words) -> list[Piece]:
    """Every list item of the description, in order, with its sentence number."""
    found: list[Piece] = []
    sentence = 0
    for line in _lines(text, words):
        for part in _sentences(line, words):
            for chunk, after_header in _headers(part, words):
                sentence += 1
                for k, (sep, item) in enumerate(_items(chunk)):
                    tokens = words.lexicon.read(item).tokens
                    if tokens:
                        found.append(
                            Piece(item, tokens, ":" if after_header and k == 0 else sep, sentence)
                        )
    return found


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
        if words.is_header(head) and len(people) > 1 and all(words.is_person(p) for _, p in people):
            # "me and my cofounder: I do ML, she does backend" lists people, not a header.
            return [(head, False), *_after(_headers(rest, words))]
        if words.is_header(head):
            counted = words.is_count_piece(list(words.phrase(head)), head)
            return [*([(head, False)] if counted else []), *_after(_headers(rest, words))]
        # "Lucía y Mateo: Lucía does data science and Mateo does data engineering"
        if (len(_items(head)) > 1 or " y " in f" {head} ") and len(_items(rest)) > 1:
            return [(head, False), *_after(_headers(rest, words))]
        break
    return [(sentence, False)]


def _after(chunks: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(chunks[0][0], True), *chunks[1:]] if chunks else chunks


def _items(sentence: str) -> list[tuple[str, str]]:
    """(separator before, item) at commas, 'and', '&', 'plus', outside parentheses."""
    depth, items, sep, start = _depths(sentence), [], "", 0
    for m in _LIST_SEP.finditer(sentence):
        if depth[m.start()]:
            continue
        items.append((sep, sentence[start : m.start()]))
        sep, start = m.group().strip().lower() or "and", m.end()
    items.append((sep, sentence[start:]))
    return [(s, i.strip(" .:;")) for s, i in items if i.strip(" .:;")]


def runs_at(norms: Sequence[str], phrases: Sequence[Phrase]) -> list[int]:
    return [i for i in range(len(norms)) if Words.run_at(norms, i, phrases) is not None]
