"""The lesson's demo code, read out of the lesson text (tests run it and compare outputs)."""

from __future__ import annotations

import re

from tutor.content.pack import LessonPack


def demo_code(pack: LessonPack) -> str:
    match = re.search(r"```python\n(.*?)```", pack.lesson, re.S)
    assert match, "prompts/lesson.md: no ```python block with the demo code"
    return match.group(1)
