"""Reading a turn as a dialogue act, not a question of its own. Pure.

- `is_new_question`: does a message open a question of its own rather than answer the tutor's
  open one ("what is a handoff?" vs "the SRE?");
- `read_act`: an acknowledgement ("k", "thanks!", "ty 🙏"), or a follow-up on the last topic
  ("can you say it simpler?", "give me an example", "why tho", "say more"), or pushback ("are
  you sure?"), read from the words of prompts/knowledge.toml `[dialogue]`.

The conversation's state (the open question, the last topic, the questions offered) is data
the engine keeps (`tutor.backends.context.TurnContext`), never read back from the tutor's words.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.text import Lexicon, normalize

Act = Literal["ack", "simpler", "example", "more", "why", "worst", "pushback"]
# The follow-ups, most specific first: "an easier example" is an example.
_FOLLOW_UPS: tuple[Act, ...] = ("worst", "example", "simpler", "more", "why")

# Words that open a new question rather than answer one ("what…", "who…", "explain…"); a
# tentative answer ("is it the SRE?", "the SRE?") is still an answer.
_OPENERS = frozenset(
    {"what", "whats", "who", "whom", "whose", "why", "how", "when", "where", "which", "explain",
     "describe", "define", "tell", "show", "walk", "can", "could", "would", "should", "difference"}
)  # fmt: skip


class DialogueCues(BaseModel):
    """prompts/knowledge.toml `[dialogue]`: the words of each act and the short replies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ack: tuple[str, ...]
    thanks: tuple[str, ...]
    simpler: tuple[str, ...]
    example: tuple[str, ...]
    more: tuple[str, ...]
    why: tuple[str, ...]
    #: "which of those is the worst?" after handoffs were listed: the entry that ranks them
    worst: tuple[str, ...] = ()
    worst_entry: str | None = None
    pushback: tuple[str, ...]
    leave: tuple[str, ...]
    max_words: int = Field(9, ge=2)
    ack_thanks: str
    ack_ok: str
    next_step: tuple[str, ...] = Field(min_length=2)
    no_followup: str

    def words(self, act: str) -> frozenset[str]:
        return frozenset(w for phrase in getattr(self, act) for w in normalize(phrase))

    def next_after(self, steps_done: int) -> str:
        return self.next_step[min(steps_done, len(self.next_step) - 1)]


def is_new_question(lexicon: Lexicon, text: str) -> bool:
    """A question or request of its own, not an answer to the tutor's pending question."""
    tokens = lexicon.read(text).tokens
    if not tokens or text.strip().startswith("/"):
        return bool(text.strip().startswith("/"))
    return tokens[0].norm in _OPENERS and (text.rstrip().endswith("?") or len(tokens) > 3)


def read_act(text: str, lexicon: Lexicon, cues: DialogueCues) -> Act | None:
    """The dialogue act `text` is, or None for a question or statement of its own. A
    follow-up that names a role, stage or concept is about that, not the last topic: see
    `names_topic`."""
    reading = lexicon.read(text)
    norms = [t.norm for t in reading.tokens]
    if not norms:
        return "ack" if text.strip() and not text.strip().startswith("/") else None
    if all(n in cues.words("ack") for n in norms) and not text.rstrip().endswith("?"):
        return "ack"
    if _thanks_for_what_was_said(reading, lexicon, cues):
        return "ack"
    if len(norms) > cues.max_words:
        return None
    for act in _FOLLOW_UPS:
        if any(lexicon.find(text, phrase) for phrase in getattr(cues, act)):
            return act
    return "pushback" if set(norms) & cues.words("pushback") else None


def _thanks_for_what_was_said(reading, lexicon: Lexicon, cues: DialogueCues) -> bool:
    """ "ok, that's a useful list, thanks": thanks with a remark on the reply, naming nothing
    of the lesson, asking nothing and pushing back on nothing."""
    norms = set(reading.norms)
    return (
        bool(norms & cues.words("thanks"))
        and not reading.mentions
        and not lexicon.is_question(reading.text)
        and not norms & cues.words("pushback")
    )


def named_topic(text: str, lexicon: Lexicon, roles: bool = True) -> str | None:
    """The roles, stages or concepts a message names of its own ("explain 'handoff'
    simpler" -> "handoff"), as words to look the topic up with; None when it names none.
    `roles=False`: roles name no topic ("why not the ML engineer?" asks about the last one)."""
    reading = lexicon.read(text)
    # A count ("one going wrong", "the 3 of them") names no topic.
    named = [
        m
        for m in reading.mentions
        if not all(t.norm.isdigit() for t in reading.tokens[m.first : m.last])
        and (roles or m.kind != "role")
    ]
    return " ".join(reading.quote(m) for m in named) or None


def is_thanks(text: str, lexicon: Lexicon, cues: DialogueCues) -> bool:
    return bool(set(lexicon.read(text).norms) & cues.words("thanks"))
