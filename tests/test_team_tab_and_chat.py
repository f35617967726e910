"""The Team planner tab and the chat share one team (issue 21): a team planned or corrected on
the tab is the one the chat answers about, by name, after a restart too; a team planned in the
chat fills the tab's table when the tab is opened."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from tutor.runtime import build_runtime
from tutor.web.app import TutorApp
from tutor.web.panels import plan_team

DESCRIPTION = (
    "Priya is a data scientist, Tomás is a data engineer, Kwame runs our infrastructure and "
    "is on call."
)


async def ask(app: TutorApp, message: str, sid: str | None) -> tuple[str, str]:
    """One chat message through the page's API: (the reply, the learner's session id)."""
    reply = ""
    async for text, session_id in app.api_chat(message, sid):
        reply, sid = text, session_id
    assert sid is not None
    return reply, sid


def fresh_app(db: Path) -> TutorApp:
    return TutorApp(build_runtime(db=db), offline_pace=0.0)


async def start(app: TutorApp) -> str:
    _, sid = await ask(app, "hi", None)
    return sid


async def test_a_team_planned_on_the_tab_is_the_one_the_chat_answers_about(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tutor.db"
    app = fresh_app(db)
    sid = await start(app)
    _, _, rows, _ = plan_team(DESCRIPTION, None, "auto")
    await app.adopt_tab_team_ui(sid, DESCRIPTION, rows, "auto")
    reply, _ = await ask(app, "who gets paged at 3am?", sid)
    assert "Kwame" in reply, reply
    # A corrected row on the tab: Kwame becomes a contractor, so he is never the only one
    # paged; the chat follows without retyping, and a restarted process remembers it.
    rows[2][2] = "contractor"
    await app.adopt_tab_team_ui(sid, DESCRIPTION, rows, "auto")
    restarted = fresh_app(db)
    plan = restarted.registry.lane(sid).session.conversation.dialogue.plan
    assert plan is not None
    assert plan.person("Kwame").availability == "contractor"
    reply, _ = await ask(restarted, "who is on call?", sid)
    assert "Kwame" in reply and any(n in reply for n in ("Priya", "Tomás")), reply


async def test_a_table_that_does_not_plan_leaves_the_chats_team_alone(tmp_path: Path) -> None:
    app = fresh_app(tmp_path / "tutor.db")
    sid = await start(app)
    _, _, rows, _ = plan_team(DESCRIPTION, None, "auto")
    await app.adopt_tab_team_ui(sid, DESCRIPTION, rows, "auto")
    bad = [row[:] for row in rows]
    bad[0][2] = "weekends only"  # not an availability: the tab says so, the chat keeps its team
    await app.adopt_tab_team_ui(sid, DESCRIPTION, bad, "auto")
    plan = app.registry.lane(sid).session.conversation.dialogue.plan
    assert plan is not None
    assert [p.name for p in plan.team.people] == ["Priya", "Tomás", "Kwame"]


async def test_a_team_planned_in_the_chat_fills_the_tab_when_it_is_opened(
    tmp_path: Path,
) -> None:
    app = fresh_app(tmp_path / "tutor.db")
    sid = await start(app)
    await ask(app, DESCRIPTION, sid)
    _, rows, result, svg, _ = await app.team_tab_ui(sid, [["", "", "", ""]], "")
    assert [row[0] for row in rows] == ["Priya", "Tomás", "Kwame"]
    assert "from your chat" in result and "On-call" in result
    assert "<svg" in svg
    # Opened again with the same team in the table: nothing the learner typed is overwritten.
    again = await app.team_tab_ui(sid, rows, result)
    assert all(isinstance(part, type(gr.skip())) for part in again)
    # Forgotten in the chat: the tab, opened again, keeps none of the team either.
    await ask(app, "forget my team", sid)
    text, blank, plan_shown, picture, read = await app.team_tab_ui(sid, rows, result)
    assert not any(cell for row in blank for cell in row) and plan_shown == picture == ""
    assert text == "" and read is None
