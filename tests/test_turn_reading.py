"""How the offline tutor reads a turn off its own script: what conversations batches 3-5 (written
apart from the code) showed it misreading, one mechanism per test, each with a case that must
still read as before."""

from __future__ import annotations

import pytest

from tutor.backends.context import OpenQuestion
from tutor.backends.offline import OfflineBackend
from tutor.content.pack import intake_reader, knowledge, load_pack, quiz_bank
from tutor.content.planner import (
    looks_like_team,
    read_team,
    respond_about_plan,
    teammates_named,
)
from tutor.engine import TutorSession
from tutor.engine.events import TextDelta, ToolFinished, TurnDone
from tutor.engine.intent import IntentReader
from tutor.store import Store

READER = IntentReader(load_pack())
TEAM = "We have Ana (data scientist), Bilal (data engineer), Chen (ML engineer) and Tomás (SRE)."


async def turn(session: TutorSession, text: str) -> tuple[str, list[str]]:
    events = [e async for e in session.send(text)]
    assert isinstance(events[-1], TurnDone)
    said = "".join(e.text for e in events if isinstance(e, TextDelta))
    return said, [e.name for e in events if isinstance(e, ToolFinished)]


@pytest.fixture
def session(tmp_path) -> TutorSession:
    return TutorSession(OfflineBackend(), store=Store(tmp_path / "t.db"))


# -- a message sent while a quiz question is open ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "cool. and the data pipeline, that's not on my team too i hope",
        "so Sam -> Jo is basically the model handoff?",
    ],
)
def test_a_sentence_about_the_learners_own_team_is_no_answer(text: str) -> None:
    question = quiz_bank().get("handoff-points")
    assert not intake_reader().read(question, text).is_attempt


def test_an_answer_is_still_an_answer() -> None:
    question = quiz_bank().get("paged-3am")
    for text in (
        "SRE/platform, the on-call / incidents stage",
        "I think the SRE",
        "The SRE/Platform person gets paged, in on-call.",  # a capitalised first word
    ):
        assert intake_reader().read(question, text).is_attempt


def test_a_team_described_while_a_question_is_open_is_planned_not_graded() -> None:
    text = (
        "ok for our class project we're 4 students: Jana does the data scraping and cleaning, "
        "Mateo and I train models, and Lukas set up the server and the demo website."
    )
    meaning = READER.read(text, OpenQuestion(kind="quiz", id="roles-four"))
    assert meaning.call is not None and meaning.call.name == "allocate_team"


def test_a_demo_change_asked_while_a_question_is_open_is_not_graded() -> None:
    text = "Different one: say the data engineer also does the serving. Output of the demo?"
    meaning = READER.read(text, OpenQuestion(kind="quiz", id="handoff-points"))
    assert meaning.call is None and meaning.reading.while_open == "request"


async def test_quiz_me_twice_asks_another_question(session) -> None:
    await turn(session, "/quiz")
    first = session.quiz_state.current
    said, tools = await turn(session, "another quiz")
    assert tools == ["ask_quiz_question"] and session.quiz_state.current != first
    assert "Asks the quiz tool" not in said  # an action's own description is never shown


# -- claims, beliefs and follow-ups -----------------------------------------------------------


def test_an_opener_or_a_supposition_makes_no_claim_to_correct() -> None:
    kb = knowledge()
    for text in (
        "so what does the ML eng do when latency spikes",
        "and if ml eng also did on-call?",
    ):
        assert not kb.answer(text).text.startswith("Not quite")
    assert kb.answer("the data scientist is on call").text.startswith("Not quite")


def test_a_belief_named_only_by_a_pronoun_is_about_the_last_topic() -> None:
    kb = knowledge()
    assert kb.answer("And if it's skipped?", topic="eval-gate-what").entry != "mc-skip-oncall"
    assert kb.answer("why not just rotate it between all three of us").entry == (
        "mc-shared-everything"
    )


def test_a_team_lacks_a_role_only_when_it_says_so() -> None:
    kb = knowledge()
    doubt = (
        "I'm not convinced. Our SREs don't understand the model at all, so paging them adds a hop."
    )
    assert kb.answer(doubt).entry != "no-sre"
    assert kb.answer("we don't have an SRE, who holds the pager?").entry == "no-sre"


def test_a_role_leaving_finds_its_answer_or_declines() -> None:
    kb = knowledge()
    assert kb.answer("What if our only ML engineer quits tomorrow?").entry == "no-ml-engineer"
    assert kb.answer("what if our data scientist quits").declined


def test_which_is_worst_after_the_handoffs_names_the_riskiest() -> None:
    kb = knowledge()
    found = kb.follow_up("worst", "demo-output")
    assert found is not None and found.entry == "riskiest-handoff"
    assert kb.follow_up("worst", "roles-overview") is None  # "those" are not handoffs


def test_a_choice_between_two_roles_claims_neither() -> None:
    kb = knowledge()
    assert kb.answer("Should our next hire be a data engineer or an SRE?").entry is None
    assert kb.answer("is on-call the SRE or the data scientist?").entry == "stage-oncall"


def test_a_question_about_the_lesson_is_no_demo_change() -> None:
    kb = knowledge()
    question = "wait what does 'frame problem & metrics' mean and why is product in it"
    assert kb.variant(question, about_demo=True) is None
    assert kb.variant("what does the demo print if Ana owns everything?") is not None
    assert kb.asks_for_change("What would the demo print if we changed it that way?")


# -- teams ---------------------------------------------------------------------------------------


def test_what_is_no_team() -> None:
    assert not looks_like_team(
        "so the goal is no handoffs, right? one person per project = zero risk"
    )
    once = "Once my model beats the baseline, the ML engineer just has to copy the pickle."
    assert not looks_like_team(once)
    assert looks_like_team("Marta is an ML engineer who also does on-call")


def test_a_spelled_out_team_is_planned_beside_a_belief() -> None:
    text = (
        "We're literally two people. I'm Dana, I do product and can write some SQL. Tom is our "
        "full-stack ML guy, he trains and deploys everything. Neither of us likes on-call. "
        "Can you split this up for us?"
    )
    assert READER.describes_team(text)
    argues = "Disagree. SRE shouldn't share deploy & monitor. We deploy, they (ML eng) monitor."
    assert not READER.team_like(argues)


def test_people_given_jobs_by_name_are_a_team_without_the_word() -> None:
    """A new-user trial with the 0.5B model: "Fatima trains the models, …, Chen Wei handles
    on-call" was left to the model, which planned nothing and said Fatima gets paged. Named
    people with jobs are planned on every backend; put in the demo, they are not."""
    team = (
        "Fatima trains the models, Hiroshi maintains the dbt pipelines, Chen Wei handles on-call."
    )
    assert READER.describes_team(team)
    demo = "Run the demo with our names: Ana frames, Bilal pipeline, Ana trains, Chen serves."
    assert not READER.describes_team(demo)


def test_a_plural_verb_is_said_of_every_name_listed() -> None:
    people = read_team("Jana does the pipeline, Mateo and I train models", assume=False).team
    roles = {p.name: p.roles for p in people.people}
    assert roles["Mateo"] == roles["Me"] == ["train models"]


def test_a_remark_about_planned_teammates_is_not_a_new_team() -> None:
    team = read_team(TEAM).team
    assert teammates_named("no way Tomás is doing any on-call, he's 2 days a week", team) == [
        "Tomás"
    ]
    assert teammates_named("we are 3: Ana, Bilal, Chen", team) == []  # described again


def test_the_plans_handoffs_are_listed_and_a_leave_says_on_call_once() -> None:
    plan = read_team(TEAM).team
    listed = respond_about_plan("and the handoffs?", plan)
    assert listed is not None and "Handoffs in your team" in listed.text
    gone = respond_about_plan("What if Tomás gets moved fully to another team?", plan)
    assert gone is not None and "Tomás" in gone.removed
    assert "Chen owns on-call" not in gone.text  # the move said it once
    assert gone.plan is not None and not gone.what_if  # kept: the talk goes on without Tomás
    away = respond_about_plan("Ana is on holiday next week", plan)
    assert away is not None and away.what_if and "your plan stays as it was" in away.text


def test_advice_is_not_answered_with_a_definition() -> None:
    kb = knowledge()
    assert kb.answer("ok so what should I actually hand over?").entry == "protect-handoff"
    assert kb.answer("what is a handoff?").entry == "handoff-what"
    assert kb.answer("what does a data contract cover?").entry == "data-contract-what"
