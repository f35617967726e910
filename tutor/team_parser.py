"""Free-text team descriptions -> `Team` (pure, rule-based, no model needed).

Understands a head count ("3-person team", "team of four", "two of us", "solo founder"),
named people with roles ("Ana is a data scientist", "Ben (backend)", "Chen: infra"), first
person ("me (full-stack)", "I'm a PM", "I'm a solo founder" -> Me, founder), people named by
their relation to the speaker ("my friend Sam does devops", "our PM Priya"), unnamed roles
("a data engineer", "two SREs"), names beside what the team builds ("Ana and Ben building a
recommender" -> two people, no roles), and the product kind ("fraud detection model",
"recommender", "an ML product" -> ml; "RAG chatbot" -> llm; llm by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tutor.allocation import (
    MAX_PEOPLE,
    PRODUCTS,
    ProductKind,
    Team,
    hats_for,
    too_many_people,
)
from tutor.errors import TeamError

MAX_TEXT_CHARS = 2000
ASK_FOR_TEAM = "Tell me who is on the team, e.g. 'Ana is a data scientist, Ben runs infra'."

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_NUM = r"(\d+\s*\+?|" + "|".join(NUMBER_WORDS) + ")"
_COUNT_CUES = (
    re.compile(rf"\b{_NUM}[\s-]*(?:person|persons|people|member|members|man|woman|strong)\b"),
    re.compile(rf"\bteam of {_NUM}"),
    re.compile(rf"\b{_NUM} of us\b"),
    re.compile(rf"\bwe(?:'re|’re| are) (?:a team of )?{_NUM}\b"),
)
_SOLO = re.compile(r"\b(?:solo|just me|only me|by myself|on my own|alone|single[- ]person)\b")
_SOLO_ANY_CASE = re.compile(_SOLO.pattern, re.IGNORECASE)
# Solo cues that are themselves the speaker: "it's just me" names a person ("Me").
_SOLO_ME = re.compile(r"\b(?:just me|only me|by myself|on my own)\b", re.IGNORECASE)

_LLM_CUES = re.compile(
    r"\b(?:llms?|rag|chat ?bots?|agents?|agentic|gpt[\w.-]*|genai|gen ai|generative|copilots?"
    r"|assistants?|language models?|prompts?)\b"
)
_ML_CUES = re.compile(
    r"\b(?:classic(?:al)? ml|traditional ml|tabular|fraud|churn|forecast\w*|recommend\w*"
    r"|classifiers?|classification|regression|xgboost|scikit|sklearn|credit scor\w*"
    r"|anomaly detection|ranking model|computer vision|propensity|demand model"
    # "an ML product", "a machine learning model": ML as the product, not as a role
    # ("an ML engineer" names a person's job and says nothing about the product).
    r"|(?:ml|machine learning)[ -](?:products?|models?|systems?|apps?|applications?|services?"
    r"|projects?|platforms?|features?|solutions?))\b"
)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What a team builds, not what a person does: "churn model", "RAG chatbot" are never roles.
PRODUCT_NOUNS = _wordset(
    "model models product products app apps application chatbot bot system service project "
    "engine tool feature startup company pipeline pipelines platform"
)


# Nouns that name a person's job: "a data *engineer*", "two *SREs*" (not "an LLM *product*").
ROLE_NOUNS = _wordset(
    "engineer scientist manager owner pm sre devops analyst researcher developer dev designer "
    "lead founder cofounder cto ceo architect generalist specialist expert admin sysadmin mle "
    "ds de po tpm intern contractor consultant freelancer statistician person hire programmer "
    "swe stack fullstack backend frontend"
)
_VERBS = (
    r"is|are|was|does|do|runs|run|handles|handle|owns|own|leads|lead|manages|manage|covers|"
    r"takes care of|takes|works on|works as|works in|works|work on|work as|work in|work|builds|"
    r"writes|knows|as|who is|who does"
)
# What a team is doing, not a person's job: "Ana and Ben building a recommender" (no roles).
_ACTIVITY = r"building|shipping|making|developing|creating|launching|prototyping|working on"
_NAME_ACTIVITY = re.compile(
    rf"^\s*(?:(?:is|are|was|were|who (?:is|are))\s+)?(?:{_ACTIVITY})\b", re.IGNORECASE
)
_ACTIVITY_TAIL = re.compile(rf"\s+(?:{_ACTIVITY})\b.*$", re.IGNORECASE | re.DOTALL)
_CONNECT = re.compile(rf"^(?:\s*[:(—–,-]|\s+(?:{_VERBS})\b)", re.IGNORECASE)
_LEADING = re.compile(
    rf"^(?:\s|[:,—–-]|(?:{_VERBS}|am|'m|’m|a|an|the|our|my|also|mostly|mainly)\b)+",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(
    r"^(?:me|myself|i(?:'m|’m| am)"
    r"|i(?= (?:also |mostly |mainly )?(?:do|run|handle|own|lead|manage|work)\b|\s*$))"
    r"(?![\w'’])(?P<rest>.*)$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:a|an|one|another)\s+(?!of\b)(?P<rest>.+)$", re.IGNORECASE)
_NUMBERED = re.compile(rf"^{_NUM}\s+(?P<rest>.+)$", re.IGNORECASE)
_WORD = r"[^\W\d_][\w'’.-]*"
_NAME = re.compile(rf"^(?P<first>{_WORD})(?P<second>\s+{_WORD})?")
_HEAD_END = re.compile(r"\s+(?:who|that|which|for|of|in|on|at|to|with|doing|building)\b|[(]")
_CONTEXT = re.compile(
    r"^(?:we|we're|our|us|the|it|they|this|that|building|shipping|working|help|please|so|but"
    r"|nothing|everything|making|using|with|for|to)\b",
    re.IGNORECASE,
)
NAME_STOPWORDS = _wordset(
    """i me my myself we us our you your they them their he she it its this that these those
    there here the a an and or but so also plus then if in on at for with of to from by as
    hello hi hey thanks thank please help given what how why when where who which whom whose
    explain walk tell show allocate assign give make let lets can could should would will is are
    do does did team teams everyone everybody nobody someone somebody anyone each all both none
    just only solo mlops llm rag gpt ai ml nothing something everything yes no not ok okay sure
    now today currently right well great cool actually basically first second next finally
    person people member members role roles hat hats stage stages"""
) | frozenset(NUMBER_WORDS)

# "my friend Sam", "our cofounder": who someone is to the speaker, not their job.
RELATION_WORDS = _wordset(
    """friend friends colleague colleagues coworker coworkers teammate teammates partner
    partners cofounder cofounders buddy buddies pal pals mate mates roommate flatmate classmate
    brother sister sibling wife husband spouse son daughter cousin boyfriend girlfriend
    neighbour neighbor"""
)
_POSSESSIVE = re.compile(r"^(?:my|our)\s+(?P<rest>.+)$", re.IGNORECASE | re.DOTALL)


@dataclass
class _Draft:
    """A person found in the text, before names are filled in."""

    name: str | None
    roles: list[str] = field(default_factory=list)
    strong: bool = False  # a named person with a recognisable role: clearly a team description


@dataclass
class _Parsed:
    """What the text says: an explicit head count (if any) and the people it names."""

    count: int | None
    drafts: list[_Draft]


def detect_product(text: str) -> ProductKind:
    """'ml' for classic-ML cues (fraud, churn, forecasting...), else 'llm' (also the default)."""
    lowered = text.casefold()
    if _LLM_CUES.search(lowered):
        return "llm"
    return "ml" if _ML_CUES.search(lowered) else "llm"


def parse_team(text: str, product: str | None = None) -> Team:
    """A validated Team from a free-text description, or TeamError saying what to write."""
    text = _check_text(text)
    kind = _check_product(product) if product is not None else detect_product(text)
    parsed = _parse(text)
    if parsed.count is None and not parsed.drafts:
        raise TeamError(f"I couldn't find anyone in that description. {ASK_FOR_TEAM}")
    size = max(parsed.count or 0, len(parsed.drafts))
    if size > MAX_PEOPLE:
        raise TeamError(too_many_people(size))
    drafts = parsed.drafts + [_Draft(None) for _ in range(size - len(parsed.drafts))]
    if size == 1 and drafts[0].name is None and _mentions_first_person(text):
        drafts[0].name = "Me"
    return Team.build(_people(drafts), kind)


def looks_like_team(text: str) -> bool:
    """Whether a chat message describes a team (a head count, or people with roles)."""
    if not isinstance(text, str) or not text.strip():
        return False
    # Judge a too-long description by its start, so the learner hears about the limit
    # (from parse_team) instead of getting an unrelated answer.
    parsed = _parse(text[:MAX_TEXT_CHARS])
    return (
        parsed.count is not None or any(d.strong for d in parsed.drafts) or len(parsed.drafts) >= 2
    )


def _check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise TeamError(f"The team description is empty. {ASK_FOR_TEAM}")
    if len(text) > MAX_TEXT_CHARS:
        raise TeamError(
            f"The team description is {len(text):,} characters; the limit is "
            f"{MAX_TEXT_CHARS:,}. List just the names and roles."
        )
    return text.strip()


def _check_product(product: str) -> ProductKind:
    kind = product.strip().lower() if isinstance(product, str) else product
    if kind not in PRODUCTS:
        raise TeamError(f"Unknown product kind {product!r}: use 'llm' or 'ml'.")
    return kind  # type: ignore[return-value]


def _mentions_first_person(text: str) -> bool:
    return re.search(r"\b(?:i|i'm|i’m|me|my|myself)\b", text, re.IGNORECASE) is not None


def _people(drafts: list[_Draft]) -> list[dict[str, Any]]:
    """Unnamed drafts become 'Person k', k their place in the team ("Person" is never a name)."""
    return [
        {"name": d.name or f"Person {k}", "roles": d.roles} for k, d in enumerate(drafts, start=1)
    ]


# --- parsing ----------------------------------------------------------------------------------


def _parse(text: str) -> _Parsed:
    drafts: list[_Draft] = []
    all_people = True  # every clause is a person or their roles: a plain list of names
    for sep, segment in _segments(text):
        if _has_count_cue(segment):
            # "a team of 3" only counts; "I'm a solo founder" also describes the one person.
            _add(drafts, _solo_people(segment))
            continue
        found = _person(segment)
        if found is None:
            all_people = _continue(drafts, sep, segment) and all_people
        elif _apposition(drafts, sep, found):
            drafts[-1].roles += found[0].roles
            drafts[-1].strong = _roleish(drafts[-1].roles)
        else:
            _add(drafts, found)
    count = _count(text)
    # A lone capitalised word is a name only in a list of names ("Ana, Ben and Chen") or beside
    # other evidence of a team; otherwise "Thanks" would become a person.
    if not (all_people or count is not None or any(d.strong for d in drafts)):
        drafts = [d for d in drafts if d.roles or d.name is None or d.name == "Me"]
    return _Parsed(count, drafts)


def _add(drafts: list[_Draft], found: list[_Draft]) -> None:
    """Append people; the speaker is one person however often they speak ("I'm a PM. I ...")."""
    for draft in found:
        me = next((d for d in drafts if d.name == "Me"), None)
        if draft.name == "Me" and me is not None:
            me.roles += [r for r in draft.roles if r not in me.roles]
            me.strong = me.strong or draft.strong
        else:
            drafts.append(draft)


def _solo_people(segment: str) -> list[_Draft]:
    """The person a solo cue describes: 'I'm a solo founder' -> Me (founder); 'just me' -> Me."""
    if any(c.search(segment.casefold()) for c in _COUNT_CUES):
        return []  # a head count ("a team of 3") names nobody
    rest = " ".join(_SOLO_ANY_CASE.sub(" ", segment).split()).strip(" ,.:;-—–")
    found = _person(rest) if rest else None
    if found is None and rest and _is_role_noun(rest):  # "solo founder building a chatbot"
        found = [_Draft(None, _roles(rest))]
    found = found or []
    if _SOLO_ME.search(segment) and not any(d.name == "Me" for d in found):
        found = [_Draft("Me", [r for d in found for r in d.roles])]
    return found


def _count(text: str) -> int | None:
    lowered = text.casefold()
    for cue in _COUNT_CUES:
        match = cue.search(lowered)
        if match:
            return _number(match.group(1))
    return 1 if _SOLO.search(lowered) else None


def _has_count_cue(segment: str) -> bool:
    lowered = segment.casefold()
    return any(c.search(lowered) for c in _COUNT_CUES) or _SOLO.search(lowered) is not None


def _number(token: str) -> int:
    token = token.strip().casefold()
    if token.endswith("+"):  # "50+ people" means more than 50
        return int(token[:-1].strip()) + 1
    return NUMBER_WORDS[token] if token in NUMBER_WORDS else int(token)


_SEPARATORS = re.compile(r",|;|\n|[.!?](?=\s|$)|\s+(?:and|&|plus|as well as)\s+", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _segments(text: str) -> list[tuple[str, str]]:
    """(separator before, clause): split on , ; . newlines and 'and', never inside parentheses."""
    depth = _depths(text)
    pieces: list[tuple[str, str]] = []
    sep, start = "", 0
    for match in _SEPARATORS.finditer(text):
        if depth[match.start()] == 0:
            pieces.append((sep, text[start : match.start()]))
            sep, start = match.group(0).strip().lower(), match.end()
    pieces.append((sep, text[start:]))
    result = []
    for sep, piece in pieces:
        clause = _BULLET.sub("", piece).strip(" \t.:")
        if clause:
            result += _split_colon(sep, clause)
    return result


def _depths(text: str) -> list[int]:
    """Parenthesis depth before each character."""
    depths, depth = [], 0
    for char in text:
        depths.append(depth)
        depth += char == "("
        depth -= char == ")" and depth > 0
    return depths


def _split_colon(sep: str, clause: str) -> list[tuple[str, str]]:
    """'a team of 4: a PM, ...' -> two clauses; 'Ana: data scientist' stays one person."""
    depth = _depths(clause)
    at = next((i for i, c in enumerate(clause) if c == ":" and depth[i] == 0), -1)
    if at <= 0:
        return [(sep, clause)]
    prefix, rest = clause[:at].strip(), clause[at + 1 :].strip()
    if _name(prefix + ":") is not None or _FIRST_PERSON.match(prefix) or not rest:
        return [(sep, clause)]
    return [(sep, prefix), *_split_colon(":", rest)]


def _person(segment: str) -> list[_Draft] | None:
    """The people a clause names, or None when it names nobody."""
    if match := _FIRST_PERSON.match(segment):
        roles = _roles(match.group("rest"))
        return [_Draft("Me", roles)]
    if match := _POSSESSIVE.match(segment):
        related = _related(match.group("rest"))
        if related is not None:
            return related
    if (match := _NUMBERED.match(segment)) and _is_role_noun(match.group("rest"), plural=True):
        # Capped: a description asking for more than the maximum fails later with a clear error.
        n = min(_number(match.group(1)), MAX_PEOPLE + 1)
        role = _singular(_LEADING.sub("", match.group("rest")).strip())
        return [_Draft(None, [role]) for _ in range(n)]
    if (match := _ARTICLE.match(segment)) and _is_role_noun(match.group("rest")):
        return [_Draft(None, _roles(match.group("rest")))]
    found = _name(segment)
    if found is None:
        return None
    name, rest, connector = found
    if connector == "activity":  # "Ben building a recommender": a person, no role given
        return [_Draft(name)]
    roles = _roles(rest)
    if connector in {"", "("}:
        return [_Draft(name, roles, strong=_roleish(roles))]
    if _roleish(roles):
        return [_Draft(name, roles, strong=True)]
    # "Ben is building a recommender" is what the team does, not Ben's job.
    return [_Draft(name)] if _NAME_ACTIVITY.match(rest) else None


def _related(rest: str) -> list[_Draft] | None:
    """After 'my'/'our': 'friend Sam does devops', 'PM Priya', 'cofounder who does infra'.

    A relation word ("friend", "cofounder") gives no role; a job ("PM", "data engineer") does,
    but only before a name, so "our product is a churn model" names nobody.
    """
    for word in list(re.finditer(r"[^\s(:,]+", rest))[:3]:
        head, tail = rest[: word.end()], rest[word.end() :].strip()
        words = re.sub(r"[^\w\s]+", "", head.casefold()).split()
        relation = bool(words) and words[-1] in RELATION_WORDS
        if not relation and not _is_role_noun(head):
            continue
        found = _name(tail) if tail else None
        if found is not None:
            name, after, connector = found
            roles = [] if relation else [head]
            if connector != "activity":
                roles += _roles(after)
            return [_Draft(name, roles, strong=_roleish(roles))]
        if relation and (not tail or tail.startswith("(") or _CONNECT.match(" " + tail)):
            return [_Draft(None, _roles(tail))]  # "my friend does devops"
    return None


def _name(segment: str) -> tuple[str, str, str] | None:
    """(name, the rest, how the rest starts) when the clause starts with a person's name."""
    match = _NAME.match(segment)
    if match is None:
        return None
    candidates = (
        [match.group(0), match.group("first")] if match.group("second") else [match.group(0)]
    )
    for candidate in candidates:
        rest = segment[len(candidate) :]
        name = re.sub(r"['’]s$", "", candidate)
        if name != candidate:  # "Ana's our PM"
            rest = " is" + rest
        connector = _connector(rest)
        if connector is None or not _namey(name.split(), lowercase_ok=connector == "verb"):
            continue
        return name, rest, connector
    return None


def _connector(rest: str) -> str | None:
    if not rest.strip():
        return ""
    if re.match(rf"^\s+(?:{_ACTIVITY})\b", rest, re.IGNORECASE):
        return "activity"
    match = _CONNECT.match(rest)
    if match is None:
        return None
    token = match.group(0).strip()
    return token if token in {"(", ":", ",", "-", "—", "–"} else "verb"


def _namey(words: list[str], lowercase_ok: bool) -> bool:
    for i, word in enumerate(words):
        folded = word.casefold()
        if folded in NAME_STOPWORDS or folded in ROLE_NOUNS or hats_for([word]):
            return False
        if not word[0].isupper() and not (lowercase_ok and i == 0 and len(words) == 1):
            return False
    return True


def _roles(rest: str) -> list[str]:
    """Role phrases: the text after the name or article, plus each item inside parentheses."""
    inside = [
        part.strip(" .,;:-")
        for group in re.findall(r"\(([^)]*)\)", rest)
        for part in re.split(r",|;|\band\b|&", group)
    ]
    outside = _LEADING.sub("", re.sub(r"\([^)]*\)?", " ", rest))
    # "founder building a RAG chatbot" -> "founder" (what they build is not their job).
    outside = _ACTIVITY_TAIL.sub("", outside).strip(" .,;:-—–")
    roles = [outside, *inside]
    return [" ".join(r.split()) for r in roles if r.strip()]


def _head(phrase: str) -> str:
    """The job part of a phrase: 'data engineer who does on-call' -> 'data engineer'."""
    phrase = _LEADING.sub("", phrase)
    return _HEAD_END.split(phrase, maxsplit=1)[0].strip(" .,;:-")


def _last_word(phrase: str) -> str:
    words = re.sub(r"[\W_]+", " ", phrase.casefold()).split()
    return words[-1] if words else ""


def _singular(phrase: str) -> str:
    word = _last_word(phrase)
    if word.endswith("s") and word[:-1] in ROLE_NOUNS:
        return phrase[: phrase.casefold().rindex(word) + len(word) - 1]
    return phrase


def _is_role_noun(phrase: str, plural: bool = False) -> bool:
    word = _last_word(_head(phrase))
    return word in ROLE_NOUNS or (plural and word.endswith("s") and word[:-1] in ROLE_NOUNS)


def _roleish(roles: list[str]) -> bool:
    """The first role names a job or skill we know ('backend', 'infra', 'data scientist')."""
    if not roles:
        return False
    head = _head(roles[0])
    return bool(hats_for([head])) or _last_word(head) in ROLE_NOUNS


def _apposition(drafts: list[_Draft], sep: str, found: list[_Draft]) -> bool:
    """'Ana, a data scientist': an unnamed role right after a comma describes the named person."""
    return (
        sep == ","
        and len(found) == 1
        and found[0].name is None
        and bool(drafts)
        and drafts[-1].name is not None
        and not drafts[-1].roles
    )


def _continue(drafts: list[_Draft], sep: str, segment: str) -> bool:
    """Extra roles for the previous person ('Chen runs infra and on-call'); False if not."""
    if not drafts or sep in {".", "!", "?", ":"} or _CONTEXT.match(segment):
        return False
    text = _LEADING.sub("", segment).strip()
    if not text or not (hats_for([text]) or len(text.split()) <= 3):
        return False
    if _last_word(text) in PRODUCT_NOUNS and (
        not hats_for([text]) or _LLM_CUES.search(text.casefold())
    ):
        return False
    drafts[-1].roles += _roles(segment)
    drafts[-1].strong = drafts[-1].strong or _roleish(drafts[-1].roles)
    return True
