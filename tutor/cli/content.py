"""`tutor content`: what a course author needs after learners have used the tutor.

- `tutor content [--limit N] [--json]`: the questions the offline tutor declined in this
  deployment (TUTOR_DB), most often asked first, with their counts and first and last day —
  what to add to prompts/knowledge.toml. Kept without any learner identity.
- `tutor content check [--file PATH]`: validates every file of prompts/ (exit 1 when one is
  invalid, each problem named by file and field) and reruns the calibration of the knowledge
  base's thresholds on labelled learner questions (by default tests/data/questions.toml of a
  checkout; an installed wheel has no tests/, so there `--file` is needed), saying which
  thresholds moved from the values recorded in prompts/knowledge.toml.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tutor.errors import InputError, LessonPackError

CHECKOUT_QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "questions.toml"


def add_parser(sub: Any) -> None:
    content = sub.add_parser("content", help="declined questions; check prompts/ after an edit")
    content.add_argument("--limit", type=int, default=50, help="show at most N (default 50)")
    content.add_argument("--json", action="store_true", help="print them as JSON")
    csub = content.add_subparsers(dest="content_command")
    check = csub.add_parser("check", help="validate prompts/ and rerun the calibration")
    check.add_argument(
        "--file",
        type=Path,
        help="labelled questions (TOML [[case]] q, expect; default: the checkout's test data)",
    )


def run(args: Any) -> int:
    if args.content_command == "check":
        return check_command(args.file)
    return declined_command(args.limit, args.json)


def declined_command(limit: int, as_json: bool) -> int:
    from tutor.config import load_settings
    from tutor.store import Store, default_db_path

    settings = load_settings()
    with Store(settings.db_target() or default_db_path()) as store:
        declined = store.declined_questions(limit)
        where = store.path
    if as_json:
        print(json.dumps([asdict(d) for d in declined], indent=2, ensure_ascii=False))
        return 0
    if not declined:
        print(f"No declined questions in {where} yet.")
        return 0
    print(f"Questions the offline tutor declined ({where}), most asked first:")
    for d in declined:
        days = d.first_day if d.first_day == d.last_day else f"{d.first_day} to {d.last_day}"
        print(f"{d.asked:6}  {d.question}  ({days})")
    return 0


def pack_loaders() -> list[Callable[[], object]]:
    """Every loader of prompts/, each validating its files (and their references)."""
    from tutor.content import pack
    from tutor.evaluation.scripts import default_suite

    return [
        pack.load_pack,
        pack.lexicon,
        pack.planning_content,
        pack.team_talk,
        pack.knowledge,
        pack.team_extraction_prompt,
        pack.quiz_bank,
        default_suite,
    ]


def pack_problems() -> list[str]:
    """What is wrong in prompts/, read afresh (one line per problem, each said once)."""
    loaders = pack_loaders()
    for loader in loaders:
        loader.cache_clear()  # type: ignore[attr-defined]
    problems: list[str] = []
    for loader in loaders:
        try:
            loader()
        except LessonPackError as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
    return problems


def read_questions(path: Path | None) -> list[Any]:
    """The labelled questions at `path`, or the checkout's when none is given."""
    from tutor.knowledge.calibration import Labelled

    if path is None and not CHECKOUT_QUESTIONS.is_file():
        raise InputError(
            "No labelled questions: pass --file PATH (TOML [[case]] tables with q and expect), "
            f"or run from a checkout of the repository, which has {CHECKOUT_QUESTIONS.name} in "
            "tests/data."
        )
    path = path or CHECKOUT_QUESTIONS
    try:
        cases = tomllib.loads(path.read_text(encoding="utf-8"))["case"]
        return [Labelled(c["q"], c["expect"]) for c in cases]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"Cannot read labelled questions from {path}: {exc}") from None


def check_command(path: Path | None) -> int:
    problems = pack_problems()
    if problems:
        print("prompts/ is invalid:")
        print("\n".join(f"- {p}" for p in problems))
        return 1
    print("prompts/ is valid.")
    from tutor.content.pack import knowledge
    from tutor.knowledge.calibration import calibrate

    cases = read_questions(path)
    kb = knowledge()
    checks = calibrate(kb.data, kb.lexicon, kb.facts, cases)
    print(f"Thresholds of prompts/knowledge.toml on {len(cases)} labelled questions:")
    print("\n".join(f"- {c.render()}" for c in checks))
    moved = [c.name for c in checks if c.moved]
    print(f"Moved: {', '.join(moved)}." if moved else "No threshold moved.")
    return 0
