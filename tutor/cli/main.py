"""The `tutor` command: serve (default), chat, demo, allocate, quiz, eval, content."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from tutor.errors import TutorError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor", description="MLOps Roles Tutor.")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the web app (the default)")
    serve.add_argument("--host", help="interface to bind (default 127.0.0.1, or TUTOR_HOST)")
    serve.add_argument("--port", type=int, help="port (default 7860, or TUTOR_PORT)")
    chat = sub.add_parser("chat", help="talk to the tutor in the terminal")
    chat.add_argument("--resume", metavar="SESSION", help="continue a saved session")
    sub.add_parser("demo", help="print exactly what the lesson's demo code prints")
    alloc = sub.add_parser("allocate", help="allocate MLOps responsibilities for a team")
    alloc.add_argument("description", help='e.g. "Ana is a data scientist, Ben runs infra"')
    alloc.add_argument("--product", choices=["llm", "ml"], help="product kind (default: guess)")
    alloc.add_argument("--json", action="store_true", help="print the Allocation as JSON")
    from tutor.cli.quiz import add_parser as add_quiz_parser

    add_quiz_parser(sub)
    from tutor.cli.content import add_parser as add_content_parser

    add_content_parser(sub)
    ev = sub.add_parser("eval", help="score backends on scripted learners")
    ev.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    ev.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="SPEC",
        help="offline, openai:MODEL or openai:MODEL@BASE_URL; repeat to compare"
        " (default: the configured backend)",
    )
    ev.add_argument(
        "--runs",
        type=int,
        help="repeat each backend N times (spread; default 1 offline, 3 for a model)",
    )
    ev.add_argument(
        "--baseline",
        action="store_true",
        help="also score each model with the lesson pasted into a plain chat (no app)",
    )
    ev.add_argument("--judge", metavar="SPEC", help="also ask a judge model (off by default)")
    ev.add_argument("--min-score", type=float, default=90.0, help="exit 1 below this model score")
    ev.add_argument(
        "--calibration",
        metavar="PATH",
        action="append",
        help="score the rules on labelled replies (repeat: each file apart, then all together)",
    )
    ev.add_argument(
        "--question",
        metavar="ID",
        help="with --calibration: the quiz question waiting when a labelled reply names none",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except TutorError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `tutor allocate ... | head -1`: the reader left; that is not an error worth a trace.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from tutor.demo.handoffs import run_handoff_demo

        sys.stdout.write(run_handoff_demo())
        return 0
    if args.command == "allocate":
        return allocate_command(args.description, args.product, args.json)
    if args.command == "chat":
        from tutor.cli.chat import chat

        return asyncio.run(chat(args.resume))
    if args.command == "quiz":
        from tutor.cli.quiz import run as quiz_run

        return quiz_run(args)
    if args.command == "content":
        from tutor.cli.content import run as content_run

        return content_run(args)
    if args.command == "eval":
        from tutor.cli.evaluate import eval_command

        return eval_command(
            args.backend,
            as_json=args.json,
            runs=args.runs,
            baseline=args.baseline,
            judge=args.judge,
            min_score=args.min_score,
            calibration=args.calibration,
            question=args.question,
        )
    from tutor.web import serve

    return serve(host=getattr(args, "host", None), port=getattr(args, "port", None))


def allocate_command(description: str, product: str | None, as_json: bool) -> int:
    from tutor.content.planner import allocate, read_team

    reading = read_team(description, product=product)
    allocation = allocate(reading.team)
    if not as_json:
        print(reading.summary, end="\n\n")
    print(allocation.model_dump_json(indent=2) if as_json else allocation.render_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
