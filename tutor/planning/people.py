"""Who each piece of a team description names: the speaker ("I'm the PM", "one MLE (me)"),
named people and their roles ("Priya (backend)", "our PM Priya", "Ana, Ben and Chen are …"),
relations ("my cofounder"), unnamed people ("two data scientists"), and roles that continue
the person before ("and on-call"). A base of `tutor.planning.reader.TeamReader`, which holds
the words (`self.words`) and the skills table (`self.skills`). Pure.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tutor.planning import evidence
from tutor.planning.drafts import Draft, add, continues, fill_placeholders, share_roles, touch
from tutor.planning.model import MAX_PEOPLE
from tutor.planning.names import is_schedule
from tutor.planning.segments import Piece, pieces
from tutor.planning.skills import Skills
from tutor.planning.verbs import COPULAS
from tutor.planning.words import Words


class PeopleFinder:
    """The people each list item names, as `Draft`s in the order the text gives them."""

    words: Words
    skills: Skills

    def _drafts(self, text: str) -> tuple[list[Draft], int | None, list[str]]:
        drafts = self._people(text)
        if not any(d.kind == "named" for d in drafts):
            # Nothing binds a name to a role: names standing alone in a list are the people
            # ("Ana and Ben building a recommender"), if there are any.
            drafts = self._people(text, lenient=True) or drafts
        if self.words.any_run(self.words.phrase(text), self.words.not_me):
            # "Just the four of them, I'm their manager": the team is the others
            drafts = [d for d in drafts if d.kind != "me" or self.skills.levels(d.roles)]
        speaker = any(d.kind == "me" for d in drafts)
        count = self.words.team_count(text, len(drafts), speaker)
        fill_placeholders(drafts, self.skills, count)
        return drafts, count, []

    def _people(self, text: str, lenient: bool = False) -> list[Draft]:
        drafts: list[Draft] = []
        named, others, sentence = False, set(), 0
        for piece in self._coordinated(pieces(text, self.words, lenient)):
            if self.words.about_others(piece, opens=piece.sentence != sentence):
                others.add(piece.sentence)
            sentence = piece.sentence
            said = [(d.name, len(d.roles)) for d in drafts]
            found = self._piece(piece, drafts, named_before=named)
            if piece.sentence in others:
                found = [d for d in found if d.kind == "me"]  # "… a guy named Derek"
            named = bool(found) or said != [(d.name, len(d.roles)) for d in drafts]
            for draft in found:
                add(drafts, draft)
            share_roles(drafts, self.words)
        return drafts

    def _coordinated(self, found: list[Piece]) -> list[Piece]:
        """Mark each item that is a name alone, joined by a list mark to an item whose facing
        name is a person's ("Tane and Aroha are both …"), along chains of such items."""
        runs = [self.words.candidates(p, self.skills) for p in found]
        person = [[c[4] for c in run] for run in runs]
        changed = True
        while changed:
            changed = False
            for k, piece in enumerate(found):
                run = runs[k]
                if len(run) != 1 or (person[k][0] and piece.coordinated):
                    continue
                if not evidence.alone(piece, run[0][0], run[0][1], self.words):
                    continue
                before = k > 0 and _joined(found[k - 1], piece) and person[k - 1][-1:] == [True]
                after = k + 1 < len(found) and _joined(piece, found[k + 1])
                after = after and _opens_with_person(found[k + 1], runs[k + 1], self.words)
                if before or after:
                    found[k] = replace(piece, coordinated=True)
                    person[k] = [True]
                    changed = True
        return found

    def _piece(self, piece: Piece, drafts: list[Draft], named_before: bool) -> list[Draft]:
        """The people one list item names; roles for an earlier person are added in place.
        `named_before`: the item before named someone or added to what someone does."""
        found = self._people_in(piece, drafts)
        one_name = len(found) == 1 and found[0].kind == "named"
        if piece.gone and one_name:
            return []  # "Our DE, Hamid, left in March"
        for draft in found:
            draft.coordinated = piece.coordinated
        if one_name:
            named = self._named_by_job_before(piece, drafts, found[0], named_before)
            if named is not None:
                return named
        me = self._speaker_inside(piece)
        if me is not None and not any(d.kind == "me" for d in found):
            return [me] if me.link == "is" else [*found, me]
        return found

    def _named_by_job_before(
        self, piece: Piece, drafts: list[Draft], name: Draft, named_before: bool
    ) -> list[Draft] | None:
        """A name standing after a job said of nobody yet: that person's name. None when the
        item is not such a name."""
        between = piece.after_role and not piece.apposed
        # "Ana, a data scientist, Bo, an SRE": a name between two jobs is the next one's;
        # "a freelance DevOps person, Marek, …" names the person read from the job before
        # ("… and we have a devops contractor, Bill, who …": the contractor read is Bill)
        if (between or piece.role_before) and _names_last(drafts, name, piece):
            return []
        # "our data engineer, Ibrahim, …", "we use a freelance DevOps person, Marek, …": the
        # job before is the name's, when the item before named nobody ("Emma is a PM, Noah")
        if (
            piece.role_before
            and not name.roles
            and not name.everything
            and not named_before
            and (piece.after_role or not piece.apposed)
        ):
            name.roles = [self.words.mention_at_end(piece.role_before)]
            return [name]
        if between:
            # With no such person read, the name is not bound to this team.
            return [] if not name.roles and not name.everything else [name]
        return None

    def _speaker_inside(self, piece: Piece) -> Draft | None:
        """'its just me', 'the team is me (founder)', 'team = me', 'report to me (head of
        AI)', 'the PM is me': the speaker inside an item ('write me a script' is not)."""
        w, norms = self.words, piece.norms
        j = next((k for k in range(1, len(norms)) if norms[k] in w.first_person), None)
        if j is None or norms[j] == "i" or norms[0] in w.first_person:
            return None
        gap = piece.text[piece.tokens[j - 1].end : piece.tokens[j].start].strip()
        if norms[j - 1] not in w.grammar and gap not in ("=", "(", ":", "+", ",", "-"):
            return None
        roles, _ = self._roles(piece, j + 1, len(norms))
        alone = gap == "(" and piece.text[piece.tokens[j].end :].lstrip().startswith(")")
        named = norms[j - 1] in w.naming or alone or gap in (":", "=")
        if named and not w.names(piece, self.skills):
            # "the PM is me", "one MLE (me)": the role before is the speaker's
            lo = w.skip_fillers(norms)
            lo += norms[lo] in w.articles or norms[lo].isdecimal()
            hi = j - 1 if norms[j - 1] in w.naming else j
            before = [r for r in self._roles(piece, lo, hi)[0] if self.skills.names_a_role(r)]
            return Draft("Me", before + roles, "me", piece.sentence, "is")
        return Draft("Me", roles, "me", piece.sentence)

    def _people_in(self, piece: Piece, drafts: list[Draft]) -> list[Draft]:
        w, toks, norms = self.words, piece.tokens, piece.norms
        start = w.skip_fillers(norms)
        opener = w.run_at(norms, start, w.headers)
        if opener and start + opener < len(norms):
            # "my team is 2 frontend devs and me": the header's copula is part of the opener
            copula = norms[start + opener] in COPULAS
            linked = copula and start + opener + 1 < len(norms)
            after = norms[start + opener + linked]
            # "We have a data scientist, …", "we have two contractors who …": the list
            # starts after "we have"
            start += opener + linked if after in w.articles or after.isdecimal() else 0
        if w.at(norms, 0, w.copy_roles) or w.at(norms, start, w.copy_roles):
            return self._copied(piece, drafts)
        if start >= len(toks):
            return []
        if norms[start] in w.pronouns:
            return self._continued(piece, drafts, start + 1, pronoun=True)
        if norms[start] in w.first_person:
            me = self._speaker(piece, start + 1)
            thinks = start + 1 < len(norms) and norms[start + 1] in w.mental
            if thinks and not any(self.skills.names_a_role(r) for r in me.roles):
                return []  # "I hope that's enough info", "I think his name is Oleh"
            return [me]
        relation = self._relation(piece, start)
        if relation is not None:
            return relation
        names = w.names(piece, self.skills)
        if w.says_gone(piece.span(start, len(toks))) and not any(not n[3] for n in names):
            return []  # "…, just quit (models go straight from Ana to Ben)": no one new
        if not names and any(
            evidence.outside_team(piece, c[0], c[1], w) for c in w.candidates(piece, self.skills)
        ):
            return []  # "Dmitri (SRE, joining in March)": said of someone off the team
        if w.any_run(norms, w.requests):
            # "help me allocate … for Ana": the request names people but gives no roles.
            after = w.after_request(norms, 0, len(norms))
            asked = w.names(piece, self.skills, bound_by=[Draft("request")])
            return [Draft(n[2], [], "named", piece.sentence) for n in asked if n[0] >= after]
        if not names:
            return self._unnamed(piece, drafts, start)
        return self._named(piece, names)

    def _speaker(self, piece: Piece, after: int) -> Draft:
        """'I'm a PM' -> Me (PM); 'I am Sam, I do ML', '(me) Tobi - analytics engineer' -> Me:
        the speaker is always "Me" (said "you"), whatever their own name."""
        names = [n for n in self.words.names(piece, self.skills) if n[0] >= after]
        link = (
            all(self.words.filler(t, piece.text) for t in piece.tokens[after : names[0][0]])
            if names
            else False
        )
        if names and link and names[0][0] - after <= 2:
            return self._draft(piece, names[0][1], "Me", "me")
        return self._draft(piece, after, "Me", "me")

    def _draft(self, piece: Piece, after: int, name: str | None, kind: str, **kw) -> Draft:
        roles, everything = self._roles(piece, after, len(piece.tokens))
        link = piece.surface(after).lower() if after < len(piece.tokens) else ""
        return Draft(name, roles, kind, piece.sentence, link, everything, **kw)

    def _roles(self, piece: Piece, lo: int, hi: int) -> tuple[list[str], str]:
        """Role words in tokens [lo, hi): up to what the team builds; parentheses apart; and
        whether they say "everything" ("all") or "everything else" ("else")."""
        hi = self.words.activity_cut(piece.norms, lo, hi)
        text = piece.span(lo, hi)
        inside, outside = _split_parens(text)
        # "a contractor who set up our cluster and is on call": each verb's words apart
        said = [self.words.strip_links(p) for p in self._predicates(outside.lstrip("=: "))]
        # "I'm sure the data scientist gets paged" names no job of mine
        said = [p for p in said if not self.words.is_clause(p)]  # "me = ML eng" stays
        # "(Tue-Thu)" says when they work, not what they do
        roles = [*said, *(self.words.strip_links(r) for r in inside if not is_schedule(r))]
        roles = [r for r in roles if _words(r) and not self.words.only_fillers(r)]
        skilled = [r for r in roles if self.skills.names_a_skill(r)]
        # "handles everything else" takes the hats nobody has; "keeps everything running"
        # names a skill of its own.
        said = piece.norms[lo:hi]
        everything = ""
        if not skilled and self.words.any_run(said, self.words.everything):
            everything = "else" if self.words.any_run(said, self.words.everything_else) else "all"
        return (skilled if everything else roles), everything

    def _predicates(self, text: str) -> list[str]:
        """The text cut before each 'and' that goes on with a second verb ("… and is on
        call"), so a clause before it does not hide the job after it."""
        parts, start = [], 0
        for m in re.finditer(r"\s+(?:and|&)\s+", text):
            if self.words.goes_on(text[m.end() :]):
                parts.append(text[start : m.start()])
                start = m.end()
        return [*parts, text[start:]]

    def _relation(self, piece: Piece, start: int) -> list[Draft] | None:
        """'my cofounder (ML)', 'my friend Sam does devops', 'two friends'."""
        w, norms = self.words, piece.norms
        count, i = 1, start
        if norms[i] in ("my", "our"):
            i += 1
        elif norms[i].isdecimal() and i + 1 < len(norms):
            count, i = int(norms[i]), i + 1
        else:
            return None
        relation = w.run_at(norms, i, w.relations)
        if relation is None and i + 1 < len(norms):  # "my best friend"
            relation = w.run_at(norms, i + 1, w.relations)
            if relation is not None and norms[i] in w.organisations:
                return []  # "our bank partner, First Harbor Bank": an organisation
            i += relation is not None
        if relation is None:
            return self._our_role_name(piece, i)
        if piece.surface(i + relation - 1).lower().endswith(("'s", "\u2019s")):
            return []  # "my friend's startup has 3 people": the friend owns it, not a teammate
        names = [n for n in w.names(piece, self.skills) if n[0] >= i + relation]
        if names:
            _, last, name, guessed = names[0]
            return [self._draft(piece, last, name, "named", guessed=guessed)]
        # An unnamed teammate ("Person 2"), as the labelled sets number them; "two friends"
        # are two of them, each with the words said of the group.
        if count > 1:
            roles, everything = self._roles(piece, i + relation, len(piece.tokens))
            return [
                Draft(None, list(roles), "relation", piece.sentence, everything=everything)
                for _ in range(min(count, MAX_PEOPLE + 1))
            ]
        word = " ".join(norms[i : i + relation])
        return [self._draft(piece, i + relation, None, "relation", relation=word)]

    def _our_role_name(self, piece: Piece, i: int) -> list[Draft] | None:
        """'our PM Priya', 'our data scientist is Laura': a role, then the person's name."""
        names = [n for n in self.words.names(piece, self.skills) if n[0] > i]
        if not names:
            return None
        first, last, name, guessed = names[0]
        upto = first - (first > i and piece.norms[first - 1] in self.words.naming)
        before = [r for r in self._roles(piece, i, upto)[0] if self.skills.names_a_role(r)]
        listed = [n for n in names if evidence.in_parens_after_role(piece, n[0], self.words)]
        if len(listed) > 1:
            return self._listed_in_parens(piece, listed, before)
        after, everything = self._roles(piece, last, len(piece.tokens))
        link = piece.surface(last).lower() if last < len(piece.norms) else ""
        draft = Draft(name, before + after, "named", piece.sentence, link, everything, guessed)
        draft.role_first = bool(before)
        return [draft]

    def _listed_in_parens(
        self, piece: Piece, listed: list[tuple[int, int, str, bool]], before: list[str]
    ) -> list[Draft]:
        """'two PhD students (Lena and Omar) who train the models': each name in the
        parentheses after a role is a person with that role, and with what follows them."""
        close = piece.text.find(")", piece.tokens[listed[-1][1] - 1].end)
        after = next((k for k, t in enumerate(piece.tokens) if t.start > close), None)
        rest = self._roles(piece, after, len(piece.tokens))[0] if close > 0 and after else []
        return [Draft(n[2], before + rest, "named", piece.sentence, guessed=n[3]) for n in listed]

    def _named(self, piece: Piece, names: list[tuple[int, int, str, bool]]) -> list[Draft]:
        """Each name takes the words after it (to the next name); words before the first name
        are its role when they name one ('data scientist Ahmed', 'SRE: Tomasz')."""
        found = []
        for k, (_, last, name, guessed) in enumerate(names):
            end = names[k + 1][0] if k + 1 < len(names) else len(piece.tokens)
            draft = self._draft(piece, last, name, "named", guessed=guessed)
            roles, everything = self._roles(piece, last, end)
            draft.roles, draft.everything = roles, everything
            found.append(draft)
        lead = self.words.after_request(piece.norms, 0, names[0][0])
        upto = names[0][0]
        if upto > lead and piece.norms[upto - 1] in self.words.naming:
            upto -= 1  # "Product is Hannah": the job is "Product"
        before, _ = self._roles(piece, lead, upto)
        if before and any(self.skills.names_a_role(r) for r in before):
            found[0].roles = before + found[0].roles
            found[0].role_first = True
        return found

    def _unnamed(self, piece: Piece, drafts: list[Draft], start: int) -> list[Draft]:
        """'a PM', 'two SREs', or role words continuing the person before ('and on-call')."""
        norms, w = piece.norms, self.words
        count = 1
        if norms[start] in w.articles or norms[start].isdecimal():
            count = int(norms[start]) if norms[start].isdecimal() else 1
            roles, everything = self._roles(piece, start + 1, len(norms))
            if not roles or w.is_count_piece(norms, piece.text):
                return self._solo(piece)
            said = piece.span(start + 1, len(norms))
            if not everything and not self.words.names_someone(said):
                return []  # "A RAG chatbot.", "an LLM for …": a thing, not a job, is no one
            last = drafts[-1] if drafts else None
            if (
                count == 1
                and piece.sep == ","
                and last
                and last.kind != "unnamed"
                and not last.roles
            ):
                last.roles += roles  # "Ana, a data scientist"
                return []
            roles = [_singular(r) for r in roles] if count > 1 else roles
            return [
                Draft(None, list(roles), "unnamed", piece.sentence, everything=everything)
                for _ in range(min(count, MAX_PEOPLE + 1))
            ]
        return self._continued(piece, drafts, start)

    def _continued(
        self, piece: Piece, drafts: list[Draft], start: int, pronoun: bool = False
    ) -> list[Draft]:
        if piece.named_next:
            return []  # "…, and our ML engineer, Chiamaka": the job is Chiamaka's
        roles, everything = self._roles(piece, start, len(piece.tokens))
        if not roles and not everything:
            return []
        if self.words.is_count_piece(piece.norms, piece.text):
            return self._solo(piece)
        target = continues(drafts, piece, pronoun)
        if target is None and pronoun:
            # "I do ML, she does backend": she is someone not yet named, not the speaker.
            return [Draft(None, roles, "unnamed", piece.sentence, everything=everything)]
        if target is None:
            # Bare roles are people only in a list after a header ("4 of us: PM, DS, …").
            listed = piece.sep == ":" or (
                drafts and drafts[-1].kind == "unnamed" and drafts[-1].sentence == piece.sentence
            )
            said = piece.span(start, len(piece.tokens))
            jobs = any(self.skills.names_a_role(r) for r in roles)
            if not listed or not jobs or not self.words.names_someone(said):
                return []  # "… and the on-call rota": a duty of the person before
            return [Draft(None, roles, "unnamed", piece.sentence, everything=everything)]
        # "me and my cofounder, both engineers": the roles of everyone listed just before.
        shared = piece.surface(0).lower() in self.words.plural_links
        group = (
            [d for d in drafts if d.sentence == target.sentence and not d.roles] if shared else []
        )
        for d in [*group, target] if target not in group else group:
            d.roles += [r for r in roles if r not in d.roles]
            d.everything = d.everything or everything
        target.sentence = piece.sentence
        touch(drafts, target)
        return []

    def _solo(self, piece: Piece) -> list[Draft]:
        """'solo founder building a chatbot': the one person a solo cue describes."""
        if not self.words.is_solo(piece.text):
            return []
        said = [t.surface(piece.text).lower() for t in piece.tokens]
        keep = [
            i
            for i in range(len(said))
            if not any(
                tuple(said[max(0, i - k) : i - k + len(p)]) == p
                for p in self.words.solo
                for k in range(len(p))
            )
        ]
        if not keep:
            return []
        roles, _ = self._roles(piece, keep[0], len(piece.tokens))
        roles = [r for r in roles if self.skills.names_a_role(r)]
        # A solo team is the speaker ("solo founder, I do everything" is one person).
        return [Draft("Me", roles, "me", piece.sentence)] if roles else []

    def _copied(self, piece: Piece, drafts: list[Draft]) -> list[Draft]:
        """'So is Leila': a new person with the previous person's roles."""
        names = self.words.names(piece, self.skills, bound_by=drafts[-1:])
        if not names or not drafts:
            return []
        return [Draft(n[2], list(drafts[-1].roles), "named", piece.sentence) for n in names]


def _names_last(drafts: list[Draft], found: Draft, piece: Piece) -> bool:
    """'a freelance DevOps person, Marek, …': the name in apposition after a job with no
    name is that person's (not one more person). Edits the last draft in place."""
    last = drafts[-1] if drafts else None
    if last is None or last.name or last.sentence != piece.sentence:
        return False
    last.name, last.kind, last.guessed = found.name, "named", found.guessed
    last.roles += [r for r in found.roles if r not in last.roles]
    return True


def _words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _split_parens(text: str) -> tuple[list[str], str]:
    """('a, b' items inside parentheses, the text outside them)."""
    inside, outside, depth, buf = [], [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
            if depth == 1:
                continue
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0:
                inside.append("".join(buf))
                buf = []
                continue
        (buf if depth else outside).append(ch)
    if buf:
        inside.append("".join(buf))
    items = [p.strip(" .,;:-") for group in inside for p in _split_list(group)]
    return [p for p in items if p], " ".join("".join(outside).split()).strip(" .,;:-—–")


def _split_list(group: str) -> list[str]:
    for sep in (";", ",", " and ", "&"):
        group = group.replace(sep, "\n")
    return group.split("\n")


def _singular(role: str) -> str:
    return role[:-1] if role.endswith("s") and not role.endswith("ss") else role


def _joined(first: Piece, second: Piece) -> bool:
    """Two items of one list in one sentence ("Ana, Ben", "Ana and Ben", "Ana & Ben")."""
    return first.sentence == second.sentence and second.sep in (",", "and", "&", "+", "plus", "/")


def _opens_with_person(piece: Piece, run: list, words: Words) -> bool:
    """The item starts with a person's name that shares what follows with the names before
    it ("Aroha are both data scientists", "Sunita — all three MLEs"), not a new clause about
    one person ("…, and Hope is head of support")."""
    if not run or not run[0][4] or run[0][0] != words.skip_fillers(piece.norms):
        return False
    end = run[0][1]
    verb = piece.norms[end] if end < len(piece.norms) else ""
    said = piece.surface(end).lower() if end < len(piece.norms) else ""
    singular = verb in words.links - words.plural_links or (
        said.endswith("s") and said in words.binding_verbs
    )
    return not singular
