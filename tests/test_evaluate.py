"""`tutor eval`: calibrated rules that read only the model's words, app guarantees kept apart,
bad tutors scored low, several backends compared in one run, and an optional judge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from support.fake_openai import FakeOpenAI, Reply, offline_model_responder
from support.function_backend import FunctionBackend, Scripted

from tutor.backends.base import learner_text
from tutor.cli.evaluate import eval_command
from tutor.config import load_settings
from tutor.content.files import parse_toml
from tutor.engine import TutorSession
from tutor.errors import ConfigError, LessonPackError
from tutor.evaluation import BackendSpec, default_suite, run_suite
from tutor.evaluation.calibration import LabelledReply, calibrate, load_replies, situation
from tutor.evaluation.guarantees import APP_RULES
from tutor.evaluation.judge import (
    JudgeVerdict,
    judge_cards,
    judge_labelled,
    macro_f1,
    render_judge,
    rules_by_dimension,
    verify,
)
from tutor.evaluation.reading import own_words
from tutor.evaluation.rules import ACTION_RULES, MODEL_RULES
from tutor.evaluation.scripts import Suite
from tutor.runtime import build_runtime

DATA = Path(__file__).parent / "data"
REPLIES = DATA / "eval_replies.toml"
MORE = DATA / "eval_replies_more.toml"
INDEPENDENT = DATA / "independent" / "eval_replies.toml"
# The independent batch's quiz hints were written for "who owns the pipelines?".
INDEPENDENT_QUESTION = "role-pipelines"
MIN_ACCURACY = 95.0
MIN_PER_RULE = 20
# Labelled-fail replies of the independent batch the rules still pass (README, "Calibrated
# rules"): a handoff the demo has in a looser reading, and a hold whose fault is its tone.
KNOWN_INDEPENDENT_MISSES = {
    "states a full ML Engineer -> SRE/Platform handoff the demo doesn't print",
    "describes the DE -> DS handoff backwards/wrongly",
    "holds but is curt and unkind",
}


def failures(card: object) -> str:
    return "\n".join(f"{r.id}: {r.evidence}" for r in card.failed())  # type: ignore[attr-defined]


def union_rows():  # type: ignore[no-untyped-def]
    own = calibrate(load_replies(REPLIES) + load_replies(MORE))
    independent = calibrate(load_replies(INDEPENDENT), question=INDEPENDENT_QUESTION)
    merged = {r.kind: r for r in own}
    for r in independent:
        mine = merged.get(r.kind)
        if mine is None:
            merged[r.kind] = r
            continue
        confusion = {k: mine.confusion[k] + r.confusion[k] for k in mine.confusion}
        merged[r.kind] = mine.model_copy(
            update={
                "correct": mine.correct + r.correct,
                "total": mine.total + r.total,
                "confusion": confusion,
                "misses": mine.misses + r.misses,
            }
        )
    return list(merged.values())


# -- calibration: every rule agrees with the hand-labelled replies --------------------------


def test_the_labelled_sets_cover_every_model_rule_both_ways_400_in_all() -> None:
    replies = load_replies(REPLIES) + load_replies(MORE) + load_replies(INDEPENDENT)
    assert len(replies) >= 400
    suite = default_suite()
    labels: dict[str, list[str]] = {}
    for reply in replies:
        labels.setdefault(suite.find(reply.check)[2].kind, []).append(reply.label)
    assert set(labels) == set(MODEL_RULES) - ACTION_RULES
    assert all(set(seen) == {"pass", "fail"} for seen in labels.values()), labels
    assert all(len(seen) >= MIN_PER_RULE for seen in labels.values()), {
        k: len(v) for k, v in labels.items()
    }


def test_every_rule_classifies_95_percent_of_all_labelled_replies() -> None:
    rows = union_rows()
    report = "\n".join(f"{r.kind}: {r.accuracy}% {r.misses}" for r in rows)
    assert all(r.accuracy >= MIN_ACCURACY for r in rows), report


def test_no_labelled_bad_reply_passes_beyond_the_known_independent_ones() -> None:
    own = calibrate(load_replies(REPLIES) + load_replies(MORE))
    assert sum(r.confusion["pass/fail"] for r in own) == 0, [r.misses for r in own]
    independent = calibrate(load_replies(INDEPENDENT), question=INDEPENDENT_QUESTION)
    passed_bad = {
        m.split("] ", 1)[1].split(":", 1)[0]
        for r in independent
        for m in r.misses
        if r.confusion["pass/fail"]
    }
    bad = {reply.why for reply in load_replies(INDEPENDENT) if reply.label == "fail"}
    assert passed_bad & bad <= KNOWN_INDEPENDENT_MISSES, passed_bad & bad


def verdict(check_id: str, text: str, question: str | None = None) -> tuple[bool, str]:
    from tutor.evaluation.calibration import context
    from tutor.evaluation.runner import run_check

    reply = LabelledReply(check=check_id, label="fail", text=text, question=question)
    suite = default_suite()
    _, _, check = suite.find(check_id)
    _, _, passed, evidence = run_check(check, situation(reply, suite), context(suite))
    return passed, evidence


def test_eval_fails_a_keyword_salad_that_names_every_key_point() -> None:
    salad = (
        "Data scientists, models. ML engineers, production. Data engineers, pipelines. "
        "SREs, running. Handoffs, breaking."
    )
    passed, evidence = verdict("step1-coverage", salad)
    assert not passed and "missing" in evidence
    prose = (
        "The data scientist builds and evaluates the model. The ML engineer turns it into a "
        "production service. The data engineer owns the pipelines, and SREs keep it all running."
    )
    assert verdict("step1-coverage", prose)[0]


def test_eval_fails_a_concession_inside_a_hedge() -> None:
    hedged = (
        "Generally the lesson gives on-call to SRE/Platform. In your case, though, the data "
        "scientist does it, and that works."
    )
    passed, evidence = verdict("oncall-correct", hedged)
    assert not passed and "gives in" in evidence
    plain = "The lesson puts the 3am page with SRE/Platform: they own incidents."
    assert verdict("oncall-correct", plain)[0]


def test_eval_fails_a_hint_that_names_the_answer() -> None:
    named = "Not quite! Think about who builds pipelines for a living — the data engineer."
    assert not verdict("quiz-hint", named, question="role-pipelines")[0]
    spelled = 'Hint: the answer has two words, "Data" and "Engineer".'
    assert not verdict("quiz-hint", spelled, question="role-pipelines")[0]
    hint = "Pipelines move and shape data. Which role is named after the data itself?"
    assert verdict("quiz-hint", hint, question="role-pipelines")[0]


def test_praise_before_a_correction_that_never_corrects_fails() -> None:
    praise = "Great thinking, nice answer! It's not the data scientist though."
    assert not verdict("oncall-correct", praise)[0]
    answered = "That's beyond this lesson, but since you asked: it's the city on the Seine."
    assert not verdict("off-lesson", answered)[0]


def test_a_labelled_situation_keeps_the_model_words_apart_from_the_artifacts() -> None:
    [reply] = [r for r in load_replies(REPLIES) if r.why.startswith("paste-only: the demo's")]
    turn = situation(reply, default_suite())
    assert turn.ran("run_handoff_demo") and "Risky handoffs" in turn.app_text
    assert own_words(turn.model_text, turn.artifacts()).strip() == ""


def test_own_words_keep_explanations_and_drop_copied_lines() -> None:
    artifact = "Risky handoffs:\n Data Scientist -> ML Engineer\n"
    text = "Data Scientist -> ML Engineer\nThis is the model handoff: notebooks break here."
    assert own_words(text, [artifact]) == "This is the model handoff: notebooks break here."


# -- the offline tutor: what CI gates on -----------------------------------------------------


def offline_runtime():  # type: ignore[no-untyped-def]
    return build_runtime(load_settings(_env_file=None, tutor_backend="offline"), persist=False)


async def test_the_offline_tutor_scores_above_90_and_every_app_guarantee_holds() -> None:
    card = await run_suite(offline_runtime().session)
    assert card.percent() >= 90.0, failures(card)
    assert card.app_passed[0] == card.app_passed[1], failures(card)
    assert len(card.results) == len(default_suite().checks())


def test_every_check_kind_has_a_rule_and_the_blocks_are_apart() -> None:
    kinds = {c.kind for c in default_suite().checks()}
    assert kinds == set(MODEL_RULES) | set(APP_RULES)
    assert not set(MODEL_RULES) & set(APP_RULES)
    # What the engine guarantees never counts in the model's score.
    assert {"guided_step", "demo_shown", "allocation_complete", "quiz_asked"} <= set(APP_RULES)


def test_a_typo_in_eval_toml_names_the_file_and_field() -> None:
    text = (REPLIES.parent.parent.parent / "prompts" / "eval.toml").read_text()
    broken = text.replace(
        'kind = "covers_key_points", step = 1,', 'kind = "covers_key_points", stpe = 1,', 1
    )
    with pytest.raises(LessonPackError, match=r"prompts/eval.toml: .*stpe"):
        parse_toml("eval.toml", broken, Suite)


# -- bad tutors score low on the model's part ------------------------------------------------


def _last_human(messages: Sequence[BaseMessage]) -> str:
    human = [m for m in messages if isinstance(m, HumanMessage)]
    return learner_text(human[-1]) if human else ""


def _tool_outputs(messages: Sequence[BaseMessage]) -> list[str]:
    """The tool results of the current turn (after the last learner message)."""
    last = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    return [m.text for m in messages[last + 1 :] if isinstance(m, ToolMessage)]


SWAPPED = (
    "In the lesson, data engineers build and train the models, data scientists own the "
    "pipelines and the data contract, SRE/Platform productionizes and serves them, and ML "
    "engineers are on call for incidents. The riskiest handoff is Data Engineer → SRE/Platform; "
    "every responsibility has an owner and a backup, and everyone knows which hat they wear."
)


def empty(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
    return Scripted("")


def sycophant(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
    return Scripted("You're right! Great question.")


def paste_only(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
    """Pastes the tool output it was given, or parrots the learner: never explains."""
    outputs = _tool_outputs(messages)
    return Scripted(outputs[-1] if outputs else _last_human(messages))


def role_swapper(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
    return Scripted(SWAPPED)


@pytest.mark.parametrize("responder", [empty, sycophant, paste_only, role_swapper])
async def test_a_bad_backend_scores_below_40_percent(responder: object) -> None:
    backend = FunctionBackend(responder)  # type: ignore[arg-type]
    card = await run_suite(lambda: TutorSession(backend))
    assert card.percent() < 40.0, failures(card)
    # The app's own work does not depend on the words: /quiz asks through the quiz tool.
    assert not card.failed("quiz_asked")


async def test_the_rules_name_what_a_bad_backend_did() -> None:
    card = await run_suite(lambda: TutorSession(FunctionBackend(role_swapper)))
    evidence = {r.id: r.evidence for r in card.failed()}
    assert "Data Engineer → SRE/Platform" in evidence["step2-demo"]
    assert (
        "Check: in the lesson, train & evaluate model is owned by Data Scientist"
        in (evidence["step1-coverage"])
    )
    empty_card = await run_suite(lambda: TutorSession(FunctionBackend(empty)))
    words = [r for r in empty_card.block("model") if r.kind not in ACTION_RULES]
    assert all(r.evidence.startswith("no reply from the model") for r in words)


async def test_a_crashing_backend_fails_instead_of_stopping_the_eval() -> None:
    def broken(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
        raise RuntimeError("boom")

    card = await run_suite(lambda: TutorSession(FunctionBackend(broken)))
    assert len(card.results) == len(default_suite().checks())
    assert card.percent() == 0.0


# -- several backends, runs, JSON ------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "provider", "model", "url"),
    [
        ("offline", "offline", None, None),
        ("openai", "openai", None, None),
        ("openai:qwen2.5-coder-0.5b", "openai", "qwen2.5-coder-0.5b", None),
        ("openai:m@http://127.0.0.1:8081/v1", "openai", "m", "http://127.0.0.1:8081/v1"),
    ],
)
def test_backend_specs_parse_like_provider_model(
    spec: str, provider: str, model: str | None, url: str | None
) -> None:
    parsed = BackendSpec.parse(spec)
    assert (parsed.provider, parsed.model, parsed.base_url) == (provider, model, url)
    assert str(parsed) == spec


def test_an_unknown_backend_spec_says_what_to_write() -> None:
    with pytest.raises(ConfigError, match=r"openai:MODEL\[@BASE_URL\]"):
        BackendSpec.parse("anthropic:claude")


def test_one_run_compares_backends_side_by_side(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(lambda request: Reply(text="You're right! Great question.")) as fake:
        spec = f"openai:yes-model@{fake.base_url}"
        code = eval_command(["offline", spec], as_json=True, runs=2, min_score=50)
        assert fake.requests
    data = json.loads(capsys.readouterr().out)
    offline, yes = data["backends"]
    assert (offline["spec"], yes["spec"]) == ("offline", spec)
    assert offline["runs"] == yes["runs"] == 2
    assert yes["score"] < 40 <= offline["score_min"]
    assert yes["app_guarantees"]["passed"] >= 1
    assert {c["block"] for c in yes["checks"]} == {"model", "app"}
    assert code == 1  # the sycophant is below --min-score


def test_the_text_scorecard_has_a_column_per_backend(capsys: pytest.CaptureFixture[str]) -> None:
    eval_command(["offline", "offline"], min_score=0)
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.strip().startswith("offline"))
    assert header.split()[:2] == ["offline", "offline"]
    assert "App guarantees" in out and "model score" in out


def test_eval_runs_through_the_openai_client(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAI(offline_model_responder()) as fake:
        code = eval_command(
            [f"openai:fake-tutor@{fake.base_url}", "offline"], as_json=True, min_score=0, runs=1
        )
        requests = list(fake.requests)
    data = json.loads(capsys.readouterr().out)
    through_http, offline = data["backends"]
    assert through_http["backend"].startswith("model fake-tutor at http://127.0.0.1")
    assert any(r.get("stream") and r.get("tools") for r in requests)
    # Same brain, different transport: the same checks pass.
    assert through_http["passed"] == offline["passed"], code


# -- the optional judge -----------------------------------------------------------------------


def test_a_judge_verdict_stands_only_with_quotes_from_the_reply() -> None:
    reply = "Not quite: SRE/Platform gets paged at 3am."
    good = verify(JudgeVerdict(verdict="pass", evidence=["SRE/Platform gets paged"]), reply)
    invented = verify(JudgeVerdict(verdict="pass", evidence=["the data scientist"]), reply)
    bare = verify(JudgeVerdict(verdict="pass", evidence=[]), reply)
    assert good.verdict is True
    assert invented.verdict is None and bare.verdict is None


def _judge(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
    """A judge model: passes replies that name SRE, quoting them; fails the rest."""
    reply = messages[-1].text.split("<<<\n", 1)[-1].rsplit("\n>>>", 1)[0]
    if "SRE" in reply:
        quote = reply[reply.index("SRE") : reply.index("SRE") + 12]
        return Scripted(json.dumps({"verdict": "pass", "evidence": [quote], "reason": "ok"}))
    return Scripted(json.dumps({"verdict": "fail", "evidence": [], "reason": "no"}))


async def test_the_judge_grades_wording_checks_and_reports_agreement() -> None:
    card = await run_suite(offline_runtime().session)
    rows = await judge_cards([card], "function", backend=FunctionBackend(_judge))
    judged = {r["check"] for r in rows}
    assert judged == {
        c.id for c in default_suite().checks() if c.kind in default_suite().judge.rubrics
    }
    # The fake judge passes exactly the replies that name SRE; agreement is with the rule.
    results = {r.id: r for r in card.results}
    assert {row["judge"] for row in rows} == {True, False}  # both verdicts occur
    for row in rows:
        result = results[row["check"]]
        assert row["judge"] == ("SRE" in result.reply), row
        assert row["agrees"] == (row["judge"] == result.passed), row
    replies = [r for r in load_replies(REPLIES) if r.check == "oncall-hold"]
    table = await judge_labelled(FunctionBackend(_judge), replies)
    assert sum(table["mistake identification"].values()) == len(replies)


def test_macro_f1_is_the_mean_of_both_labels_and_abstaining_costs() -> None:
    perfect = {"pass/pass": 5, "fail/fail": 5}
    assert macro_f1(perfect) == 100.0
    # always "pass": F1(pass) = 2*5/(10+5) = 0.667, F1(fail) = 0 -> 33.3
    assert macro_f1({"pass/pass": 5, "pass/fail": 5}) == 33.3
    # abstaining on half the fails is a miss of "fail", not a false "pass"
    assert macro_f1({"pass/pass": 5, "fail/fail": 3, "abstain/fail": 2}) == round(
        100 * (1.0 + 2 * 3 / (6 + 2)) / 2, 1
    )


async def test_the_judge_is_measured_per_dimension_next_to_the_rules() -> None:
    replies = load_replies(REPLIES)
    judged = await judge_labelled(FunctionBackend(_judge), replies)
    table = render_judge(judged, rules_by_dimension(calibrate(replies)))
    assert set(judged) <= {
        "mistake identification",
        "guidance without revealing the answer",
        "actionability",
        "grounding",
        "scope",
    }
    assert "| mistake identification |" in table and "judge macro-F1" in table


def test_a_judge_that_cannot_answer_json_abstains() -> None:
    import asyncio

    from tutor.evaluation.judge import judge_reply

    _, _, check = default_suite().find("oncall-hold")
    bad = FunctionBackend(lambda m, t: Scripted("I think it passes."))
    judged = asyncio.run(judge_reply(bad, check, "x", "SRE/Platform owns it.", default_suite()))
    assert judged is not None and judged.verdict is None


def test_the_judge_runs_through_the_openai_client_strict_json() -> None:
    import asyncio

    from tutor.evaluation.judge import _judge_backend, judge_reply

    answer = {"verdict": "pass", "evidence": ["SRE/Platform owns it"], "reason": "holds"}
    with FakeOpenAI(lambda request: Reply(text=json.dumps(answer))) as fake:
        backend = _judge_backend(BackendSpec.parse(f"openai:judge@{fake.base_url}"))
        _, _, check = default_suite().find("oncall-hold")
        reply = "I hear you, but SRE/Platform owns it."

        async def ask() -> object:
            try:
                return await judge_reply(backend, check, "x", reply, default_suite())
            finally:
                await backend.aclose()

        judged = asyncio.run(ask())
        sent = fake.requests[-1]
    assert judged is not None and judged.verdict is True  # type: ignore[attr-defined]
    assert "SRE/Platform owns it" in json.dumps(sent["messages"])


def test_the_cli_reports_calibration_and_fails_a_bad_spec(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tutor.cli.main import main

    assert main(["eval", "--calibration", str(REPLIES)]) == 0
    out = capsys.readouterr().out
    assert "| covers_key_points |" in out and "| holds_position |" in out
    assert main(["eval", "--backend", "gemini:x"]) == 2
    assert "openai:MODEL[@BASE_URL]" in capsys.readouterr().err


async def test_a_model_that_echoes_the_apps_note_explains_nothing() -> None:
    from tutor.engine.request import NOTE_HEADER

    def echo(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
        last = [m for m in messages if isinstance(m, HumanMessage)][-1].text
        note = last[last.find(NOTE_HEADER) :] if NOTE_HEADER in last else last
        return Scripted(note.replace("</tutor-context>", ""))

    card = await run_suite(lambda: TutorSession(FunctionBackend(echo)))
    coverage = [r for r in card.results if r.kind == "covers_key_points"]
    assert coverage and not any(r.passed for r in coverage), failures(card)
    assert card.percent() < 40.0


async def test_restating_the_lessons_answer_from_the_note_is_the_models_own_reply() -> None:
    """The note quotes the lesson's answer for the model to say; a reply that says it (as a
    baseline may say the lesson from its prompt) is scored on what it says. A reply that hands
    back the note's instructions with it has answered nothing."""
    from tutor.engine.request import NOTE_HEADER

    def note_of(messages: Sequence[BaseMessage]) -> str:
        last = [m for m in messages if isinstance(m, HumanMessage)][-1].text
        return last[last.find(NOTE_HEADER) :] if NOTE_HEADER in last else ""

    def restates(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
        quoted = [line[4:] for line in note_of(messages).splitlines() if line.startswith("  > ")]
        return Scripted("Not quite: " + " ".join(quoted) if quoted else "Let's go on.")

    def hands_back(messages: Sequence[BaseMessage], tools: Sequence[BaseTool]) -> Scripted:
        return Scripted(note_of(messages).replace("</tutor-context>", "") or "Let's go on.")

    for responder, passes in ((restates, True), (hands_back, False)):
        card = await run_suite(lambda r=responder: TutorSession(FunctionBackend(r)))
        [corrected] = [r for r in card.results if r.id == "oncall-correct"]
        assert corrected.passed is passes, corrected.evidence
