"""Reading a learner's change to the demo ("what if every owner is 'Me'?", "add a retrain step
owned by the data scientist at the end", "replace 'SRE/Platform' with 'ML Engineer'") into the
lifecycle the demo would then run on. Pure.

The reading is exact or nothing: one operation (reverse, replace an owner, set every owner,
remove stages, add a stage, set the owner of some stages, or assign stages to people), with
every argument found in the words; anything less abstains (None), and the tutor answers
otherwise. Owners in quotes are kept as written (the demo compares strings exactly, so
'ML engineer' is not 'ML Engineer'); a role named without quotes is the demo's own name for
it. The cue words are data (`VariantCues`, prompts/knowledge.toml `[variants]`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from tutor.text import Lexicon, Reading

Pairs = list[tuple[str, str]]

# A quoted name: opened and closed by a quote that does not touch a letter outside it, so
# the apostrophes of "there's" and "SRE's" never open one.
_OPEN, _CLOSE = "['\"\u2018\u201c]", "['\"\u2019\u201d]"
_QUOTED = re.compile(rf"(?<![\w]){_OPEN}([^'\"\u2018\u2019\u201c\u201d]{{1,80}}?){_CLOSE}(?![\w])")
# A ("stage", "owner") pair written as in the demo's list.
_TUPLE = re.compile(rf"\(\s*{_OPEN}([^'\"]+){_CLOSE}\s*,\s*{_OPEN}([^'\"]+){_CLOSE}\s*\)")


class VariantCues(BaseModel):
    """The words that name each change to the demo (normalised lemmas), and the words the
    tutor says around a run on a variant."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: words that make a message about the demo's code or output
    demo: tuple[str, ...]
    #: words that keep the lesson's own list as the base, not the last variant
    original: tuple[str, ...]
    reverse: tuple[str, ...]
    replace: tuple[str, ...]
    every: tuple[str, ...]
    remove: tuple[str, ...]
    add: tuple[str, ...]
    set: tuple[str, ...]
    assign: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    start: tuple[str, ...]
    #: words after which an owner follows ("owned by", "to", "just")
    owner_follows: tuple[str, ...]
    #: words that end a new stage's name ("a retrain step", "a redeploy after that")
    name_ends: tuple[str, ...]
    stage_words: tuple[str, ...]
    intro: str
    no_handoffs: str
    new_lines: str
    gone_lines: str
    same_lines: str
    outro: str


@dataclass(frozen=True)
class Variant:
    """The lifecycle the learner described, and what was changed (in a few words)."""

    lifecycle: Pairs
    change: str


@dataclass(frozen=True)
class _Words:
    """The message as the reader sees it: owners and stages named, in text order."""

    reading: Reading
    norms: tuple[str, ...]
    owners: list[tuple[int, str]]  # (token index, owner as the demo would print it)
    stages: list[tuple[int, int]]  # (token index, index in the base lifecycle)
    pair: tuple[str, str] | None  # a ("stage", "owner") tuple written out
    quoted_stage: bool  # a stage named in quotes, as the demo writes it


def read_variant(
    text: str,
    lexicon: Lexicon,
    cues: VariantCues,
    base: Sequence[tuple[str, str]],
    lesson: Sequence[tuple[str, str]],
    about_demo: bool = False,
) -> Variant | None:
    """The lifecycle `text` describes as a change of `base` (the last variant run, or the
    lesson's list), or None when the words do not say one change exactly. `about_demo`: the
    conversation is on the demo already, so a change needs no word naming it."""
    words = _words(text, lexicon, list(base))
    norms = set(words.norms)
    if norms & set(cues.original):
        base = lesson
        words = _words(text, lexicon, list(base))
    quoted_stage = any(q.casefold() in {s.casefold() for s, _ in base} for q in _quotes(text))
    if not (about_demo or quoted_stage or norms & set(cues.demo) or norms & set(cues.stage_words)):
        return None
    pairs = [(s, o) for s, o in base]
    for operation in (_reverse, _replace, _remove, _add, _set, _every, _assign):
        found = operation(words, cues, pairs)
        if found is not None:
            return found if found.lifecycle != pairs and len(found.lifecycle) > 1 else None
    return None


# -- the operations (each None unless its cue and every argument are there) -------------------


def _reverse(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not set(words.norms) & set(cues.reverse):
        return None
    return Variant(base[::-1], "the list reversed")


def _replace(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not set(words.norms) & set(cues.replace) or len(words.owners) != 2:
        return None
    (_, old), (_, new) = words.owners
    if not any(old in _parts(o) for _, o in base):
        return None
    swapped = [(s, " + ".join(new if p == old else p for p in _parts(o))) for s, o in base]
    return Variant(swapped, f"'{old}' replaced by '{new}'")


def _every(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not set(words.norms) & set(cues.every) or words.stages or len(words.owners) != 1:
        return None
    owner = words.owners[0][1]
    return Variant([(s, owner) for s, _ in base], f"every owner '{owner}'")


def _remove(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not set(words.norms) & set(cues.remove) or not _stages_meant(words, cues):
        return None
    gone = {i for _, i in words.stages}
    names = ", ".join(f"'{base[i][0]}'" for i in sorted(gone))
    return Variant([p for i, p in enumerate(base) if i not in gone], f"{names} removed")


def _add(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    cue = _first(words.norms, cues.add)
    if cue is None:
        return None
    if words.pair is not None:
        name, owner = words.pair
    else:
        name = _new_name(words, cues, cue)
        owner = next((o for i, o in words.owners if i > cue), None)
        if not name or owner is None:
            return None
    at = _position(words, cues, len(base))
    if at is None:
        return None
    lifecycle = [*base[:at], (name, owner), *base[at:]]
    return Variant(lifecycle, f"'{name}' owned by '{owner}' added")


def _set(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    if not set(words.norms) & set(cues.set) or not words.owners:
        return None
    chosen = {i for _, i in words.stages} if _stages_meant(words, cues) else set()
    chosen = chosen or _counted(words, cues, len(base))
    if not chosen:
        return None
    owner = words.owners[-1][1]
    changed = [(s, owner if i in chosen else o) for i, (s, o) in enumerate(base)]
    names = ", ".join(f"'{base[i][0]}'" for i in sorted(chosen))
    return Variant(changed, f"{names} owned by '{owner}'")


def _assign(words: _Words, cues: VariantCues, base: Pairs) -> Variant | None:
    """'Ana does framing and training, Ben does the pipeline, Cho does the rest': each owner
    takes the stages named after it, and every stage must be taken."""
    if len(words.owners) < 2 or not set(words.norms) & set(cues.assign):
        return None
    owner_of: dict[int, str] = {}
    for k, (at, owner) in enumerate(words.owners):
        end = words.owners[k + 1][0] if k + 1 < len(words.owners) else len(words.norms)
        for i, stage in words.stages:
            if at < i < end:
                owner_of[stage] = owner
    if len(owner_of) != len(base):
        return None
    people = list(dict.fromkeys(o for _, o in words.owners))
    return Variant([(s, owner_of[i]) for i, (s, _) in enumerate(base)], " / ".join(people))


# -- reading the words ------------------------------------------------------------------------


def _words(text: str, lexicon: Lexicon, base: Pairs) -> _Words:
    reading = lexicon.read(text)
    quotes = [(m.start(1), m.end(1), m.group(1).strip()) for m in _QUOTED.finditer(text)]
    stage_names = {s.casefold(): i for i, (s, _) in enumerate(base)}
    by_id = {lexicon.by_name(s, "stage").id: i for s, i in _stage_ids(lexicon, base)}
    owners: list[tuple[int, str]] = []
    stages: list[tuple[int, int]] = []
    for start, _end, quoted in quotes:
        at = _token_at(reading, start)
        if quoted.casefold() in stage_names:
            stages.append((at, stage_names[quoted.casefold()]))
        else:
            owners.append((at, quoted))
    inside = [(s, e) for s, e, _ in quotes]
    for m in reading.mentions:
        if any(s <= m.start < e for s, e in inside):
            continue
        if m.kind == "role" and m.asserted:
            owners.append((m.first, lexicon.entry(m.id).name))
        elif m.kind == "stage" and m.id in by_id:
            stages.append((m.first, by_id[m.id]))
    for i, token in enumerate(reading.tokens):
        word = token.surface(text)
        if word[:1].isupper() and i + 1 < len(reading.tokens) and _is_name(word, reading, i):
            owners.append((i, word))
    pair = _TUPLE.search(text)
    return _Words(
        reading,
        reading.norms,
        sorted(set(owners)),
        sorted(set(stages)),
        (pair.group(1).strip(), pair.group(2).strip()) if pair else None,
        any(q.casefold() in stage_names for _, _, q in quotes),
    )


def _stages_meant(words: _Words, cues: VariantCues) -> bool:
    """Stages named as the demo's stages: quoted as written, or with "stage"/"step"/"line"
    ("skip the pager for our demo app" names no stage of the demo)."""
    return bool(words.stages) and (
        words.quoted_stage or bool(set(words.norms) & set(cues.stage_words))
    )


def _is_name(word: str, reading: Reading, i: int) -> bool:
    """A capitalised word that is no role, stage or concept and is followed by "does"/"do"
    ("Ana does framing"): a person the learner puts in the demo."""
    named = any(m.first <= i < m.last for m in reading.mentions)
    return not named and word.isalpha() and reading.tokens[i + 1].norm == "do" and i > 0


def _stage_ids(lexicon: Lexicon, base: Pairs) -> list[tuple[str, int]]:
    return [(s, i) for i, (s, _) in enumerate(base) if lexicon.by_name(s, "stage")]


def _quotes(text: str) -> list[str]:
    return [m.group(1).strip() for m in _QUOTED.finditer(text)]


def _token_at(reading: Reading, char: int) -> int:
    return next((i for i, t in enumerate(reading.tokens) if t.end > char), len(reading.tokens))


def _first(norms: Sequence[str], words: Sequence[str]) -> int | None:
    return next((i for i, n in enumerate(norms) if n in words), None)


def _new_name(words: _Words, cues: VariantCues, cue: int) -> str:
    """'add a retrain step' -> 'retrain': the words after the cue (and its article) up to
    a word that ends the name."""
    text, tokens = words.reading.text, words.reading.tokens
    out = []
    for token in tokens[cue + 1 :]:
        if token.norm in cues.name_ends or token.norm in cues.stage_words:
            break
        if token.norm in ("a", "an", "the", "also", "new", "another") and not out:
            continue
        out.append(token.surface(text))
    return " ".join(out)


def _position(words: _Words, cues: VariantCues, size: int) -> int | None:
    """Where a new stage goes: before or after a named stage, at the start, else the end."""
    norms = words.norms
    for i, norm in enumerate(norms):
        near = [s for t, s in words.stages if t > i]
        if norm in cues.before and near:
            return near[0]
        if norm in cues.after and near:
            return near[0] + 1
    return 0 if set(norms) & set(cues.start) else size


def _counted(words: _Words, cues: VariantCues, size: int) -> set[int]:
    """'the last 3 stages', 'the first two steps': those indices."""
    norms = words.norms
    for i in range(len(norms) - 1):
        if norms[i] in ("last", "first") and norms[i + 1].isdigit():
            n = min(int(norms[i + 1]), size)
            return set(range(size - n, size)) if norms[i] == "last" else set(range(n))
    return set()


def _parts(owner: str) -> list[str]:
    return [p.strip() for p in owner.split("+")]


def compare(
    lifecycle: Sequence[tuple[str, str]], lesson: Sequence[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """The demo's lines for `lifecycle` that the lesson's output lacks, and those it loses."""
    mine, theirs = _lines(lifecycle), _lines(lesson)
    return [x for x in mine if x not in theirs], [x for x in theirs if x not in mine]


def _lines(lifecycle: Sequence[tuple[str, str]]) -> list[str]:
    owners = [o for _, o in lifecycle]
    return [f"{a} -> {b}" for a, b in itertools.pairwise(owners) if a != b]
