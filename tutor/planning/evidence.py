"""Is this capitalised word a person? Evidence from the sentence's structure, and a word list.

A word that could be a name is a person only when the text binds it to the team:
- BOUND: a role or duty follows it ("Priya (backend)", "Priya - backend", "Priya: DS",
  "Priya = PM", "Priya is our PM", "Ana's our DS", "Priya does/handles/runs …", "Priya who …"),
  or one comes just before it ("our PM Priya", "PM: Rose", "Modelling → Kwame", "analyst Dev"),
  or it is listed in parentheses after a role ("a PM (Hope)", "sales (Tom, Jess)");
- LISTED: it stands alone as an item of a list ("The team is Marco, Priya and me").
Against it: an acronym or a tech-styled word ("AWS", "A100s", "FastAPI"), a word right after a
preposition, article or possessive ("in Lagos", "a Shopify app", "our Manila office"), or a
common English word (`common_word`: "Honestly", "Small", "Right"). Common means both word lists
agree: Webster's web2 (`tutor.text.is_ordinary_word`), which alone also holds rare words that
are given names ("arjun", "tane", "kai"), and simplemma's English dictionary of word forms in
use, which alone holds names that are words; a name must be rare in one of them. A bound
word is a person whatever it is ("Will (backend)", "Hope does our models"); a listed one unless
something is against it; anything else is not a person. Pure.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import TYPE_CHECKING

import simplemma

from tutor.planning.verbs import COPULAS, FOCUS_ADVERBS, third_person
from tutor.text import is_ordinary_word, tool_name

if TYPE_CHECKING:
    from tutor.planning.segments import Piece
    from tutor.planning.words import Words

# Punctuation that binds a name to the role after it ("Ana (DS)", "Ana - DS", "Ana = PM").
_BINDS_AFTER = re.compile(r"^\s*(?:\(|:|=|->|→|[-\u2013\u2014]\s)")
# Punctuation that binds a role before it to a name ("PM: Rose", "Modelling → Kwame").
_BINDS_BEFORE = re.compile(r"(?::|=|->|→|\()\s*$")
_INNER_CAPITAL = re.compile(r"^[A-Z]{2}|[a-z]{3}[A-Z]")
_DETERMINERS = frozenset({"a", "an", "the", "our", "my"})


class Strength(IntEnum):
    NONE = 0
    LISTED = 1
    BOUND = 2


def looks_technical(word: str, shouting: bool = False) -> bool:
    """'AWS', 'GPT-4', 'A100s', 'FastAPI', 'MLflow': product and tech spellings, not names
    (in a text written all in capitals, 'JOHN' is a name)."""
    letters = [c for c in word if c.isalpha()]
    if any(c.isdigit() for c in word):
        return True
    if shouting:
        return False
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    return _INNER_CAPITAL.search(word) is not None


def strength(piece: Piece, first: int, end: int, words: Words) -> Strength:
    """How the text binds the name in tokens [first, end) to the team."""
    if _bound_after(piece, first, end, words) or _bound_before(piece, first, words):
        return Strength.BOUND
    if joined_team(piece, first, end, words):
        return Strength.BOUND
    if not alone(piece, first, end, words):
        return Strength.NONE
    bound = piece.apposed or piece.after_role or piece.role_before
    return Strength.BOUND if bound else Strength.LISTED


def against(piece: Piece, first: int, end: int, words: Words) -> bool:
    """Whether the words say the name is a place, product or thing, or an ordinary word."""
    if after_thing_word(piece, first, words):
        return True
    if first == 0 and end == 1 and piece.norms[0] in words.grammar:
        return True  # "The only other person is Oded", "For infra we borrow Pete"
    said = [piece.surface(k) for k in range(first, end)]
    return all(common_word(w) or looks_technical(w) for w in said)


def only_words(piece: Piece, first: int, end: int) -> bool:
    """Every word of the run is an ordinary word or a tech spelling."""
    said = [piece.surface(k) for k in range(first, end)]
    return all(common_word(w) or looks_technical(w) for w in said)


def common_word(word: str) -> bool:
    """'Then', 'Using', 'Honestly': a word that opens a sentence, not a name ('Li', 'Wang')."""
    return is_ordinary_word(word) and simplemma.is_known(word.lower(), lang="en")


def after_thing_word(piece: Piece, first: int, words: Words) -> bool:
    """'in Lagos', 'on Upwork', 'a Shopify app': after a preposition, article or possessive."""
    return first > 0 and piece.norms[first - 1] in words.before_things


def is_person(piece: Piece, first: int, end: int, words: Words) -> bool:
    if outside_team(piece, first, end, words):
        return False
    found = strength(piece, first, end, words)
    if found is Strength.BOUND:
        return True
    if piece.coordinated and alone(piece, first, end, words):
        # beside a person's name a capitalised word is a name too ("Tane and Aroha"), unless
        # it is a thing by its place or spelling ("with Postgres and Redis")
        said = [piece.surface(k) for k in range(first, end)]
        named = all(w[:1].isupper() and not looks_technical(w) for w in said)
        if named and not after_thing_word(piece, first, words):
            return True
    if piece.lenient:
        return not against(piece, first, end, words)
    if found is Strength.LISTED and _lowercase_word(piece, first, end):
        return False  # "hello, I'm May": listed, a lowercase word needs a job to be a name
    return found is Strength.LISTED and piece.roster and not against(piece, first, end, words)


def _lowercase_word(piece: Piece, first: int, end: int) -> bool:
    said = [piece.surface(k) for k in range(first, end)]
    return all(w.islower() and (is_ordinary_word(w) or _derived_noun(w)) for w in said)


# Endings of nouns made from verbs and adjectives ("fundraising", "onboarding", "compliance"):
# a long lowercase word with one is a thing done, not a name ("Ming" and "Jing" are short).
_DERIVED = ("ing", "tion", "sion", "ment", "ness", "ity", "ism", "ance", "ence", "ics")


def _derived_noun(word: str) -> bool:
    return len(word) >= 7 and word.endswith(_DERIVED)


def outside_team(piece: Piece, first: int, end: int, words: Words) -> bool:
    """'our investor Sarah', 'our customer Walmart', "(Ravi's team)", 'Hamid aka Hami': someone
    the team deals with, a group a name owns, or a second name for someone said already."""
    before = piece.norms[first - 1] if first > 0 else ""
    if before in words.outsiders or before in words.aliases:
        return True
    if end - first > 1 and piece.norms[end - 1] in words.organisations:
        return True  # "First Harbor Bank", "Acme Corp": an organisation's name
    # "Ex-colleague Tom", "our former DE Hamid" (not "Ex-Uber folks: Abhinav")
    former = any(n in words.former for n in piece.norms[max(0, first - 3) : first - 1])
    if former and (before in words.relation_words or words.skills.names_a_role(before)):
        return True
    owner = piece.surface(end - 1).lower().endswith(("'s", "\u2019s"))
    if owner and end < len(piece.norms) and piece.norms[end] in words.groups:
        return True
    # "Acme Insurance (our first big customer)", "Dmitri (SRE, joining in March)"
    rest = piece.text[piece.tokens[end - 1].end :].lstrip()
    if rest.startswith("("):
        return words.says_not_here(rest[1:].split(")")[0])
    return False


def joined_team(piece: Piece, first: int, end: int, words: Words) -> bool:
    """'we hired Zainab … to own the data warehouse', 'Priyanka joined … as the cloud engineer':
    a verb of joining beside the name, and a job anywhere in the item after it."""
    near = piece.norms[max(0, first - 2) : first] + piece.norms[end : end + 1]
    if not any(n in words.joining for n in near):
        return False
    return words.skills.names_a_role(piece.span(end, len(piece.tokens)))


def punctuated(piece: Piece, end: int) -> bool:
    """The name is followed by punctuation that binds it: 'Li Wei: …', 'Ana (DS)'."""
    return _BINDS_AFTER.match(piece.text[piece.tokens[end - 1].end :]) is not None


def _bound_after(piece: Piece, start: int, end: int, words: Words) -> bool:
    """A role or duty after the name: punctuation, then a job ('Ana (DS)', 'Ana - DS'), or a
    copula or duty verb ('Ana is', "Ana's our", 'Ana does'), or 'from' a team ('from legal')."""
    if end + 1 < len(piece.tokens) and piece.norms[end] in words.aliases:
        return _bound_after(piece, start, end + 2, words)  # "Hamid aka Hami handles …"
    last = piece.tokens[end - 1]
    rest = piece.text[last.end :]
    if _BINDS_AFTER.match(rest) and _in_arrow_chain(piece, end):
        return False  # "Airflow → Postgres → XGBoost": a flow of things
    if _BINDS_AFTER.match(rest):
        # "Ana - data scientist", "Chen Jie – on-call/SRE", not "Snowflake — which of these"
        nxt = piece.norms[end] if end < len(piece.tokens) else ""
        dash = rest.lstrip()[:1] in "-\u2013\u2014"
        if dash and end < len(piece.tokens) and _opens_name(piece, end, words):
            return False  # "Sure — Bongani (PM)": the dash opens a list of people
        # a duty verb carries the job to the end of the item ("Leila - does all the ML")
        reach = len(piece.tokens) if nxt in words.binding_verbs else min(end + 3, len(piece.tokens))
        return (
            rest.lstrip()[:1] == "("
            or nxt not in words.grammar
            or words.skills.names_a_role(piece.span(end, reach))
        )
    if end >= len(piece.tokens) or piece.text[last.end : piece.tokens[end].start].strip():
        return False  # "Dmitri (we call him Dima) runs infra": the verb is Dmitri's
    # "Mohammed also writes …", "Ana mostly does …": an adverb between name and verb
    verb_at = end
    while verb_at < len(piece.tokens) - 1 and piece.norms[verb_at] in FOCUS_ADVERBS:
        verb_at += 1
    if (
        verb_at + 1 < len(piece.tokens)
        and piece.text[piece.tokens[verb_at].end : piece.tokens[verb_at + 1].start] == "-"
    ):
        verb_at += 1  # "Yusuf fine-tunes the LLM": the verb is the hyphen's last part
    word = piece.surface(verb_at).lower()
    if last.surface(piece.text).lower().endswith(("'s", "\u2019s")):
        return not is_ordinary_word(piece.surface(end - 1)[:-2])  # "Ana's our", not "Here's"
    if word in _DETERMINERS:  # "Ali the data engineer"
        return words.skills.names_a_role(piece.span(end + 1, min(end + 4, len(piece.tokens))))
    # "Hassan from sales"; in a list of people, "Yuki on platform/on-call" (not "Docker on AWS")
    if word == "from" or (word == "on" and piece.roster):
        return words.skills.names_a_role(piece.span(end + 1, min(end + 3, len(piece.tokens))))
    first = next(k for k in range(end) if piece.tokens[k].end >= last.start)
    verb = word in words.binding_verbs or piece.norms[verb_at] in words.binding_verbs
    if not (verb or third_person(piece.surface(verb_at))):
        return False
    if after_thing_word(piece, first, words) or after_thing_word(piece, start, words):
        return False  # "a contractor from São Paulo doing our MLOps": a place
    if word in COPULAS and "by" in piece.norms[verb_at + 1 : verb_at + 4]:
        return False  # "Kubeflow is run by one SRE": what is done, not who does it
    # "Ben is building …": the copula is an auxiliary and the verb after it a deed
    after = piece.surface(verb_at + 1) if verb_at + 1 < len(piece.tokens) else ""
    copula = word in COPULAS and not after.endswith("ing")
    if only_words(piece, first, end) or copula:
        # "Hope does our models", "will handles deployment", "Ana is our PM"; not "Latency
        # is a problem", "Jira is a mess", "Stack is Airflow": a copula binds only a job
        return _job_follows(piece, end + 1, copula, words)
    return True


def _job_follows(piece: Piece, lo: int, copula: bool, words: Words) -> bool:
    """A job in the few words from token lo, or who they are to the team ("Ana Paula is a
    contractor"). After a copula a tool's name is no job ("Stack is Airflow"); after a verb a
    tool used is a duty ("Ruby writes our Python services")."""
    # A copula's job is its complement, a few words on; a verb's duty is its whole predicate
    # ("Pita runs our Kubeflow cluster and is on-call").
    hi = min(lo + 4, len(piece.tokens)) if copula else len(piece.tokens)
    said = piece.span(lo, hi)
    if words.any_run(words.phrase(said), words.relations):
        return True
    return _names_a_job(piece, lo, hi, words) if copula else words.skills.names_a_role(said)


def _in_arrow_chain(piece: Piece, end: int) -> bool:
    """The name stands between arrows ("A → B → C"), not after a job ("Modelling → Kwame")."""
    k = end - 1
    while k > 0 and piece.text[piece.tokens[k - 1].end : piece.tokens[k].start] == " ":
        k -= 1  # back to the name's first word
    before = piece.text[: piece.tokens[k].start].rstrip()
    after = piece.text[piece.tokens[end - 1].end :].lstrip()
    arrows = ("->", "\u2192")
    return before.endswith(arrows) and after.startswith(arrows)


def _names_a_job(piece: Piece, lo: int, hi: int, words: Words) -> bool:
    """Tokens [lo, hi) name a job, and not only by a tool's name: a skill word written as a
    proper noun inside a sentence ("Stack is Airflow → Postgres") is the tool, not who uses
    it; a line's opening word ("Product: Tomasz") and an acronym ("PM") are jobs."""
    text = piece.span(lo, hi)
    for m in words.skills.lexicon.read(text).mentions:
        tool = tool_name(text[m.start : m.end])
        if m.asserted and not (tool and (lo > 0 or m.start > 0)):
            return True
    return False


def _opens_name(piece: Piece, k: int, words: Words) -> bool:
    """Token k is a capitalised word that is neither a job nor an ordinary word: a name."""
    word = piece.surface(k)
    if not word[:1].isupper() or is_ordinary_word(word) or looks_technical(word):
        return False
    return not words.skills.names_a_role(word)


def _bound_before(piece: Piece, first: int, words: Words) -> bool:
    """A role or relation just before the name ("our PM Priya", "PI is Haruto Sato", "a
    contractor called Zhang Wei"), or a role, then ':', '→' or '(' before it ("PM: Rose",
    "a PM (Hope)", "3 DS (Sun, Moon and Star)")."""
    if first == 0:
        return False
    if in_parens_after_role(piece, first, words):
        return True
    gap = piece.text[piece.tokens[first - 1].end : piece.tokens[first].start].strip()
    if gap and not _BINDS_BEFORE.search(gap):
        return False
    last, named = first - 1, False
    if not gap and piece.norms[last] in words.naming and last > 0:
        last, named = last - 1, True  # "PI is Haruto Sato", "a contractor called Zhang Wei"
        if piece.norms[last] in words.name_words:
            return True  # "her name is Ana", "the DE's name is Ana"
    lo = max(0, last - 3)
    before = piece.text[piece.tokens[lo].start : piece.tokens[last].end]
    opens = lo == words.skip_fillers(piece.norms)
    if gap:
        heading = gap != "(" and opens  # "Product: Tomasz"
        return words.ends_with_role(before, heading=heading)
    # "our PM Priya", "data scientist Ahmed", not "our own fine-tuned Mistral"; a job that
    # opens the sentence names its holder ("Product is Hannah")
    return words.ends_with_role(before, determined=True, heading=named and opens)


def in_parens_after_role(piece: Piece, first: int, words: Words) -> bool:
    """'sales (Tom, Jess)', 'our cto (wei)': a name in parentheses that follow a role."""
    head = piece.text[: piece.tokens[first].start]
    opened = head.rfind("(")
    return opened > head.rfind(")") and words.ends_with_role(head[:opened])


def alone(piece: Piece, first: int, end: int, words: Words) -> bool:
    """The name is the whole list item, but for fillers and a role in parentheses."""
    start = words.skip_fillers(piece.norms)
    if first != start and not (first > start and words.is_header(piece.span(start, first))):
        return False
    rest = piece.text[piece.tokens[end - 1].end :].strip(" .,;:!")
    return not rest or rest.startswith("(")
