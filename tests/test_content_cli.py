"""`tutor content`: the questions the offline tutor declined, counted per deployment without
the learner; `tutor content check`: prompts/ validated and the thresholds recalibrated."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.backends.offline import OfflineBackend
from tutor.cli.content import pack_loaders
from tutor.cli.main import main
from tutor.content import files
from tutor.content.pack import knowledge
from tutor.engine import TutorSession
from tutor.knowledge.calibration import Labelled, check_threshold
from tutor.store import Store

OFF_TOPIC = "How much does a data scientist earn in Lisbon?"


async def say(session: TutorSession, text: str) -> None:
    async for _ in session.send(text):
        pass


async def test_declined_questions_are_listed_most_asked_first_without_the_learner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = os.environ["TUTOR_DB"]
    with Store(db) as store:
        first = TutorSession(OfflineBackend(), store=store)
        for text in (OFF_TOPIC, "who owns the eval gate?", "what should Priya cook tonight?"):
            await say(first, text)
        second = TutorSession(OfflineBackend(), store=store)
        await say(second, OFF_TOPIC.lower().rstrip("?"))
        await say(second, "/quiz")  # a command is never a declined question
        sessions = [first.id, second.id]
    assert main(["content"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(" ")]
    assert len(lines) == 2  # the answered question is not listed
    assert lines[0].split()[0] == "2" and "data scientist earn in [name]" in lines[0]
    assert lines[1].split()[0] == "1" and "what should [name] cook tonight" in lines[1]
    assert "Priya" not in out and "Lisbon" not in out
    assert main(["content", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"question", "asked", "first_day", "last_day"}
    assert len(rows[0]["first_day"]) == len("2026-12-07")  # a day, no time
    assert not any(s in json.dumps(rows) for s in sessions)


def test_no_declined_questions_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content"]) == 0
    assert "No declined questions" in capsys.readouterr().out


@pytest.fixture
def pack_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A copy of prompts/ that `tutor content check` reads instead of the real one."""
    copy = tmp_path / "prompts"
    shutil.copytree(Path(str(files.pack_root())), copy)
    monkeypatch.setattr(files, "pack_root", lambda: copy)
    yield copy
    monkeypatch.undo()
    for loader in pack_loaders():  # later tests read the real pack again
        loader.cache_clear()  # type: ignore[attr-defined]


def small_labelled(path: Path) -> Path:
    path.write_text(
        '[[case]]\nq = "who gets paged at 3am?"\nexpect = "stage-oncall"\n'
        f'[[case]]\nq = "{OFF_TOPIC}"\nexpect = "decline"\n',
        encoding="utf-8",
    )
    return path


def test_check_names_the_invalid_file_and_field_and_fails(
    pack_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guided = pack_copy / "guided.toml"
    guided.write_text(guided.read_text().replace("title = ", "tytle = ", 1))
    quiz = pack_copy / "quiz.toml"
    quiz.write_text(quiz.read_text() + "\n[[nonsense\n")
    code = main(["content", "check", "--file", str(small_labelled(tmp_path / "q.toml"))])
    out = capsys.readouterr().out
    assert code == 1
    assert "prompts/guided.toml" in out and "title" in out
    assert "prompts/quiz.toml: invalid TOML" in out
    assert "Thresholds" not in out


def test_check_of_valid_content_reports_each_threshold(
    pack_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["content", "check", "--file", str(small_labelled(tmp_path / "q.toml"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "prompts/ is valid." in out and "on 2 labelled questions" in out
    for name in ("threshold", "action_threshold", "misconception_threshold"):
        assert f"- {name} = " in out


def test_check_without_labelled_questions_says_to_pass_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "check", "--file", str(tmp_path / "none.toml")]) == 2
    assert "Cannot read labelled questions" in capsys.readouterr().err


def test_a_threshold_recorded_too_high_is_reported_moved() -> None:
    kb = knowledge()
    cases = [
        Labelled("what separates an ML engineer from an SRE?", "diff-mle-sre"),
        Labelled("define handover in this context", "handoff-what"),
        Labelled(OFF_TOPIC, "decline"),
    ]
    high = kb.data.model_copy(update={"threshold": 0.95})
    check = check_threshold("threshold", high, kb.lexicon, kb.facts, cases)
    assert check.moved and max(check.best) < 0.95
    assert check.recorded_score.declined > check.best_score.declined
    assert "MOVED" in check.render()
    # As recorded, the same questions leave it where it is.
    kept = check_threshold("threshold", kb.data, kb.lexicon, kb.facts, cases)
    assert not kept.moved and "holds" in kept.render()
