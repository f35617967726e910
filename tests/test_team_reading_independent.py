"""The team reader on descriptions written by someone who never saw its code or vocabulary
(tests/data/independent/teams.toml). `python -m pytest -s tests/test_team_reading_independent.py`
prints the report: read exactly, people dropped and invented, asked, non-teams planned."""

from __future__ import annotations

from tests.team_scoring import DATA, load, score

INDEPENDENT = load(DATA / "independent" / "teams.toml")


def test_score_the_independent_batch(capsys) -> None:
    result = score(INDEPENDENT)
    with capsys.disabled():
        print("\n" + result.report("independent teams.toml"))
    assert result.teams == 70 and result.not_teams == 20
