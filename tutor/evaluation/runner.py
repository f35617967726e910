"""Running the suite: every scripted conversation in a fresh session, every check scored.

`run_suite` plays the conversations against sessions from `new_session` and scores each turn
with the model's rules or the app guarantees; `BackendSpec.parse` reads a backend as
`--backend` gives it (`offline`, `openai:MODEL`, `openai:MODEL@BASE_URL`, like pydantic-ai's
`infer_model("provider:model")`); `score_backends` runs several specs, each N times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tutor.errors import ConfigError
from tutor.evaluation.context import Context, short
from tutor.evaluation.guarantees import APP_RULES
from tutor.evaluation.record import TurnRecord, play_turn
from tutor.evaluation.rules import ACTION_RULES, MODEL_RULES
from tutor.evaluation.scorecard import Block, CheckResult, Scorecard
from tutor.evaluation.scripts import Check, Suite, default_suite

PROVIDERS = ("offline", "openai")


@dataclass(frozen=True)
class BackendSpec:
    """A backend to evaluate: a provider, and for a model server its model and base URL."""

    provider: str
    model: str | None = None
    base_url: str | None = None

    @classmethod
    def parse(cls, spec: str) -> BackendSpec:
        """'offline', 'openai', 'openai:MODEL' or 'openai:MODEL@BASE_URL'."""
        provider, _, rest = spec.strip().partition(":")
        provider = provider.lower()
        if provider not in PROVIDERS:
            raise ConfigError(
                f"Unknown backend {spec!r}: use 'offline' or 'openai:MODEL[@BASE_URL]' "
                "(e.g. openai:qwen2.5-coder-0.5b@http://127.0.0.1:8081/v1)."
            )
        model, _, base_url = rest.partition("@")
        if provider == "offline" and rest:
            raise ConfigError(f"The offline backend takes no model: write 'offline', not {spec!r}.")
        return cls(provider, model or None, base_url or None)

    def overrides(self) -> dict[str, Any]:
        """Settings for `load_settings`: the model and base URL, else the environment's."""
        if self.provider == "auto":  # no --backend: whatever the environment configures
            return {}
        values: dict[str, Any] = {"tutor_backend": self.provider}
        if self.model:
            values["tutor_model"] = self.model
        if self.base_url:
            values["openai_base_url"] = self.base_url
        return values

    def __str__(self) -> str:
        if self.provider == "auto":
            return "configured"
        text = self.provider + (f":{self.model}" if self.model else "")
        return text + (f"@{self.base_url}" if self.base_url else "")


def rule_of(kind: str) -> tuple[Block, str, Any]:
    """(block, dimension, rule) of a check kind."""
    if kind in MODEL_RULES:
        dimension, rule = MODEL_RULES[kind]
        return "model", dimension, rule
    dimension, rule = APP_RULES[kind]
    return "app", dimension, rule


def run_check(check: Check, turn: TurnRecord, ctx: Context) -> tuple[Block, str, bool, str]:
    """(block, dimension, passed, evidence) of one check on one turn."""
    block, dimension, rule = rule_of(check.kind)
    if block == "model" and turn.engine_only and check.kind == "no_answer_key":
        # The app asked the question itself, by design: nothing of the model's to score.
        return "app", dimension, True, "the app asked the question itself; the model had no turn"
    if block == "model" and check.kind not in ACTION_RULES and not turn.model_text.strip():
        why = "; ".join(f"{n.kind}: {n.message}" for n in turn.notices) or "the model wrote nothing"
        return block, dimension, False, f"no reply from the model ({short(why, 120)})"
    try:
        passed, evidence = rule(check, turn, ctx)
    except Exception as exc:  # e.g. tool arguments the planner rejects
        passed, evidence = False, f"could not check: {type(exc).__name__}: {short(str(exc))}"
    return block, dimension, passed, evidence


async def run_suite(
    new_session: Callable[[], Any],
    suite: Suite | None = None,
    *,
    secrets: Iterable[str] = (),
    progress: Callable[[str], None] | None = None,
    run: int = 1,
    spec: str = "",
    baseline: bool = False,
) -> Scorecard:
    """Play every scripted conversation, each in a fresh session, and score every turn
    (`baseline`: a plain chat, which makes no app guarantees, so only the model's checks)."""
    suite = suite or default_suite()
    results: list[CheckResult] = []
    seconds: list[float] = []
    ctx: Context | None = None
    backend = "?"
    for index, conversation in enumerate(suite.conversations, 1):
        if progress:
            progress(f"[run {run}, {index}/{len(suite.conversations)}] {conversation.title}")
        session = new_session()
        backend = session.backend.label
        ctx = ctx or Context.of_session(session, suite, secrets)
        question: str | None = None
        started = time.perf_counter()
        for number, turn in enumerate(conversation.turns, 1):
            record = await play_turn(session, turn.send, question)
            question = record.question
            for check in turn.checks:
                if baseline and rule_of(check.kind)[0] == "app":
                    continue
                block, dimension, passed, evidence = run_check(check, record, ctx)
                results.append(
                    CheckResult(
                        conversation=conversation.title,
                        turn=number,
                        send=turn.send,
                        id=check.id,
                        name=check.name,
                        kind=check.kind,
                        dimension=dimension,
                        block=block,
                        passed=passed,
                        evidence=evidence,
                        run=run,
                        reply=record.model_text,
                    )
                )
        seconds.append(round(time.perf_counter() - started, 3))
    return Scorecard(
        backend=backend, spec=spec, results=results, seconds=seconds, baseline=baseline
    )


async def score_runtime(
    runtime: Any,
    *,
    runs: int = 1,
    spec: str = "",
    progress: Callable[[str], None] | None = None,
    baseline: bool = False,
) -> Scorecard:
    """Score the runtime's backend `runs` times — through the tutor, or (`baseline`) with the
    lesson in a plain chat on the same model; closes the runtime in the same event loop."""
    from tutor.evaluation.baseline import PlainChat

    def plain() -> PlainChat:
        return PlainChat(runtime.backend)

    try:
        cards = [
            await run_suite(
                plain if baseline else runtime.session,
                secrets=runtime.limits.secrets,
                progress=progress,
                run=run,
                spec=spec,
                baseline=baseline,
            )
            for run in range(1, runs + 1)
        ]
    finally:
        await runtime.aclose()
    return Scorecard(
        backend=cards[0].backend,
        spec=spec,
        runs=runs,
        results=[r for card in cards for r in card.results],
        seconds=[s for card in cards for s in card.seconds],
        baseline=baseline,
    )


MODEL_RUNS = 3  # a model is stochastic: three runs by default show the spread


async def score_backends(
    specs: Sequence[BackendSpec],
    *,
    runs: int | None = None,
    baseline: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Scorecard]:
    """One scorecard per backend spec, one after the other (a local server takes one request
    at a time); `baseline` adds, after each model backend, the same model with the lesson in
    a plain chat. `runs` None: one run offline (deterministic), `MODEL_RUNS` for a model."""
    from tutor.config import load_settings
    from tutor.runtime import build_runtime

    cards = []
    for spec in specs:
        settings = load_settings(**spec.overrides())
        runtime = build_runtime(settings, persist=False)
        offline = runtime.backend.profile.offline
        n = runs or (1 if offline else MODEL_RUNS)
        if progress:
            progress(f"Evaluating {runtime.backend.label} ({spec})…")
        cards.append(await score_runtime(runtime, runs=n, spec=str(spec), progress=progress))
        if baseline and not offline:
            plain = build_runtime(settings, persist=False)
            label = f"{spec} baseline"
            if progress:
                progress(f"Evaluating the lesson in a plain chat on {plain.backend.label}…")
            cards.append(
                await score_runtime(plain, runs=n, spec=label, progress=progress, baseline=True)
            )
    return cards
