"""`tutor eval`: score one or more backends on the scripted learners and print the scorecard.

    tutor eval                                   # the configured backend
    tutor eval --backend offline --backend openai:MODEL@http://127.0.0.1:8081/v1 --runs 3
    tutor eval --json                            # for machines
    tutor eval --judge openai:MODEL              # also ask a judge model (off by default)
    tutor eval --calibration tests/data/eval_replies.toml [--judge SPEC]
                                                 # each rule's (and the judge's) accuracy
    tutor eval --calibration A.toml --calibration B.toml --question role-pipelines
                                                 # each file apart, then the union

Exit status 0 when every backend's model score reaches `--min-score` and every app guarantee
holds; 1 otherwise.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from tutor.evaluation.runner import BackendSpec, score_backends
from tutor.evaluation.scorecard import Report

DEFAULT_MIN_SCORE = 90.0


def eval_command(
    backends: Sequence[str] = (),
    *,
    as_json: bool = False,
    runs: int | None = None,
    baseline: bool = False,
    judge: str | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    calibration: Sequence[str] | str | None = None,
    question: str | None = None,
) -> int:
    """Run the eval for each backend spec (none: the configured backend) and print it."""
    if calibration:
        paths = [calibration] if isinstance(calibration, str) else list(calibration)
        return calibration_command(paths, judge, as_json=as_json, question=question)
    specs = [BackendSpec.parse(b) for b in backends] or [BackendSpec("auto")]
    judge_spec = BackendSpec.parse(judge) if judge else None
    report = asyncio.run(_report(specs, max(1, runs) if runs else None, baseline, judge_spec))
    print(report.to_json() if as_json else report.render_text())
    tutor_cards = [c for c in report.cards if not c.baseline]  # a baseline is only compared
    ok = all(c.percent() >= min_score and c.app_passed[0] == c.app_passed[1] for c in tutor_cards)
    return 0 if ok else 1


async def _report(
    specs: list[BackendSpec], runs: int | None, baseline: bool, judge: BackendSpec | None
) -> Report:
    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    cards = await score_backends(specs, runs=runs, baseline=baseline, progress=progress)
    rows: list[dict[str, object]] = []
    if judge is not None:
        from tutor.evaluation.judge import judge_cards

        rows = await judge_cards(cards, judge, progress=progress)
    return Report(cards=cards, judge=rows)


MIN_RULE_ACCURACY = 95.0


def calibration_command(
    paths: Sequence[str], judge: str | None, *, as_json: bool = False, question: str | None = None
) -> int:
    """Print each rule's accuracy on the labelled replies of each file in `paths` (and, for
    several files, on all of them together), and the judge's per-dimension macro-F1."""
    import json
    from pathlib import Path

    from tutor.evaluation.calibration import calibrate, load_replies, render
    from tutor.evaluation.judge import macro_f1, render_judge, rules_by_dimension

    files = {p: load_replies(Path(p)) for p in paths}
    every = [r for replies in files.values() for r in replies]
    tables = {p: calibrate(replies, question=question) for p, replies in files.items()}
    if len(files) > 1:
        tables["all files"] = calibrate(every, question=question)
    rows = tables[paths[0]] if len(files) == 1 else tables["all files"]
    judged = asyncio.run(_judge_labelled(BackendSpec.parse(judge), every)) if judge else {}
    if as_json:
        data = {
            "files": {
                p: [r.model_dump() | {"accuracy": r.accuracy} for r in t] for p, t in tables.items()
            },
            "rules": [r.model_dump() | {"accuracy": r.accuracy} for r in rows],
            "judge": {d: {"confusion": c, "macro_f1": macro_f1(c)} for d, c in judged.items()},
            "rules_macro_f1": {d: macro_f1(c) for d, c in rules_by_dimension(rows).items()},
        }
        print(json.dumps(data, indent=2))
    else:
        for name, table in tables.items():
            print(f"{name}:\n{render(table)}\n")
        if judged:
            print(render_judge(judged, rules_by_dimension(rows)))
    return 0 if all(r.accuracy >= MIN_RULE_ACCURACY for r in rows) else 1


async def _judge_labelled(spec: BackendSpec, replies: list) -> dict[str, dict[str, int]]:
    """The judge's confusion per dimension on the labelled replies."""
    from tutor.evaluation.judge import _judge_backend, judge_labelled

    backend = _judge_backend(spec)
    try:
        return await judge_labelled(backend, replies)
    finally:
        await backend.aclose()
