"""How much of a person's time the team has: "part-time", "contractor" or "full-time" (the
default), read from the words the text gives them ("part-time data engineer", "DevOps on
contract", "freelance", "20%", "2 days a week").

The phrases are data (prompts/responsibilities.toml `[reader] part_time` and `contract`); a
percentage under 100 is part-time. Words that only say someone's time ("part time") are not a
job, so they leave the person's roles. A contract wins over part-time: a contractor's hours are
the contract's. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.planning.model import Availability
from tutor.planning.words import Phrase, Words

_PERCENT = re.compile(r"\b(\d{1,2})\s?%")


def read_availability(
    roles: Sequence[str], words: Words, part_time: Sequence[Phrase], contract: Sequence[Phrase]
) -> tuple[Availability, list[str]]:
    """(availability, the roles left once words that only say the person's time are gone)."""
    found: Availability = "full-time"
    kept = []
    for role in roles:
        norms = words.phrase(role)
        said_contract = words.any_run(norms, contract)
        said_part = words.any_run(norms, part_time) or _PERCENT.search(role) is not None
        if said_contract:
            found = "contractor"
        elif said_part and found == "full-time":
            found = "part-time"
        if not (said_contract or said_part) or words.skills.names_a_role(role):
            kept.append(role)  # "part-time data engineer" keeps its job
    return found, kept
