"""Reading a learner's change to the demo ("what if every owner is 'Me'?", "add a retrain step
owned by the data scientist at the end", "Ana does framing and training, Ben the rest") into
the lifecycle the demo would then run on. Pure.

The reading is exact or nothing: one operation (reverse, replace an owner, remove stages, add
a stage, or give stages to owners), with every argument found in the words
(`tutor.demo.variant_words`); anything less abstains (None), and the tutor answers otherwise.
Owners in quotes are kept as written (the demo compares strings exactly, so 'ML engineer' is
not 'ML Engineer'); a role named without quotes is the demo's own name for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tutor.demo.variant_words import (
    Owner,
    Pairs,
    VariantCues,
    Words,
    follows_cue,
    norms_of,
    read_words,
    takes_after,
)
from tutor.text import Lexicon

__all__ = ["Variant", "VariantCues", "asks_for_change", "compare", "read_variant"]


@dataclass(frozen=True)
class Variant:
    """The lifecycle the learner described, and what was changed (in a few words)."""

    lifecycle: Pairs
    change: str


def read_variant(
    text: str,
    lexicon: Lexicon,
    cues: VariantCues,
    base: Sequence[tuple[str, str]],
    lesson: Sequence[tuple[str, str]],
    about_demo: bool = False,
    subject: str | None = None,
) -> Variant | None:
    """The lifecycle `text` describes as a change of `base` (the last variant run, or the
    lesson's list), or None when the words do not say one change exactly. `about_demo`: the
    conversation is on the demo already, so a change needs no word naming it; `subject`: the
    stage the tutor's last answer was about (what "it" is)."""
    words = read_words(text, lexicon, cues, list(base), subject)
    if words.has(cues.original):
        base = lesson
        words = read_words(text, lexicon, cues, list(base), subject)
    if not (about_demo or words.quoted_stage or words.has(cues.demo + cues.stage_words)):
        return None
    if _asks_about_it(words, lexicon, cues) or not _asks_a_change(words, cues, about_demo):
        return None
    pairs, own = [(s, o) for s, o in base], [(s, o) for s, o in lesson]
    for operation in (_reverse, _replace, _remove, _add, _give):
        found = operation(words, cues, pairs)
        if found is not None:
            # The lesson's own list is the lesson's demo, not a variant of it.
            return found if found.lifecycle != own and len(found.lifecycle) > 1 else None
    return None


def _asks_a_change(words: Words, cues: VariantCues, about_demo: bool) -> bool:
    """A change is asked for: a word that changes, supposes, runs or asks what prints, or the talk
    already on a variant of the demo ("and Ana on on-call?"). "So according to the demo the
    SRE deploys the model on their own?" states who owns what: a claim about the demo."""
    asks = cues.changes + cues.suppose + cues.output + cues.run
    return about_demo or words.has(asks) or bool(words.quotes)


def _asks_about_it(words: Words, lexicon: Lexicon, cues: VariantCues) -> bool:
    """A question about the lesson, not a change to its demo: a question word at its head
    (after "wait", "so") and no word that supposes, changes or asks what prints ("wait what
    does 'frame problem & metrics' mean and why is product in it")."""
    head = next((n for n in words.norms if n not in lexicon.openers), None)
    if head not in norms_of((*cues.explains, "what", "whats")):
        return False
    return not words.has(cues.changes + cues.suppose + cues.output)


def asks_for_change(
    text: str,
    lexicon: Lexicon,
    cues: VariantCues,
    base: Sequence[tuple[str, str]],
    about_demo: bool = False,
) -> bool:
    """The message asks what the demo would print under a change, whether or not the change
    can be read: the demo named, a change word ("make", "if") and something to change named
    (a stage, an owner, a quoted name); with the talk already on the demo and no word naming
    it, a change verb, a stage and an owner. "If I run the demo, what prints?" and "why does
    the demo print X if ..." ask for no change."""
    words = read_words(text, lexicon, cues, list(base))
    if not words.norms or words.norms[0] in norms_of(cues.explains):
        return False
    verbs = cues.changes
    named = [o for o in words.owners if o.name != "Me"]  # "if I run the demo" changes nothing
    # "what prints", or the demo's own words ("the 'deploy & monitor' line"); not "it's
    # just a demo app, we can skip the pager".
    demo_words = bool(words.quotes) or words.quoted_stage or words.has(cues.stage_words)
    if words.has(cues.output) or (words.has(cues.demo) and demo_words):
        # "what would the demo print if we changed it that way?": a change supposed, of
        # something said before, asks for a variant as surely as one that names a stage.
        supposed = words.has(cues.suppose) and words.has(verbs)
        return words.has(verbs + cues.suppose) and bool(words.refs or named or supposed)
    return about_demo and words.has(verbs) and bool(words.refs) and bool(named)


# -- the operations (each None unless its cue and every argument are there) -------------------


def _reverse(words: Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not words.has(cues.reverse):
        return None
    return Variant(base[::-1], "the list reversed")


def _replace(words: Words, cues: VariantCues, base: Pairs) -> Variant | None:
    """'replace Data Scientist with 'Researcher'': one owner for another wherever it owns."""
    if not words.has(cues.replace) or len(words.owners) != 2 or words.refs:
        return None
    old, new = (o.name for o in words.owners)
    if not any(old in _parts(o) for _, o in base):
        return None
    swapped = [(s, _join(new if p == old else p for p in _parts(o))) for s, o in base]
    return Variant(swapped, f"'{old}' replaced by '{new}'")


def _remove(words: Words, cues: VariantCues, base: Pairs) -> Variant | None:
    """'remove the framing stage', "no monitoring stage": the stages named right after."""
    if not _stages_meant(words, cues) or not words.has(cues.remove):
        return None
    refs = words.refs
    cues_at = [i for i, n in enumerate(words.norms) if n in norms_of(cues.remove)]
    # The stages named right after one cue ("no data engineer? ... delete the 'X' line").
    if not any(_skip(words, cues, i + 1) == refs[0].first for i in cues_at):
        return None
    gone = set().union(*(r.stages for r in refs))
    names = ", ".join(f"'{base[i][0]}'" for i in sorted(gone))
    return Variant([p for i, p in enumerate(base) if i not in gone], f"{names} removed")


def _add(words: Words, cues: VariantCues, base: Pairs) -> Variant | None:
    cue = _first(words.norms, norms_of(cues.add))
    if cue is None:
        return None
    if words.pair is not None:
        name, owner = words.pair
    else:
        quoted = next(((a, q) for a, _, q in words.quotes if a > cue), None)
        at, name = quoted or (-1, _new_name(words, cues, cue))
        owner = next((o.name for o in words.owners if o.first > cue and o.first != at), None)
        if not name or owner is None:
            return None
    where = _position(words, cues, len(base))
    if where is None:
        return None
    lifecycle = [*base[:where], (name, owner), *base[where:]]
    return Variant(lifecycle, f"'{name}' owned by '{owner}' added")


def _give(words: Words, cues: VariantCues, base: Pairs) -> Variant | None:
    """Stages given to owners: "change on-call to 'ML Engineer'", "training owned by the ML
    engineer", "Ana does everything up to training, Ben does the rest", "make it just Product".
    Every stage named and every owner named must be placed, no stage twice."""
    given = _bindings(words, cues)
    if given is None or words.has(cues.additive):
        return None
    owner_of: dict[int, str] = {}
    for owner, stages, _ in given:
        for i in stages:
            if owner_of.setdefault(i, owner.name) != owner.name:
                return None
    rest = [o.name for o, _, takes_rest in given if takes_rest]
    if len(rest) > 1:
        return None
    for i in range(len(base) if rest else 0):
        owner_of.setdefault(i, rest[0])
    people = list(dict.fromkeys(o.name for o, _, _ in given))
    whole = len(people) > 1 and len(owner_of) == len(base)
    owners = [o for o, _, _ in given]
    if not whole and (any(o.ordinary for o in owners) or not _asks_change(words, cues, owners)):
        return None
    changed = [(s, owner_of.get(i, o)) for i, (s, o) in enumerate(base)]
    if whole:
        return Variant(changed, " / ".join(people))
    names = ", ".join(f"'{base[i][0]}'" for i in sorted(owner_of))
    return Variant(changed, f"{names} owned by '{people[-1]}'" if len(people) == 1 else names)


# -- binding owners to stages -----------------------------------------------------------------


def _bindings(words: Words, cues: VariantCues) -> list[tuple[Owner, set[int], bool]] | None:
    """Each owner with the stages it takes: those named after it ("Ana does framing") or
    before it ("framing to Ana"), within its sentence and up to the next owner, and whether
    it takes the rest; None when a stage named or an owner named (in quotes or as a role) is
    left without the other."""
    claimed: set[int] = set()  # indices into words.refs
    given = []
    for k, owner in enumerate(words.owners):
        span = _span(words, cues, k)
        if span is None:
            if owner.kind != "name":
                return None
            continue
        refs = [j for j in span if j not in claimed]
        claimed.update(refs)
        stages = set().union(*(words.refs[j].stages for j in refs))
        given.append((owner, stages, any(words.refs[j].rest for j in refs)))
    # "everything else as in the lesson": a rest nobody is given stays as it was.
    needed = {j for j, r in enumerate(words.refs) if not r.rest}
    if not given or not needed <= claimed:
        return None
    return given


def _span(words: Words, cues: VariantCues, k: int) -> list[int] | None:
    """The refs owner k takes (their indices in words.refs), or None."""
    owner = words.owners[k]
    prev = words.owners[k - 1] if k > 0 else None
    after = words.owners[k + 1] if k + 1 < len(words.owners) else None
    before_end = owner.first
    before_start = prev.last if prev is not None else 0
    after_end = after.first if after is not None else len(words.norms)
    # "mo trains and serves, the rest is 'ops'": between an owner that takes what follows
    # and one that takes what precedes, the clause cut is the border.
    if (
        prev is not None
        and takes_after(words, cues, prev.last)
        and follows_cue(words, cues, owner.first)
    ):
        before_start = max(before_start, words.segment_start(owner.first))
    if (
        after is not None
        and takes_after(words, cues, owner.last)
        and follows_cue(words, cues, after.first)
    ):
        after_end = min(after_end, words.segment_start(after.first))
    sentence = words.sentence_of(owner.first)
    same = [j for j, r in enumerate(words.refs) if words.sentence_of(r.first) == sentence]
    before = [j for j in same if before_start <= words.refs[j].first < before_end]
    after = [j for j in same if owner.last <= words.refs[j].first < after_end]
    if follows_cue(words, cues, owner.first) and before:
        return before
    if takes_after(words, cues, owner.last) and after:
        return after
    return before or None


def _asks_change(words: Words, cues: VariantCues, owners: list[Owner]) -> bool:
    """A change is asked for ("change", "if", "make", an arrow), or stated in a clause that
    is no question ("in the demo, does the ML engineer own deploy?" changes nothing)."""
    if words.has(cues.set + cues.suppose) or any(
        words.arrow_before(i) for i in range(len(words.norms))
    ):
        return True
    starts = {words.segment_start(o.first) for o in owners}
    return not any(words.norms[s] in norms_of(cues.asks) for s in starts)


# -- small readers ----------------------------------------------------------------------------


def _stages_meant(words: Words, cues: VariantCues) -> bool:
    """Stages named as the demo's stages: quoted as written, or with "stage" or "step"
    ("skip the pager for our demo app" names no stage of the demo; "the first line of the
    output" is no stage either, so "line" is not such a word)."""
    return bool(words.refs) and (words.quoted_stage or words.has(cues.stage_words))


def _skip(words: Words, cues: VariantCues, i: int) -> int:
    while i < len(words.norms) and words.norms[i] in norms_of(cues.fillers):
        i += 1
    return i


def _first(norms: Sequence[str], cue: frozenset[str]) -> int | None:
    return next((i for i, n in enumerate(norms) if n in cue), None)


def _new_name(words: Words, cues: VariantCues, cue: int) -> str:
    """'add a retrain step' -> 'retrain': the words after the cue (and its article) up to
    a word that ends the name."""
    text, tokens = words.reading.text, words.reading.tokens
    ends = norms_of(cues.name_ends) | norms_of(cues.stage_words)
    out: list[str] = []
    for token in tokens[cue + 1 :]:
        if token.norm in ends:
            break
        if token.norm in ("a", "an", "the", "also", "new", "another") and not out:
            continue
        out.append(token.surface(text))
    return " ".join(out)


def _position(words: Words, cues: VariantCues, size: int) -> int | None:
    """Where a new stage goes: before or after a named stage, at the start, else the end."""
    for i, norm in enumerate(words.norms):
        near = [r for r in words.refs if r.first > i and len(r.stages) == 1]
        if near and norm in norms_of(cues.before):
            return min(near[0].stages)
        if near and norm in norms_of(cues.after):
            return min(near[0].stages) + 1
    return 0 if words.has(cues.start) else size


def _parts(owner: str) -> list[str]:
    return [p.strip() for p in owner.split("+")]


def _join(parts: Iterable[str]) -> str:
    # Literal, as a find-and-replace in the code would be: 'ML Engineer + ML Engineer' stays.
    return " + ".join(parts)


def compare(
    lifecycle: Sequence[tuple[str, str]], lesson: Sequence[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """The demo's lines for `lifecycle` that the lesson's output lacks, and those it loses."""
    mine, theirs = _lines(lifecycle), _lines(lesson)
    return [x for x in mine if x not in theirs], [x for x in theirs if x not in mine]


def _lines(lifecycle: Sequence[tuple[str, str]]) -> list[str]:
    owners = [o for _, o in lifecycle]
    return [f"{a} -> {b}" for a, b in itertools.pairwise(owners) if a != b]
