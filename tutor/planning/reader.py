"""The team reader: a free-text team description -> `TeamReading` (a `Team`, what to confirm,
and a one-line "I read your team as: …").

It reads every person: names of any origin and case ("José María", "maria", "van der Berg"),
titles ("Dr. Smith"), the speaker ("me", "I", "my cofounder"), head counts in words and digits
("a 3-person team", "a dozen people"), bullets and tables, roles after or before the name
("Ana (DS)", "our PM Priya", "data scientist: Ravi") and roles shared ("Raj and Meera are data
scientists"). Words come through the shared text module; the reader's own words are data
(prompts/responsibilities.toml `[reader]`). A person is never dropped or merged silently:
anything unsure is listed in `unsure` for the chat to confirm.

Sentences and list items are found by `tutor.planning.segments`, who each piece names by
`tutor.planning.people` (a base of `TeamReader`); this module turns the people found into a
team: the stated count, doubts and confidence, availability, the default split. Pure: the
content (`Planning`) is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.errors import TeamError
from tutor.planning.aliases import one_name_each
from tutor.planning.availability import read_availability
from tutor.planning.catalogue import PlanningData
from tutor.planning.content import Planning
from tutor.planning.doubts import ASK_BELOW, Doubt, confidence, fit_count, question
from tutor.planning.drafts import (
    Draft,
    name_people,
    resolve_everything,
    same_person,
    spread,
    summary,
)
from tutor.planning.evidence import common_word
from tutor.planning.model import HATS, MAX_PEOPLE, PRODUCTS, ProductKind, Team, too_many_people
from tutor.planning.people import PeopleFinder
from tutor.planning.segments import pieces
from tutor.planning.words import Words

MAX_TEXT_CHARS = 2000
ASK_FOR_TEAM = "Tell me who is on the team, e.g. 'Ana is a data scientist, Ben runs infra'."
CORRECT_ME = "If I got anyone wrong, tell me the right names and roles and I'll redo it."


#: "and", "&" or "+" between words: a list of people, not a remark of two words
_COORDINATED = re.compile(r"\w\s*(?:\band\b|&|\+)\s*\w", re.IGNORECASE)


@dataclass(frozen=True)
class TeamReading:
    """What the reader understood: the team, what it is unsure of, and a one-line summary.

    `confidence` (0..1) falls with each doubt (`tutor.planning.doubts`); below its threshold
    `question` is the one line to ask the learner instead of planning ("Is your team Priya,
    Tomás and you — 3 people?"), else None. `stated` is the head count the text gives."""

    team: Team
    unsure: tuple[str, ...]
    summary: str
    assumed: tuple[str, ...] = ()
    confidence: float = 1.0
    doubts: tuple[Doubt, ...] = ()
    question: str | None = None
    stated: int | None = None

    @property
    def lead(self) -> str:
        """The line said before the plan: the summary, and when the reader was unsure of
        someone (and assumed no roles, whose summary already asks), an invitation to correct
        it. The same on every backend."""
        if self.unsure and not self.assumed:
            return f"{self.summary} {CORRECT_ME}"
        return self.summary


class TeamReader(PeopleFinder):
    """Reads team descriptions with one `Planning` content. Immutable; build once and share."""

    def __init__(self, content: Planning) -> None:
        self.content, self.lexicon, self.skills = content, content.lexicon, content.skills
        self.words = Words(content.data.reader, content.lexicon, content.skills)
        cues = content.data.product_cues
        self._llm = [self.words.phrase(p) for p in cues.llm]
        self._ml = [self.words.phrase(p) for p in cues.ml]
        self.words.product_cues = tuple(self._llm + self._ml)

    # -- public -------------------------------------------------------------------------------

    def read(self, text: str, product: str | None = None, assume: bool = True) -> TeamReading:
        """A validated team from a description, or TeamError saying what to write. People
        whose roles the text doesn't give get the default split (unless `assume` is False)."""
        text = self.one_name_each(_check_text(text))
        kind = _check_product(product) if product is not None else self.product(text)
        drafts, count, _ = self._drafts(text)
        count = self._stated(text, count, drafts)
        if count is None and not drafts:
            raise TeamError(f"I couldn't find anyone in that description. {ASK_FOR_TEAM}")
        doubts = fit_count(drafts, count, self.skills)
        size = max(count or 0, len(drafts))
        if size > MAX_PEOPLE:
            raise TeamError(too_many_people(size))
        drafts += [Draft(None, kind="unnamed") for _ in range(size - len(drafts))]
        doubts += self._doubts(text, drafts)
        resolve_everything(drafts, self.skills)
        name_people(drafts)
        assumed = self._assume(drafts, self.content.data, text) if assume else []
        team = Team.build([self._person(d) for d in drafts], kind)
        unsure = [d.says for d in doubts] + (["the roles I assumed"] if assumed else [])
        sure = confidence(tuple(doubts))
        ask = question([p.name for p in team.people], count) if sure < ASK_BELOW else None
        return TeamReading(
            team, tuple(unsure), summary(team, assumed), tuple(assumed), sure, tuple(doubts),
            ask, count,
        )  # fmt: skip

    def _stated(self, text: str, count: int | None, drafts: list[Draft]) -> int | None:
        """The head count to hold the team to. A solo cue beside others the text gives a job
        ("solo ML engineer here; Grace runs the cluster", "just me (…) and Oluwaseun, a
        backend dev") says the speaker is alone at their work, not that the team is one."""
        if count != 1 or not self.words.is_solo(text):
            return count
        others = [
            d
            for d in drafts
            if d.kind != "me" and any(self.skills.names_a_role(r) for r in d.roles)
        ]
        return None if others else count

    def _person(self, draft: Draft) -> dict:
        """The person a draft is: name, roles, and the time they give the team."""
        w = self.words
        availability, roles = read_availability(draft.roles, w, w.part_time, w.contract)
        return {"name": draft.name, "roles": roles, "availability": availability}

    def _doubts(self, text: str, drafts: list[Draft]) -> list[Doubt]:
        """Capitalised words bound to nothing, role words naming no job, lowercase names."""
        people = {d.name.casefold() for d in drafts if d.name}
        loose = {
            name
            for piece in pieces(text, self.words)
            for name in self.words.loose(piece, self.skills)
            if not any(same_person(Draft(name), Draft(p)) for p in people)
        }
        doubts = [Doubt("loose", f"{n!r} may be a teammate") for n in sorted(loose)]
        for d in drafts:
            roles = self._person(d)["roles"]
            unread = [r for r in self.skills.unread(roles) if not d.everything]
            if unread:
                doubts.append(Doubt("unread", f"I didn't read {unread[0]!r} as a job"))
        doubts += [Doubt("guessed", f"{d.name!r} is a name") for d in drafts if d.guessed]
        return doubts

    def looks_like_team(self, text: str) -> bool:
        """Whether a chat message describes a team (a head count, or people with roles)."""
        if not isinstance(text, str) or not text.strip():
            return False
        text = self.one_name_each(text[:MAX_TEXT_CHARS])  # judged by its start
        reading = self.lexicon.read(text)
        norms = [t.norm for t in reading.tokens]
        drafts, count, _ = self._drafts(text)
        # Roles count only for people the text binds to the team: "Grace Hopper would have
        # hated MLOps" names someone, but gives nobody a job on a team.
        with_roles = self._with_jobs(text)
        asks = self.lexicon.is_question(text) and not self.words.any_run(norms, self.words.requests)
        if asks:
            # A question is a team only with the team spelled out in it ("We're 3: Ana is a
            # data scientist, Ben … Who should own what?"), not "my team has no SRE, who…".
            return len(with_roles) >= 2
        named = [d for d in drafts if d.kind != "unnamed"]
        if count is not None and not with_roles and all(d.kind == "me" for d in named):
            return self._a_head_count_described(text, norms)
        if count is not None:
            return True
        # "I'm a PM" alone describes the speaker, not (yet) a team.
        others = [d for d in with_roles if d.kind != "me"]
        if len(drafts) == 1 and drafts[0].kind == "named" and common_word(drafts[0].name):
            # "Once my model beats the baseline …, the ML engineer just has to copy the
            # pickle": one capitalised common word is too little to plan a team on.
            return False
        # A lowercase word is a guess at a name ("ok danke, verstanden"): guesses make a team
        # only as a list of people ("ana, ben and chen") or beside a request for a plan.
        sure = [d for d in named if not d.guessed]
        listed = bool(_COORDINATED.search(text)) or self.words.any_run(norms, self.words.requests)
        return bool(others) or len(sure) >= 2 or (len(named) >= 2 and listed)

    def _a_head_count_described(self, text: str, norms: list[str]) -> bool:
        """A head count with nobody named or given a job describes a team only when it asks
        for a plan, or says what the team builds in one sentence ("five people building a
        churn model"); "this feels like a lot of process for two people" or "we're 3 people
        so we don't have any handoffs" speak about the lesson, not for a plan."""
        if self.words.any_run(norms, self.words.requests) or self.words.is_solo(text):
            return True  # "It's just me."
        one_sentence = len([s for s in re.split(r"(?<=[.!?:;])\s+", text.strip()) if s]) == 1
        return one_sentence and self.words.any_run(norms, self.words.product_cues)

    def names_people_with_jobs(self, text: str) -> bool:
        """At least two people bound to the team with MLOps jobs, one of them named ("I'm Dana,
        I do product … Tom trains and deploys everything"): a team, whatever else is said."""
        if not isinstance(text, str) or not text.strip():
            return False
        with_roles = self._with_jobs(text[:MAX_TEXT_CHARS])
        return len(with_roles) >= 2 and any(d.kind == "named" for d in with_roles)

    def _with_jobs(self, text: str) -> list[Draft]:
        """The people the text binds to the team who have an MLOps job: "Grace Hopper would
        have hated MLOps" names someone, but gives nobody a job on a team."""
        return [d for d in self._people(text) if d.roles and self.skills.levels(d.roles)]

    def one_name_each(self, text: str) -> str:
        """The text with self-corrections applied and second names folded into the first."""
        said = self.content.data.reader
        return one_name_each(text, said.corrections, said.second_names)

    def product(self, text: str) -> ProductKind:
        """'ml' for classic-ML cues (fraud, churn, forecasting...), else 'llm' (the default)."""
        norms = [t.norm for t in self.lexicon.read(text).tokens]
        if self.words.any_run(norms, self._llm):
            return "llm"
        return "ml" if self.words.any_run(norms, self._ml) else "llm"

    # -- filling in ----------------------------------------------------------------------------

    def _assume(self, drafts: list[Draft], data: PlanningData, text: str) -> list[str]:
        """Roles for people nobody gave roles to: the default split, or the missing hats —
        never a hat the text says the team lacks ("no SRE")."""
        # A job with no MLOps hat ("designer", "sales") is a role: only people the text gives
        # no job at all get the split.
        empty = [d for d in drafts if not any(self.skills.names_a_role(r) for r in d.roles)]
        if not empty:
            return []
        if len(empty) == len(drafts):
            split = data.split_for(len(drafts))
            picks = {id(d): [split[i]] for i, d in enumerate(drafts)}
        else:
            held = {h for d in drafts for h in self.skills.hats(d.roles)}
            held |= self._denied_hats(text)
            missing = [h for h in HATS if h not in held]
            picks = spread(empty, missing, data.split_for(len(drafts)), drafts)
        for d in empty:
            d.roles = d.roles + picks[id(d)]
        return [f"{d.name} — {', '.join(picks[id(d)])}" for d in empty]

    def _denied_hats(self, text: str) -> set[str]:
        """The hats of roles the text denies ("no SRE", "we don't have a data engineer")."""
        reading = self.lexicon.read(text)
        denied = [reading.quote(m) for m in reading.of_kind("role") if m.negated]
        return set(self.skills.hats(denied)) if denied else set()


# --- helpers ---------------------------------------------------------------------------------


def _check_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise TeamError(f"The team description is empty. {ASK_FOR_TEAM}")
    if len(text) > MAX_TEXT_CHARS:
        raise TeamError(
            f"The team description is {len(text):,} characters; the limit is "
            f"{MAX_TEXT_CHARS:,}. List just the names and roles."
        )
    return text.strip()


def _check_product(product: str) -> ProductKind:
    kind = product.strip().lower() if isinstance(product, str) else product
    if kind not in PRODUCTS:
        raise TeamError(f"Unknown product kind {product!r}: use 'llm' or 'ml'.")
    return kind  # type: ignore[return-value]


__all__ = ["MAX_TEXT_CHARS", "Draft", "TeamReader", "TeamReading"]
