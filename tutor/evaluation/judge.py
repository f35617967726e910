"""The optional judge (`tutor eval --judge SPEC`): a model grades the wording-dependent checks.

Each reply of a check kind with a rubric (prompts/eval.toml `[judge]`) is sent with it through
the backend's strict-JSON call (`complete_json`). The judge returns a verdict and quotes from
the reply; code verifies every quote is really in the reply, and discards a verdict whose
evidence is not there (the judge abstains). Off by default. On a run, its agreement with the
rules is reported; on labelled replies (`--calibration … --judge SPEC`), its macro-F1 per
dimension (the mean of the F1 of "pass" and of "fail", as the BEA 2025 shared task on tutor
feedback scores each dimension; an abstention counts as a wrong answer), next to the rules'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from tutor.errors import TutorError
from tutor.evaluation import scripts as es
from tutor.evaluation.scorecard import CheckResult, Scorecard


class JudgeVerdict(BaseModel):
    """What the judge model must answer, as strict JSON."""

    verdict: Literal["pass", "fail"]
    evidence: list[str] = Field(default_factory=list, max_length=10)
    reason: str = ""


class Judgement(BaseModel):
    """A verdict after code checked its quotes; `verdict` is None when the judge abstained."""

    verdict: bool | None
    evidence: list[str]
    note: str


def _flat(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).casefold()


def verify(answer: JudgeVerdict, reply: str) -> Judgement:
    """Keep the verdict only if every quote is in the reply (a fail may quote nothing)."""
    missing = [q for q in answer.evidence if _flat(q) not in _flat(reply)]
    if missing:
        return Judgement(
            verdict=None, evidence=answer.evidence, note=f"unverified quote {missing[0]!r}"
        )
    if answer.verdict == "pass" and not answer.evidence:
        return Judgement(verdict=None, evidence=[], note="a pass without quotes")
    return Judgement(verdict=answer.verdict == "pass", evidence=answer.evidence, note=answer.reason)


def rubric(check: Any, suite: es.Suite) -> str | None:
    """The rubric for this check, filled in, or None when the judge does not grade its kind."""
    text = suite.judge.rubrics.get(check.kind)
    if text is None:
        return None
    from tutor.content.pack import lexicon

    def name(entry_id: str) -> str:
        return lexicon().entry(entry_id).name

    values = {
        "points": "; ".join(k.name for k in suite.points_of(getattr(check, "step", 0))),
        "stage": name(check.stage) if getattr(check, "stage", "") else "",
        "right": " or ".join(name(r) for r in getattr(check, "right", [])),
        "wrong": " or ".join(name(r) for r in getattr(check, "wrong", [])),
    }
    return text.format(**values)


async def judge_reply(
    backend: Any, check: Any, learner: str, reply: str, suite: es.Suite
) -> Judgement | None:
    """The judge's verified verdict on one reply, or None when its kind is not judged."""
    text = rubric(check, suite)
    if text is None:
        return None
    if not reply.strip():
        return Judgement(verdict=False, evidence=[], note="empty reply")
    user = (
        f"Rubric: {text}\n\nThe learner wrote:\n{learner}\n\nThe tutor's reply:\n<<<\n{reply}\n>>>"
    )
    try:
        answer = await backend.complete_json(suite.judge.system, user, JudgeVerdict)
    except TutorError as exc:  # transport or JSON trouble: the judge abstains on this reply
        return Judgement(verdict=None, evidence=[], note=f"judge error: {exc}")
    return verify(answer, reply)


async def judge_cards(
    cards: Sequence[Scorecard],
    spec: Any,
    *,
    suite: es.Suite | None = None,
    backend: Any = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, object]]:
    """Judge every judged check of every card; one row per check with rule and judge verdicts."""
    suite = suite or es.default_suite()
    owned = backend is None
    backend = backend or _judge_backend(spec)
    rows: list[dict[str, object]] = []
    try:
        for card in cards:
            if progress:
                progress(f"Judging {card.spec or card.backend} with {spec}…")
            for result in card.results:
                row = await _judge_result(backend, result, suite)
                if row is not None:
                    rows.append({"backend": card.spec or card.backend, **row})
    finally:
        if owned:
            await backend.aclose()
    return rows


async def _judge_result(
    backend: Any, result: CheckResult, suite: es.Suite
) -> dict[str, object] | None:
    _, _, check = suite.find(result.id)
    judged = await judge_reply(
        backend, check, learner_words(check, result.send), result.reply, suite
    )
    if judged is None:
        return None
    agrees = None if judged.verdict is None else judged.verdict == result.passed
    return {
        "check": result.id,
        "run": result.run,
        "rule": result.passed,
        "judge": judged.verdict,
        "agrees": agrees,
        "evidence": judged.evidence,
        "note": judged.note,
    }


def learner_words(check: Any, send: str) -> str:
    """What the learner asked: `/next` at a guided step sends that step's try-it prompt."""
    step = getattr(check, "step", None)
    if send.startswith("/") and step:
        from tutor.content.pack import load_pack

        return load_pack().steps[step - 1].prompt
    return send


Confusion = dict[
    str, int
]  # "pass/pass" (said/label), "fail/fail", "pass/fail", "fail/pass", "abstain/…"


async def judge_labelled(
    backend: Any, replies: Sequence[Any], suite: es.Suite | None = None
) -> dict[str, Confusion]:
    """Per dimension, the judge's verdicts against the labels of the replies it grades."""
    suite = suite or es.default_suite()
    table: dict[str, Confusion] = {}
    for reply in replies:
        conversation, index, check = suite.find(reply.check)
        send = learner_words(check, conversation.turns[index].send)
        judged = await judge_reply(backend, check, send, reply.text, suite)
        if judged is None:
            continue
        said = {True: "pass", False: "fail", None: "abstain"}[judged.verdict]
        cell = f"{said}/{reply.label}"
        row = table.setdefault(dimension_of(check.kind), {})
        row[cell] = row.get(cell, 0) + 1
    return table


def dimension_of(kind: str) -> str:
    from tutor.evaluation.guarantees import APP_RULES
    from tutor.evaluation.rules import MODEL_RULES

    return (MODEL_RULES.get(kind) or APP_RULES[kind])[0]


def macro_f1(confusion: Confusion) -> float:
    """The mean F1 of the two labels; an abstention is a miss of its label, no false alarm."""
    scores = []
    for label, other in (("pass", "fail"), ("fail", "pass")):
        hits = confusion.get(f"{label}/{label}", 0)
        false_alarms = confusion.get(f"{label}/{other}", 0)
        misses = sum(n for cell, n in confusion.items() if cell.endswith(f"/{label}")) - hits
        denominator = 2 * hits + false_alarms + misses
        scores.append(2 * hits / denominator if denominator else 0.0)
    return round(100 * sum(scores) / len(scores), 1)


def rules_by_dimension(rows: Sequence[Any]) -> dict[str, Confusion]:
    """The rules' calibration rows (per check kind) summed per dimension."""
    table: dict[str, Confusion] = {}
    for row in rows:
        merged = table.setdefault(dimension_of(row.kind), {})
        for cell, n in row.confusion.items():
            merged[cell] = merged.get(cell, 0) + n
    return table


def _judge_backend(spec: Any) -> Any:
    from tutor.backends import make_backend
    from tutor.config import load_settings

    return make_backend(load_settings(**spec.overrides()))


def agreement(rows: Sequence[dict[str, object]]) -> str:
    """'judge agrees with the rules on 9 of 11 checks (2 abstained)'."""
    decided = [r for r in rows if r["agrees"] is not None]
    agree = sum(1 for r in decided if r["agrees"])
    return (
        f"judge agrees with the rules on {agree} of {len(decided)} checks "
        f"({len(rows) - len(decided)} abstained)"
    )


def render_judge(judged: dict[str, Confusion], rules: dict[str, Confusion]) -> str:
    """A Markdown table: per dimension the judge graded, its macro-F1 on the labelled replies
    next to the rules' (on all the replies of that dimension), and how often it abstained."""
    lines = [
        "| dimension | replies judged | abstained | judge macro-F1 | rules macro-F1 |",
        "|---|---|---|---|---|",
    ]
    for dimension, confusion in sorted(judged.items()):
        abstained = sum(n for cell, n in confusion.items() if cell.startswith("abstain/"))
        theirs = f"{macro_f1(rules[dimension]):g}" if dimension in rules else "–"
        lines.append(
            f"| {dimension} | {sum(confusion.values())} | {abstained} "
            f"| {macro_f1(confusion):g} | {theirs} |"
        )
    return "\n".join(lines)
