"""Pure text rules the offline tutor uses to understand a learner message."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOP = frozenset(
    (
        "a an the and or of to in on for with is are be it its this that what which who how me "
        "my i you your we our do does did at as by from into each one their they them so if but "
        "not can will would should could about"
    ).split()
)

SECRET_PATTERNS = [
    r"system\s*prompt",
    r"your\s+(instructions|prompt|rules)",
    r"ignore\s+(all|any|the|your|previous)",
    r"api[\s_-]*key",
    r"openai_api_key",
    # "the secret to good handoffs" is a lesson question, not a request for a secret
    r"\bsecrets?\b(?!\s+(to|of|behind)\b)",
    r"password",
    r"answer\s*key",
    r"(give|tell|show)\s+me\s+(all\s+)?the\s+(quiz\s+)?answers",
    r"answers?\s+(to|for|of)\s+(the|this|that|each|every|all|these)\s+(\w+\s+)?"
    r"(quiz|question)",
    r"(what|tell|give|show)\b[^.?!]{0,30}\b(correct|right)\s+answers\b",
    # the bare singular only: "the right answer to who owns deploy?" is a lesson question
    r"^\W*(what'?s|what\s+is|tell\s+me|give\s+me)\s+the\s+(correct|right)\s+answer\W*$",
    r"key\s+to\s+the\s+quiz",
    r"developer\s+mode",
    r"jailbreak",
    r"(print|repeat|reveal|show|output|dump|display)\s+(me\s+)?(your|the)\s+(\w+\s+)?"
    r"(prompt|instructions|configuration|config)",
    r"(hidden|initial|original|secret|full)\s+(system\s+)?(prompt|instructions)",
    r"(repeat|print|output|show|dump)\s+(everything|all|the\s+text|the\s+words)\s+"
    r"(above|before)",
    r"\benv(ironment)?\s+var",
    r"(^|\s)\.env\b",
    r"os\.environ",
    r"you\s+are\s+now\b",
    r"disregard\s+",
]
_SECRET = re.compile("|".join(SECRET_PATTERNS), re.I)
_QUIZ = re.compile(
    r"\b(quiz|test)\s+me\b|\bquiz\b|\bask me a question\b|\bcheck my understanding\b", re.I
)
_DEMO = re.compile(
    r"\b(run|show|explain|see)\b.*\bdemo\b|\bdemo\b.*\b(output|run|code|print|show)|"
    r"^\s*demo\s*$|\brisky handoffs\b",
    re.I,
)
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|hallo|good (morning|afternoon|evening)|start|help)"
    r"\b[\s!.?]*$",
    re.I,
)

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "Data Scientist": ("data scientist", "data science", "scientist"),
    "Data Engineer": ("data engineer", "data engineering"),
    "ML Engineer": ("ml engineer", "machine learning engineer", "mle"),
    "SRE/Platform": (
        "sre",
        "site reliability",
        "platform engineer",
        "platform team",
        "platform",
        "ops team",
        "devops",
    ),
    "Product": ("product manager", "product owner", "product", "pm"),
}
STAGE_WORDS: dict[str, tuple[str, ...]] = {
    "frame problem & metrics": ("frame the problem", "framing", "frames the problem", "metrics"),
    "build data pipeline": (
        "data pipeline",
        "pipeline",
        "pipelines",
        "data contract",
        "data-contract",
    ),
    "train & evaluate model": (
        "trains the model",
        "train the model",
        "training",
        "trains",
        "evaluate the model",
        "evaluates",
    ),
    "productionize / serve": (
        "productionize",
        "productionise",
        "productionizes",
        "serving",
        "serves the model",
        "serve the model",
    ),
    "deploy & monitor": ("deploy", "deploys", "deployment", "monitor", "monitors", "monitoring"),
    "on-call / incidents": (
        "on-call",
        "on call",
        "paged",
        "page",
        "3am",
        "3 am",
        "pager",
        "incident",
        "incidents",
        "woken up",
    ),
}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    for suffix in ("ing", "ers", "ed", "es", "er", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in _STOP]


def asks_for_secret(text: str) -> bool:
    return bool(_SECRET.search(text))


def asks_for_quiz(text: str) -> bool:
    return bool(_QUIZ.search(text))


def asks_for_demo(text: str) -> bool:
    return bool(_DEMO.search(text))


_NEW_QUESTION = re.compile(
    r"^\s*(what|who|whom|why|how|when|where|which|can|could|would|explain|tell|show|run|walk)"
    r"\b.*\?\s*$|\bdemo\b",
    re.I | re.S,
)


def is_new_question(text: str) -> bool:
    """A learner question or request, rather than an answer to a pending quiz question."""
    return bool(_NEW_QUESTION.search(text))


def is_greeting(text: str) -> bool:
    return bool(_GREETING.match(text))


def match_guided(text: str, prompts: Sequence[str], threshold: float = 0.6) -> int | None:
    """Index of the try-it prompt `text` is (verbatim or a close paraphrase), else None."""
    said = set(content_terms(text))
    if not said:
        return None
    best, best_score = None, 0.0
    for index, prompt in enumerate(prompts):
        wanted = set(content_terms(prompt))
        overlap = len(said & wanted)
        # Recall of the prompt's terms, damped when the message is much longer than the prompt.
        score = overlap / len(wanted) * min(1.0, 1.5 * len(wanted) / len(said))
        if score > best_score:
            best, best_score = index, score
    return best if best_score >= threshold else None


def _mentions(text: str, phrases: Sequence[str]) -> bool:
    said = f" {' '.join(stem(w) for w in words(text))} "
    return any(f" {' '.join(stem(w) for w in words(p))} " in said for p in phrases)


def roles_mentioned(text: str) -> list[str]:
    return [role for role, phrases in ROLE_WORDS.items() if _mentions(text, phrases)]


def stages_mentioned(text: str) -> list[str]:
    return [stage for stage, phrases in STAGE_WORDS.items() if _mentions(text, phrases)]


# "Product" is a role ("product manager", "Product + Data Scientist"), but "an LLM product"
# or "our product" is the thing being built.
_PRODUCT_THING = re.compile(
    r"\b(llm|ml|ai|our|an|a|the|this|my|your|shipping|building|classic|rag)\s+products?\b", re.I
)
# A leading "No, ..." disagrees with the tutor, and a tag question ("..., don't they?") asks
# for confirmation: neither negates the learner's claim.
_NEGATION = re.compile(r"\b(not|never)\b|n't\b", re.I)
_TAG_QUESTION = re.compile(
    r",?\s*\b(do|does|did|is|are|was|were|will|would|can|should)(n't| not)\s+"
    r"(they|it|he|she|we|you|i|there)\s*\?*\s*$", re.I)
_WHO = re.compile(
    r"^\s*(who|whom|whose|which (role|team|hat|person))\b|\bwho (owns|gets|is|does|"
    r"handles|runs)\b",
    re.I,
)


@dataclass(frozen=True)
class OwnershipClaim:
    """What a learner said or asked about who owns one lifecycle stage.

    `role` is None for a plain question ("who gets paged at 3am?").
    """

    stage: str
    owner: str
    role: str | None = None
    negated: bool = False

    @property
    def holders(self) -> list[str]:
        return [o.strip() for o in self.owner.split("+")]

    @property
    def correct(self) -> bool:
        """Whether the learner's statement matches the lesson (a negation flips it)."""
        owns = self.role in self.holders
        return owns != self.negated


def ownership_claim(text: str, lifecycle: Sequence[tuple[str, str]]) -> OwnershipClaim | None:
    """A statement or question about who owns one stage, to check against the lesson."""
    cleaned = _PRODUCT_THING.sub(" ", text)
    stages, roles = stages_mentioned(cleaned), roles_mentioned(cleaned)
    owner = dict(lifecycle).get(stages[0]) if len(stages) == 1 else None
    if owner is None or len(roles) > 1:
        return None
    if not roles:
        return OwnershipClaim(stages[0], owner) if _WHO.search(cleaned) else None
    negated = bool(_NEGATION.search(_TAG_QUESTION.sub("", cleaned)))
    return OwnershipClaim(stages[0], owner, roles[0], negated)


def role_question(text: str) -> str | None:
    """The one role a question is about ("what does the SRE do?"), if any."""
    cleaned = _PRODUCT_THING.sub(" ", text)
    roles = roles_mentioned(cleaned)
    if len(roles) == 1 and not stages_mentioned(cleaned) and is_new_question(text):
        return roles[0]
    return None


def best_passage(query: str, passages: Sequence[str]) -> tuple[int, float]:
    """Index and score of the passage sharing the most (IDF-weighted) terms with `query`."""
    docs = [Counter(content_terms(p)) for p in passages]
    terms = set(content_terms(query))
    best, best_score = 0, 0.0
    for index, doc in enumerate(docs):
        score = 0.0
        for term in terms & set(doc):
            frequency = sum(1 for d in docs if term in d)
            score += math.log(1 + len(docs) / frequency)
        if score > best_score:
            best, best_score = index, score
    return best, best_score
