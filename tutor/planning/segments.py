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

from tutor.planning import evidence
from tutor.planning.catalogue import ReaderWords
from tutor.text import Lexicon, Token, is_ordinary_word

Phrase = tuple[str, ...]
_LIST_SEP = re.compile(r",|\s+(?:and|&|plus|as well as|\+)\s+|\s*&\s*", re.IGNORECASE)
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
        self.particles, self.titles = one(words.particles), one(words.titles)
        self.first_person, self.pronouns = one(words.first_person), one(words.pronouns)
        # Words of grammar, never a name: the vocabulary's stopwords, the speaker, pronouns
        # and indefinites ("everyone else is sales").
        self.grammar = (
            lexicon.stopwords
            | lexicon.question_words
            | one(words.indefinites)
            | self.first_person
            | self.pronouns
        )
        self.never = self.first_person | self.pronouns | one(words.indefinites)
        # "No, I'm sure …", "But …", "Why is …": negation, contrast and question words
        self.never |= one(lexicon.cues.negators) | one(lexicon.cues.contrast)
        self.never |= lexicon.question_words - {"can", "will", "may"}
        self.never |= {p[0] for p in self._phrases(words.headers) if len(p) == 1}
        self.before_things = one(words.before_things)
        self.generic = one(lexicon.vocabulary.generic)
        # Compared with the word as written: "are" shares, "is" (also "be") does not.
        self.plural_links = frozenset(w.lower() for w in words.plural_links)
        self.links = frozenset(w.lower() for w in words.links) | self.plural_links
        self.binding_verbs = self.links | frozenset(w.lower() for w in words.duties)
        self.naming = one(words.naming)
        self.organisations = one(words.organisations)
        self.articles = _ARTICLES
        many = self._phrases
        self.relations, self.copy_roles = many(words.relations), many(words.copy_roles)
        self.count_nouns, self.count_before = many(words.count_nouns), many(words.count_before)
        # Matched as written: the text module reads "solo" and "single" as the number 1.
        self.solo = tuple(tuple(p.lower().split()) for p in words.solo)
        self.everything = many(words.everything + words.everything_else)
        self.everything_else = many(words.everything_else)
        self.part_time, self.contract = many(words.part_time), many(words.contract)
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
        past a short job title ("sure the data scientist is the one who gets paged"), and are
        not a noun phrase ending in a job ("part-time data engineer")."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in _mentions(text, self.skills, self.lexicon)]
        return len(tokens) > 3 and 0 not in starts and not self.ends_with_role(text)

    def filler(self, token: Token, text: str) -> bool:
        """A word that carries no name and no job: grammar, or an ordinary English word."""
        return token.norm in self.grammar or is_ordinary_word(token.surface(text))

    def only_fillers(self, text: str) -> bool:
        if self.skills.names_a_role(text):
            return False
        return all(self.filler(t, text) for t in self.lexicon.read(text).tokens)

    def ends_with_role(self, text: str, determined: bool = False) -> bool:
        """'our PM', 'data scientist', 'my friend': the text ends with a job title or a
        relation (not a thing: 'the ML platform', 'the product'). `determined`: the title
        opens the text or follows a determiner ('our PM', not 'our own fine-tuned')."""
        norms = self.phrase(text)
        if not norms:
            return False
        if any(norms[-len(p) :] == p for p in self.relations):
            return True
        tokens = self.lexicon.read(text).tokens
        for m in self.skills.lexicon.read(text).mentions:
            first = next(k for k, t in enumerate(tokens) if t.end > m.start)
            if tokens[-1].end > m.end or set(self.phrase(text[m.start : m.end])) & self.generic:
                continue
            if not determined or first == 0 or norms[first - 1] in self.grammar:
                return True
        return False

    def strip_links(self, text: str) -> str:
        """'runs the infra' -> 'infra': leading link words and articles go, up to the first
        word of a skill or vocabulary phrase ('ML engineer', 'on-call' stay whole)."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in _mentions(text, self.skills, self.lexicon)]
        stop = min(starts, default=len(tokens))
        k, negators = 0, set(self.lexicon.cues.negators)
        while k < min(stop, len(tokens)) and self.filler(tokens[k], text):
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
        tokens = self.lexicon.read(text).tokens
        norms = [t.norm for t in tokens]
        for i, word in enumerate(norms):
            if not word.isdecimal() or re.search(r"\d[.,]$", text[: tokens[i].start]):
                continue  # "2.5 people" states no head count
            if self._of_organisation(norms, i):
                continue  # "a 40-person logistics company" is not the team
            if self.at(norms, i + 1, self.count_nouns) or self._count_before(norms, i):
                plus = re.search(rf"\b{word}\s*\+", text) is not None  # "50+ people": over 50
                return int(word) + plus
        return 1 if self.is_solo(text) else None

    def _of_organisation(self, norms: Sequence[str], i: int) -> bool:
        return any(n in self.organisations for n in norms[i + 1 : i + 5])

    def is_solo(self, text: str) -> bool:
        """'solo founder', 'just me', but not 'just me and jake' (a list goes on after it)."""
        tokens = self.lexicon.read(text).tokens
        said = [t.surface(text).lower() for t in tokens]
        for i in range(len(said)):
            n = self.run_at(said, i, self.solo)
            if n is None:
                continue
            after = text[tokens[i + n - 1].end :].lstrip(" ,")
            if not _LIST_SEP.match(" " + after) and not after.startswith(("+", "&")):
                return True
        return False

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
        tokens = self.lexicon.read(text).tokens
        if any(n in self.first_person for n in norms):
            return False
        if self.any_run(norms, self.headers) and not any(
            t.surface(text)[:1].isupper() and not self.filler(t, text) for t in tokens
        ):
            return True
        return bool(norms) and all(t.norm in self.grammar or t.norm.isdecimal() for t in tokens)

    def is_role_only(self, item: str) -> bool:
        """'data engineer', 'a contractor who …': a list item that is a job, and no name."""
        tokens = self.lexicon.read(item).tokens
        start = self.skip_fillers([t.norm for t in tokens])
        if start < len(tokens) and tokens[start].norm in _ARTICLES | {"the", "our"}:
            start += 1
        if start >= len(tokens):
            return False
        word = tokens[start].surface(item)
        if len(tokens) == 1 and word[:1].isupper() and not word.isupper():
            return False  # "Airflow", "MLflow": a tool is not a job after a name
        head = item[tokens[start].start :]
        first = head.split()[0]
        # The job opens the item: "data engineer", "a contractor who …", not "the demo says PM"
        return self.skills.names_a_role(first) or self.is_person(first)

    def is_roster(self, chunk: str) -> bool:
        """'The team is Marco, Priya and me', 'me and jake': a list that names people."""
        norms = self.phrase(chunk)
        start = self.skip_fillers(norms)
        # "Raj and Meera are …", "José María and María José run …": a name, then a plural verb
        shared = any(
            m.group(2).lower() in self.plural_links and not self.skills.names_a_role(m.group(1))
            for m in re.finditer(r"\b(?=([A-Z]\w*)\s+(\w+))", chunk)  # pairs may overlap
        )
        speaker = any(n in self.first_person for n in norms)
        return speaker or self.at(norms, start, self.headers) or shared

    def is_person(self, text: str) -> bool:
        """'me', 'I', 'my cofounder': words that name someone even with no name in them."""
        norms = self.phrase(text)
        return any(n in self.first_person for n in norms) or self.any_run(norms, self.relations)

    # -- names ---------------------------------------------------------------------------------

    def names(self, piece: Piece, skills, bound_by=()) -> list[tuple[int, int, str, bool]]:
        """(first token, end token, name as written, guessed) for each person named in the
        piece: a word that could be a name, with evidence that it is a person. `bound_by`:
        the structure around the piece already binds its names ("So is Leila", "allocate
        for Ana, Ben and Chen"), so every name that is not a word or a thing is a person."""
        found = self.candidates(piece, skills)
        if bound_by:
            return [c[:4] for c in found if not evidence.only_words(piece, c[0], c[1])]
        return [c[:4] for c in found if c[4]]

    def loose(self, piece: Piece, skills) -> list[str]:
        """Capitalised words that could be names but that nothing binds to the team (and that
        are not ordinary words, places or products): what the reader is unsure of."""
        return [
            c[2]
            for c in self.candidates(piece, skills)
            if not c[4] and not c[3] and not evidence.against(piece, c[0], c[1], self)
        ]

    def candidates(self, piece: Piece, skills) -> list[tuple[int, int, str, bool, bool]]:
        """(first, end, name, guessed, is a person) for each word run that could be a name."""
        taken = _skill_tokens(piece, skills, self.lexicon)
        found, i, toks = [], 0, piece.tokens
        head = self.skip_fillers(piece.norms)
        while i < len(toks):
            end, guessed = self._name_run(piece, i, taken, head)
            if end > i:
                first = self._drop_ordinary_lead(piece, i, end)
                name = _POSSESSIVE.sub("", piece.text[toks[first].start : toks[end - 1].end])
                person = evidence.is_person(piece, first, end, self)
                found.append((first, end, name, guessed, person))
                i = end
            else:
                i += 1
        if not any(c[4] for c in found):
            found += [(*h, True) for h in self._head_name(piece, taken)]
        return found

    def _drop_ordinary_lead(self, piece: Piece, first: int, end: int) -> int:
        """'Then Ngozi', 'Using FastAPI': an ordinary word opening a sentence is not part of
        the name after it (within a list, 'Park Ji-hoon' and 'Li Na' stay whole)."""
        alone = end == len(piece.tokens)
        if first != 0 or piece.sep or alone or evidence.punctuated(piece, end):
            return first  # "Li Wei: data scientist", "Wang Fang" stay whole
        while (
            end - first > 1
            and piece.norms[first] not in self.titles
            and evidence.common_word(piece.surface(first))
        ):
            first += 1
        return first

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
            if not self._namey(piece, end, taken, head=end == head, inside=end > i):
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

    def _namey(self, piece: Piece, k: int, taken: set[int], head: bool, inside: bool) -> bool:
        word, norm = piece.surface(k), piece.norms[k]
        gap_after = (
            piece.text[piece.tokens[k].end : piece.tokens[k + 1].start]
            if k + 1 < len(piece.tokens)
            else ""
        )
        if not word[:1].isalpha() or k in taken or norm.isdecimal():
            return False
        if evidence.looks_technical(word, shouting=piece.text.isupper()):
            return False
        capital = word[:1].isupper()
        if capital and gap_after == "-" and piece.surface(k + 1)[:1].islower():
            return True  # "Do-yun", "Ha-eun"
        plain = re.split(r"['\u2019]", word)[0]  # "We're" is "We"
        a_name_too = capital and not is_ordinary_word(plain)
        if not capital and head and self._subject_of_verb(piece, k, plain):
            return True  # "will handles deployment": a modal never takes a verb in -s
        if norm in self.never or (norm in self.grammar and not a_name_too):
            return False  # "Will" may be a name; "will", "That" and "Everyone" are not
        if capital:
            return True
        if inside and piece.text[piece.tokens[k - 1].end : piece.tokens[k].start] in ("-", "'"):
            return True  # "Ji-woo", but not "part-time" or "e-commerce"
        # A lowercase word is a name only where a name stands: alone in a list item, or just
        # before "(", ":" or a dash ("maria (ml)", "ana, ben and chen"), or a duty verb.
        if evidence.in_parens_after_role(piece, k, self) and _alone_in_parens(piece, k):
            return True  # "our cto (wei)", not "DE (part-time, 2 days/wk)"
        if not head or gap_after == "-":
            return False
        rest = piece.text[piece.tokens[k].end :].lstrip()
        links = self.links if is_ordinary_word(word) else self.binding_verbs
        linked = k + 1 < len(piece.tokens) and piece.surface(k + 1).lower() in links
        return (not rest or rest[0] in "(:-\u2013\u2014" or linked) and len(norm) > 1

    def _subject_of_verb(self, piece: Piece, k: int, word: str) -> bool:
        """A lowercase word that is also a given name ("will", "bill"), opening the item and
        followed by a duty verb in the third person: the verb's subject, a person."""
        if k + 1 >= len(piece.tokens) or piece.norms[k] in self.never or is_ordinary_word(word):
            return False
        verb = piece.surface(k + 1)
        return verb.endswith("s") and verb.lower() in self.binding_verbs

    def _head_name(self, piece: Piece, taken: set[int]) -> list[tuple[int, int, str, bool]]:
        """'Dev - product manager': a capitalised word before ':'/'-'/'(' is a name even when it
        is also a skill word, if the words after it name a role."""
        toks = piece.tokens
        if not toks or not piece.surface(0)[:1].isupper() or piece.norms[0] in self.grammar:
            return []
        rest = piece.text[toks[0].end :].lstrip()
        if not rest or rest[0] not in "(:-\u2013\u2014" or 0 not in taken:
            return []  # only a word the skills table took ("Dev"); others are names already
        if not any(k > 0 for k in taken):
            return []
        return [(0, 1, piece.surface(0), False)]


def _alone_in_parens(piece: Piece, k: int) -> bool:
    before = piece.text[: piece.tokens[k].start].rstrip()
    after = piece.text[piece.tokens[k].end :].lstrip()
    return before.endswith("(") and after.startswith(")")


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


def pieces(text: str, words: Words, lenient: bool = False) -> list[Piece]:
    """Every list item of the description, in order, with its sentence number. `lenient`:
    every list is a list of people (for a text where nothing binds a name to a role)."""
    found: list[Piece] = []
    sentence = 0
    for line in _lines(text, words):
        for part in _sentences(line, words):
            for chunk, after_header in _headers(part, words):
                sentence += 1
                items = [(s, i, words.lexicon.read(i).tokens) for s, i in _items(chunk)]
                roster = lenient or after_header or words.is_roster(chunk)
                for k, (sep, item, tokens) in enumerate(items):
                    if tokens:
                        sep = ":" if after_header and k == 0 else sep
                        # "Wang Fang, data engineer, and …": a role after the comma
                        apposed = k + 1 < len(items) and words.is_role_only(items[k + 1][1])
                        after_role = k > 0 and sep == "," and words.is_role_only(items[k - 1][1])
                        found.append(
                            Piece(item, tokens, sep, sentence, roster, lenient, apposed, after_role)
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
