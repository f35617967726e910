"""Scoring the offline tutor on labelled multi-turn conversations, turn by turn.

Each conversation (tests/data/**/conversations*.toml) is played through an offline
`TutorSession` ("/next" is the Next-prompt button). Each reply gets one grade:

- **declined**: the reply is a decline (its acts say so: one sentence and offered questions);
- **wrong**: a `must_not_say` claim is asserted (read through the text module's clauses and
  polarity: "not the data scientist" does not assert the data scientist), a quiz verdict is
  given to a turn that is not an answer, a demo output is shown that differs from the real
  output of the learner's variant, or a quiz answer is revealed unasked;
- **good** / **partial**: all / some `must_say` points conveyed.

Where the rules cannot decide (nothing to say is listed, or none of it was said) a recorded
teacher label decides: labels are keyed by conversation id, turn index and a hash of the
reply, so a reply that changed needs a fresh label, and the scorer lists it as unlabelled.
A label may also overrule a rule's good/partial (a reply that names the right words but does
not do what the turn asked); it never overrules declined or wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tutor.backends.offline import OfflineBackend
from tutor.content.pack import lexicon as shared_lexicon
from tutor.demo.handoffs import DEMO_HEADER
from tutor.engine import TutorSession
from tutor.engine.events import Notice, ToolFinished, TurnDone
from tutor.store import Store
from tutor.text import Lexicon, Reading
from tutor.tools.names import ToolName

Grade = Literal["good", "partial", "declined", "wrong"]
GRADES: tuple[Grade, ...] = ("good", "partial", "declined", "wrong")
#: acts whose reply may carry a quiz verdict
_ANSWER_ACTS = frozenset({"quiz_answer"})
_ARROW = "->"


class LabelledTurn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    learner: str
    act: str
    in_scope: bool
    good: str
    wrong_if: str = ""
    must_say: tuple[str, ...] = ()
    must_not_say: tuple[str, ...] = ()
    demo_output: str = ""


class LabelledConversation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    about: str = ""
    turn: tuple[LabelledTurn, ...]


class TeacherLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    conversation: str
    turn: int
    reply: str  # the reply's hash (`reply_hash`)
    grade: Grade
    note: str = ""


@dataclass(frozen=True)
class Played:
    """One learner turn as the tutor answered it."""

    text: str
    declined: bool
    tools: tuple[ToolFinished, ...] = ()
    #: how the reply read the turn (`TurnActs.act`: "ack", "declined", "answered", ...)
    act: str | None = None

    @property
    def hash(self) -> str:
        return reply_hash(self.text)


@dataclass(frozen=True)
class Scored:
    conversation: str
    index: int
    turn: LabelledTurn
    played: Played
    grade: Grade | None  # None: no rule decided and no label recorded
    source: str  # "rule: ..." or "label: ..."


@dataclass
class Report:
    scored: list[Scored] = field(default_factory=list)

    def counts(self, turns: Iterable[Scored] | None = None) -> Counter[str]:
        return Counter(s.grade or "unlabelled" for s in (self.scored if turns is None else turns))

    @property
    def in_scope(self) -> list[Scored]:
        return [s for s in self.scored if s.turn.in_scope]

    def share(self, grades: set[str], turns: Sequence[Scored] | None = None) -> float:
        pool = self.scored if turns is None else turns
        return sum(s.grade in grades for s in pool) / len(pool) if pool else 0.0

    @property
    def unlabelled(self) -> list[Scored]:
        return [s for s in self.scored if s.grade is None]


def reply_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def load_conversations(path: Path) -> list[LabelledConversation]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [LabelledConversation.model_validate(c) for c in data["conversation"]]


def load_labels(path: Path) -> dict[tuple[str, int, str], TeacherLabel]:
    if not path.exists():
        return {}
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("label", [])
    labels = [TeacherLabel.model_validate(r) for r in rows]
    return {(lab.conversation, lab.turn, lab.reply): lab for lab in labels}


# -- playing ------------------------------------------------------------------------------------


async def play(conversation: LabelledConversation, store_dir: Path) -> list[Played]:
    """Every learner turn of `conversation` through a fresh offline session."""
    store = Store(store_dir / f"{conversation.id}.db")
    session = TutorSession(OfflineBackend(), store=store)
    out = []
    for turn in conversation.turn:
        before = session.conversation.dialogue.recent_acts
        events = [e async for e in session.send(turn.learner)]
        done = next((e for e in events if isinstance(e, TurnDone)), None)
        notices = [e.text for e in events if isinstance(e, Notice)]
        text = "\n\n".join([*notices, done.text if done else ""]).strip()
        recent = session.conversation.dialogue.recent_acts
        declined = bool(done and done.offered) and bool(recent) and recent[-1] == "declined"
        tools = tuple(e for e in events if isinstance(e, ToolFinished))
        act = recent[-1] if recent and recent is not before else None
        out.append(Played(text, declined, tools, act))
    return out


# -- rules --------------------------------------------------------------------------------------


def asserts(reply: str, claim: str, lexicon: Lexicon) -> bool:
    """Does one sentence of `reply` assert `claim`: the claim's roles, stages and concepts and
    its other content words, in the claim's order, each role or concept named and not denied
    (typos tolerated)? A sentence that asks is not a claim ("ML engineers productionize what
    data scientists build" does not assert "data scientists productionize"). Symbols ("$",
    "%") are looked for as written."""
    symbols = [c for c in claim if c in "$%"]
    if symbols and not all(s in reply for s in symbols):
        return False
    if _ARROW in claim:
        return _arrow_claimed(reply, claim)
    wanted = _pieces(lexicon.read(claim), lexicon)
    return any(
        not sentence.rstrip().endswith("?")
        and _in_order(wanted, _pieces(lexicon.read(sentence), lexicon), lexicon)
        for sentence in _sentences(reply)
    )


def _arrow_claimed(reply: str, claim: str) -> bool:
    """A handoff "A -> B" written out as a whole ("X + A -> B" is another handoff)."""
    flat = " ".join(reply.replace("\u2192", _ARROW).replace("*", "").replace("`", "").split())
    wanted = " ".join(claim.split())
    for found in re.finditer(re.escape(wanted), flat, flags=re.IGNORECASE):
        before, after = flat[: found.start()].rstrip(), flat[found.end() :].lstrip()
        if not before.endswith("+") and not after.startswith("+"):
            return True
    return False


def _pieces(reading: Reading, lexicon: Lexicon) -> list[tuple[str, bool]]:
    """The reading as (word or `kind:id`, asserted) in text order, stopwords left out."""
    starts = {m.first: m for m in reading.mentions}
    inside = {i for m in reading.mentions for i in range(m.first + 1, m.last)}
    out = []
    for i, token in enumerate(reading.tokens):
        if i in starts:
            m = starts[i]
            out.append((f"{m.kind}:{m.id}", m.asserted))
        elif i not in inside and token.norm not in lexicon.stopwords:
            out.append((token.norm, True))
    return out


def _in_order(
    wanted: list[tuple[str, bool]], found: list[tuple[str, bool]], lexicon: Lexicon
) -> bool:
    """`wanted` a subsequence of `found`, with the same polarity for roles and concepts."""
    k = 0
    for piece, polarity in found:
        if k == len(wanted):
            break
        term, want = wanted[k]
        same = piece == term if ":" in term else lexicon.same_word(piece, term)
        if same and (":" not in term or polarity == want):
            k += 1
    return k == len(wanted)


def conveys(reply: str, point: str, lexicon: Lexicon) -> bool:
    """Is `point` said in `reply`: as written (case and spacing aside), or — for a point
    without an arrow — every role, stage or concept and content word of it somewhere."""
    flat = " ".join(reply.split()).casefold()
    if " ".join(point.split()).casefold() in flat:
        return True
    if _ARROW in point:
        return False
    wanted, read = lexicon.read(point), lexicon.read(reply)
    if not wanted.mentions:
        return False
    ids = {(m.kind, m.id) for m in wanted.mentions}
    inside = {i for m in wanted.mentions for i in range(m.first, m.last)}
    words = [t.norm for i, t in enumerate(wanted.tokens) if i not in inside]
    words = [w for w in words if w not in lexicon.stopwords]
    return ids <= {(m.kind, m.id) for m in read.mentions} and all(w in read.norms for w in words)


def demo_block(reply: str) -> list[str] | None:
    """The demo output a reply shows (header and its indented lines), or None."""
    lines = reply.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == DEMO_HEADER:
            block = [DEMO_HEADER]
            for rest in lines[i + 1 :]:
                if not rest.startswith(" ") or _ARROW not in rest:
                    break
                block.append(rest.strip())
            return block
    return None


def rule_grade(turn: LabelledTurn, played: Played, lexicon: Lexicon) -> tuple[Grade | None, str]:
    """The grade the rules give, with why; (None, why) when they cannot decide."""
    if played.declined:
        return "declined", "rule: the reply is a decline"
    if turn.act == "ack" and played.act == "ack":
        return "good", "rule: an acknowledgement answered as one"
    graded = [t for t in played.tools if t.name == ToolName.GRADE]
    if graded and turn.act not in _ANSWER_ACTS:
        return "wrong", "rule: a quiz verdict given to a turn that is not an answer"
    if turn.demo_output:
        shown = demo_block(played.text)
        real = [line.strip() for line in turn.demo_output.strip().splitlines()]
        if shown is not None and shown != real:
            return "wrong", "rule: the demo output shown is not the variant's real output"
    for claim in turn.must_not_say:
        if asserts(played.text, claim, lexicon):
            return "wrong", f"rule: asserts {claim!r}"
    said = [p for p in turn.must_say if conveys(played.text, p, lexicon)]
    if turn.must_say and len(said) == len(turn.must_say):
        return "good", "rule: says every point"
    if said:
        missed = [p for p in turn.must_say if p not in said]
        return "partial", f"rule: misses {missed}"
    return None, "rules cannot decide"


def score(
    conversations: Sequence[LabelledConversation],
    played: dict[str, list[Played]],
    labels: dict[tuple[str, int, str], TeacherLabel],
    lexicon: Lexicon,
) -> Report:
    report = Report()
    for conv in conversations:
        for i, (turn, reply) in enumerate(zip(conv.turn, played[conv.id], strict=True)):
            grade, why = rule_grade(turn, reply, lexicon)
            label = labels.get((conv.id, i, reply.hash))
            if label is not None and grade not in ("declined", "wrong"):
                grade, why = label.grade, f"label: {label.note}"
            report.scored.append(Scored(conv.id, i, turn, reply, grade, why))
    return report


# -- report -------------------------------------------------------------------------------------


def confusion(report: Report) -> str:
    """Rows: the turn's labelled act; columns: the grade."""
    cols = [*GRADES, "unlabelled"]
    acts = sorted({s.turn.act for s in report.scored})
    rows = [f"| act | {' | '.join(cols)} | turns |", "|---" * (len(cols) + 2) + "|"]
    for act in [*acts, "all"]:
        pool = [s for s in report.scored if act in ("all", s.turn.act)]
        counts = report.counts(pool)
        cells = " | ".join(str(counts.get(c, 0)) for c in cols)
        rows.append(f"| {act} | {cells} | {len(pool)} |")
    return "\n".join(rows)


def summary(report: Report, name: str) -> str:
    total, scope = len(report.scored), report.in_scope
    counts = report.counts()
    parts = ", ".join(f"{g} {counts.get(g, 0)}" for g in [*GRADES, "unlabelled"])
    return (
        f"{name}: {len({s.conversation for s in report.scored})} conversations, {total} turns: "
        f"{parts}\n"
        f"  wrong {report.share({'wrong'}):.1%} of all turns; in scope ({len(scope)} turns): "
        f"good or partial {report.share({'good', 'partial'}, scope):.1%}, "
        f"declined {report.share({'declined'}, scope):.1%}"
    )


def run(paths: Sequence[Path], labels_path: Path) -> dict[Path, Report]:
    labels, lexicon = load_labels(labels_path), shared_lexicon()
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            conversations = load_conversations(path)
            played = {c.id: asyncio.run(play(c, Path(tmp))) for c in conversations}
            reports[path] = score(conversations, played, labels, lexicon)
    return reports


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _show(scored: Scored) -> str:
    return (
        f"--- {scored.conversation} turn {scored.index} [{scored.turn.act}] "
        f"hash={scored.played.hash} grade={scored.grade} ({scored.source})\n"
        f"LEARNER: {scored.turn.learner}\nGOOD: {scored.turn.good}\n"
        f"WRONG IF: {scored.turn.wrong_if}\nREPLY:\n{scored.played.text}\n"
    )


def _shown(report: Report, show: str) -> list[Scored]:
    if show in ("all", "none"):
        return report.scored if show == "all" else []
    return (
        report.unlabelled if show == "unlabelled" else [s for s in report.scored if s.grade == show]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--labels", type=Path, default=Path("tests/data/conversation_labels.toml"))
    parser.add_argument(
        "--show",
        choices=["unlabelled", *GRADES, "all", "none"],
        default="none",
        help="print the turns with this grade (or all of them) with the reply and the label",
    )
    args = parser.parse_args(argv)
    for path, report in run(args.paths, args.labels).items():
        print(summary(report, str(path)))
        print(confusion(report))
        for scored in _shown(report, args.show):
            print(_show(scored))
    return 0


if __name__ == "__main__":
    sys.exit(main())
