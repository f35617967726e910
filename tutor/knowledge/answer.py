"""Answering a learner's question from the knowledge base, or declining it plainly.

1. **Slot lookup** for ownership: a question that asks who owns one stage or concept ("who
   gets paged at 3am?", "whose job is the schema?") or states who does ("the data scientist
   builds the pipeline, right?") is answered from the facts — the demo's lifecycle for a
   stage, the planner's catalogue for a responsibility — and a claim is judged (negation
   and "only" included). "Why" questions and premises ("my team has no SRE, who…") go on to
   retrieval, which has the answers for them.
2. **Retrieval** (`Index`, BM25): the best entry answers when its coverage reaches the
   threshold; an authored out-of-scope entry, or anything below the threshold, is declined in
   one sentence naming what the tutor can do, with the three closest questions it can answer
   offered as `/ask N`.

Pure: the knowledge data, the lexicon, the lifecycle and the catalogue's owners are passed in.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tutor.demo.variants import Variant, asks_for_change, read_variant
from tutor.knowledge.base import Entry, KnowledgeData
from tutor.knowledge.dialogue import read_act
from tutor.knowledge.focus import asks_about_unknown, asks_quantity, focus
from tutor.knowledge.retrieval import Hit, Index
from tutor.text import Lexicon, Mention, Reading, join_names

_ASK_WHO = frozenset({"who", "whom", "whose"})
_WHICH_WHO = frozenset({"role", "person", "team", "hat", "one", "people"})
_ONLY = frozenset({"only", "just", "alone", "sole", "solely", "exclusively"})
_WHY = frozenset({"why"})
_SUPPOSE = frozenset({"if", "suppose", "imagine", "assume", "say"})
# A "why" entry answers a "why" question when it scores at least this share of the best hit.
_WHY_FLOOR = 0.8
_DESCRIBE = frozenset({"what", "whats", "describe", "explain", "tell", "define"})
# Words that ask what something is, whatever opens the question ("handoff meaning?").
_DEFINES = frozenset({"define", "definition", "mean", "meaning", "explain", "describe"})
_ADVICE = frozenset({"should", "could", "would", "must", "shall"})
_HANDOFF_TERMS = frozenset({"handoff", "full_handoff", "partial_handoff", "model_handoff"})
_HANDOFF_WORDS = frozenset(
    {
        "break",
        "wrong",
        "risky",
        "risk",
        "fail",
        "between",
        "from",
        "dangerous",
        "safe",
        "pass",
        "hand",
        "give",
    }
)
# A comparison of two roles or stages is not a handoff question ("different from", "vs").
_COMPARE = frozenset({"difference", "different", "differ", "vs", "versus", "compare", "diff"})
_ARROWS = ("->", "\u2192", "=>", "-->")
_OPENERS = frozenset(
    {"what", "whats", "how", "why", "when", "where", "which", "explain", "describe", "define",
     "difference", "diff", "compare", "tell", "walk", "show"}
)  # fmt: skip
# Openers of a question about what is named in it (a role asked about, not claimed as owner).
_ASKS_ABOUT = (_OPENERS - {"tell", "show", "walk"}) | _SUPPOSE | _ADVICE
# Words that make a denied role a premise about the learner's team — the team lacks it ("we
# don't have an SRE", "there's no SRE") — not a claim about the lesson ("the SRE doesn't get
# paged", "our SREs don't understand the model", "the data scientist should, not SRE").
_PREMISE = frozenset({"have", "has", "had", "there", "got", "nobody", "without", "hire", "hired"})
# Words that make the question about a one-person team ("if I'm a solo founder, who…").
_SOLO = frozenset({"solo", "alone", "myself", "solopreneur"})
# A bare claim is an insistence on the previous turn's subject ("no, I'm sure it's the DS"),
# unless it opens or asks a question of its own.
_FOLLOW_UP_ACTS = frozenset({"simpler", "example", "more", "why", "worst"})
_HOLD = "I hear you, but I'll stay with the lesson here. "
_SENTENCE_CUT = re.compile(r"(?<=[.?!;])\s+")


def _alternatives(reading: Reading, roles: Sequence[Mention]) -> bool:
    """Two different roles with "or" between them: a choice asked, not an owner claimed."""
    spans = sorted((m.first, m.last, m.id) for m in roles)
    return any(
        a[2] != b[2] and any(t.norm == "or" for t in reading.tokens[a[1] : b[0]])
        for a, b in itertools.pairwise(spans)
    )


@dataclass(frozen=True)
class Answer:
    """The tutor's reply to a question, and what routing decided (for tests and the engine)."""

    text: str
    entry: str | None  # the entry answered (None: declined below the threshold)
    declined: bool = False
    action: str | None = None  # "secret" | "quiz" | "greeting": the caller acts instead
    owners: tuple[str, ...] = ()  # role names stated as owners
    verdict: str | None = None  # "yes" / "no" when the learner stated a claim
    suggestions: tuple[str, ...] = ()  # questions offered (surfaces show them; /ask N asks)
    #: the stage or responsibility whose owner the answer stated (what a bare claim that
    #: follows, "no, it's the data scientist", is about)
    subject: str | None = None


@dataclass(frozen=True)
class Facts:
    """Who owns what: the demo's lifecycle (stage -> owner) and the catalogue (id -> (name,
    stage, hat))."""

    lifecycle: Mapping[str, str]
    responsibilities: Mapping[str, tuple[str, str, str]]


class Answerer:
    """Answers questions with one knowledge base. Immutable; build once and share."""

    def __init__(
        self, data: KnowledgeData, lexicon: Lexicon, facts: Facts, lesson_words: Sequence[str] = ()
    ) -> None:
        """`lesson_words`: what the lesson calls its own parts ("prompt" for a try-it prompt);
        a message sharing only those with a request for secrets asks about the lesson."""
        self.data, self.lexicon, self.facts = data, lexicon, facts
        self.lesson_words = frozenset(w for p in lesson_words for w in lexicon.read(p).norms)
        self.index = Index(data.entry, lexicon, data.fillers)
        self._things = frozenset(w for p in data.product_qualifiers for w in lexicon.read(p).norms)
        self._role_words = frozenset(w for p in data.role_words for w in lexicon.read(p).norms)
        self._claim_words = self._role_words | frozenset(
            w for p in (*data.claim_tags, *data.work_verbs) for w in lexicon.read(p).norms
        )
        self._slots = {e.slot: e for e in data.entry if e.slot and not e.slot.startswith("role:")}
        self._roles = {e.slot: e for e in data.entry if e.slot and e.slot.startswith("role:")}
        self._handoffs = {tuple(e.handoff.split(" -> ")): e for e in data.entry if e.handoff}
        self._stage_ids = {
            entry.name: entry.id for entry in lexicon.entries("stage")
        }  # demo stage name -> vocabulary id

    # -- public -------------------------------------------------------------------------------

    def answer(self, text: str, subject: str | None = None, topic: str | None = None) -> Answer:
        """The reply to `text`; `subject` is the stage or responsibility whose owner the
        tutor's previous message stated (`dialogue.subject`), what a bare claim is about;
        `topic` the entry the previous answer came from (pushback on a correction holds it)."""
        reading = self.lexicon.read(text)
        hits = self.index.rank(text, k=8)
        if _several(reading):  # a team of several is never answered as a one-person team
            hits = [h for h in hits if not h.entry.solo]
        if hits and hits[0].weak:  # stopwords alone never trigger an action
            hits = [h for h in hits if not h.entry.action]
        top = hits[0] if hits else None
        action = self.action(text)
        if action and top:
            return Answer(top.entry.answer, top.entry.id, action=action)
        hits = [h for h in hits if not h.entry.action]
        top = hits[0] if hits else None
        wrong_belief = self._misconception(reading, hits, topic) or self._belief_in_a_sentence(text)
        if wrong_belief is not None:
            return self._entry_answer(wrong_belief)
        belief = top if top and top.entry.misconception else None
        # A misconception's correction answers only a statement of that belief.
        hits = [h for h in hits if not h.entry.misconception]
        top = hits[0] if hits else None
        held = self._holds(reading, topic)
        if held is not None:
            return held
        if self._asks_about_unknown(reading) or self._quantity_unanswered(reading, hits):
            # An authored decline speaks for the request only when it covers it well ("best
            # laptop" is no question about tools for the pipeline, "pizza" none at all).
            floor = self.data.action_threshold
            authored = next((h for h in hits if h.entry.decline and h.coverage >= floor), None)
            return self._decline(authored, hits)
        owner = self._owner_of_topic(reading, topic)
        if owner is not None:
            return self._entry_answer(owner)
        handoff = self._handoff(reading, text)
        if handoff is not None:
            return self._entry_answer(handoff)
        slot = self._slot(reading)
        denies = any(m.negated for m in self._roles_named(reading))
        # "so data scientists are done once the model is trained?" claims more than who owns
        # training: the belief it also fits answers it, never a bare owner verdict.
        if (
            slot is not None
            and belief
            and not denies
            and belief.coverage >= self.data.misconception_threshold
            and self._beyond(reading, slot)
        ):
            return self._entry_answer(belief.entry)
        if slot is not None:
            return self._owner_answer(slot, reading)
        premise = self._premise(reading, hits)
        if premise is not None:
            return self._entry_answer(premise)
        if self._role_leaves(reading):
            # "what if our data scientist quits?" with no answer for that role: a definition
            # of the role would answer something else.
            return self._decline(None, hits)
        held = self._insisted(reading, subject)
        if held is not None:
            found = self._owner_answer(held, reading)
            lead = _HOLD if found.verdict == "no" else ""
            return Answer(
                lead + found.text,
                found.entry,
                owners=found.owners,
                verdict=found.verdict,
                subject=found.subject,
            )
        role = self._role(reading, top)
        if role is not None:
            return self._entry_answer(role)
        kept = self._about_what_is_named(reading, hits)
        if self._roles_named(reading) and not self._has_premise(reading):
            # A message that names roles as present ("why does the ML engineer own…") is not
            # about a team that lacks one: a premise's answer ("when there is no ML engineer")
            # answers it no more than a misconception's answers a question.
            kept = [h for h in kept if not h.entry.premise]
        if hits and (not kept or (kept[0] != hits[0] and kept[0].coverage < hits[0].coverage)):
            # The best match was about something else: what ranked under it covers the
            # question less, so it is no answer either ("but they wrote the serving code!" is
            # no question about what productionizing means).
            return self._decline(None, hits)
        hits = kept
        top = hits[0] if hits else None
        top = self._asks_why(reading, hits) or self._asks_what(reading, hits) or top
        top = self._not_a_definition(reading, hits, top)
        if top and top.coverage >= self.data.threshold and not top.entry.decline:
            return self._entry_answer(top.entry)
        return self._decline(top if top and top.entry.decline else None, hits)

    def action(self, text: str) -> str | None:
        """'secret', 'quiz' or 'greeting' when `text` asks for one of these, else None."""
        hits = self.index.rank(text, k=1)
        top = hits[0] if hits else None
        if not top or not top.entry.action or top.weak or top.coverage < self.data.action_threshold:
            return None
        if top.coverage < 1 and top.matched <= self.lesson_words:
            return None  # "the next prompt", "what's the second prompt about": the lesson's
        if read_act(text, self.lexicon, self.data.dialogue) in _FOLLOW_UP_ACTS:
            return None  # "give me an example" asks about the last topic, not for secrets
        if any(self.lexicon.find(text, p) for p in self.data.dialogue.example):
            return None  # "can you give me a example of handoff that break?" asks content
        # A question about the lesson's facts ("the right answer to who owns deploy?") is a
        # lesson question, whatever else it says.
        if self._slot(self.lexicon.read(text)) or self._handoff(self.lexicon.read(text), text):
            return None
        return top.entry.action

    def addresses(self, text: str, reply: Answer, follows: bool = False) -> bool:
        """Does `reply` answer what `text` asks about a role? A question about a role ("why
        not the data scientist?", "what does the ML engineer do when latency spikes?", "and if
        the ML engineer did on-call?") is answered only by a reply that names that role or
        judges a claim about it: the owner of the stage, however close, answers another
        question. A statement ("the SRE owns the pipeline since…", "if it's the model that's
        slow, that's on the ML engineers") is answered by its facts. `follows`: the reply
        continues the last topic, where a denied role ("why not the ML engineer then?") is the
        alternative to that topic's owner, answered by why the owner owns it."""
        if reply.declined or reply.verdict is not None:
            return True
        reading = self.lexicon.read(text)
        norms = self._spoken(reading)
        if not norms or norms[0] not in _ASKS_ABOUT:
            return True
        if norms[0] in _SUPPOSE and not self.lexicon.is_question(text):
            return True
        roles = self._roles_named(reading)
        asked = {m.id for m in roles if not (follows and m.negated)}
        said = {m.id for m in self.lexicon.read(reply.text).of_kind("role")}
        return asked <= said

    def declined(self, text: str) -> Answer:
        """The plain decline of `text`, offering the closest questions the tutor answers."""
        return self._decline(None, [h for h in self.index.rank(text, k=8) if not h.entry.action])

    def misconception(self, text: str) -> str | None:
        """The misconception entry `text` states ("why not just rotate the pager?"), if any."""
        hits = [h for h in self.index.rank(text, k=8) if not h.entry.action]
        found = self._misconception(self.lexicon.read(text), hits)
        found = found or self._belief_in_a_sentence(text)
        return found.id if found else None

    def _belief_in_a_sentence(self, text: str) -> Entry | None:
        """A wrong belief stated in one sentence of several ("so the goal is no handoffs,
        right? one person per project = zero risk"): the other sentences dilute it."""
        parts = [p for p in _SENTENCE_CUT.split(text.strip()) if p]
        if len(parts) < 2:
            return None
        for part in parts:
            hits = [h for h in self.index.rank(part, k=8) if not h.entry.action]
            found = self._misconception(self.lexicon.read(part), hits)
            if found is not None:
                return found
        return None

    def follow_up(self, act: str, topic: str | None) -> Answer | None:
        """ "Simpler", "an example", "why", "say more" about the entry answered last, or
        None when that entry has no such wording."""
        if act == "worst":
            return self._worst(topic)
        wording = self.data.followup_for(topic)
        text = wording.wording(act) if wording else None
        if text is None:
            return None
        return Answer(text, topic)

    def _worst(self, topic: str | None) -> Answer | None:
        """ "Which of those is the worst?" right after an answer about handoffs: the one the
        lesson flags. After anything else it is unclear what "those" are."""
        last = next((e for e in self.data.entry if e.id == topic), None)
        worst = self.data.dialogue.worst_entry
        terms = {f"term:{t}" for t in _HANDOFF_TERMS}
        if last is None or worst is None or not self.index.core(last) & terms:
            return None
        return self._entry_answer(self.data.get(worst))

    def variant(
        self,
        text: str,
        ran: Sequence[tuple[str, str]] | None = None,
        about_demo: bool = False,
        subject: str | None = None,
    ) -> Variant | None:
        """The learner's change to the demo (`ran`: the variant it last ran on; `subject`:
        the stage the last answer was about), if the words say one exactly
        (`tutor.demo.variants`)."""
        lesson = list(self.facts.lifecycle.items())
        cues = self.data.variants
        return read_variant(text, self.lexicon, cues, ran or lesson, lesson, about_demo, subject)

    def asks_for_change(
        self, text: str, ran: Sequence[tuple[str, str]] | None = None, about_demo: bool = False
    ) -> bool:
        """The learner asks what the demo prints under a change, read or not."""
        lesson = list(self.facts.lifecycle.items())
        return asks_for_change(text, self.lexicon, self.data.variants, ran or lesson, about_demo)

    def topic_of(self, text: str) -> str | None:
        """The entry a message is about (its best hit above the threshold), if any."""
        hits = [h for h in self.index.rank(text, k=3) if not h.entry.action]
        top = hits[0] if hits else None
        return top.entry.id if top and top.coverage >= self.data.threshold else None

    def by_question(self, question: str) -> Answer | None:
        """The answer to one of the questions the tutor offered (`/ask N`)."""
        for entry in self.data.entry:
            if entry.question == question.strip():
                return self._entry_answer(entry)
        return None

    def suggestions(self, hits: Sequence[Hit]) -> tuple[str, ...]:
        """The three closest questions the tutor can answer (padded with starter questions)."""
        ids = [h.entry.id for h in hits if not h.entry.decline and not h.entry.action]
        ids += [i for i in self.data.suggestions if i not in ids]
        return tuple(self.data.get(i).question for i in ids[:3])

    # -- slot lookups -------------------------------------------------------------------------

    def _slot(self, reading: Reading) -> Entry | None:
        """The one ownership slot a question asks or states something about, if any."""
        norms = self._spoken(reading)
        if not norms or norms[0] in _WHY:
            return None
        named = _outermost([m for m in reading.mentions if f"{m.kind}:{m.id}" in self._slots])
        entries = {
            self._slots[f"{m.kind}:{m.id}"].id: self._slots[f"{m.kind}:{m.id}"] for m in named
        }
        if len(entries) != 1:
            return None
        roles = [m for m in self._roles_named(reading) if not _inside(m, named)]
        if _alternatives(reading, roles) and all(m.kind == "role" for m in named):
            return None  # "should our next hire be a data engineer or an SRE?" names no slot
        if self._has_premise(reading, roles):
            return None  # "we don't have an SRE — who holds the pager?", "if I'm solo, who…"
        asks_who = any(n in _ASK_WHO for n in norms) or any(
            a == "which" and b in _WHICH_WHO for a, b in itertools.pairwise(norms)
        )
        # A claim is a statement or a yes/no question ("the SRE holds the pager, right?",
        # "is monitoring only the SRE's job?"); "what does the data engineer hand to the data
        # scientist?" names roles but claims nothing.
        # "(what) if the ML engineer did on-call?" supposes: it claims nothing.
        claims = bool(roles) and norms[0] not in _OPENERS | _SUPPOSE
        # "what does the ML engineer do in that shared monitor row?": one role's part in the
        # slot, which the slot's owner fact answers.
        role_in_slot = len(roles) == 1 and norms[0] in _DESCRIBE
        return next(iter(entries.values())) if claims or asks_who or role_in_slot else None

    def _has_premise(self, reading: Reading, roles: Sequence[Mention] | None = None) -> bool:
        """The question sets a premise about the learner's team: a role it lacks ("we have no
        data engineer") or a one-person team ("I'm a solo founder")."""
        norms = {t.norm for t in reading.tokens}
        roles = self._roles_named(reading) if roles is None else roles
        # "no MLE. who serves?": "no" right before the role says the team lacks it.
        lacks = any(m.first > 0 and reading.tokens[m.first - 1].norm == "no" for m in roles)
        missing = lacks or (any(m.negated for m in roles) and bool(norms & _PREMISE))
        # "what if our SRE quits?": a role leaving the team is a role it lacks.
        missing = missing or (bool(roles) and bool(norms & self.data.dialogue.words("leave")))
        # The words as written: the lexicon reads "solo" and "the one who" alike ("1").
        words = {t.surface(reading.text).lower() for t in reading.tokens}
        return missing or bool(words & _SOLO)

    def _premise(self, reading: Reading, hits: Sequence[Hit]) -> Entry | None:
        """An ownership question with a team premise: the best-ranked entry of the premise
        family ("no X / solo"), which answers taking the premise, before any stock owner fact."""
        norms = {t.norm for t in reading.tokens}
        slots = any(f"{m.kind}:{m.id}" in self._slots for m in reading.mentions)
        leaves = norms & self.data.dialogue.words("leave")
        if not (slots or norms & _ASK_WHO or leaves) or not self._has_premise(reading):
            return None  # "how do I run the demo myself" asks nobody's ownership
        if leaves:
            # "What if our SRE leaves the company?": the premise answer for that role, ranked
            # or not ("what if our only ML engineer quits?" ranks a serving entry first).
            roles = {f"role:{m.id}" for m in self._roles_named(reading)}
            fits = [h.entry for h in hits if h.entry.premise and roles <= self.index.core(h.entry)]
            if not fits and roles:  # unranked: only when one answer is that role's
                fits = [e for e in self.data.entry if e.premise and roles <= self.index.core(e)]
                fits = fits if len(fits) == 1 else []
            return fits[0] if fits else None
        threshold = self.data.threshold
        return next((h.entry for h in hits if h.entry.premise and h.coverage >= threshold), None)

    def _role_leaves(self, reading: Reading) -> bool:
        """A role named leaving the team ("what if our SRE quits?")."""
        norms = {t.norm for t in reading.tokens}
        return bool(self._roles_named(reading)) and bool(norms & self.data.dialogue.words("leave"))

    def _about_what_is_named(self, reading: Reading, hits: list[Hit]) -> list[Hit]:
        """The entries whose wordings name every owned thing the question names (a stage, the
        data contract, the eval gate, on-call): "why does the ML engineer own the eval gate?"
        is not answered by why SRE holds the pager, however many other words they share."""
        owned = {f"{m.kind}:{m.id}" for m in reading.mentions} & self._slots.keys()
        if not owned:
            return hits
        return [h for h in hits if owned <= self.index.core(h.entry)]

    def _asks_why(self, reading: Reading, hits: Sequence[Hit]) -> Hit | None:
        """'Why do handoffs break so often?' asks for a reason: an entry whose own question asks
        "why" beats one that shares the words but asks "which" — unless it ranks far lower."""
        norms = self._spoken(reading)
        if not hits or not norms or norms[0] not in _WHY or self._opens_why(hits[0].entry):
            return None
        floor = _WHY_FLOOR * hits[0].score
        return next(
            (
                h
                for h in hits
                if self._opens_why(h.entry)
                and not h.entry.decline
                and h.score >= floor
                and h.coverage >= self.data.threshold
            ),
            None,
        )

    def _asks_what(self, reading: Reading, hits: Sequence[Hit]) -> Hit | None:
        """'explain roles' (a request pointing at a thing) asks what, not why: when a "why"
        entry leads only on the order of equal coverage, the best entry that does not ask
        "why" answers."""
        if not hits or not focus(reading, self.data.focus, self.index.stopwords):
            return None  # "what actually breaks?" asks what a "why breaks" entry answers
        if not self._opens_why(hits[0].entry):
            return None
        best = hits[0].coverage
        return next(
            (
                h
                for h in hits
                if not self._opens_why(h.entry)
                and not h.entry.decline
                and h.coverage >= best
                and h.coverage >= self.data.threshold
            ),
            None,
        )

    def _not_a_definition(
        self, reading: Reading, hits: Sequence[Hit], top: Hit | None
    ) -> Hit | None:
        """ "What should I actually hand over?" asks for advice, not what a handoff is: a
        definition ("What is X?") answers only a message that asks what something is; else an
        entry that covers the message as well answers, if one does."""
        if top is None or not self._defines(top.entry) or not self._asks_advice(reading):
            return top
        return next(
            (h for h in hits if not self._defines(h.entry) and h.coverage >= top.coverage), top
        )

    def _defines(self, entry: Entry) -> bool:
        norms = [t.norm for t in self.lexicon.read(entry.question).tokens]
        return norms[:2] in (["what", "be"], ["what", "is"])

    def _asks_advice(self, reading: Reading) -> bool:
        """ "What should I hand over?": a what-question with a modal, and no word asking what
        something is ("what does a data contract cover?" describes)."""
        norms = self._spoken(reading)
        modal = norms[:1] in (["what"], ["whats"]) and norms[1:2] and norms[1] in _ADVICE
        return bool(modal) and not set(norms) & _DEFINES

    def _quantity_unanswered(self, reading: Reading, hits: Sequence[Hit]) -> bool:
        """A question for a quantity ("how often should we retrain?") that the best entry
        does not answer with one (its own question asks for none)."""
        if not hits or not asks_quantity(reading, self.data.focus):
            return False
        own = self.lexicon.read(hits[0].entry.question)
        return not hits[0].entry.decline and not asks_quantity(own, self.data.focus)

    def _asks_about_unknown(self, reading: Reading) -> bool:
        """ "write me a poem about pipelines": the thing asked for is unknown to the lesson."""
        return asks_about_unknown(reading, self.data.focus, self.index.stopwords, self.index.knows)

    def _spoken(self, reading: Reading) -> list[str]:
        """The message's words from its head on (`Lexicon.spoken`)."""
        return list(self.lexicon.spoken(reading))

    def _opens_why(self, entry: Entry) -> bool:
        norms = [t.norm for t in self.lexicon.read(entry.question).tokens]
        return bool(norms) and norms[0] in _WHY

    def _misconception(
        self, reading: Reading, hits: Sequence[Hit], topic: str | None = None
    ) -> Entry | None:
        """A common wrong belief the message states (or asks to confirm: "why not…?",
        "so zero handoffs = zero risk?"), when its entry is the best hit and covers enough of
        the message. A question that opens "how", "what", "who"… asks something else."""
        norms = self._spoken(reading)
        # "What if we skip on-call?" supposes; "what is…" asks.
        opener = " ".join(norms[:2]) if norms[:2] == ["what", "if"] else norms[0] if norms else ""
        if not norms or ((opener in _OPENERS or opener in _ASK_WHO) and opener not in _WHY):
            return None
        top = hits[0] if hits else None
        if not top or not top.entry.misconception:
            return None
        # "on-call isn't the data scientist's job, is it?" denies the belief; "the data
        # scientists should be on call, not SRE" states it, against another role.
        roles = self._roles_named(reading)
        if any(m.negated for m in roles) and not any(m.asserted for m in roles):
            return None
        # A message that names nothing the belief is about speaks of the last topic: "and if
        # it's skipped?" after the eval gate does not state the belief about the pager.
        core = self.index.core(top.entry)
        last = next((e for e in self.data.entry if e.id == topic), None)
        unnamed = not any(f"{m.kind}:{m.id}" in core for m in reading.mentions)
        if unnamed and last is not None and not core & self.index.core(last):
            return None
        # The belief must stand out: a question that also fits a plain answer asks that.
        runner_up = next((h.score for h in hits if not h.entry.misconception), 0.0)
        margin = self.data.misconception_margin
        return (
            top.entry
            if top.coverage >= self.data.misconception_threshold
            and (top.score >= margin * runner_up)
            else None
        )

    def _owner_of_topic(self, reading: Reading, topic: str | None) -> Entry | None:
        """ "Who owns it?" right after "what is a data contract?": the topic's owner entry."""
        wording = self.data.followup_for(topic)
        norms = {t.norm for t in reading.tokens}
        named = [m for m in reading.mentions if m.kind != "term" or f"term:{m.id}" in self._slots]
        if wording is None or not wording.owner or named or not norms & _ASK_WHO:
            return None
        return self.data.get(wording.owner)

    def _holds(self, reading: Reading, topic: str | None) -> Answer | None:
        """Pushback on a correction ("are you sure?", "but the vendor has SREs"): the same
        facts, kindly — unless the message opens a question of its own."""
        entry = next((e for e in self.data.entry if e.id == topic), None)
        if entry is None or not entry.hold:
            return None
        norms = [t.norm for t in reading.tokens]
        pushes = set(norms) & self.data.dialogue.words("pushback")
        asks = reading.text.rstrip().endswith("?") or bool(set(norms) & _OPENERS)
        if not norms or not (pushes or (reading.mentions and not asks)):
            return None
        return Answer(f"{entry.hold}\n\n{_cite(entry.source)}", entry.id)

    def _insisted(self, reading: Reading, subject: str | None) -> Entry | None:
        """A bare ownership claim ("it's the data scientist", "no, the SRE does") after the
        tutor stated the owner of `subject`: the claim is about that subject."""
        norms = self._spoken(reading)
        if not subject or not norms or norms[0] in _OPENERS or norms[0] in _ASK_WHO:
            return None
        roles = self._roles_named(reading)
        if not roles or reading.of_kind("stage") or self._has_premise(reading, roles):
            return None
        if any(f"{m.kind}:{m.id}" in self._slots for m in reading.mentions):
            return None  # names a slot of its own: the slot lookup's business
        for entry in self._slots.values():
            stated = (
                entry.stage or self.facts.responsibilities.get(entry.responsibility or "", ("",))[0]
            )
            if stated and stated.lower() == subject.lower():
                return entry
        return None

    def _handoff(self, reading: Reading, text: str) -> Entry | None:
        """The demo handoff a question names, by its two stages or its owners in order
        ("why does data engineer -> data scientist break?", "from serving to deploy")."""
        norms = {t.norm for t in reading.tokens}
        terms = {m.id for m in reading.of_kind("term")}
        cue = bool(terms & _HANDOFF_TERMS or norms & _HANDOFF_WORDS) or any(
            a in text for a in _ARROWS
        )
        if not cue or norms & _ASK_WHO or self._says(norms, _COMPARE):
            return None
        stages = [self._stage_name(m.id) for m in _outermost(reading.of_kind("stage"))]
        for a, b in itertools.pairwise(stages):
            if (a, b) in self._handoffs:
                return self._handoffs[(a, b)]
        roles = [m.id for m in reading.of_kind("role", asserted=None)]
        for k in range(1, len(roles)):
            pair = (frozenset(roles[:k]), frozenset(roles[k:]))
            for (a, b), entry in self._handoffs.items():
                if pair == (self._owner_ids(a), self._owner_ids(b)):
                    return entry
        return None

    def _role(self, reading: Reading, top: Hit | None) -> Entry | None:
        """'What does a data scientist actually do?': one role named, nothing else asked
        (no stage, concept slot or comparison) — unless retrieval is confident elsewhere."""
        norms = self._spoken(reading)
        roles = {m.id for m in self._roles_named(reading)}
        if len(roles) != 1 or not norms or norms[0] not in _DESCRIBE or self._says(norms, _COMPARE):
            return None
        if not set(norms) & self._role_words:
            return None  # "what's the best laptop for data science?" asks about no job
        if reading.of_kind("stage") or any(f"term:{m.id}" in self._slots for m in reading.mentions):
            return None
        entry = self._roles.get(f"role:{next(iter(roles))}")
        if entry and top and top.entry.decline and top.coverage >= self.data.threshold:
            return None  # "how much does an ML engineer earn?"
        return entry

    def _roles_named(self, reading: Reading) -> list[Mention]:
        """Role mentions, without "product" where it is the thing built ("an LLM product")."""
        found = []
        for m in reading.of_kind("role"):
            bare = m.id == "product" and m.last - m.first == 1
            before = reading.tokens[m.first - 1].norm if m.first > 0 else ""
            if not (bare and before in self._things):
                found.append(m)
        return found

    def _says(self, norms: Sequence[str] | set[str], words: frozenset[str]) -> bool:
        """Any of `words` among `norms`, typos of long words included ("diffrence")."""
        return any(self.lexicon.same_word(n, w) for n in norms for w in words)

    def _stage_name(self, stage_id: str) -> str:
        return next((name for name, i in self._stage_ids.items() if i == stage_id), stage_id)

    def _owner_ids(self, stage: str) -> frozenset[str]:
        owner = self.facts.lifecycle.get(stage, "")
        return frozenset(self._role_id(o.strip()) for o in owner.split("+"))

    def _owner_answer(self, entry: Entry, reading: Reading) -> Answer:
        owners, fact, subject = self._fact(entry)
        owner_ids = {self._role_id(o) for o in owners}
        roles = self._roles_named(reading)
        said = {m.id for m in roles if m.asserted}
        denied = {m.id for m in roles if m.negated}
        verdict = None
        opener = next(iter(self._spoken(reading)), "")
        if (said or denied) and (self._beyond(reading, entry) or opener in _OPENERS):
            # The claim says more than who owns it, or there is no claim ("what does the ML
            # engineer do when latency spikes?"): the fact, never a yes or no to it.
            pass
        elif said or denied:
            only = any(t.norm in _ONLY for t in reading.tokens)
            right = said <= owner_ids and not denied & owner_ids and (not only or said == owner_ids)
            verdict = "yes" if right else "no"
            wrong = [self.lexicon.entry(r).name for r in sorted(said - owner_ids)]
            if right:
                fact = f"Yes — {fact[0].lower()}{fact[1:]}"
            elif wrong:
                fact = f"Not quite: {fact[0].lower()}{fact[1:-1]}, not {join_names(wrong)}."
            else:
                fact = f"Not quite: {fact[0].lower()}{fact[1:]}"
        text = f"{fact} {entry.answer}\n\n{_cite(entry.source)}"
        return Answer(text, entry.id, owners=tuple(owners), verdict=verdict, subject=subject)

    def _beyond(self, reading: Reading, entry: Entry) -> set[str]:
        """The message's content words that neither name something (a role, a stage, a term),
        nor say ownership ("own", "job") or ask to confirm ("right?"), nor occur in the owner
        entry's wordings: what a claim says beyond "<role> owns <slot>" ("once" in "are data
        scientists done once the model is trained?"). Empty when it is only about ownership."""
        named = {i for m in reading.mentions for i in range(m.first, m.last)}
        known = self.index.words(entry) | self._claim_words | self.index.stopwords
        known |= self.lexicon.openers | set(self.lexicon.cues.negators)  # polarity is judged
        return {
            t.norm
            for i, t in enumerate(reading.tokens)
            if i not in named and t.norm not in known and not t.norm.isdigit()
        }

    def _fact(self, entry: Entry) -> tuple[list[str], str, str]:
        """(owners, the sentence stating them, the stage or responsibility they own)."""
        if entry.stage:
            owner = self.facts.lifecycle[entry.stage]
            owners = [o.strip() for o in owner.split("+")]
            fact = f"In the lesson's demo, **{entry.stage}** is owned by **{owner}**."
            return owners, fact, entry.stage
        name, stage, hat = self.facts.responsibilities[entry.responsibility or ""]
        fact = f"In the planner's catalogue, **{name}** is owned by the **{hat}** (at *{stage}*)."
        return [hat], fact, name

    def _role_id(self, name: str) -> str:
        found = self.lexicon.by_name(name, "role")
        return found.id if found else name

    # -- answers and declines -------------------------------------------------------------

    def _entry_answer(self, entry: Entry) -> Answer:
        if entry.stage or entry.responsibility:  # by retrieval: the fact, no claim to judge
            return self._owner_answer(entry, self.lexicon.read(""))
        # A misconception's correction judges the belief it answers wrong.
        verdict = "no" if entry.misconception else None
        return Answer(f"{entry.answer}\n\n{_cite(entry.source)}", entry.id, verdict=verdict)

    def _decline(self, authored: Hit | None, hits: Sequence[Hit]) -> Answer:
        offer = self.suggestions(hits)
        first = (
            authored.entry.answer
            if authored
            else f"{self.data.decline_intro} {self.data.decline_offer}"
        )
        # The offered questions travel as data (`suggestions`): each surface shows them its
        # own way (buttons on the page, `/ask N` lines in a terminal).
        entry = authored.entry.id if authored else None
        return Answer(first, entry, declined=True, suggestions=offer)


_HEADS = frozenset({"person", "people", "ppl", "member", "of", "folk", "engineer", "dev"})


def _several(reading: Reading) -> bool:
    """The message states a team of two or more ("a 4 person team", "we're three people":
    the lexicon reads number words as digits)."""
    norms = reading.norms
    return any(
        n.isdecimal() and int(n) >= 2 and set(norms[i + 1 : i + 3]) & _HEADS
        for i, n in enumerate(norms)
    )


def _cite(source: str) -> str:
    return f"> From the lesson: {' '.join(source.split())}"


def _inside(m: Mention, spans: Sequence[Mention]) -> bool:
    return any(o.start <= m.start and m.end <= o.end and o is not m for o in spans)


def _outermost(mentions: Sequence[Mention]) -> list[Mention]:
    """Drop mentions inside a longer one ('evaluation' inside 'evaluation gate')."""
    return [
        m
        for m in mentions
        if not any(
            o is not m
            and o.start <= m.start
            and m.end <= o.end
            and (o.end - o.start) > (m.end - m.start)
            for o in mentions
        )
    ]
