"""`tutor quiz`: a course author's tools for the bank and its rubrics.

- `tutor quiz list`: every question id with its kind and topic;
- `tutor quiz try QUESTION_ID "answer" [--json] [--rules-only]`: the verdict, the key points
  met and missed with the learner's words that met them, and which grader decided (with a
  model configured, the model grader looks at answers the rules are unsure of);
- `tutor quiz calibrate [--file PATH] [--json]`: the rules' confusion matrix against the
  teacher-labelled answers (by default tests/data/quiz_answers.jsonl of a checkout: the
  installed wheel holds no tests, so there `--file` is needed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tutor.content.pack import lexicon, quiz_bank
from tutor.errors import InputError
from tutor.quiz import Assessment, Question, assess, assess_async
from tutor.quiz.calibration import Labelled, calibrate

# In a checkout; an installed wheel has no tests/ (read_labelled then says to pass --file).
CHECKOUT_LABELLED = Path(__file__).resolve().parents[2] / "tests" / "data" / "quiz_answers.jsonl"


def add_parser(sub: Any) -> None:
    quiz = sub.add_parser("quiz", help="list, try and calibrate the quiz's questions")
    qsub = quiz.add_subparsers(dest="quiz_command", required=True)
    qsub.add_parser("list", help="question ids, kinds and topics")
    trial = qsub.add_parser("try", help="grade one answer and show why")
    trial.add_argument("question_id")
    trial.add_argument("answer")
    trial.add_argument("--json", action="store_true", help="print the assessment as JSON")
    trial.add_argument("--rules-only", action="store_true", help="never ask a model grader")
    cal = qsub.add_parser("calibrate", help="confusion matrix of the labelled answers")
    cal.add_argument(
        "--file", type=Path, help="labelled answers (JSONL; default: the checkout's test data)"
    )
    cal.add_argument("--json", action="store_true", help="print the matrix as JSON")
    cal.add_argument("--show", action="store_true", help="list every disagreement")


def run(args: argparse.Namespace) -> int:
    if args.quiz_command == "list":
        return list_command()
    if args.quiz_command == "try":
        return asyncio.run(try_command(args.question_id, args.answer, args.json, args.rules_only))
    return calibrate_command(args.file, args.json, args.show)


def list_command() -> int:
    for q in quiz_bank().questions:
        step = f"step {q.guided_step}" if q.guided_step else "-"
        print(f"{q.id:28} {q.kind:14} {step:7} {q.topic}")
    return 0


def assessment_json(question: Question, answer: str, a: Assessment) -> dict[str, Any]:
    return {
        "question_id": question.id,
        "kind": question.kind,
        "answer": answer,
        "verdict": a.verdict,
        "decided_by": a.decided_by,
        "unsure": a.unsure,
        "met": [{"point": p.name, "span": p.span} for p in a.points if p.met],
        "missed": [{"point": p.name, "contradicted_by": p.conflict} for p in a.points if not p.met],
        "unrecognised": list(a.unrecognised),
        "skip": a.skip,
        "notes": list(a.notes),
    }


async def _grader() -> Any:
    from tutor.backends import make_backend
    from tutor.config import load_settings

    backend = make_backend(load_settings())
    profile = backend.profile
    return backend if profile.supports_json and not profile.offline else None


async def try_command(question_id: str, answer: str, as_json: bool, rules_only: bool) -> int:
    bank, lex = quiz_bank(), lexicon()
    question = bank.get(question_id)
    model = None if rules_only else await _grader()
    try:
        if model is None:
            a = assess(lex, question, answer, bank.guard)
        else:
            a = await assess_async(lex, question, answer, bank.guard, model)
    finally:
        if model is not None:
            await model.aclose()
    data = assessment_json(question, answer, a)
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(
        f"{question.id} ({question.kind}): {a.verdict}, decided by {a.decided_by}"
        + (" (unsure)" if a.unsure else "")
    )
    for item in data["met"]:
        print(f"  met     {item['point']}: {item['span']!r}")
    for item in data["missed"]:
        why = f" (contradicted by {item['contradicted_by']!r})" if item["contradicted_by"] else ""
        print(f"  missed  {item['point']}{why}")
    if a.unrecognised:
        print(f"  could not recognise: {', '.join(a.unrecognised)}")
    for note in a.notes:
        print(f"  note: {note}")
    return 0


def read_labelled(path: Path | None) -> list[Labelled]:
    """The labelled answers at `path`, or the checkout's when none is given."""
    checkout = CHECKOUT_LABELLED
    if path is None and not checkout.is_file():
        raise InputError(
            "No labelled answers: pass --file PATH (JSON lines of question, answer, verdict), "
            f"or run from a checkout of the repository, which has {checkout.name} in tests/data."
        )
    path = path or checkout
    if not path.is_file():
        raise InputError(f"No labelled answers at {path}; pass --file PATH (JSON lines).")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled.model_validate_json(line) for line in lines]


def calibrate_command(path: Path | None, as_json: bool, show: bool) -> int:
    result = calibrate(quiz_bank(), lexicon(), read_labelled(path))
    if as_json:
        data = {
            "matrix": result.matrix,
            "total": result.total,
            "agreement": round(result.agreement, 4),
            "false_accepts": result.false_accepts,
        }
        print(json.dumps(data, indent=2))
        return 0
    print(result.render())
    if show:
        for row, got in result.disagreements:
            print(f"  {row.question}: teacher {row.verdict}, rules {got}: {row.answer!r}")
    return 0 if result.false_accepts == 0 else 1


def main(argv: list[str]) -> int:  # for `python -m tutor.cli.quiz`
    parser = argparse.ArgumentParser(prog="tutor")
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["quiz", *argv]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
