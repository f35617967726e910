"""A non-editable install works from any directory: prompts/ ships inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_carries_the_lesson_pack_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for name in (
        "lesson.md",
        "system.md",
        "guided.toml",
        "quiz.toml",
        "responsibilities.toml",
        "offline/answers.toml",
    ):
        assert f"tutor/prompts/{name}" in names

    env_dir = tmp_path / "venv"
    # System site-packages give the dependencies; the wheel itself is installed fresh.
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import tutor.content.files as r; print(r.pack_root())"
    where = subprocess.run(
        [str(python), "-c", code], cwd=elsewhere, capture_output=True, text=True, check=True
    )
    assert str(env_dir) in where.stdout  # loaded from the installed wheel, not the checkout
    demo = subprocess.run(
        [str(env_dir / "bin" / "tutor"), "demo"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert demo.stdout.startswith("Risky handoffs (ownership changes hands):\n")
