"""An SVG picture of a lifecycle's handoffs (pure: no gradio, no I/O).

Stages run left to right as boxes with their owners; arrows join consecutive stages. A full
handoff (nobody continues) is a solid red arrow with a "!" badge, a partial one (someone
continues) a dashed amber arrow with a "~" badge, and a stage kept by the same owner a thin
grey arrow. Kinds differ by colour, line style and badge, so the picture works without colour.

The picture draws its own light panel with explicit colours, so it reads the same on a light
or a dark page; its parts carry classes (panel, box, ink, muted, divider) so a page may restyle
them for a dark theme. `vertical=True` draws the stages top to bottom, for a narrow screen.
Every piece of text is XML-escaped: owners can come from a learner's input.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tutor.demo.handoffs import Handoff, HandoffAnalysis, Stage

BOX_W, GAP, MARGIN = 150, 50, 16
LINE_H, PAD = 16, 12
# Top to bottom: one wide box per stage, arrows down the left, their kind beside them.
TALL_W, TALL_GAP, TALL_NAME_CHARS, TALL_OWNER_CHARS = 320, 58, 32, 36
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


def handoff_svg(
    analysis: HandoffAnalysis,
    title: str = "Lifecycle stages and handoffs",
    *,
    vertical: bool = False,
) -> str:
    """The lifecycle as an SVG document (a string), handoffs marked full or partial."""
    if vertical:
        return _tall_svg(analysis, title)
    layout = _layout(analysis.stages)
    kinds = arrow_kinds(analysis)
    label = _label(analysis, title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{layout.width}" '
        f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
        # In a page: shrink to fit down to 80% (text stays legible), then scroll sideways.
        f'style="max-width:100%;height:auto;min-width:{round(layout.width * 0.7)}px" '
        f'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        f"aria-label={quoteattr(label)}>",
        f"<title>{escape(label)}</title>",
        _panel(layout.width, layout.height),
        _text(MARGIN, 22, title, size=14, weight="600", fill=INK),
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
        if (
            nxt is not None
            and a.owner != b.owner
            and (nxt.from_stage, nxt.to_stage) == (a.name, b.name)
        ):
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
        f'<rect class="box" x="{x}" y="{y}" width="{BOX_W}" height="{layout.box_h}" rx="8" '
        f'fill="{BOX}" stroke="{BOX_EDGE}" stroke-width="1.5"/>',
    ]
    ty = y + PAD + 12
    for line in names:
        rows.append(_text(x + PAD, ty, line, size=13, weight="600", fill=INK))
        ty += LINE_H
    divider = ty - 9
    rows.append(
        f'<line class="divider" x1="{x + PAD}" y1="{divider}" x2="{x + BOX_W - PAD}" '
        f'y2="{divider}" stroke="{BOX_EDGE}" stroke-opacity="0.5"/>'
    )
    ty += 6
    for line in owners:
        rows.append(_text(x + PAD, ty, line, size=12.5, fill=MUTED))
        ty += LINE_H
    rows.append("</g>")
    return "\n".join(rows)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    fill: str,
    weight: str = "400",
    anchor: str = "start",
) -> str:
    role = {INK: ' class="ink"', MUTED: ' class="muted"'}.get(fill, "")
    return (
        f'<text{role} x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _line(x1: float, x2: float, y: float, kind: str) -> str:
    """An arrow shaft with its head; style by kind (solid red, dashed amber, thin grey)."""
    colour = {"full": FULL, "partial": PARTIAL}.get(kind, SAME)
    width = {"full": 3, "partial": 3}.get(kind, 1.5)
    dash = ' stroke-dasharray="7 5"' if kind == "partial" else ""
    head = f"{x2 - 9},{y - 6} {x2},{y} {x2 - 9},{y + 6}"
    return (
        f'<line x1="{x1}" y1="{y}" x2="{x2 - 4}" y2="{y}" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>\n'
        f'<polygon points="{head}" fill="{colour}"/>'
    )


def _arrow(layout: _Layout, index: int, kind: str, handoff: Handoff | None) -> str:
    x1 = layout.box_x(index) + BOX_W + 4
    x2 = layout.box_x(index + 1) - 4
    y = layout.box_y + layout.box_h / 2
    if handoff is None:
        return f'<g class="arrow same">\n{_line(x1, x2, y, "same")}\n</g>'
    mid = (x1 + x2) / 2
    return "\n".join(
        [
            f'<g class="handoff handoff-{kind}" data-kind="{kind}">',
            f"<title>{escape(handoff.summary)}</title>",
            _line(x1, x2, y, kind),
            _badge(mid, y - 22, kind),
            _text(
                mid,
                y + 22,
                kind,
                size=11,
                weight="600",
                anchor="middle",
                fill=FULL if kind == "full" else PARTIAL,
            ),
            "</g>",
        ]
    )


def _badge(x: float, y: float, kind: str) -> str:
    """The risk marker: a red "!" disc for full, an amber "~" disc for partial handoffs."""
    colour, mark = (FULL, "!") if kind == "full" else (PARTIAL, "~")
    return f'<circle class="marker" cx="{x}" cy="{y}" r="10" fill="{colour}"/>\n' + _text(
        x, y + 4.5, mark, size=13, weight="700", fill="#ffffff", anchor="middle"
    )


def _legend(layout: _Layout, analysis: HandoffAnalysis) -> str:
    y = layout.box_y + layout.box_h + 40
    parts = ['<g class="legend">']
    x = MARGIN
    for kind, words in LEGEND:
        parts.append(_line(x, x + 34, y, kind))
        parts.append(_text(x + 42, y + 4, words, size=12, fill=INK))
        x += 68 + LEGEND_CHAR_W * len(words)
    count = len(analysis.handoffs)
    summary = (
        f"{count} handoff{'s' if count != 1 else ''}: {analysis.full_count} full, "
        f"{analysis.partial_count} partial"
    )
    parts.append(_text(MARGIN, y + 28, summary, size=12, fill=MUTED))
    parts.append("</g>")
    return "\n".join(parts)


def _label(analysis: HandoffAnalysis, title: str) -> str:
    return (
        f"{title}: {len(analysis.stages)} stages, {analysis.full_count} full and "
        f"{analysis.partial_count} partial handoffs"
    )


def _panel(width: int, height: int) -> str:
    return (
        f'<rect class="panel" x="1" y="1" width="{width - 2}" height="{height - 2}" rx="10" '
        f'fill="{PANEL}" stroke="{PANEL_EDGE}"/>'
    )


def _tall_svg(analysis: HandoffAnalysis, title: str) -> str:
    """The same picture top to bottom: it fits a phone's width at a readable size."""
    names = [
        _wrap(f"{i}. {s.name}", TALL_NAME_CHARS, MAX_NAME_LINES)
        for i, s in enumerate(analysis.stages, 1)
    ]
    owners = [
        [line for role in s.roles or [s.owner] for line in _wrap(role, TALL_OWNER_CHARS, 2)]
        for s in analysis.stages
    ]
    heights = [2 * PAD + (len(n) + len(o)) * LINE_H + 6 for n, o in zip(names, owners, strict=True)]
    width, y = TALL_W + 2 * MARGIN, TITLE_H
    tops = []
    for h in heights:
        tops.append(y)
        y += h + TALL_GAP
    end = y - TALL_GAP  # the last box's bottom edge
    height = end + 28 + 2 * 20 + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
        f'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        f"aria-label={quoteattr(_label(analysis, title))}>",
        f"<title>{escape(_label(analysis, title))}</title>",
        _panel(width, height),
        _text(MARGIN, 22, title, size=14, weight="600", fill=INK),
    ]
    for index, stage in enumerate(analysis.stages):
        parts.append(
            _tall_box(tops[index], heights[index], names[index], owners[index], stage, index)
        )
    for index, (kind, handoff) in enumerate(arrow_kinds(analysis)):
        y1, y2 = tops[index] + heights[index] + 4, tops[index + 1] - 4
        parts.append(_tall_arrow(MARGIN + 36, y1, y2, kind, handoff))
    parts.append(_tall_legend(end + 28))
    parts.append("</svg>")
    return "\n".join(parts)


def _tall_box(y: int, h: int, names: list[str], owners: list[str], stage: Stage, index: int) -> str:
    x = MARGIN
    rows = [
        f'<g class="stage" data-index="{index}">',
        f"<title>{escape(f'{stage.name} — owned by {stage.owner}')}</title>",
        f'<rect class="box" x="{x}" y="{y}" width="{TALL_W}" height="{h}" rx="8" fill="{BOX}" '
        f'stroke="{BOX_EDGE}" stroke-width="1.5"/>',
    ]
    ty = y + PAD + 12
    for line in names:
        rows.append(_text(x + PAD, ty, line, size=13, weight="600", fill=INK))
        ty += LINE_H
    ty += 4
    for line in owners:
        rows.append(_text(x + PAD, ty, line, size=12.5, fill=MUTED))
        ty += LINE_H
    rows.append("</g>")
    return "\n".join(rows)


def _vline(x: float, y1: float, y2: float, kind: str) -> str:
    colour = {"full": FULL, "partial": PARTIAL}.get(kind, SAME)
    width = 3 if kind in ("full", "partial") else 1.5
    dash = ' stroke-dasharray="7 5"' if kind == "partial" else ""
    head = f"{x - 6},{y2 - 9} {x},{y2} {x + 6},{y2 - 9}"
    return (
        f'<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2 - 4}" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>\n<polygon points="{head}" fill="{colour}"/>'
    )


def _tall_arrow(x: float, y1: float, y2: float, kind: str, handoff: Handoff | None) -> str:
    if handoff is None:
        return f'<g class="arrow same">\n{_vline(x, y1, y2, "same")}\n</g>'
    mid = (y1 + y2) / 2
    words = "full handoff — nobody continues" if kind == "full" else "partial — someone continues"
    return "\n".join(
        [
            f'<g class="handoff handoff-{kind}" data-kind="{kind}">',
            f"<title>{escape(handoff.summary)}</title>",
            _vline(x, y1, y2, kind),
            _badge(x + 26, mid - 4, kind),
            _text(
                x + 44,
                mid + 1,
                words,
                size=12,
                weight="600",
                fill=FULL if kind == "full" else PARTIAL,
            ),
            "</g>",
        ]
    )


def _tall_legend(y: float) -> str:
    parts = ['<g class="legend">']
    for index, (kind, words) in enumerate(LEGEND):
        row = y + index * 20
        parts.append(_line(MARGIN, MARGIN + 34, row, kind))
        parts.append(_text(MARGIN + 42, row + 4, words, size=12, fill=INK))
    parts.append("</g>")
    return "\n".join(parts)
