"""The quiz's rules measured against a teacher: the labelled answers in
tests/data/quiz_answers.jsonl (learners' own words: paraphrases, typos, negation traps,
swapped roles, shotgun lists, "I don't know"). Rerun by hand with `tutor quiz calibrate`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tutor.cli import quiz as quiz_cli
from tutor.cli.main import main
from tutor.content.pack import lexicon, quiz_bank
from tutor.quiz.calibration import Labelled, calibrate

LABELLED = Path(__file__).parent / "data" / "quiz_answers.jsonl"


@pytest.fixture(scope="module")
def rows() -> list[Labelled]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [Labelled.model_validate_json(line) for line in lines if line.strip()]


def test_the_labelled_set_covers_every_question_and_every_verdict(rows: list[Labelled]) -> None:
    bank = quiz_bank()
    assert len(rows) >= 300
    per_question = Counter(r.question for r in rows)
    assert set(per_question) == set(bank.ids())  # every question, and no unknown id
    assert Counter(r.verdict for r in rows).keys() == {"correct", "partial", "incorrect", "skipped"}
    free = [q.id for q in bank.questions if q.kind == "free_text"]
    assert all(per_question[q] >= 15 for q in free)
    assert len({(r.question, r.answer) for r in rows}) == len(rows)  # no duplicates


def test_rules_agree_with_the_teacher_and_never_accept_a_wrong_answer(rows: list[Labelled]) -> None:
    result = calibrate(quiz_bank(), lexicon(), rows)
    shown = result.render() + "".join(
        f"\n  {row.question}: teacher {row.verdict}, rules {got}: {row.answer!r}"
        for row, got in result.disagreements
    )
    assert result.false_accepts == 0, shown
    assert result.agreement >= 0.95, shown


def test_calibrate_command_prints_the_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quiz", "calibrate"]) == 0
    out = capsys.readouterr().out
    assert "teacher \\ grader" in out and "false accepts" in out and "agreement" in out


def test_quiz_try_works_for_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    bank = quiz_bank()
    for q in bank.questions:
        answer = q.key_answer() or q.explanation
        assert main(["quiz", "try", q.id, answer, "--json", "--rules-only"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["verdict"] == "correct" and shown["decided_by"] in {"exact", "rules"}, q.id
        assert all(m["span"] for m in shown["met"]), q.id
    assert main(["quiz", "try", "data-contract-owner", "no idea"]) == 0
    assert "skipped, decided by guard" in capsys.readouterr().out
    assert main(["quiz", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == bank.ids()
    assert main(["quiz", "try", "no-such-id", "x"]) == 2  # a clear error, not a traceback


def test_calibrate_outside_a_checkout_says_to_pass_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An installed wheel has no tests/data: the default file is missing.
    monkeypatch.setattr(quiz_cli, "CHECKOUT_LABELLED", tmp_path / "quiz_answers.jsonl")
    assert main(["quiz", "calibrate"]) == 2
    err = capsys.readouterr().err
    assert "pass --file PATH" in err and "checkout" in err and "Traceback" not in err
    assert main(["quiz", "calibrate", "--file", str(tmp_path / "nope.jsonl")]) == 2
    assert "No labelled answers at" in capsys.readouterr().err
