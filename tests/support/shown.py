"""What the learner reads of a reply, for tests that judge it: the reply without the model's
folded words and the fact checker's notes about them, and the owner column of a table."""

from __future__ import annotations

import re

FOLDED = re.compile(r"<details>.*?</details>", re.S)
STRAY_QUESTION = "What is the full context of the 'frame problem & metrics' stage?"


def shown(reply: str) -> str:
    """The answer the learner reads on top: no folded model words, no "Check:" notes."""
    text = FOLDED.sub("", reply)
    return "\n".join(line for line in text.splitlines() if not line.startswith("Check:"))


def owners(text: str) -> list[str]:
    """The owner cell of each row of the allocation table in `text` ([] without a table)."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    head = next((line.split("|") for line in lines if "Owner" in line), None)
    if head is None:
        return []
    column = next(i for i, cell in enumerate(head) if "Owner" in cell)
    return [line.split("|")[column].strip() for line in lines[1:] if "---" not in line]


def only_questions(text: str) -> bool:
    """Every sentence of `text` asks: a stray question where an answer was due."""
    sentences = [s.strip() for s in re.findall(r"[^.!?\n]+[.!?]*", text) if s.strip()]
    return bool(sentences) and all(s.endswith("?") for s in sentences)
