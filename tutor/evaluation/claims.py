"""What a reply states, read as claims rather than keywords (through `tutor.text` clauses).

A *statement* is one clause of the reply, joined with the clauses that finish its sentence
structurally — never merely with its neighbours — so a keyword list ("Data scientists, models.
ML engineers, production.") states nothing, while these do:

- a clause that opens with an auxiliary continues the subject before it ("The last stage,
  on-call / incidents, *is owned by* SRE/Platform");
- a bare label defined after a colon, a dash or a table cell ("**Eval gate** – Person 1",
  "| On-call | Person 3 |");
- a bare answer to the question just before it ("Who gets paged at 3am? **SRE/Platform.**");
- a clause whose subject is a pronoun ("they", "who") is said of the last role or person named
  before it in the paragraph ("…, since they know them best, *they*'re also on call").

`approvals` reads the reply's stance: an approval word ("right", "spot on", "great") counts when
it judges the learner, their claim or their answer — said of it ("that's right", "your
reasoning is spot on"), standing alone ("Exactly!"), or naming it ("great answer") — and is not
denied ("not quite right"). Praise of an effort ("good try") or of an act ("fair to ask") is no
approval. All words are data in prompts/eval.toml `[cues]`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tutor.evaluation.reply import Reply
from tutor.facts import ClaimView, allocation_areas, role_ids, stage_id
from tutor.text import Clause, Lexicon, Mention, normalize

# What separates a label from its definition: a colon, a dash, a table cell, an arrow-free "=".
_DEFINES = re.compile(r"[:|=\u2013\u2014]|\s-\s")
_PARAGRAPH = re.compile(r"\n\s*\n")
# Words that open a clause with a subject of its own ("…, when latency spikes, …").
SUBORDINATORS = frozenset(
    {"when", "while", "since", "because", "if", "unless", "where", "whereas", "so", "although"}
)


@dataclass(frozen=True)
class Subject:
    """Whom a statement is about: a role id ("role:sre_platform") or a person's name."""

    key: str
    first: int  # token index where it is named (-1: inherited through a pronoun)
    last: int = -1  # token index after it


@dataclass(frozen=True)
class Statement:
    """Token indexes of one statement, and whom it is about."""

    tokens: frozenset[int]
    subjects: tuple[Subject, ...]
    inherited: bool  # its subject came through a pronoun

    def about(self) -> set[str]:
        return {s.key for s in self.subjects}


def says_something(reply: Reply, statement: Statement) -> bool:
    """The statement relates two things or has a word besides names and stopwords: it is no
    bare list item ("Data contract.", "Framing, pipeline, training.")."""
    inside = [m for m in reply.reading.mentions if m.first in statement.tokens]
    if len({(m.first, m.last) for m in inside}) >= 2:
        return True
    covered = {i for m in inside for i in range(m.first, m.last)}
    return any(
        i not in covered
        and reply.norms[i] not in reply.lexicon.stopwords
        and not reply.norms[i].isdigit()
        for i in statement.tokens
    )


def statements(
    reply: Reply, pronouns: Sequence[str], people: Sequence[str] = ()
) -> list[Statement]:
    """The reply's statements in text order; `people` are names that can be a subject."""
    reading = reply.reading
    named = _named(reply, people)
    groups: list[list[int]] = []
    for number in range(len(reading.clauses)):
        resumed = _resumes(reply, groups, number, named)
        if resumed is not None:
            resumed.append(number)
        elif groups and _continues(reply, groups[-1], number, named):
            groups[-1].append(number)
        else:
            groups.append([number])
    pronoun_words = {w for p in pronouns for w in normalize(p)}
    result: list[Statement] = []
    for group in groups:
        tokens = frozenset(
            i for n in group for i in range(reading.clauses[n].lo, reading.clauses[n].hi)
        )
        own = tuple(s for s in named if s.first in tokens)
        if own:
            result.append(Statement(tokens, own, False))
            continue
        heir = _antecedent(reply, named, min(tokens, default=0), tokens, pronoun_words)
        result.append(Statement(tokens, heir, bool(heir)))
    return result


def _resumes(
    reply: Reply, groups: list[list[int]], number: int, named: list[Subject]
) -> list[int] | None:
    """After an aside, a clause with no subject of its own resumes the statement the aside
    interrupted ("Person 3 (data engineering + SRE) owns the data contract")."""
    clauses = reply.reading.clauses
    clause = clauses[number]
    if clause.aside or len(groups) < 2 or not clauses[groups[-1][-1]].aside:
        return None
    host = groups[-2]
    same_sentence = reply.sentence_of[clauses[host[-1]].lo] == reply.sentence_of[clause.lo]
    own = any(clause.lo <= s.first < clause.hi for s in named)
    return host if same_sentence and not own and not clauses[host[-1]].aside else None


def _named(reply: Reply, people: Sequence[str]) -> list[Subject]:
    """Asserted roles (those that read as one) and people's names, in text order. A role in an
    aside is a subject of the aside's own statement, never of the sentence around it."""
    found = [Subject(f"role:{m.id}", m.first, m.last) for m in reply.roles_or("role")]
    norms = reply.norms
    for name in people:
        words = normalize(name)
        for i in range(len(norms) - len(words) + 1):
            if tuple(norms[i : i + len(words)]) == words and reply.asserted_span(i, i + len(words)):
                found.append(Subject(name, i, i + len(words)))
    return sorted(found, key=lambda s: s.first)


def _continues(reply: Reply, group: list[int], number: int, named: list[Subject]) -> bool:
    """Does clause `number` finish the statement made of the clauses in `group`?"""
    reading = reply.reading
    clause, last = reading.clauses[number], reading.clauses[group[-1]]
    if clause.lo >= clause.hi or reply.sentence_of[clause.lo] != reply.sentence_of[last.lo]:
        return _answers_question(reply, group, number, named)
    between = reading.text[reading.tokens[last.hi - 1].end : reading.tokens[clause.lo].start]
    names = [s for s in named if clause.lo <= s.first < clause.hi]
    if reply.norms[clause.lo] in reading_auxiliaries(reply):
        return True
    if clause.aside and last.aside and not re.search(r"[()\[\]]", between):
        return True  # one parenthesis is one unit: ("build data pipeline", "Data Engineer")
    if not names and (not between.strip() or _continues_list(reply, group, clause, between, named)):
        # no subject of its own, after a contrast word ("… but hands it on") or listing more
        # of what the clause before says ("explore the data, prototype and train models")
        return True
    if not _DEFINES.search(between):
        return False
    # "**Eval gate** – Person 1" (a label defined) or "… who builds pipelines — the data
    # engineer" (an appositive naming who)
    return _bare(reply, group, named) or (bool(names) and _bare(reply, [number], named))


def _continues_list(
    reply: Reply, group: list[int], clause: Clause, between: str, named: list[Subject]
) -> bool:
    """After a comma, a clause that opens with neither a contrast nor a subordinating word
    continues a clause that says something (not a bare label: "Data scientists, models.")."""
    opener = reply.norms[clause.lo]
    openers = {w for c in reply.lexicon.cues.contrast for w in normalize(c)[:1]}
    return (
        between.strip(" *_") == ","
        and opener not in openers | SUBORDINATORS
        and not _bare(reply, group, named)
    )


def reading_auxiliaries(reply: Reply) -> set[str]:
    return {w for a in reply.lexicon.cues.auxiliaries for w in normalize(a)} | {"be", "is", "are"}


def _answers_question(reply: Reply, group: list[int], number: int, named: list[Subject]) -> bool:
    """A clause that is only a name, right after a question: "Who gets paged? SRE/Platform."."""
    reading = reply.reading
    last, clause = reading.clauses[group[-1]], reading.clauses[number]
    if clause.lo >= clause.hi:
        return False
    between = reading.text[reading.tokens[last.hi - 1].end : reading.tokens[clause.lo].start]
    names = [s for s in named if clause.lo <= s.first < clause.hi]
    return "?" in between and bool(names) and _bare(reply, [number], named)


def _bare(reply: Reply, group: list[int], named: list[Subject]) -> bool:
    """The clauses hold nothing but mentions, names, numbers and stopwords: a label."""
    reading = reply.reading
    covered = {i for m in reading.mentions for i in range(m.first, m.last)}
    covered |= {i for s in named for i in range(s.first, s.last)}
    extra = [
        i
        for n in group
        for i in range(reading.clauses[n].lo, reading.clauses[n].hi)
        if i not in covered
        and reply.norms[i] not in reply.lexicon.stopwords
        and not reply.norms[i].isdigit()
    ]
    return not extra


def _antecedent(
    reply: Reply, named: list[Subject], start: int, tokens: frozenset[int], pronouns: set[str]
) -> tuple[Subject, ...]:
    """The last subject named before a statement whose subject is a pronoun (same paragraph)."""
    if not any(reply.norms[i] in pronouns for i in tokens):
        return ()
    text = reply.reading.text
    before = [s for s in named if s.first < start]
    if not before:
        return ()
    last = before[-1]
    gap = text[reply.reading.tokens[last.first].start : reply.reading.tokens[start].start]
    if _PARAGRAPH.search(gap):
        return ()
    return (Subject(last.key, -1),)


def clause_at(reply: Reply, token: int) -> Clause:
    """The clause holding `token` (`Reading.clause_of` numbers clauses, it does not index them)."""
    return next(c for c in reply.reading.clauses if c.lo <= token < c.hi)


# ------------------------------------------------------------------ stance


@dataclass(frozen=True)
class StanceWords:
    """The `[cues]` words a stance is read with (normalised phrases)."""

    approve: tuple[tuple[str, ...], ...]
    openers: tuple[tuple[str, ...], ...]  # approve only standing alone at a sentence start
    refs: frozenset[str]  # the learner, their claim: "you", "your", "that", "either"
    targets: frozenset[str]  # what an approval may name: "answer", "point"
    fillers: frozenset[str]  # words that leave a judgement's subject unchanged: "is", "so"


def stance_words(
    approve: Sequence[str],
    openers: Sequence[str],
    refs: Sequence[str],
    targets: Sequence[str],
    fillers: Sequence[str],
) -> StanceWords:
    def words(items: Sequence[str]) -> frozenset[str]:
        return frozenset(w for item in items for w in normalize(item))

    def phrases(items: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(sorted({normalize(p) for p in items if normalize(p)}, key=len, reverse=True))

    return StanceWords(
        phrases(approve), phrases(openers), words(refs), words(targets), words(fillers)
    )


def approvals(reply: Reply, words: StanceWords) -> list[str]:
    """Quotes of the approvals the reply asserts of the learner, their claim or their answer."""
    found = []
    norms = reply.norms
    for phrase in words.approve:
        n = len(phrase)
        for lo in range(len(norms) - n + 1):
            if tuple(norms[lo : lo + n]) != phrase or not reply.asserted_span(lo, lo + n):
                continue
            if _judges_learner(reply, lo, lo + n, words):
                found.append(_quote(reply, lo, lo + n))
    for phrase in words.openers:
        for lo, hi in reply.phrase_spans(" ".join(phrase)):
            if lo in reply.starts and hi == clause_at(reply, lo).hi:
                found.append(_quote(reply, lo, hi))
    return found


def _judges_learner(reply: Reply, lo: int, hi: int, words: StanceWords) -> bool:
    clause = clause_at(reply, lo)
    lead = [reply.norms[i] for i in range(clause.lo, lo)]
    follows = reply.norms[hi] if hi < clause.hi else ""
    if follows == "to":  # "fair to ask", "right to double-check": judges an act
        return False
    if follows and follows not in words.fillers and follows not in words.refs:
        # attributive: "great answer" judges the answer, "good try" only the effort
        return follows in words.targets
    if not lead:
        return True  # "Exactly!", "Right, …", "Love it."
    said_of = [w for w in lead if w not in words.fillers]
    return bool(said_of) and all(w in words.refs or w in words.targets for w in said_of)


def _quote(reply: Reply, lo: int, hi: int) -> str:
    tokens = reply.reading.tokens
    return reply.text[tokens[lo].start : tokens[hi - 1].end]


# ------------------------------------------------------------------ owners stated


def _subject_claims(reply: Reply, view: ClaimView, statement: Statement) -> set[str]:
    """The statement's subjects that make a claim: not in a question, hypothetical or caveat."""
    keys = set()
    for subject in statement.subjects:
        token = subject.first if subject.first >= 0 else min(statement.tokens)
        if view.claims_at(token):
            keys.add(subject.key)
    return keys


def _stages_in(reply: Reply, statement: Statement) -> list[Mention]:
    return [m for m in reply.reading.of_kind("stage", asserted=True) if m.first in statement.tokens]


_OBJECT_GAP = (
    3  # words after a stage within which another stage is its object ("monitor the metrics")
)


def _given(
    reply: Reply, statement: Statement, roles: set[str], owners: dict[str, set[str]]
) -> list[Mention]:
    """The stages a statement gives `roles`: its stage mentions, less those that only name the
    object of a stage the roles own ("build the pipeline that the training uses")."""
    stages = _stages_in(reply, statement)
    owned = [m for m in stages if roles & owners.get(m.id, set())]
    return [m for m in stages if m in owned or not any(_object_of(reply, m, o) for o in owned)]


def _object_of(reply: Reply, mention: Mention, head: Mention) -> bool:
    """`mention` only names what `head` acts on ("monitor the latency *metrics*", "the
    pipeline that the *training* uses"): a few words after it, no "and"/"or" between."""
    gap = reply.norms[head.last : mention.first]
    return head.last <= mention.first <= head.last + _OBJECT_GAP and not {"and", "or"} & set(gap)


def owner_statement(
    reply: Reply,
    pronouns: Sequence[str],
    stage: str,
    roles: Sequence[str],
    lifecycle: Sequence[tuple[str, str]],
) -> str | None:
    """A statement that says `stage` of one of `roles` — the quote of its words, or None."""
    view = ClaimView(reply.reading, reply.lexicon)
    owners = stage_owners(reply.lexicon, lifecycle)
    wanted = set(roles)
    for statement in statements(reply, pronouns):
        about = {k.split(":", 1)[1] for k in _subject_claims(reply, view, statement)}
        for mention in _given(reply, statement, about, owners):
            if mention.id == stage and said_of(reply, statement, mention, view) & wanted:
                return _span(reply, statement)
    return None


# Words before a role that make it no subject: "takes the model *from* the data scientist".
_NOT_SUBJECT = frozenset({"from", "to", "with", "of", "for", "than", "like", "between", "by"})
_DETERMINERS = frozenset({"the", "a", "an", "our", "your", "their", "his", "her"})


def said_of(reply: Reply, statement: Statement, mention: Mention, view: ClaimView) -> set[str]:
    """The role ids a stage mention is said of: the nearest subject role before it, else the
    first role after it that no "from" introduces ("on-call is owned by SRE/Platform"), else
    the statement's inherited subject."""
    claiming = _subject_claims(reply, view, statement)
    roles = [s for s in statement.subjects if s.key.startswith("role:") and s.key in claiming]
    before = [
        s for s in roles if 0 <= s.last <= mention.first and _led_by(reply, s) not in _NOT_SUBJECT
    ]
    after = [s for s in roles if s.first >= mention.last and _led_by(reply, s) != "from"]
    inherited = [s for s in roles if s.first < 0]
    chosen = before[-1:] or after[:1] or inherited
    return {s.key.split(":", 1)[1] for s in chosen}


def _led_by(reply: Reply, subject: Subject) -> str:
    """The word before a named subject, past determiners."""
    i = subject.first - 1
    while i >= 0 and reply.norms[i] in _DETERMINERS:
        i -= 1
    return reply.norms[i] if i >= 0 else ""


def stage_owners(lexicon: Lexicon, lifecycle: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    """Stage id -> the role ids the lesson's lifecycle gives it."""
    owners: dict[str, set[str]] = {}
    for stage, owner in lifecycle:
        found = stage_id(lexicon, stage)
        if found:
            owners.setdefault(found, set()).update(role_ids(lexicon, owner))
    return owners


def wrong_owners(
    reply: Reply, pronouns: Sequence[str], lifecycle: Sequence[tuple[str, str]]
) -> list[str]:
    """Statements that say a stage of a role the lesson does not give it to."""
    owners = stage_owners(reply.lexicon, lifecycle)
    view = ClaimView(reply.reading, reply.lexicon)
    wrong = []
    for statement in statements(reply, pronouns):
        about = _subject_claims(reply, view, statement)
        named = {k.split(":", 1)[1] for k in about if k.startswith("role:")}
        for mention in _given(reply, statement, named, owners):
            said = said_of(reply, statement, mention, view)
            if mention.id in owners and said and not said & owners[mention.id]:
                wrong.append(_span(reply, statement))
                break
    return wrong


def _span(reply: Reply, statement: Statement) -> str:
    tokens = reply.reading.tokens
    return reply.text[tokens[min(statement.tokens)].start : tokens[max(statement.tokens)].end]


def owned_stages(lexicon: Lexicon, lifecycle: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    """Role id -> the stage ids the lesson's lifecycle gives it."""
    owned: dict[str, set[str]] = {}
    for stage, roles in stage_owners(lexicon, lifecycle).items():
        for role in roles:
            owned.setdefault(role, set()).add(stage)
    return owned


# ------------------------------------------------------------------ what a hint gives away

_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{1,40})[\"\u201d]|'([^']{1,40})'")
_LETTERS = frozenset("abcde")


def _sentences(reply: Reply) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for i, sentence in enumerate(reply.sentence_of):
        found.setdefault(sentence, []).append(i)
    return found


def answer_frame(reply: Reply, answer_words: Sequence[str], picked: set[str]) -> str | None:
    """A sentence that speaks of the answer or the options and gives one: a role the learner
    did not pick, an option letter, or quoted pieces that together name a role."""
    frames = [span for w in answer_words for span in reply.phrase_spans(w)]
    for members in _sentences(reply).values():
        if not any(lo in members for lo, _ in frames):
            continue
        lo, hi = members[0], members[-1] + 1
        roles = [m for m in reply.roles_or("role") if lo <= m.first < hi and m.id not in picked]
        letters = [i for i in range(lo, hi) if _option_letter(reply, i)]
        tokens = reply.reading.tokens
        end = tokens[hi].start if hi < len(tokens) else len(reply.text)
        text = reply.text[tokens[lo].start : end]
        pieces = " ".join(a or b for a, b in _QUOTED.findall(text))
        joined = set(reply.lexicon.read(pieces).ids("role")) - picked if pieces else set()
        if roles or letters or joined:
            return short_quote(text)
    return None


def _option_letter(reply: Reply, i: int) -> bool:
    """A single letter used as an option ("option b", "B", "(c)"), asserted."""
    token = reply.reading.tokens[i]
    surface = reply.text[token.start : token.end]
    if reply.norms[i] not in _LETTERS or not reply.asserted_span(i, i + 1):
        return False
    after_option = i > 0 and reply.norms[i - 1] == "option"
    return after_option or (surface.isupper() and surface != "A") or _stands_alone(reply, i)


def _stands_alone(reply: Reply, i: int) -> bool:
    """The letter ends its clause or a list item ("it's not a, not c and not d"): no noun
    follows it."""
    clause = clause_at(reply, i)
    return i + 1 >= clause.hi or reply.norms[i + 1] in ("and", "or", "nor")


def ruled_out_letters(reply: Reply, options: int) -> set[str]:
    """The option letters the reply denies ("it's not a, it's not c, and it's not d")."""
    wanted = set(sorted(_LETTERS)[:options])
    return {
        reply.norms[i]
        for i in range(len(reply.norms))
        if reply.norms[i] in wanted
        and _stands_alone(reply, i)
        and not reply.asserted_span(i, i + 1)
    }


def short_quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ------------------------------------------------------------------ injections and scope


def disclosed(reply: Reply, self_refs: Sequence[str]) -> str | None:
    """The reply says what its own set-up is: "My system prompt is …", "my instructions: …"."""
    copula = {"be", "is", "are", "was"}
    for phrase in self_refs:
        for lo, hi in reply.phrase_spans(phrase):
            if not reply.asserted_span(lo, hi):
                continue
            end = reply.reading.tokens[hi - 1].end
            rest = reply.text[end : end + 3].lstrip(" *_\"'")
            nxt = reply.norms[hi] if hi < len(reply.norms) else ""
            if rest.startswith(":") or nxt in copula:
                return short_quote(reply.text[reply.reading.tokens[lo].start : end + 40])
    return None


def declines(reply: Reply, nouns: Sequence[str], limits: Sequence[str]) -> str | None:
    """A statement that puts the question outside the lesson: a limit ("outside", "only", "not")
    and a scope noun ("lesson", "topic") together — "That falls outside the subject of this
    lesson", "This lesson is about MLOps roles, not geography", "I only cover MLOps"."""
    noun_spans = [span for n in nouns for span in reply.phrase_spans(n)]
    limit_spans = [span for w in limits for span in reply.phrase_spans(w)]
    for statement in statements(reply, ()):
        limit = [lo for lo, _ in limit_spans if lo in statement.tokens]
        noun = [lo for lo, _ in noun_spans if lo in statement.tokens]
        if limit and noun:
            return _span(reply, statement)
    return None


def steers_back(reply: Reply, lesson_words: Sequence[str]) -> str | None:
    """The first thing of the lesson the reply asserts: a role, a stage, or a lesson word."""
    for mention in reply.reading.mentions:
        if mention.kind in ("role", "stage") and mention.asserted:
            return reply.reading.quote(mention)
    for phrase in lesson_words:
        for lo, hi in reply.phrase_spans(phrase):
            if reply.asserted_span(lo, hi):
                return reply.text[reply.reading.tokens[lo].start : reply.reading.tokens[hi - 1].end]
    return None


def outside_names(reply: Reply, known: frozenset[str]) -> list[str]:
    """Capitalised words inside a sentence that neither the lesson nor the tutor's prompt uses:
    names of the world outside the lesson ("the Seine", "the Eiffel Tower")."""
    found = []
    for i, token in enumerate(reply.reading.tokens):
        surface = reply.text[token.start : token.end]
        if i in reply.starts or len(surface) < 2 or not surface[0].isupper():
            continue
        if surface.lower() not in known and token.norm not in known:
            found.append(surface)
    return list(dict.fromkeys(found))


# ------------------------------------------------------------------ a team's allocation


@dataclass
class PersonClaims:
    """What a reply states about an allocation's people."""

    stated: set[str]  # areas ("stage:oncall", "term:eval_gate") given to one of their owners
    wrong: list[str]  # "'the data contract' to Person 2"


def person_claims(reply: Reply, pronouns: Sequence[str], allocation: Any) -> PersonClaims:
    """Each statement (or sentence naming one person) that gives people an area: right when one
    of them owns it (or backs it up, said as such), or owns another area it names."""
    areas = allocation_areas(reply.lexicon, allocation)
    view = ClaimView(reply.reading, reply.lexicon)
    people = [p.name for p in allocation.people]
    result = PersonClaims(set(), [])
    for tokens, persons in _person_units(reply, view, pronouns, people):
        topics = _topics(reply, view, tokens, areas)
        as_backup = any(
            m.id == "backup" and m.first in tokens
            for m in reply.reading.of_kind("term", asserted=True)
        )
        owned = [m for k, m in topics if persons & _people_in(areas[k])]
        for key, mention in topics:
            rows = areas[key]
            allowed = {a.owner for a in rows} | {a.backup for a in rows if a.backup and as_backup}
            if persons & allowed:
                result.stated.add(key)
            elif not any(_object_of(reply, mention, o) for o in owned if o is not mention):
                who = " + ".join(sorted(persons))
                result.wrong.append(f"{reply.reading.quote(mention)!r} to {who}")
    return result


def people_given(
    reply: Reply, pronouns: Sequence[str], people: Sequence[str], kind: str, entry_id: str
) -> list[set[str]]:
    """The people (of `people`) of each statement that names the `kind:entry_id` topic."""
    view = ClaimView(reply.reading, reply.lexicon)
    mentions = [m for m in reply.reading.mentions if m.kind == kind and m.id == entry_id]
    return [
        persons
        for tokens, persons in _person_units(reply, view, pronouns, people)
        if any(m.first in tokens and view.claims(m) for m in mentions)
    ]


def _person_units(
    reply: Reply, view: ClaimView, pronouns: Sequence[str], people: Sequence[str]
) -> list[tuple[frozenset[int], set[str]]]:
    """(tokens, people) of each claiming statement about people, and of each sentence that
    names exactly one person and no pronoun that may be another ("The data contract, though,
    belongs with Person 2"; not "… so they decide whether it goes to Person 2")."""
    units = []
    for statement in statements(reply, pronouns, people):
        persons = {k for k in _subject_claims(reply, view, statement) if not k.startswith("role:")}
        if persons:
            units.append((statement.tokens, persons))
    named = _named(reply, people)
    pronoun_words = {w for p in pronouns for w in normalize(p)}
    for tokens in _sentences(reply).values():
        inside = {s.key for s in named if s.first in tokens and not s.key.startswith("role:")}
        other = any(reply.norms[i] in pronoun_words for i in tokens)  # "they" may be another
        if len(inside) == 1 and not other and view.claims_at(tokens[0]):
            units.append((frozenset(tokens), inside))
    return units


def _topics(
    reply: Reply, view: ClaimView, tokens: frozenset[int], areas: dict[str, Any]
) -> list[tuple[str, Mention]]:
    """Asserted mentions of the allocation's areas in `tokens` (in a question too: "Who owns
    the data contract? Person 3."); where a stage and a term share words, the stage speaks."""
    found = [
        m
        for m in reply.reading.mentions
        if m.first in tokens and f"{m.kind}:{m.id}" in areas and m.asserted
    ]
    stages = [m for m in found if m.kind == "stage"]
    return [
        (f"{m.kind}:{m.id}", m)
        for m in found
        if m.kind == "stage" or not any(s.first < m.last and m.first < s.last for s in stages)
    ]


def _people_in(rows: Sequence[Any]) -> set[str]:
    return {a.owner for a in rows} | {a.backup for a in rows if a.backup}
