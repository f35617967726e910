"""The team reader's vocabulary (prompts/responsibilities.toml `[reader]`), normalised once
through the shared text module, with the lookups the reader needs: phrases, fillers, role
words, head counts, headers and rosters. Finding names is `tutor.planning.names` (a base of
`Words`). Pure: the words, lexicon and skills are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tutor.planning.catalogue import ReaderWords
from tutor.planning.names import NameFinder, mentions
from tutor.planning.segments import LIST_SEP, Piece
from tutor.planning.verbs import COPULAS, FOCUS_ADVERBS, third_person
from tutor.text import Lexicon, Token, is_ordinary_word, tool_name

Phrase = tuple[str, ...]
_ARTICLES = frozenset({"a", "an", "another", "one"})
_POSSESSORS = frozenset({"a", "an", "our", "my", "their"})
# Words between a name and its verb of leaving ("Luke has left", "Luke just quit").
_BEFORE_LEAVING = frozenset({"has", "have", "had", "recently", "already", "sadly", "finally"})
_FILLERS = frozenset(
    {"and", "plus", "also", "just", "only", "then", "it", "be", "there", "with", "as", "well",
     "but", "so", "mostly", "mainly", "both", "all", "who", "that"}
)  # fmt: skip


class Words(NameFinder):
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
            | self._plural_pronouns(words)
        )
        self.never = self.first_person | self.pronouns | one(words.indefinites)
        self.never |= self._plural_pronouns(words)
        # "No, I'm sure …", "But …", "Why is …": negation, contrast and question words
        self.never |= one(lexicon.cues.negators) | one(lexicon.cues.contrast)
        self.never |= lexicon.question_words - {"can", "will", "may"}
        self.never |= {p[0] for p in self._phrases(words.headers) if len(p) == 1}
        self.before_things = one(words.before_things)
        self.generic = one(lexicon.vocabulary.generic)
        # Compared with the word as written: "are" shares, "is" (also "be") does not.
        # The plural of every "-s" verb that binds one person ("trains", "deploys"): "Mateo
        # and I train models", "Ana and Bo deploy" say it of both.
        singular = [w.lower() for w in (*words.links, *words.duties)]
        plural = {w[:-1] for w in singular if w.endswith("s") and len(w) > 3 and w != "does"}
        self.plural_links = frozenset(w.lower() for w in words.plural_links) | plural
        self.links = frozenset(w.lower() for w in words.links) | self.plural_links
        self.binding_verbs = self.links | frozenset(w.lower() for w in words.duties)
        self.naming = one(words.naming)
        self.name_words = one(words.name_words)
        self.organisations = one(words.organisations)
        self.rates = one(words.rates)
        self.outsiders, self.groups = one(words.outsiders), one(words.groups)
        self.joining, self.aliases = one(words.joining), one(words.aliases)
        self.former = one(words.former)
        self.relation_words, self.contract_words = one(words.relations), one(words.contract)
        self.person_nouns = one(words.person_nouns)
        self.mental = one(words.mental)
        self.not_me = self._phrases(words.not_me)
        self.elsewhere = self._phrases(words.elsewhere)
        self.gone = tuple(tuple(p.lower().split()) for p in words.gone)  # as written
        self.future = self._phrases(words.future)
        self.articles = _ARTICLES
        self.determiners = _POSSESSORS | {"the", "his", "her", "its", "this", "that"}
        many = self._phrases
        self.relations, self.copy_roles = many(words.relations), many(words.copy_roles)
        self.first_person_plural = many(words.first_person_plural)
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

    def _plural_pronouns(self, words: ReaderWords) -> frozenset[str]:
        """'we', 'us' ("Us: Ekow (MLE) and me"): the one-word entries of first_person_plural."""
        return frozenset(p[0] for p in map(self.phrase, words.first_person_plural) if len(p) == 1)

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
        """The first token after words that open an item without naming anyone ("and also",
        "Honestly I just do product")."""
        i = 0
        while i < len(norms) and (norms[i] in _FILLERS or norms[i] in self.lexicon.openers):
            i += 1
        return i

    def is_clause(self, text: str) -> bool:
        """Words that say something other than a job: they don't open with a skill and run
        past a short job title ("sure the data scientist is the one who gets paged"), and are
        not a noun phrase ending in a job ("part-time data engineer")."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in mentions(text, self.skills, self.lexicon)]
        return len(tokens) > 3 and 0 not in starts and not self.ends_with_role(text)

    def filler(self, token: Token, text: str) -> bool:
        """A word that carries no name and no job: grammar, or an ordinary English word."""
        return token.norm in self.grammar or is_ordinary_word(token.surface(text))

    def only_fillers(self, text: str) -> bool:
        if self.skills.names_a_role(text):
            return False
        return all(self.filler(t, text) for t in self.lexicon.read(text).tokens)

    def ends_with_role(self, text: str, determined: bool = False, heading: bool = False) -> bool:
        """'our PM', 'data scientist', 'my friend': the text ends with a job title or a
        relation (not a thing: 'the ML platform', 'the product'). `determined`: the title
        opens the text or follows a determiner ('our PM', not 'our own fine-tuned').
        `heading`: the text heads a 'Role: Name' line, where 'Product:' is the job."""
        norms = self.phrase(text)
        if not norms:
            return False
        if any(norms[-len(p) :] == p for p in self.relations):
            return True
        if len(norms) > 1 and norms[-1] in self.person_nouns:
            # "our ML person", "data person", "the infra guy": a field's person
            return self.skills.names_a_role(text.rsplit(None, 1)[0])
        tokens = self.lexicon.read(text).tokens
        for m in self.skills.lexicon.read(text).mentions:
            first = next(k for k, t in enumerate(tokens) if t.end > m.start)
            generic = set(self.phrase(text[m.start : m.end])) & self.generic
            if tokens[-1].end > m.end or (generic and not heading):
                continue
            if first > 0 and tool_name(text[m.start : m.end]):
                continue  # "Stack is Airflow → Postgres": a tool's name, not a job
            before = norms[first - 1] if first > 0 else ""
            if not determined or first == 0 or before in self.grammar or before.isdecimal():
                return True  # "our PM Priya", "two data scientists Ada and Bruno"
        return False

    def strip_links(self, text: str) -> str:
        """'runs the infra' -> 'infra': leading link words and articles go, up to the first
        word of a skill or vocabulary phrase ('ML engineer', 'on-call' stay whole)."""
        tokens = self.lexicon.read(text).tokens
        starts = [m.first for m in mentions(text, self.skills, self.lexicon)]
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

    def team_count(self, text: str, people: int, speaker: bool) -> int | None:
        """The head count the text states for the team ('3-person team', 'team of four',
        'just me'), if any, given the `people` read and whether the `speaker` is one of them.
        Of two counts ("about 10 people total, but the ML side is just three: …", "200
        people overall and our ML team is 5") the one nearest to the people read; of one, the
        speaker is one more when they say it of others ("I manage a team of three")."""
        counts = self.counts(text)
        if len(counts) > 1:
            return min(counts, key=lambda c: abs(c - people))
        if not counts:
            return 1 if self.is_solo(text) else None
        return counts[0] + (speaker and not self.counts_me(text))

    def counts(self, text: str) -> list[int]:
        """Every head count the text states, in order ("about 10 people total, but the ML
        side is just three: …" states 10 and 3)."""
        tokens = self.lexicon.read(text).tokens
        norms = [t.norm for t in tokens]
        found = []
        for i, word in enumerate(norms):
            if not word.isdecimal() or re.search(r"\d[.,]$", text[: tokens[i].start]):
                continue  # "2.5 people" states no head count
            # the sentence's own words ("… is 3 people. Our bank partner …" counts the team)
            stop = re.search(r"[.!?](\s|$)", text[tokens[i].end :])
            ends = len(norms)
            if stop:
                cut = tokens[i].end + stop.start()
                ends = next((k for k, t in enumerate(tokens) if t.start > cut), len(norms))
            if self._of_organisation(norms, i, ends):
                continue  # "a 40-person logistics company" is not the team
            # "the ML side is just three: …": a number said of the team before its list
            listed = i > 0 and norms[i - 1] in ("be", "just", "only")
            listed = listed and re.match(r"\s*:", text[tokens[i].end :]) is not None
            if listed or self.at(norms, i + 1, self.count_nouns) or self._count_before(norms, i):
                # "50+ people": over 50 (the "+" right after this number, not "GPT-4 + …")
                plus = re.match(r"\s*\+", text[tokens[i].end :]) is not None
                found.append(int(word) + plus)
        return found

    def counts_me(self, text: str) -> bool:
        """Whether the stated head count counts the speaker: it does ('we're 3', 'team of
        six … I'm the PM', '5 ppl: …, and me') unless the speaker says it of others, as the
        subject before it ('I manage a team of three', 'I lead 4 people')."""
        tokens = self.lexicon.read(text).tokens
        norms = [t.norm for t in tokens]
        for i, word in enumerate(norms):
            if word.isdecimal() and (
                self.at(norms, i + 1, self.count_nouns) or self._count_before(norms, i)
            ):
                # "I manage a team of three": the speaker as the subject, in the same
                # sentence ("… plus me doing SRE. 5 people" counts the speaker)
                said = text[: tokens[i].start]
                sentence = max(said.rfind(mark) for mark in (". ", "\n", "! ", "? "))
                before = [t.norm for t in tokens[max(0, i - 5) : i] if t.start > sentence]
                speaker = "i" in before
                return not speaker or self.any_run(
                    norms[max(0, i - 5) : i + 5], self.first_person_plural
                )
        return True

    def _of_organisation(self, norms: Sequence[str], i: int, ends: int | None = None) -> bool:
        """The count at `i` is not the team's: an organisation's ("a 40-person company") or
        a rate ("one person per project")."""
        rate = i + 2 < len(norms) and norms[i + 2] in self.rates
        hi = min(i + 5, len(norms) if ends is None else ends)
        return rate or any(n in self.organisations for n in norms[i + 1 : hi])

    def is_solo(self, text: str) -> bool:
        """'solo founder', 'just me', but not 'just me and jake' (a list goes on after it)."""
        tokens = self.lexicon.read(text).tokens
        said = [t.surface(text).lower() for t in tokens]
        for i in range(len(said)):
            n = self.run_at(said, i, self.solo)
            if n is None:
                continue
            after = text[tokens[i + n - 1].end :].lstrip(" ,")
            if not LIST_SEP.match(" " + after) and not after.startswith(("+", "&")):
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
        """'data engineer', 'a contractor who …', 'a part-time SRE': a list item that is a job,
        and no name."""
        tokens = self.lexicon.read(item).tokens
        norms = [t.norm for t in tokens]
        start = self.skip_fillers(norms)
        if start < len(tokens) and (
            tokens[start].norm in _ARTICLES | {"the", "our"} or tokens[start].norm.isdecimal()
        ):
            start += 1  # "a data engineer", "one MLE" (read as the number 1)
        # "a part-time SRE", "a freelance data engineer": how much of their time, then the job
        start += self.run_at(norms, start, self.part_time + self.contract) or 0
        if start >= len(tokens):
            return False
        word = tokens[start].surface(item)
        if len(tokens) == 1 and word[:1].isupper() and not word.isupper():
            return False  # "Airflow", "MLflow": a tool is not a job after a name
        for k in range(start, len(tokens) - 1):
            if norms[k] in self.naming and tokens[k + 1].surface(item)[:1].isupper():
                return False  # "our SRE is Jonas" names the person
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

    def names_someone(self, role: str) -> bool:
        """The words are headed by a job or a word for a person: 'devops contractor who …',
        'data scientists from the Warsaw office', 'backend devs on the app', 'our infra guy';
        not 'an LLM for summarising' (a field, not a job) or 'the on-call rota' (a duty's
        thing). The head is the last word before the first word of grammar."""
        said = [w.strip(".,;:!?") for w in re.sub(r"\([^)]*\)?", " ", role).split()]
        if said and (said[0].lower() in self.binding_verbs or third_person(said[0])):
            return True  # "one does the model": the number is the subject
        phrase: list[str] = []
        for word in said:
            if not word or (self.phrase(word) and set(self.phrase(word)) <= self.grammar):
                break
            phrase.append(word)
        if not phrase:
            return False
        head = phrase[-1]
        norms = set(self.phrase(head))
        if norms & (self.relation_words | self.person_nouns | self.contract_words):
            return True
        return self.skills.names_a_job(head)

    def ends_with_someone(self, text: str) -> bool:
        """'we use a freelance DevOps person', 'PM: our CEO': the text ends with a mention of
        someone, after an article or possessive."""
        mention = self.mention_at_end(text)
        if not mention or any(n in self.first_person for n in self.phrase(text)):
            return False  # "I'm a data scientist, Ana …": the job is the speaker's
        return self.names_someone(mention)

    @staticmethod
    def mention_at_end(text: str) -> str:
        """'a freelance DevOps person' of 'we use a freelance DevOps person': the words after
        the last article or possessive ("" when there are none)."""
        said = text.split()
        cut = max((k for k, w in enumerate(said) if w.lower() in _POSSESSORS), default=None)
        return " ".join(said[cut + 1 :]) if cut is not None else ""

    def about_others(self, piece: Piece, opens: bool) -> bool:
        """The sentence is about people off the team: it opens with one as its subject ("Our
        biggest customer, Acme, has a guy named Derek …", "Our investors keep asking"; not
        "Nikolai – customer success") or speaks of another workplace ("At my old job we had
        Rashid …")."""
        norms = piece.norms
        if self.any_run(norms, self.elsewhere):
            return True
        start = self.skip_fillers(norms)
        for k in range(start, min(start + 4, len(norms))):
            if norms[k] in self.outsiders:
                return opens and not self.skills.names_a_role(piece.span(k, k + 2))
            if piece.surface(k)[:1].isupper() and norms[k] not in self.grammar:
                return False  # the subject is someone or something else
        return False

    def says_gone(self, text: str) -> bool:
        """'left in March', 'just quit', 'has left': the words open with a verb of leaving."""
        said = tuple(w.strip(".,;:!?()") for w in text.lower().split())
        while said and (said[0] in FOCUS_ADVERBS or said[0] in _BEFORE_LEAVING):
            said = said[1:]
        return any(said[: len(p)] == p for p in self.gone)

    def says_not_here(self, text: str) -> bool:
        """What is said of a name puts them off the team: an outsider ('our first big
        customer'), not yet joined ('joining in March, not here yet'), or gone ('left')."""
        norms = self.phrase(text)
        if self.any_run(norms, self.future) or self.says_gone(text):
            return True
        return any(n in self.outsiders for n in norms) and not self.skills.names_a_role(text)

    def goes_on(self, rest: str) -> bool:
        """The words after an 'and' are a second verb of the subject before it: a copula
        ("and is on-call") or a verb in the third person before its object ("and evaluates
        them", "and owns the data contracts"), not the next item ("and interns")."""
        said = rest.split()[:3]
        if said and said[0].lower() in FOCUS_ADVERBS:
            said = said[1:]  # "and also deploys them"
        if not said or not said[0].islower():
            return False
        verb = said[0]
        if verb in COPULAS - {"be"} or verb in self.binding_verbs - self.plural_links:
            return True
        objects = self.articles | {"the", "our", "my", "their", "them", "it", "all", "his", "her"}
        return third_person(verb) and len(said) > 1 and said[1].lower() in objects

    def is_me(self, text: str) -> bool:
        """'me', 'myself': the item is the speaker."""
        return all(n in self.first_person for n in self.phrase(text))

    def opens_with_speaker(self, text: str) -> bool:
        """'I'm May …', 'me (DS)': the item starts with the speaker."""
        norms = self.phrase(text)
        head = self.skip_fillers(list(norms))  # ": are" is all fillers: nobody speaks
        return head < len(norms) and norms[head] in self.first_person

    def is_person(self, text: str) -> bool:
        """'me', 'I', 'my cofounder': words that name someone even with no name in them."""
        norms = self.phrase(text)
        return any(n in self.first_person for n in norms) or self.any_run(norms, self.relations)
