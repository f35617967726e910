"""An SVG picture of a lifecycle's handoffs (pure: no gradio, no I/O).

Stages run left to right as boxes with their owners; arrows join consecutive stages. A full
handoff (nobody continues) is a solid red arrow with a "!" badge, a partial one (someone
continues) a dashed amber arrow with a "~" badge, and a stage kept by the same owner a thin
grey arrow. Kinds differ by colour, line style and badge, so the picture works without colour.

The picture draws its own light panel with explicit colours, so it reads the same on a light
or a dark page. Every piece of text is XML-escaped: owners can come from a learner's input.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tutor.handoffs import Handoff, HandoffAnalysis, Stage

BOX_W, GAP, MARGIN = 140, 50, 16
LINE_H, PAD = 16, 10
NAME_CHARS, OWNER_CHARS = 16, 19
MAX_NAME_LINES, MAX_OWNER_LINES = 3, 4
TITLE_H, LEGEND_H = 34, 58

# Explicit colours (good contrast on the light panel whatever the page theme is).
PANEL, PANEL_EDGE = "#f8fafc", "#cbd5e1"
BOX, BOX_EDGE, INK, MUTED = "#e0e7ff", "#6366f1", "#0f172a", "#475569"
FULL, PARTIAL, SAME = "#dc2626", "#b45309", "#64748b"

LEGEND = (
    ("full", "full handoff — nobody continues"),
    ("partial", "partial — someone continues"),
    ("same", "same owner, no handoff"),
)
LEGEND_CHAR_W = 7  # a generous average width of a 12px character
LEGEND_W = 2 * MARGIN + sum(68 + LEGEND_CHAR_W * len(words) for _, words in LEGEND)


@dataclass(frozen=True)
class _Layout:
    """Sizes computed once from the stages."""

    count: int
    box_h: int
    name_lines: list[list[str]]
    owner_lines: list[list[str]]

    @property
    def width(self) -> int:
        boxes = 2 * MARGIN + self.count * BOX_W + (self.count - 1) * GAP
        return max(boxes, LEGEND_W)

    @property
    def height(self) -> int:
        return TITLE_H + self.box_h + 34 + LEGEND_H

    def box_x(self, index: int) -> int:
        return MARGIN + index * (BOX_W + GAP)

    @property
    def box_y(self) -> int:
        return TITLE_H


def handoff_svg(analysis: HandoffAnalysis, title: str = "Lifecycle stages and handoffs") -> str:
    """The lifecycle as an SVG document (a string), handoffs marked full or partial."""
    layout = _layout(analysis.stages)
    kinds = arrow_kinds(analysis)
    label = (f"{title}: {len(analysis.stages)} stages, {analysis.full_count} full and "
             f"{analysis.partial_count} partial handoffs")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{layout.width}" '
        f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
        # In a page: shrink to fit down to 80% (text stays legible), then scroll sideways.
        f'style="max-width:100%;height:auto;min-width:{round(layout.width * 0.7)}px" '
        f'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        f"aria-label={quoteattr(label)}>",
        f"<title>{escape(label)}</title>",
        f'<rect x="1" y="1" width="{layout.width - 2}" height="{layout.height - 2}" rx="10" '
        f'fill="{PANEL}" stroke="{PANEL_EDGE}"/>',
        f'<text x="{MARGIN}" y="22" font-size="14" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    parts += [_box(layout, i, stage) for i, stage in enumerate(analysis.stages)]
    parts += [_arrow(layout, i, kind, handoff) for i, (kind, handoff) in enumerate(kinds)]
    parts.append(_legend(layout, analysis))
    parts.append("</svg>")
    return "\n".join(parts)


def arrow_kinds(analysis: HandoffAnalysis) -> list[tuple[str, Handoff | None]]:
    """For each pair of consecutive stages: ("full"|"partial", handoff) or ("same", None).

    Handoffs are listed in stage order, one per change of owner, so they are matched in order
    (stage names alone could repeat in a custom lifecycle).
    """
    pending = list(analysis.handoffs)
    kinds: list[tuple[str, Handoff | None]] = []
    for a, b in zip(analysis.stages, analysis.stages[1:], strict=False):
        nxt = pending[0] if pending else None
        if (nxt is not None and a.owner != b.owner
                and (nxt.from_stage, nxt.to_stage) == (a.name, b.name)):
            kinds.append((nxt.kind, pending.pop(0)))
        else:
            kinds.append(("same", None))
    return kinds


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _owner_lines(stage: Stage) -> list[str]:
    lines: list[str] = []
    for role in stage.roles or [stage.owner]:
        lines += _wrap(role, OWNER_CHARS, MAX_OWNER_LINES)
    if len(lines) > MAX_OWNER_LINES:
        lines = [*lines[: MAX_OWNER_LINES - 1], f"+{len(lines) - MAX_OWNER_LINES + 1} more…"]
    return lines


def _layout(stages: list[Stage]) -> _Layout:
    names = [_wrap(f"{i}. {s.name}", NAME_CHARS, MAX_NAME_LINES) for i, s in enumerate(stages, 1)]
    owners = [_owner_lines(s) for s in stages]
    tallest = max((len(n) + len(o) for n, o in zip(names, owners, strict=True)), default=2)
    return _Layout(len(stages), 2 * PAD + tallest * LINE_H + 12, names, owners)


def _box(layout: _Layout, index: int, stage: Stage) -> str:
    x, y = layout.box_x(index), layout.box_y
    names, owners = layout.name_lines[index], layout.owner_lines[index]
    rows = [
        f'<g class="stage" data-index="{index}">',
        f"<title>{escape(f'{stage.name} — owned by {stage.owner}')}</title>",
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{layout.box_h}" rx="8" '
        f'fill="{BOX}" stroke="{BOX_EDGE}" stroke-width="1.5"/>',
    ]
    ty = y + PAD + 12
    for line in names:
        rows.append(_text(x + PAD, ty, line, size=13, weight="600", fill=INK))
        ty += LINE_H
    divider = ty - 9
    rows.append(f'<line x1="{x + PAD}" y1="{divider}" x2="{x + BOX_W - PAD}" y2="{divider}" '
                f'stroke="{BOX_EDGE}" stroke-opacity="0.5"/>')
    ty += 6
    for line in owners:
        rows.append(_text(x + PAD, ty, line, size=12.5, fill=MUTED))
        ty += LINE_H
    rows.append("</g>")
    return "\n".join(rows)


def _text(x: float, y: float, text: str, *, size: float, fill: str, weight: str = "400",
          anchor: str = "start") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _line(x1: float, x2: float, y: float, kind: str) -> str:
    """An arrow shaft with its head; style by kind (solid red, dashed amber, thin grey)."""
    colour = {"full": FULL, "partial": PARTIAL}.get(kind, SAME)
    width = {"full": 3, "partial": 3}.get(kind, 1.5)
    dash = ' stroke-dasharray="7 5"' if kind == "partial" else ""
    head = f"{x2 - 9},{y - 6} {x2},{y} {x2 - 9},{y + 6}"
    return (f'<line x1="{x1}" y1="{y}" x2="{x2 - 4}" y2="{y}" stroke="{colour}" '
            f'stroke-width="{width}"{dash}/>\n'
            f'<polygon points="{head}" fill="{colour}"/>')


def _arrow(layout: _Layout, index: int, kind: str, handoff: Handoff | None) -> str:
    x1 = layout.box_x(index) + BOX_W + 4
    x2 = layout.box_x(index + 1) - 4
    y = layout.box_y + layout.box_h / 2
    if handoff is None:
        return f'<g class="arrow same">\n{_line(x1, x2, y, "same")}\n</g>'
    mid = (x1 + x2) / 2
    return "\n".join([
        f'<g class="handoff handoff-{kind}" data-kind="{kind}">',
        f"<title>{escape(handoff.summary)}</title>",
        _line(x1, x2, y, kind),
        _badge(mid, y - 22, kind),
        _text(mid, y + 22, kind, size=11, weight="600", anchor="middle",
              fill=FULL if kind == "full" else PARTIAL),
        "</g>",
    ])


def _badge(x: float, y: float, kind: str) -> str:
    """The risk marker: a red "!" disc for full, an amber "~" disc for partial handoffs."""
    colour, mark = (FULL, "!") if kind == "full" else (PARTIAL, "~")
    return (f'<circle class="marker" cx="{x}" cy="{y}" r="10" fill="{colour}"/>\n'
            + _text(x, y + 4.5, mark, size=13, weight="700", fill="#ffffff", anchor="middle"))


def _legend(layout: _Layout, analysis: HandoffAnalysis) -> str:
    y = layout.box_y + layout.box_h + 40
    parts = ['<g class="legend">']
    x = MARGIN
    for kind, words in LEGEND:
        parts.append(_line(x, x + 34, y, kind))
        parts.append(_text(x + 42, y + 4, words, size=12, fill=INK))
        x += 68 + LEGEND_CHAR_W * len(words)
    count = len(analysis.handoffs)
    summary = (f"{count} handoff{'s' if count != 1 else ''}: {analysis.full_count} full, "
               f"{analysis.partial_count} partial")
    parts.append(_text(MARGIN, y + 28, summary, size=12, fill=MUTED))
    parts.append("</g>")
    return "\n".join(parts)
