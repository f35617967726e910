"""Who a list item names: word runs that could be a name ("José María", "van der Berg",
"Dr. Smith", "Ji-woo", a lowercase "maria (ml)"), and whether the text binds each one to the
team (`tutor.planning.evidence`). A base of `tutor.planning.words.Words`, which holds the
vocabulary these methods read. Pure.
"""

from __future__ import annotations

import calendar
import re

from tutor.planning import evidence
from tutor.planning.segments import Piece
from tutor.text import Lexicon, Token, is_ordinary_word

_POSSESSIVE = re.compile(r"['\u2019]s$")  # "Ana's our data scientist"


class NameFinder:
    """Name finding for `Words` (its vocabulary: titles, particles, grammar, links)."""

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
            if not c[4]
            and not c[3]
            and not evidence.against(piece, c[0], c[1], self)
            and not evidence.outside_team(piece, c[0], c[1], self)
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
        if _in_schedule(piece, k):
            return False  # "(Tue-Thu)", "Mon/Wed": days someone works, not a name
        if evidence.looks_technical(word, shouting=piece.text.isupper() and len(piece.tokens) > 1):
            return False
        capital = word[:1].isupper()
        if capital and gap_after == "-" and piece.surface(k + 1)[:1].islower():
            return True  # "Do-yun", "Ha-eun"
        plain = re.split(r"['\u2019]", word)[0]  # "We're" is "We"
        a_name_too = capital and not is_ordinary_word(plain)
        if not capital and head and self._subject_of_verb(piece, k, plain):
            return True  # "will handles deployment": a modal never takes a verb in -s
        grammar = norm in self.grammar and norm not in self.never
        if capital and grammar and self._job_after(piece, k):
            return True  # "Can - MLE", "Will (backend)": bound to a job by punctuation
        if norm in self.never or (norm in self.grammar and not a_name_too):
            return False  # "Will" may be a name; "will", "That" and "Everyone" are not
        if grammar and _opens_sentence(piece, k) and self._governs(piece, k):
            # "As an SRE, I …", "For our team …": a word of grammar opening a sentence before
            # the phrase it governs; its capital is the sentence's ("As" is also a chemical
            # symbol, so no word list calls it ordinary). "Will and Grace are …" are people.
            return False
        if capital:
            return True
        if inside and piece.text[piece.tokens[k - 1].end : piece.tokens[k].start] in ("-", "'"):
            return True  # "Ji-woo", but not "part-time" or "e-commerce"
        # A lowercase word is a name only where a name stands: alone in a list item, or just
        # before "(", ":" or a dash ("maria (ml)", "ana, ben and chen"), or a duty verb.
        job = _job_word(self, norm) or norm in self.contract_words
        if evidence.in_parens_after_role(piece, k, self) and _alone_in_parens(piece, k):
            return not job  # "our cto (wei)", not "DE (part-time)", "our SRE (contractor)"
        if not head or gap_after == "-":
            return False
        rest = piece.text[piece.tokens[k].end :].lstrip()
        ordinary = is_ordinary_word(word)
        links = self.links if ordinary else self.binding_verbs
        linked = k + 1 < len(piece.tokens) and piece.surface(k + 1).lower() in links
        if rest[:1] in tuple("(:=-\u2013\u2014") and ordinary:
            return self._job_after(piece, k)  # "context: healthcare startup" is no name
        return (not rest or rest[0] in "(:=-\u2013\u2014" or linked) and len(norm) > 1

    def _job_after(self, piece: Piece, k: int) -> bool:
        """Punctuation that binds, then a job, after token k ("Can - MLE")."""
        if k + 1 >= len(piece.tokens) or not evidence.punctuated(piece, k + 1):
            return False
        return self.skills.names_a_role(piece.span(k + 1, min(k + 4, len(piece.tokens))))

    def _governs(self, piece: Piece, k: int) -> bool:
        """Token k is followed, with nothing but space between, by a determiner ("as an",
        "for our")."""
        if k + 1 >= len(piece.tokens):
            return False
        gap = piece.text[piece.tokens[k].end : piece.tokens[k + 1].start]
        return not gap.strip() and piece.norms[k + 1] in self.determiners

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
        if evidence.looks_technical(piece.surface(0)):
            return []  # "PM: our CEO, Enzo": an acronym heading the line is the job
        rest = piece.text[toks[0].end :].lstrip()
        if not rest or rest[0] not in "(:-\u2013\u2014" or 0 not in taken:
            return []  # only a word the skills table took ("Dev"); others are names already
        if not any(k > 0 for k in taken):
            return []
        return [(0, 1, piece.surface(0), False)]


_DAY_LINKS = frozenset({"to", "and", "only", "through", "thru"})
_DATE_WORDS = frozenset({"last", "next", "this", "every", "on", "since", "until", "by", "from"})


def _weekday(word: str) -> bool:
    """'Tue', 'Thurs', 'Friday' (any unambiguous start of a day's name, three letters on)."""
    lower = word.lower()
    return len(lower) >= 3 and any(d.lower().startswith(lower) for d in calendar.day_name)


def is_schedule(text: str) -> bool:
    """Only days ("Tue-Thu", "Mon/Wed/Fri", "Fridays"): when someone works, not a job."""
    words = re.findall(r"[A-Za-z]+", text)
    days = [_weekday(w.removesuffix("s")) or w.lower() in _DAY_LINKS for w in words]
    return bool(words) and all(days)


def _in_schedule(piece: Piece, k: int) -> bool:
    """A day next to another day across a range or list mark ("Tue-Thu", "Mon/Wed",
    "Mon to Fri"): a schedule. A day alone may be a name ("Sun, Moon and Star")."""
    word = piece.surface(k)
    if word.lower().endswith("days") and _weekday(word[:-1]):
        return True  # "Fridays": when, never who
    if _weekday(word) and k > 0 and piece.norms[k - 1] in _DATE_WORDS:
        return True  # "joined last Friday", "since Monday"
    if not _weekday(word):
        return False
    for j in (k - 1, k + 1):
        if 0 <= j < len(piece.tokens) and _weekday(piece.surface(j)):
            a, b = sorted((j, k))
            gap = piece.text[piece.tokens[a].end : piece.tokens[b].start].strip().lower()
            if gap in ("-", "\u2013", "\u2014", "/", "to", "&", "and", ","):
                return True
    return False


def _job_word(words: NameFinder, norm: str) -> bool:
    """A word the skills table or the relations name ("contractor", "intern", "designer")."""
    return norm in words.relation_words or words.skills.names_a_role(norm)


def _alone_in_parens(piece: Piece, k: int) -> bool:
    before = piece.text[: piece.tokens[k].start].rstrip()
    after = piece.text[piece.tokens[k].end :].lstrip()
    return before.endswith("(") and after.startswith(")")


def _joined(text: str, a: Token, b: Token, norm_a: str, words: NameFinder) -> bool:
    """Two tokens of one name: a space between, a hyphen or apostrophe, or 'Dr. ' after a title."""
    gap = text[a.end : b.start]
    return gap in (" ", "-", "'") or (norm_a in words.titles and gap.strip() == ".")


def _skill_tokens(piece: Piece, skills, lexicon: Lexicon) -> set[int]:
    """Token indexes inside a skill or vocabulary mention, a lesson term included ("handoffs
    are a big-company thing"): never part of a name."""
    terms = [m for m in lexicon.read(piece.text).mentions if m.kind == "term"]
    taken: set[int] = set()
    for m in [*mentions(piece.text, skills, lexicon), *terms]:
        taken.update(range(m.first, m.last))
    return taken


def mentions(text: str, skills, lexicon: Lexicon) -> list:
    """Skill phrases, and the vocabulary's roles and stages, named in `text`."""
    shared = [m for m in lexicon.read(text).mentions if m.kind in ("role", "stage")]
    return list(skills.lexicon.read(text).mentions) + shared


def _opens_sentence(piece: Piece, k: int) -> bool:
    """Token k is the first of its sentence in the piece."""
    if k == 0:
        return True
    gap = piece.text[piece.tokens[k - 1].end : piece.tokens[k].start]
    return any(mark in gap for mark in ".!?\n")
