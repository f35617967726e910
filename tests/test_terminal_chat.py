"""`tutor chat` renders Markdown (bold, tables) with rich when it writes to a terminal, and
keeps the plain Markdown text when its output is piped."""

from __future__ import annotations

import io

from tutor.cli.chat import chat


class Terminal(io.StringIO):
    """Output that says it is a terminal, as a real one would."""

    def isatty(self) -> bool:
        return True


async def talk(out: io.StringIO) -> str:
    await chat(stdin=io.StringIO("/next\n/next\n/next\n"), out=out)
    return out.getvalue()


async def test_a_terminal_gets_rendered_markdown() -> None:
    text = await talk(Terminal())
    assert "**Data scientists**" not in text and "Data scientists" in text
    assert "|---|" not in text and "| Stage |" not in text  # a drawn table, not pipes
    assert "Stage" in text and "Responsibility" in text
    assert "\x1b[" in text  # styled (bold) by rich
    assert "```" not in text and "Risky handoffs (ownership changes hands):" in text


async def test_piped_output_keeps_plain_text() -> None:
    text = await talk(io.StringIO())
    assert "**Data scientists**" in text
    assert "| Stage | Responsibility |" in text
    assert "\x1b[" not in text  # no escape codes in a file or a pipe
