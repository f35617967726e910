"""Team talk: a follow-up about a planned team -> a `PlanReply` (words naming people from the
plan, the new plan when it changed, the facts used), or None when it is not about the plan or
not clear enough to act on (the caller then answers as it would without a team).

    reply = respond_about_plan("Aisha is leaving, who gets paged now?", plan, talk)

Edits come first (someone leaves, joins, is part-time; a backup; what if we were two), then,
on the plan as it now stands, the question the follow-up asks. Pure: content passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tutor.errors import TeamError
from tutor.planning.changes import describe
from tutor.planning.edits import EDITS, Edit, topic_ids
from tutor.planning.followup import FollowUp, read_follow_up
from tutor.planning.model import Team
from tutor.planning.questions import QUESTIONS, Answer, assignment_fact, owner_line
from tutor.planning.results import Allocation
from tutor.planning.talkwords import TeamTalk
from tutor.planning.teamplan import TeamPlan

AVAILABILITY_CUES = frozenset({"part-time", "contractor", "full-time", "away", "leave"})


@dataclass(frozen=True)
class PlanReply:
    """What to say about the plan.

    - `text`: one to three sentences, naming people from the plan;
    - `table`: the new plan as Markdown when it changed (None otherwise);
    - `plan`: the plan to keep from now on (None: keep the current one);
    - `what_if`: the table shows a hypothetical team; keep the current plan;
    - `forget`: the learner asked to forget the team (drop it from the session and store);
    - `named`: the people the answer names as owners, backups or members;
    - `removed`: people who left (the text may say their name once, as leaving);
    - `facts`: the looked-up facts, one per line, for a model to explain;
    - `topics`: what the follow-up was about (responsibility ids per topic), so the next one
      can leave it unsaid ("who gets paged?" then "can Farid be the backup?").
    """

    text: str
    table: str | None = None
    plan: TeamPlan | None = None
    what_if: bool = False
    forget: bool = False
    named: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    topics: tuple[tuple[str, ...], ...] = ()


def respond_about_plan(
    text: str,
    plan: TeamPlan | Team,
    talk: TeamTalk,
    topics: Sequence[Sequence[str]] = (),
) -> PlanReply | None:
    """The reply to a follow-up about this plan, or None (not about it, or not sure enough).
    `topics`: what the previous follow-up was about; a backup asked for without saying what
    for ("can Farid be the backup?") means that."""
    plan = plan if isinstance(plan, TeamPlan) else TeamPlan(team=plan)
    follow = read_follow_up(text, plan.team, talk.words, talk.count_nouns)
    if follow.confidence < talk.data.min_confidence or follow.has("lesson"):
        return None
    if not follow.topics and topics and follow.has("backup"):
        follow = replace(follow, topics=tuple(tuple(t) for t in topics))
    reply = _reply(follow, plan, talk)
    return replace(reply, topics=follow.topics) if reply is not None else None


def _reply(follow: FollowUp, plan: TeamPlan, talk: TeamTalk) -> PlanReply | None:
    if follow.has("forget"):
        return forgotten(plan, talk)
    edit = _first_edit(follow, plan, talk)
    if edit is not None:
        return _edited(follow, plan, edit, talk)
    answer = _answer(follow, plan, talk)
    if answer is None:
        return None
    return PlanReply(answer.text, named=answer.named, facts=answer.facts)


def forget_request(text: str, talk: TeamTalk) -> PlanReply | None:
    """ "Forget my team" with no team kept: say so (None when the text asks something else)."""
    asks = any(s.id == "forget" and not s.negated for s in talk.words.cues(text))
    return PlanReply(talk.data.nothing_to_forget, forget=True) if asks else None


def forgotten(plan: TeamPlan, talk: TeamTalk) -> PlanReply:
    """The team is forgotten: say what went (how many people; naming them would keep them)."""
    count = len(plan.team.people)
    people = f"{count} {'person' if count == 1 else 'people'}"
    return PlanReply(talk.data.forgotten.format(people=people), forget=True)


def _first_edit(follow: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Edit | None:
    """The first edit the message reads as. A reading whose team is invalid is not what the
    message says (a new team described after a plan, "We're 3 people… Priya is…", once read
    as a 100-character role for "Person 3"), so it is skipped."""
    for reader in EDITS:
        try:
            edit = reader(follow, plan, talk)
        except TeamError:
            continue
        if edit is not None:
            return edit
    return None


def _answer(follow: FollowUp, plan: TeamPlan, talk: TeamTalk) -> Answer | None:
    allocation = plan.allocation(talk.planning)
    return next((a for a in (q(follow, plan, allocation, talk) for q in QUESTIONS) if a), None)


def _what_it_touches(
    follow: FollowUp, edit: Edit, after: Allocation, talk: TeamTalk, said: frozenset[str]
) -> Answer | None:
    """After an edit that asks nothing, who now owns what it was about (the backup's topic;
    on-call after an availability change), so even "nothing moves" names the owner — unless
    the change already said who takes it over (`said`)."""
    assert edit.plan is not None
    ids = topic_ids(follow, after) or (
        [r.id for r in talk.planning.catalogue.responsibilities if r.pages]
        if any(s.id in AVAILABILITY_CUES for s in follow.said)
        else []
    )
    found = [a for a in after.assignments if a.id in ids[:2] and a.id not in said]
    if not found:
        return None
    lines = [owner_line(a, edit.plan, talk) for a in found]
    named = [x for a in found for x in (a.owner, a.backup) if x]
    return Answer(
        " ".join(lines), tuple(named), tuple(assignment_fact(a, edit.plan) for a in found)
    )


def _edited(follow: FollowUp, plan: TeamPlan, edit: Edit, talk: TeamTalk) -> PlanReply:
    if edit.plan is None:
        return PlanReply(edit.question)
    before, after = plan.allocation(talk.planning), edit.plan.allocation(talk.planning)
    change = describe(before, after, talk, edit.added)
    said = "your" + change.text[4:] if change.text.startswith("Your ") else change.text
    joint = " " if edit.lead.endswith(".") else ": "
    words = (
        f"{edit.lead}{joint}{said if joint == ': ' else change.text}" if edit.lead else change.text
    )
    named = [*edit.about, *change.named]
    facts = [assignment_fact(a, edit.plan) for a in after.assignments if a.critical]
    answer = _answer(follow, edit.plan, talk) if follow.question else None
    answer = answer or _what_it_touches(follow, edit, after, talk, change.said)
    if answer is not None:
        words += " " + answer.text
        named += answer.named
        facts += answer.facts
    if edit.hypothetical:
        words += " " + talk.data.what_if_kept
    return PlanReply(
        words,
        table=after.render_table(),
        plan=None if edit.hypothetical else edit.plan,
        what_if=edit.hypothetical,
        named=tuple(dict.fromkeys(named)),
        removed=edit.removed,
        facts=tuple(dict.fromkeys(facts)),
    )
