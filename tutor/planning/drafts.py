"""People found in a team description, before they become a `Team`: merging a person named
twice, roles shared by a list of names, "everything else", numbering unnamed people, the
default split for people whose roles nobody gave, and the one-line summary. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.planning.model import HATS, Team
from tutor.planning.segments import Piece
from tutor.planning.words import Words
from tutor.text import agrees, is_speaker, join_names


@dataclass
class Draft:
    """A person found in the text, before unnamed people are numbered."""

    name: str | None
    roles: list[str] = field(default_factory=list)
    kind: str = "named"  # named | me | relation | unnamed
    sentence: int = 0
    link: str = ""  # the first word after the name, for roles shared by a list of names
    everything: str = ""  # "all": every technical hat; "else": those nobody else has
    guessed: bool = False  # a lowercase word taken as a name
    turn: int = 0  # when the text last spoke of this person: bare roles and pronouns go there
    #: who an unnamed person is to the speaker ("colleague" for "my colleague"): the same
    #: relation said again ("my colleague … my colleague also …") is the same person
    relation: str = ""
    #: the role came before the name ("the data engineer is Ana", "our SRE is Jonas"): a
    #: definite mention that may name a placeholder said earlier ("we have a data engineer")
    role_first: bool = False
    #: a name alone, listed beside a person's name ("Arjun + Meera", "Tane and Aroha are"):
    #: with no roles of its own it shares theirs
    coordinated: bool = False


def touch(drafts: list[Draft], draft: Draft) -> None:
    """`draft` is now the person the text spoke of last."""
    draft.turn = max((d.turn for d in drafts), default=0) + 1


def add(drafts: list[Draft], draft: Draft) -> None:
    """Append a person; the same name (or the speaker) again adds roles instead."""
    for d in drafts:
        same_me = draft.kind == "me" and d.kind == "me"
        same_me = same_me or bool(draft.relation and draft.relation == d.relation)
        # "Lucía y Mateo: Lucía does …", "DE: Rose again", "Choi Yuna … except Yuna": a name
        # said again is the same person, with the roles of both mentions.
        if same_me or (draft.kind == "named" and d.kind != "unnamed" and same_person(d, draft)):
            d.roles += [r for r in draft.roles if r not in d.roles]
            d.everything = d.everything or draft.everything
            d.sentence, d.link = draft.sentence, draft.link or d.link
            touch(drafts, d)
            return
    touch(drafts, draft)
    drafts.append(draft)


def same_person(a: Draft, b: Draft) -> bool:
    """The same name, or one name the last word of the other ('Yuna' and 'Choi Yuna')."""
    if not a.name or not b.name:
        return False
    x, y = a.name.casefold().split(), b.name.casefold().split()
    return x == y or (len(x) != len(y) and x[-1:] == y[-1:] and min(len(x), len(y)) == 1)


def continues(drafts: list[Draft], piece: Piece, pronoun: bool) -> Draft | None:
    """Who bare role words belong to: the person this sentence spoke of last (or, after a
    pronoun, the person named last other than the speaker; None when there is none, so the
    pronoun is someone new, never the speaker)."""
    if not drafts:
        return None
    order = sorted(range(len(drafts)), key=lambda k: (drafts[k].turn, k))
    if pronoun:
        others = [drafts[k] for k in order if drafts[k].kind != "me"]
        return others[-1] if others else None
    last = drafts[order[-1]]
    if last.sentence == piece.sentence and last.kind != "unnamed" and piece.sep != ":":
        return last
    return None


def fill_placeholders(drafts: list[Draft], skills, count: int | None) -> None:
    """People said first by role or relation and named later are one person each, not two:
    "we have a data engineer … the data engineer is Ana" (a definite mention whose job is the
    placeholder's), "me plus 2 contractors. Ivan does …, Beatriz does …" (as many names in
    later sentences as the group has people). A stated count the filling would not meet
    keeps them apart. Edits `drafts` in place; each filled person keeps the first place."""
    if count is not None and len(drafts) <= count:
        return
    for named in [d for d in drafts if d.kind == "named" and d.role_first]:
        hats = set(skills.hats(named.roles))
        spot = next((d for d in _open(drafts, named) if set(skills.hats(d.roles)) == hats), None)
        if hats and spot is not None:
            _take(drafts, spot, named, skills)
    for group in _groups(drafts):
        later = [
            d
            for d in drafts[drafts.index(group[-1]) + 1 :]
            if d.kind == "named" and d.sentence > group[-1].sentence
        ]
        fits = count is None or len(drafts) - len(group) == count
        if len(later) == len(group) and fits:
            for spot, named in zip(group, later, strict=True):
                _take(drafts, spot, named, skills)


def _open(drafts: list[Draft], named: Draft) -> list[Draft]:
    """The unnamed people said before `named`."""
    return [d for d in drafts[: drafts.index(named)] if d.name is None]


def _groups(drafts: list[Draft]) -> list[list[Draft]]:
    """Runs of two or more unnamed people said together with the same words ('2 contractors')."""
    groups: list[list[Draft]] = []
    for d in drafts:
        last = groups[-1][-1] if groups else None
        same = last is not None and last.sentence == d.sentence and last.roles == d.roles
        if d.name is None and same and groups[-1][-1] is drafts[drafts.index(d) - 1]:
            groups[-1].append(d)
        elif d.name is None:
            groups.append([d])
    return [g for g in groups if len(g) > 1]


def _take(drafts: list[Draft], spot: Draft, named: Draft, skills) -> None:
    """The placeholder `spot` is `named`: it takes the name, and the named person's own roles
    when they give a hat ('3 engineers: Ravi on data' is Ravi on data)."""
    spot.name, spot.kind, spot.guessed = named.name, "named", named.guessed
    own = skills.hats(named.roles)
    spot.roles = list(named.roles) if own else spot.roles + named.roles
    spot.everything = named.everything or spot.everything
    drafts.remove(named)


def share_roles(drafts: list[Draft], words: Words) -> None:
    """'Raj and Meera are data scientists': the roles go to the names listed just before;
    'Data science: Arjun + Meera': a role said before a name goes to the names listed after.
    "Before" is in the order the text spoke of them: "Amir, Sara … and me. Amir + Sara are
    DSs" speaks of Amir and Sara again, after the speaker."""
    if len(drafts) < 2:
        return
    last, before = drafts[-1], drafts[-2]
    if last.coordinated and not last.roles and before.role_first:
        if before.sentence == last.sentence:
            last.roles, last.role_first = list(before.roles), True
        return
    spoken = sorted(drafts, key=lambda d: d.turn)
    if not _shares(last, before, words) and spoken[-1] is not last:
        last, before = spoken[-1], spoken[-2]
        if last.kind == "me" or not _shares(last, before, words):
            return  # "me and jake, i do the models": "do" is the speaker's own
    elif not _shares(last, before, words):
        return
    for d in reversed(spoken[: spoken.index(last)]):
        if d.sentence != last.sentence or d.roles or d.kind == "unnamed":
            break
        d.roles = list(last.roles)


def _shares(last: Draft, before: Draft, words: Words) -> bool:
    """The last person's roles are said of a list: a plural verb, or names listed before a
    name bound to a job ("Anjali, Vikram, Sunita — all three MLEs")."""
    listed = before.coordinated and last.kind == "named"
    return bool(last.roles) and (last.link in words.plural_links or listed)


def resolve_everything(drafts: list[Draft], skills) -> None:
    """'Kofi does a bit of everything': every technical hat; 'Jordan handles everything
    else': the technical hats nobody else has; alone, every hat. People say "everything"
    of the building and running, not of deciding what to build (a product hat is named)."""
    for d in drafts:
        if not d.everything:
            continue
        others = {h for o in drafts if o is not d for h in skills.hats(o.roles)}
        mine = set(skills.hats(d.roles))
        hats = HATS if len(drafts) == 1 else HATS[1:]
        if d.everything == "else":
            hats = tuple(h for h in hats if h not in others)
        d.roles = d.roles + [h for h in hats if h not in mine]


def spread(
    empty: list[Draft], missing: list[str], split: list[str], drafts: list[Draft]
) -> dict[int, list[str]]:
    """The hats nobody has, shared out in lesson order among the people without roles."""
    if not missing:
        return {id(d): [split[drafts.index(d)]] for d in empty}
    picks: dict[int, list[str]] = {id(d): [] for d in empty}
    per = -(-len(missing) // len(empty))
    for i, hat in enumerate(missing):
        picks[id(empty[min(i // per, len(empty) - 1)])].append(hat)
    for d in empty:
        if not picks[id(d)]:
            picks[id(d)] = [split[drafts.index(d)]]
        picks[id(d)] = [" and ".join(picks[id(d)])] if len(picks[id(d)]) > 1 else picks[id(d)]
    return picks


def name_people(drafts: list[Draft]) -> None:
    """Unnamed people become 'Person k', k their place in the team; names stay unique."""
    seen: set[str] = set()
    for k, d in enumerate(drafts, start=1):
        name = d.name or f"Person {k}"
        if name.casefold() in seen and d.kind in ("relation", "unnamed"):
            name = f"{name} {k}"  # two friends; a named person twice is for the learner to fix
        seen.add(name.casefold())
        d.name = name


ASSUMED = "You didn't say {what}, so I assumed a common split (the roles in brackets)."
CORRECT = (
    'Tell me the real roles (e.g. "Ana is a data scientist, Ben runs infra") and I\'ll redo it.'
)


def summary(team: Team, assumed: list[str]) -> str:
    """'I read your team as: …' (each person once, with their roles), then, when roles were
    assumed, whose, and one invitation to correct it."""
    people = [f"{p.name} ({', '.join(p.roles)})" if p.roles else p.name for p in team.people]
    line = f"I read your team as: {join_names(people)}."
    if not assumed:
        return line
    names = [a.split(" — ", 1)[0] for a in assumed]
    if len(names) == len(team.people):
        what = "who does what"
    else:
        said = [("you" if is_speaker(n) else n) for n in names]
        what = f"what {join_names(said)} {agrees(names, 'does', 'do')}"
    return f"{line} {ASSUMED.format(what=what)} {CORRECT}"
