"""The `tutor` command as a user runs it: demo, chat with piped input, allocate."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout

from support.lesson import demo_code

from tutor.cli.chat import chat
from tutor.cli.main import main
from tutor.content.pack import load_pack


def lesson_demo_output() -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(demo_code(load_pack()), "main.py", "exec"), {})
    return out.getvalue()


def test_tutor_demo_prints_exactly_what_the_lesson_code_prints() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "demo"], capture_output=True, text=True, check=True
    )
    assert result.stdout == lesson_demo_output()
    assert result.stdout.count("\n") == 6


async def test_piped_chat_answers_each_line_and_runs_commands() -> None:
    prompts = [s.prompt for s in load_pack().steps]
    stdin = io.StringIO("/next\n/next\n/progress\n/reset\n/progress\n/quit\nnever read\n")
    out = io.StringIO()
    assert await chat(stdin=stdin, out=out) == 0
    text = out.getvalue()
    assert "Offline mode" in text and "OPENAI_API_KEY" in text
    assert text.count("you> ") == 5 and "never read" not in text
    assert f"(try-it prompt 1/3) {prompts[0]}" in text
    assert f"(try-it prompt 2/3) {prompts[1]}" in text
    assert "ran the handoff demo" in text
    assert "try-it prompts: 2/3" in text and "try-it prompts: 0/3" in text


def test_chat_as_a_subprocess_with_piped_stdin(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "chat"],
        input="Who gets paged at 3am?\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "tutor> " in result.stdout and "paged at 3am" in result.stdout
    assert "Traceback" not in result.stderr


def test_export_writes_markdown(tmp_path) -> None:
    path = tmp_path / "out.md"
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "chat"],
        input=f"/next\n/export {path}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"Saved the transcript and progress to {path}" in result.stdout
    exported = path.read_text()
    assert "# MLOps Roles Tutor — transcript" in exported and "**Learner**" in exported


def test_allocate_json_and_table(capsys) -> None:
    assert main(["allocate", "Ana is a data scientist, Ben runs infra and on-call", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unowned"] == []
    owners = {a["owner"] for a in data["assignments"]}
    assert owners == {"Ana", "Ben"}
    assert main(["allocate", "solo founder building a RAG chatbot"]) == 0
    assert "| Stage |" in capsys.readouterr().out


def test_bad_input_is_a_clear_error_not_a_traceback(capsys) -> None:
    assert main(["allocate", "a team of 0 people"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tutor: ") and "Traceback" not in err


def test_bad_setting_is_a_clear_error(monkeypatch, capsys) -> None:
    monkeypatch.setenv("TUTOR_BACKEND", "openai")
    assert main(["chat"]) == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err


def test_env_example_copied_as_is_runs_offline(tmp_path, monkeypatch) -> None:
    """A learner who copies .env.example to .env unchanged still gets the offline tutor."""
    from pathlib import Path

    from tutor.config import load_settings

    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    monkeypatch.delenv("TUTOR_DB", raising=False)
    settings = load_settings()
    assert settings.backend_kind == "offline" and settings.tutor_model == "gpt-4o-mini"
    assert settings.tutor_db is None and settings.tutor_auth is None


def test_env_example_lists_every_setting_with_a_comment() -> None:
    from pathlib import Path

    from tutor.config import Settings

    lines = (Path(__file__).resolve().parents[1] / ".env.example").read_text().splitlines()
    listed = [line.split("=")[0] for line in lines if line and not line.startswith("#")]
    assert sorted(listed) == sorted(name.upper() for name in Settings.model_fields)
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = [x for x in lines[:index] if not x or x.startswith("#")]
            assert above and above[-1].startswith("#"), f"{line} has no comment above it"


def test_export_to_a_bad_path_is_a_message_not_a_crash(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "chat"],
        input="/export /no/such/dir/x.md\n/exporter\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "[!] Could not save to /no/such/dir/x.md" in result.stdout
    assert "Unknown command /exporter" in result.stdout
    assert "Traceback" not in result.stderr


def test_resuming_an_unknown_session_says_so(capsys) -> None:
    assert main(["chat", "--resume", "0" * 32]) == 2
    assert "no saved session" in capsys.readouterr().err


async def test_resume_continues_a_saved_session() -> None:
    first = io.StringIO()
    await chat(stdin=io.StringIO("/next\n"), out=first)
    session_id = first.getvalue().split("Session ")[1].split(" ")[0]
    second = io.StringIO()
    await chat(session_id, stdin=io.StringIO("/progress\n"), out=second)
    assert "try-it prompts: 1/3" in second.getvalue()
