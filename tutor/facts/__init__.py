"""The one fact checker: do the claims of a reply agree with the lesson's facts? (pure)

A reply *claims a handoff* when it writes "A -> B" / "A → B" between roles, or says in words that
A hands off / hands over / passes to B, or names "the handoff from A to B". The claim holds when the
demo's output (or, without one, the lesson's lifecycle) has a handoff from A's roles to B's.

A reply *claims an owner* when one clause names a role (or, with an allocation, a person) and a
lifecycle stage ("the data scientist gets paged at 3am"), or answers the learner's question
with only an owner ("who gets paged at 3am?" -> "The data scientist."). The claim is wrong
only when nobody the clause names owns that stage, and the named owner owns none of the other
stages the clause names (so "SREs monitor the latency metrics" is not read as SREs framing
metrics).

Being wrong about a correct reply is worse than missing a wrong one, so the checker reads only
what is asserted: denied mentions ("not the data scientist"), dropped or reported beliefs ("a
common misconception is…"), questions, hypotheticals and small-team caveats are left alone.
All words come from the shared lexicon (`tutor.text`, prompts/vocabulary.toml).

Modules: `model` (Facts, FactIssue), `view` (reading a reply for claims), `handoffs`, `owners`.
"""

from __future__ import annotations

from tutor.facts.handoffs import HandoffClaim, handoff_claims, handoff_issues
from tutor.facts.model import AllocationLike, FactIssue, Facts, IssueKind
from tutor.facts.owners import allocation_areas, owner_issues
from tutor.facts.view import ClaimView, reads_as_role, role_ids, stage_id
from tutor.text import Lexicon

__all__ = [
    "AllocationLike",
    "ClaimView",
    "FactIssue",
    "Facts",
    "HandoffClaim",
    "IssueKind",
    "allocation_areas",
    "check_claims",
    "handoff_claims",
    "reads_as_role",
    "role_ids",
    "stage_id",
]


def check_claims(
    text: str, facts: Facts, lexicon: Lexicon, *, question: str = ""
) -> list[FactIssue]:
    """Every handoff or owner claim in `text` that the facts contradict, in text order.
    `lexicon` is the shared vocabulary (`tutor.content.pack.lexicon()`, loaded by the caller);
    `question` is the learner's message `text` answers, so a bare answer ("The data
    scientist.") is read as giving what the question names to that owner."""
    reading = lexicon.read(text)
    view = ClaimView(reading, lexicon)
    asked = lexicon.read(question) if lexicon.is_question(question) else None
    issues = handoff_issues(view, facts) + owner_issues(view, facts, asked)
    issues.sort(key=lambda pair: pair[0])
    unique: dict[str, FactIssue] = {}
    for _, issue in issues:
        unique.setdefault(issue.note + issue.claim, issue)
    return list(unique.values())
