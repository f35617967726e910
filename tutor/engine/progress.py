"""Progress and transcript reports, read from the store when there is one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from tutor.quiz import QuizBank, QuizState


class ProgressHost(Protocol):
    """What a report needs from a learner's session (no import of the engine)."""

    id: str
    guided_step: int
    quiz_state: QuizState
    quiz_bank: QuizBank
    store: Any
    backend: Any
    history: list[Any]
    pack: Any

    @property
    def steps_total(self) -> int: ...

    def redact(self, text: str) -> str: ...


class ProgressReport(BaseModel):
    steps_done: int
    steps_total: int
    step_titles: list[str]
    answered: int
    correct: int
    mastered: int
    questions: int
    from_store: bool

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def progress_report(session: ProgressHost) -> ProgressReport:
    """Steps done and quiz score; read back from the store, so it shows what was saved."""
    step, state, from_store = session.guided_step, session.quiz_state, False
    if session.store is not None:
        saved = session.store.load_progress(session.id)
        if saved is not None:
            step, from_store = saved.guided_step, True
            if saved.quiz_state_json:
                state = QuizState.model_validate_json(saved.quiz_state_json)
    summary = state.summary()
    return ProgressReport(
        steps_done=step,
        steps_total=session.steps_total,
        step_titles=[s.title for s in session.pack.steps],
        answered=summary.answered,
        correct=summary.correct,
        mastered=len(summary.mastered),
        questions=len(session.quiz_bank.questions),
        from_store=from_store,
    )


def progress_markdown(session: ProgressHost) -> str:
    report = progress_report(session)
    lines = [f"**Progress** — try-it prompts: {report.steps_done}/{report.steps_total}"]
    for index, title in enumerate(report.step_titles, start=1):
        mark = "✅" if index <= report.steps_done else "⬜"
        lines.append(f"- {mark} {index}. {title}")
    lines.append(
        f"\n**Quiz** — {report.correct} correct of {report.answered} answered "
        f"({report.percent}%), {report.mastered}/{report.questions} questions mastered."
    )
    if not report.from_store:
        lines.append("\n_(Not saved: this session has no progress store.)_")
    return "\n".join(lines)


def export_markdown(session: ProgressHost) -> str:
    """The transcript plus progress as one Markdown document."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"# MLOps Roles Tutor — transcript\n\nSession `{session.id}`, exported {now}, "
        f"{session.backend.label}.\n",
        progress_markdown(session),
        "\n## Conversation\n",
    ]
    if session.store is not None:
        for record in session.store.transcript(session.id):
            who = {"user": "Learner", "assistant": "Tutor"}.get(record.role, record.role.title())
            status = "" if record.status == "complete" else f" _({record.status})_"
            parts.append(f"**{who}**{status}:\n\n{record.content}\n")
    else:
        for message in session.history:
            if message.type in ("human", "ai") and message.text:
                who = "Learner" if message.type == "human" else "Tutor"
                parts.append(f"**{who}**:\n\n{message.text}\n")
    return session.redact("\n".join(parts))
