"""Progress and transcript reports, read from the store when there is one."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from tutor.backends.base import Backend
from tutor.content.pack import LessonPack
from tutor.engine.conversation import Conversation
from tutor.quiz import QuizBank, QuizState
from tutor.store import Store


class ProgressReport(BaseModel):
    steps_done: int
    steps_total: int
    step_titles: list[str]
    #: questions with a first result (a graded answer, or the answer shown)
    answered: int
    #: of those, right on the first try (never after the answer was shown)
    correct: int
    #: graded answers in all (every retry counts)
    attempts: int = 0
    #: questions whose answer was shown ("I don't know", or after two misses)
    revealed: int = 0
    mastered: int
    questions: int
    from_store: bool

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def progress_report(
    store: Store | None,
    session_id: str,
    conversation: Conversation,
    pack: LessonPack,
    bank: QuizBank,
) -> ProgressReport:
    """Steps done and quiz score; read back from the store, so it shows what was saved."""
    step, state, from_store = conversation.guided_step, conversation.quiz, False
    if store is not None:
        saved = store.load_progress(session_id)
        if saved is not None:
            step, from_store = saved.guided_step, True
            if saved.quiz_state_json:
                state = QuizState.model_validate_json(saved.quiz_state_json)
    summary = state.summary()
    return ProgressReport(
        steps_done=step,
        steps_total=len(pack.steps),
        step_titles=[s.title for s in pack.steps],
        answered=summary.answered,
        correct=summary.correct,
        attempts=summary.attempts,
        revealed=summary.revealed,
        mastered=len(summary.mastered),
        questions=len(bank.questions),
        from_store=from_store,
    )


def progress_markdown(report: ProgressReport) -> str:
    lines = [f"**Progress** — try-it prompts: {report.steps_done}/{report.steps_total}"]
    for index, title in enumerate(report.step_titles, start=1):
        mark = "✅" if index <= report.steps_done else "⬜"
        lines.append(f"- {mark} {index}. {title}")
    lines.append(f"\n**Quiz** — {quiz_summary(report)}")
    if not report.from_store:
        lines.append("\n_(Not saved: this session has no progress store.)_")
    return "\n".join(lines)


def quiz_summary(report: ProgressReport) -> str:
    """The quiz score in one line, the same on every surface (sidebar, /progress, export):
    first-try results, then attempts, answers shown and mastery."""
    tries = f"{report.attempts} {'attempt' if report.attempts == 1 else 'attempts'}"
    shown = f", {report.revealed} shown" if report.revealed else ""
    return (
        f"{report.correct} right on the first try of {report.answered} answered "
        f"({report.percent}%); {tries}{shown}; "
        f"{report.mastered}/{report.questions} questions mastered."
    )


def export_markdown(
    store: Store | None,
    session_id: str,
    conversation: Conversation,
    pack: LessonPack,
    bank: QuizBank,
    backend: Backend,
) -> str:
    """The transcript plus progress as one Markdown document (the caller redacts it)."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = progress_report(store, session_id, conversation, pack, bank)
    parts = [
        f"# MLOps Roles Tutor — transcript\n\nSession `{session_id}`, exported {now}, "
        f"{backend.label}.\n",
        progress_markdown(report),
        "\n## Conversation\n",
    ]
    if store is not None:
        for record in store.transcript(session_id):
            who = {"user": "Learner", "assistant": "Tutor"}.get(record.role, record.role.title())
            status = "" if record.status == "complete" else f" _({record.status})_"
            parts.append(f"**{who}**{status}:\n\n{record.content}\n")
            parts += offered_lines((record.meta or {}).get("offered") or [])
    else:
        for message in conversation.history:
            if message.type in ("human", "ai") and message.text:
                who = "Learner" if message.type == "human" else "Tutor"
                parts.append(f"**{who}**:\n\n{message.text}\n")
    return "\n".join(parts)


def offered_lines(offered: list[str], how: str = "type `/ask N` to ask one") -> list[str]:
    """The questions a reply offered, as Markdown lines (a terminal's and an export's way of
    showing what the page shows as buttons)."""
    if not offered:
        return []
    items = [f"- `/ask {n}` — {q}" for n, q in enumerate(offered, start=1)]
    return [f"Questions I can answer — {how}:", *items, ""]
