"""Team follow-ups scored end to end: a described team, then questions and edits about it.

The session score runs the offline tutor as a learner would (the team description, then each
follow-up); it is the measure of what a learner gets today, and must not fall below its floor.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.support.followups import Case, Scorecard, load_cases, score_turn
from tutor.backends.offline import OfflineBackend
from tutor.content.planner import read_team, respond_about_plan
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta
from tutor.planning import Person, Team
from tutor.planning.teamplan import TeamPlan
from tutor.text import is_speaker

DATA = Path(__file__).parent / "data"
INDEPENDENT = DATA / "independent" / "team_followups.toml"


async def _reply(session: TutorSession, text: str) -> str:
    return "".join([e.text async for e in session.send(text) if isinstance(e, TextDelta)])


async def session_scorecard(cases: list[Case]) -> Scorecard:
    card = Scorecard()
    for case in cases:
        session = TutorSession(OfflineBackend())
        await _reply(session, case.team)
        for turn in case.turns:
            text = await _reply(session, turn.learner)
            card.add(turn, score_turn(turn, case.people, text))
    return card


async def test_offline_session_on_the_independent_follow_ups() -> None:
    card = await session_scorecard(load_cases(INDEPENDENT))
    print("\n" + card.table() + "\n" + "\n".join(card.failures))
    assert card.total == 90
    # First contact (before issue 21's changes): 6 right, 84 declined, 0 wrong, 0 outsiders.
    assert card.outsider_replies == 0
    assert card.outcomes["wrong"] == 0


def gold_teams(path: Path) -> list[Team]:
    """Teams written as "name | roles; roles | availability" lines (tests/data/*_teams.toml)."""
    teams = []
    for people in tomllib.loads(path.read_text(encoding="utf-8"))["teams"]:
        rows = [[part.strip() for part in line.split("|")] for line in people]
        teams.append(
            Team([Person(n, r.split("; "), availability=a) for n, r, a in rows])  # type: ignore[arg-type]
        )
    return teams


def plan_scorecard(cases: list[Case], teams: list[Team] | None = None) -> Scorecard:
    """The pure entry point, turn after turn: the plan each reply keeps is the next one's.
    Teams are read from each description, or given (`teams`, by position)."""
    card = Scorecard()
    for k, case in enumerate(cases):
        team = teams[k] if teams else read_team(case.team).team
        plan: TeamPlan | None = TeamPlan(team=team)
        for turn in case.turns:
            reply = respond_about_plan(turn.learner, plan) if plan else None
            if reply is None:
                card.add(turn, score_turn(turn, case.people, ""))
                continue
            said = [speaker_label(n) for n in reply.named]
            text = reply.text + "\n" + (reply.table or "")
            removed = [speaker_label(n) for n in reply.removed]
            card.add(turn, score_turn(turn, case.people, text, said, removed))
            plan = None if reply.forget else (reply.plan or plan)
    return card


def speaker_label(name: str) -> str:
    """The labels call the speaker "you"; the plan calls them "Me"."""
    return "you" if is_speaker(name) else name


def test_plan_replies_on_the_independent_follow_ups() -> None:
    card = plan_scorecard(load_cases(INDEPENDENT), gold_teams(DATA / "team_followups_teams.toml"))
    print("\n" + card.table() + "\n" + "\n".join(card.failures))
    assert card.outsider_replies == 0
