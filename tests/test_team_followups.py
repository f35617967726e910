"""Team follow-ups scored end to end: a described team, then questions and edits about it.

The session score runs the offline tutor as a learner would (the team description, then each
follow-up); it is the measure of what a learner gets today, and must not fall below its floor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.followups import Case, Scorecard, load_cases, score_turn
from tutor.backends.offline import OfflineBackend
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta

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
