"""Loopback fake models that fail the way small local models do (measured with Qwen2.5-Coder
0.5B/1.5B on llama.cpp, ../shared/STACK.md beside the checkout): each is a `FakeOpenAI`
responder, so the tutor reaches it over real HTTP and SSE.

- `stray_question`: one stray question as the whole reply, every turn;
- `echo_learner`: the learner's message handed back word for word;
- `echo_note`: the app's context note handed back;
- `invented_owner`: a confident wrong owner (the data scientist on call, the data engineer
  training);
- `repeat_previous`: its first reply, then that same reply again every turn;
- `vague`: friendly, on the subject, and says nothing a try-it prompt must cover;
- `gives_away`: with a quiz question open, "The correct answer is: …" under the hint.
"""

from __future__ import annotations

import re
from typing import Any

from support.fake_openai import Reply, Responder, learner_words
from tutor.backends.base import split_context_note
from tutor.content.pack import quiz_bank

STRAY_QUESTION = "What is the full context of the 'frame problem & metrics' stage?"
INVENTED_OWNER = (
    "The data scientist gets paged at 3am and owns on-call, and the data engineer trains the model."
)
FIRST_REPLY = "Let me think about that for you."
VAGUE = (
    "Great question! Everyone on the team works together, and the data scientist is an "
    "important part of that. Let me know if you would like more detail."
)


def stray_question(request: dict[str, Any]) -> Reply:
    return Reply(text=STRAY_QUESTION)


def echo_learner(request: dict[str, Any]) -> Reply:
    return Reply(text=learner_words(request))


def echo_note(request: dict[str, Any]) -> Reply:
    last = next(m for m in reversed(request["messages"]) if m["role"] == "user")
    note = split_context_note(last["content"])[1]
    return Reply(text=note or learner_words(request))


def invented_owner(request: dict[str, Any]) -> Reply:
    return Reply(text=INVENTED_OWNER)


def repeat_previous(request: dict[str, Any]) -> Reply:
    said = [m["content"] for m in request["messages"] if m["role"] == "assistant"]
    previous = next((s for s in reversed(said) if isinstance(s, str) and s.strip()), "")
    return Reply(text=previous or FIRST_REPLY)


def vague(request: dict[str, Any]) -> Reply:
    return Reply(text=VAGUE)


def gives_away(request: dict[str, Any]) -> Reply:
    """The open question's key, read from the note's "waiting for an answer (id …)"."""
    last = next(m for m in reversed(request["messages"]) if m["role"] == "user")
    waiting = re.search(r"waiting for an answer \(id ([a-z0-9-]+)\)", last["content"])
    if waiting is None:
        return Reply(text=VAGUE)
    return Reply(text=f"The correct answer is: {quiz_bank().get(waiting[1]).explanation}")


WEAK_MODELS: dict[str, Responder] = {
    "stray question": stray_question,
    "echo of the learner": echo_learner,
    "echo of the note": echo_note,
    "invented owner": invented_owner,
    "repeat of the previous reply": repeat_previous,
    "vague": vague,
}
