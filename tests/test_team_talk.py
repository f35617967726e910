"""Team talk on a planned team: edits that re-plan and say what changed, questions answered by
name, availability in the allocator, and abstaining rather than guessing."""

from __future__ import annotations

from tutor.content.planner import allocate, read_team, respond_about_plan
from tutor.planning import Person, Team
from tutor.planning.results import Pin
from tutor.planning.teamplan import TeamPlan

TEAM = Team(
    [
        Person("Priya", ["data scientist"]),
        Person("Tomás", ["ML engineer"]),
        Person("Aisha", ["data engineer"]),
        Person("Kwame", ["Kubernetes platform", "SRE"]),
    ]
)


def on_call(team: Team, pins: tuple[Pin, ...] = ()) -> tuple[str, str | None]:
    a = next(
        a
        for a in TeamPlan(team=team, pins=pins).allocation(_content()).assignments
        if a.id == "on-call"
    )
    return a.owner, a.backup


def _content():  # the shipped planner content
    from tutor.content.pack import planning_content

    return planning_content()


def test_a_part_timer_or_contractor_is_never_the_only_owner_of_on_call() -> None:
    team = Team(
        [Person("Santiago", ["SRE"], availability="contractor"), Person("Ngozi", ["ML engineer"])]
    )
    owner, backup = on_call(team)
    assert (owner, backup) == ("Ngozi", "Santiago")
    assert any("never the only one who gets paged" in n for n in allocate(team).notes)
    alone = Team(
        [
            Person("Santiago", ["SRE"], availability="part-time"),
            Person("Lu", ["PM"], availability="contractor"),
        ]
    )
    assert any("Nobody on the team is full-time" in n for n in allocate(alone).notes)


def test_who_gets_paged_is_answered_by_name_with_the_backup() -> None:
    reply = respond_about_plan("who gets paged at 3am?", TEAM)
    assert reply is not None and reply.plan is None
    assert reply.text.startswith("Kwame owns on-call;") and "Tomás is the backup" in reply.text
    assert any(f.startswith("on-call: owner Kwame") for f in reply.facts)


def test_someone_leaving_replans_and_says_what_moved() -> None:
    reply = respond_about_plan(
        "Tomás is leaving next month and we're not replacing him. what changes?", TEAM
    )
    assert reply is not None and reply.plan is not None and reply.removed == ("Tomás",)
    assert [p.name for p in reply.plan.team.people] == ["Priya", "Aisha", "Kwame"]
    assert reply.text.startswith("Tomás's ") and " move to " in reply.text
    assert "Tomás" not in reply.named and "| Tomás" not in (reply.table or "")


def test_a_hire_joins_and_takes_their_hat() -> None:
    reply = respond_about_plan("we just hired Dana, a full-time SRE", TEAM)
    assert reply is not None and reply.plan is not None
    assert reply.plan.team.people[-1] == Person("Dana", ["full-time SRE"])
    assert "Dana" in reply.named


def test_a_backup_choice_is_kept_across_replans() -> None:
    reply = respond_about_plan("make Priya the backup for on-call", TEAM)
    assert reply is not None and reply.plan is not None
    assert on_call(reply.plan.team, reply.plan.pins) == ("Kwame", "Priya")
    later = respond_about_plan("we're adding Ifeoma, a data engineer", reply.plan)
    assert later is not None and later.plan is not None
    assert on_call(later.plan.team, later.plan.pins) == ("Kwame", "Priya")
    assert respond_about_plan("make Priya the backup", TEAM).text.startswith("Backup for what")  # type: ignore[union-attr]


def test_roles_and_what_ifs() -> None:
    team = Team(
        [
            Person("Ana", ["data scientist"]),
            Person("Ben", ["backend developer"]),
            Person("Chloé", ["PM"]),
        ]
    )
    more = respond_about_plan("Ben also runs our Kubernetes cluster", team)
    assert more is not None and more.plan is not None and "SRE/Platform" in more.text
    assert more.plan.team.people[1].roles == ["backend developer", "runs our Kubernetes cluster"]
    less = respond_about_plan("Ben isn't technical", team)
    assert less is not None and less.plan is not None and less.plan.team.people[1].roles == []
    two = respond_about_plan("what if we were two?", team)
    assert two is not None and two.what_if and two.plan is None
    assert "Chloé" in two.removed and "| Chloé" not in (two.table or "")
    # The two named are the two kept, whoever the planner would have chosen.
    named = respond_about_plan("what if we were only two, Ben and Chloé?", team)
    assert named is not None and named.what_if and set(named.removed) == {"Ana"}
    assert "| Ana" not in (named.table or "") and "| Chloé" in (named.table or "")


def test_questions_about_load_gaps_and_hiring_name_only_the_team() -> None:
    who = respond_about_plan("Who owns the eval gate? Priya or Aisha?", TEAM)
    assert who is not None and who.text.startswith("Neither Priya nor Aisha owns it")
    assert respond_about_plan("is anything unowned?", TEAM).text.startswith("Nothing is unowned")  # type: ignore[union-attr]
    hire = respond_about_plan("what should we hire next?", TEAM)
    assert hire is not None and "Product" in hire.text
    spof = respond_about_plan("is Kwame a single point of failure?", TEAM)
    assert spof is not None and spof.text.startswith("Yes: Kwame")
    names = {p.name for p in TEAM.people} | {"Me"}
    for reply in (who, hire, spof):
        assert set(reply.named) <= names  # type: ignore[union-attr]


def test_a_negative_question_of_load_is_answered_and_the_lesson_left_to_the_lesson() -> None:
    """ "isn't that a lot on Kwame" asks (expecting yes) about his load; "does the lesson say
    how big a rotation should be" asks the lesson, not the plan."""
    load = respond_about_plan("isn't that a lot on Kwame", TEAM)
    assert load is not None and load.text.startswith("Kwame owns")
    assert (
        respond_about_plan("does the lesson say how big an on-call rotation should be", TEAM)
        is None
    )
    # Whether two ideas are one is a question for the lesson, not who owns deploys.
    assert respond_about_plan("is a handoff the same thing as a deployment?", TEAM) is None


def test_it_abstains_instead_of_guessing_and_forgets_on_request() -> None:
    assert respond_about_plan("what does an SRE do?", TEAM) is None
    assert respond_about_plan("is Zed overloaded?", TEAM) is None  # nobody called Zed
    servers = respond_about_plan("Tomás also runs our servers", TEAM)  # servers: SRE/Platform
    assert servers is not None and "Tomás now has ML Engineer and SRE/Platform" in servers.text
    forget = respond_about_plan("please forget my team", TEAM)
    assert forget is not None and forget.forget and forget.named == ()


def test_a_choice_of_backup_is_answered_as_one_not_as_who_owns_it() -> None:
    team = Team(
        [
            Person("Ana", ["data scientist"]),
            Person("Ben", ["backend developer"]),
            Person("Kwame", ["runs infra"]),
            Person("Chloé", ["PM"]),
        ]
    )
    already = respond_about_plan("Ana or Ben as the on-call backup?", team)
    assert already is not None and already.text.startswith("Of Ana and Ben, Ben is already")
    tied = respond_about_plan("Ana or Chloé as my on-call backup?", team)
    assert tied is not None and "Neither" not in tied.text
    assert tied.text.startswith("Ana and Chloé fit equally (neither has SRE/Platform skills)")
    owner = respond_about_plan("who owns on-call, Ana or Kwame?", team)
    assert owner is not None and owner.text.startswith("Of Ana and Kwame: Kwame.")
    # Someone not in the team is said to be so, never weighed as if they were.
    stranger = respond_about_plan("Jakub or Ana as my on-call backup?", team)
    assert stranger is not None and stranger.text.startswith("Jakub isn't in your team")
    assert "Jakub" not in stranger.named
    assert "Ana could, without SRE/Platform skills" in stranger.text


def test_a_backup_asked_for_without_what_for_means_the_last_topic() -> None:
    paged = respond_about_plan("who gets paged at 3am?", TEAM)
    assert paged is not None and paged.topics == (("on-call",),)
    # Alone, "Priya or Tomás as the backup?" says not what for: no answer to give.
    assert respond_about_plan("Priya or Tomás as the backup?", TEAM) is None
    after = respond_about_plan("Priya or Tomás as the backup?", TEAM, paged.topics)
    assert after is not None and after.text.startswith("Of Priya and Tomás, Tomás is already")
    assert after.topics == paged.topics
    # A follow-up that says its own topic keeps it.
    gate = respond_about_plan("who owns the eval gate?", TEAM, paged.topics)
    assert gate is not None and gate.topics != paged.topics


def test_a_statement_with_a_question_tag_asks_and_the_tag_denies_nothing() -> None:
    """ "Kwame is a single point of failure isn't he": the tag makes it a question, and its
    "not" is the tag's, not a denial of the statement."""
    tagged = respond_about_plan("Kwame is a single point of failure isn't he", TEAM)
    asked = respond_about_plan("is Kwame a single point of failure?", TEAM)
    assert tagged is not None and asked is not None and tagged.text == asked.text
    assert tagged.text.startswith("Yes: Kwame")
    # A one-word tag asks only after a comma; a real denial still denies.
    lexicon = _content().lexicon
    assert lexicon.is_question("the SRE holds the pager, right")
    assert not lexicon.is_question("turn right") and lexicon.tag_start("turn right") is None


def test_a_team_only_counted_answers_who_owns_only_when_pointed_at() -> None:
    """Try-it prompt 3's "a 3-person team" (Person 1-3 holding the default split): "who
    watches for model drift?" is the lesson's question; "who on our team…", a member named or
    "this plan" is the plan's (from a new-user trial: a concept question got "Person 3 owns
    data contract")."""
    plan = TeamPlan(team=read_team("Given a 3-person team shipping an LLM product").team)
    assert [p.name for p in plan.team.people] == ["Person 1", "Person 2", "Person 3"]
    for lesson in (
        "Who watches for model drift?",
        "What exactly is a data contract, and why is the data engineer the one who owns it?",
        "who gets paged at 3am?",
    ):
        assert respond_about_plan(lesson, plan) is None, lesson
    for ours in ("who on our team is on call?", "who owns the eval gate in this plan?",
                 "does Person 2 own the eval gate?"):  # fmt: skip
        reply = respond_about_plan(ours, plan)
        assert reply is not None and "Person" in reply.text, ours
    # Unnamed people whose roles the learner gave are their team: answered from the plan.
    described = TeamPlan(team=read_team("we are 2 data scientists and an ML engineer").team)
    reply = respond_about_plan("who gets paged at 3am?", described)
    assert reply is not None and "Person" in reply.text


def test_an_edit_holds_only_when_its_answer_was_given_in_full() -> None:
    """A stopped "Maya is leaving" leaves Maya on the team, so Retry answers the same
    message the same way (a new-user trial: Stop, then Retry, got "I can't answer that")."""
    from tutor.engine.conversation import Conversation

    team = read_team("Maya is a data scientist, Jonas is an ML engineer, Priya runs infra").team
    conversation = Conversation()
    conversation.dialogue = conversation.dialogue.model_copy(update={"plan": TeamPlan(team=team)})
    talk = respond_about_plan("Maya is leaving the company", TeamPlan(team=team))
    assert talk is not None and talk.plan is not None
    conversation.after_turn(step=None, complete=False, acts=None, tools=[], talk=talk)
    assert "Maya" in [p.name for p in conversation.dialogue.plan.team.people]
    conversation.after_turn(step=None, complete=True, acts=None, tools=[], talk=talk)
    assert "Maya" not in [p.name for p in conversation.dialogue.plan.team.people]


def test_an_owner_line_reads_as_english() -> None:
    """'Jonas owns the eval gate', 'Priya owns on-call' (with_the in team_talk.toml)."""
    team = read_team("Maya is a data scientist, Jonas is an ML engineer, Priya runs infra").team
    gate = respond_about_plan("who owns the eval gate?", TeamPlan(team=team))
    paged = respond_about_plan("who is on call?", TeamPlan(team=team))
    assert gate is not None and "owns the eval gate;" in gate.text
    assert paged is not None and "owns on-call;" in paged.text
