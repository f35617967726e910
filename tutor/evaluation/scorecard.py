"""Scorecards: what each check found, for one backend (over N runs) and for several side by side.

The model's score counts only the checks on the model's words (block "model"); the checks of
what the app guarantees (block "app") are shown in their own block and never in the score.
With `--runs N` each check is counted over the runs and the score's spread (min–max) is shown.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from tutor.evaluation.context import short

Block = Literal["model", "app"]


class CheckResult(BaseModel):
    conversation: str
    turn: int
    send: str
    id: str
    name: str
    kind: str
    dimension: str
    block: Block
    passed: bool
    evidence: str
    run: int = 1
    #: the model's words the check read (for a judge, and for people reading the JSON)
    reply: str = ""


class Scorecard(BaseModel):
    """One backend's results over one or more runs of the suite."""

    backend: str
    spec: str = ""
    runs: int = 1
    results: list[CheckResult]
    #: seconds each conversation took, every run (model calls of every kind included)
    seconds: list[float] = []
    #: the seed's way (the lesson in a plain chat): no app, so no app guarantees
    baseline: bool = False

    def block(self, block: Block, run: int | None = None) -> list[CheckResult]:
        return [r for r in self.results if r.block == block and run in (None, r.run)]

    def percent(self, run: int | None = None) -> float:
        """The model's score: passed share of the checks on the model's words."""
        rows = self.block("model", run)
        return round(100 * sum(r.passed for r in rows) / len(rows), 1) if rows else 0.0

    def run_percents(self) -> list[float]:
        return [self.percent(run) for run in range(1, self.runs + 1)]

    @property
    def spread(self) -> tuple[float, float, float]:
        """(min, mean, max) of the model's score over the runs."""
        scores = self.run_percents()
        return min(scores), round(statistics.fmean(scores), 1), max(scores)

    @property
    def app_passed(self) -> tuple[int, int]:
        rows = self.block("app")
        return sum(r.passed for r in rows), len(rows)

    def failed(self, kind: str | None = None) -> list[CheckResult]:
        return [r for r in self.results if not r.passed and kind in (None, r.kind)]

    def by_dimension(self) -> dict[str, dict[str, int]]:
        dims: dict[str, dict[str, int]] = {}
        for r in self.block("model"):
            d = dims.setdefault(r.dimension, {"passed": 0, "total": 0})
            d["passed"] += r.passed
            d["total"] += 1
        return dims

    @property
    def seconds_per_conversation(self) -> float:
        return round(statistics.fmean(self.seconds), 2) if self.seconds else 0.0

    def summary(self) -> dict[str, object]:
        low, mean, high = self.spread
        app_ok, app_total = self.app_passed
        model = self.block("model")
        return {
            "backend": self.backend,
            "spec": self.spec,
            "baseline": self.baseline,
            "runs": self.runs,
            "seconds_per_conversation": self.seconds_per_conversation,
            "score": mean,
            "score_min": low,
            "score_max": high,
            "passed": sum(r.passed for r in model),
            "total": len(model),
            "by_dimension": self.by_dimension(),
            "app_guarantees": {"passed": app_ok, "total": app_total},
            "checks": [r.model_dump() for r in self.results],
        }


class Report(BaseModel):
    """Several backends' scorecards, compared check by check; `judge` rows if a judge ran."""

    cards: list[Scorecard]
    judge: list[dict[str, object]] = []

    def to_json(self) -> str:
        return json.dumps(
            {"backends": [c.summary() for c in self.cards], "judge": self.judge}, indent=2
        )

    def render_text(self) -> str:
        lines = ["tutor eval — scripted learners, scored by rules on the model's own words", ""]
        lines += _table(self.cards, "model")
        lines += ["", "App guarantees (the same for every backend; not in the model's score):"]
        lines += _table(self.cards, "app")
        lines += ["", *_scores(self.cards)]
        for card in self.cards:
            failed = card.failed()
            if failed:
                way = " — baseline: the lesson in a plain chat" if card.baseline else ""
                lines += ["", f"Failed checks — {card.backend}{way}:"]
                seen: set[tuple[str, str]] = set()
                for r in failed:
                    if (r.id, r.evidence) in seen:
                        continue
                    seen.add((r.id, r.evidence))
                    lines.append(f"  {r.id} (run {r.run}): {short(r.evidence, 150)}")
        if self.judge:
            lines += ["", *_judge_lines(self.judge)]
        return "\n".join(lines)


def _judge_lines(rows: Sequence[dict[str, object]]) -> list[str]:
    """The judge's verdict next to the rule's, per judged check, and how often they agree."""
    decided = [r for r in rows if r["agrees"] is not None]
    agree = sum(1 for r in decided if r["agrees"])
    lines = [
        f"Judge (wording-dependent checks): agrees with the rules on {agree} of {len(decided)}"
        f" ({len(rows) - len(decided)} abstained)"
    ]
    for r in rows:
        rule = "PASS" if r["rule"] else "FAIL"
        judge = {True: "PASS", False: "FAIL", None: "abstains"}[r["judge"]]  # type: ignore[index]
        lines.append(
            f"  {r['backend']} {r['check']} (run {r['run']}): rule {rule}, judge {judge}"
            f" — {short(str(r['note']), 80)}"
        )
    return lines


def _cell(card: Scorecard, check_id: str) -> str:
    rows = [r for r in card.results if r.id == check_id]
    ok = sum(r.passed for r in rows)
    if card.runs == 1:
        return "PASS" if ok else "FAIL"
    return f"{ok}/{len(rows)}"


def _table(cards: Sequence[Scorecard], block: Block) -> list[str]:
    first = cards[0]
    ids = list(dict.fromkeys(r.id for r in first.block(block)))
    names = {r.id: (r.dimension, r.name) for r in first.block(block)}
    heads = [_label(c) for c in cards]
    widths = [max(6, len(h)) for h in heads]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + "  check"]
    for check_id in ids:
        cells = [_cell(c, check_id).ljust(w) for c, w in zip(cards, widths, strict=True)]
        dimension, name = names[check_id]
        lines.append("  " + "  ".join(cells) + f"  {name} [{dimension}]")
    return lines


def _label(card: Scorecard) -> str:
    """A column's name; a baseline's says so first (a long model URL is cut at its end)."""
    name = card.spec or card.backend
    if card.baseline:
        name = "baseline " + name.removesuffix(" baseline")
    return short(name, 40)


def _scores(cards: Sequence[Scorecard]) -> list[str]:
    lines = []
    for card in cards:
        low, mean, high = card.spread
        model = card.block("model", 1)
        ok = sum(r.passed for r in model)
        spread = f" (runs: {card.runs}, min {low:g}%, max {high:g}%)" if card.runs > 1 else ""
        dims = " · ".join(f"{n} {d['passed']}/{d['total']}" for n, d in card.by_dimension().items())
        app_ok, app_total = card.app_passed
        lines.append(f"{_label(card)}: model score {mean:g}%{spread} — run 1: {ok}/{len(model)}")
        lines.append(f"    by dimension: {dims}")
        if not card.baseline:
            lines.append(f"    app guarantees: {app_ok}/{app_total}")
        lines.append(f"    time per conversation: {card.seconds_per_conversation:g} s (mean)")
    return lines
