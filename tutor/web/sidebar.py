"""The side panel: try-it step cards, the Next button's state and the quiz score (no gradio).

Icons are inline SVG or CSS, so they render without an emoji font.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from tutor.engine.progress import quiz_summary

if TYPE_CHECKING:
    from tutor.engine import TutorSession

CHECK_SVG = (
    '<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">'
    '<path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="2.2" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)


def stepper_html(session: TutorSession) -> str:
    """The three try-it prompts as cards; the next one highlighted, an end state after.

    A step counts as done only once its answer completed (the engine's `guided_step`).
    """
    step, total = session.guided_step, session.steps_total
    items = []
    for index, guided in enumerate(session.pack.steps):
        state = "done" if index < step else "current" if index == step else "todo"
        mark = CHECK_SVG if state == "done" else str(index + 1)
        label = {"done": "done", "current": "next", "todo": "to do"}[state]
        items.append(
            f'<li class="step {state}" data-state="{state}">'
            f'<span class="mark" aria-label="{label}">{mark}</span><div>'
            f"<b>{html.escape(guided.title)}</b>"
            f'<div class="prompt">{html.escape(guided.prompt)}</div></div></li>'
        )
    end = ""
    if step >= total:
        end = (
            '<p class="steps-end" id="steps-end">All three try-it prompts done. '
            "Take the quiz, plan your own team, or ask anything.</p>"
        )
    head = f'<p class="steps-head">Try-it prompts: <b>{min(step, total)}/{total}</b> done</p>'
    return f'<div class="tutor-steps">{head}<ol>{"".join(items)}</ol>{end}</div>'


def next_label(session: TutorSession) -> tuple[str, bool]:
    """The Next button's label and whether it can be clicked."""
    step, total = session.guided_step, session.steps_total
    if step >= total:
        return "All prompts done", False
    return f"Next prompt ({step + 1}/{total})", True


def progress_html(session: TutorSession) -> str:
    """The quiz score (the steps are on the cards above, so they are not repeated)."""
    report = session.progress_report()
    saved = "" if report.from_store else '<p class="muted">Not saved: no progress store.</p>'
    line = html.escape(quiz_summary(report))
    return f'<div class="tutor-progress"><p><b>Quiz</b>: {line}</p>{saved}</div>'
