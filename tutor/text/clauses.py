"""Which words a learner asserts, denies or sets aside.

A sentence is cut into clauses at punctuation and at contrast words ("but", "however",
"whereas", "rather than", "instead of"). Within a clause, a negator ("not", "never", "no",
"neither", "nor", "without", "except") denies what follows it, through a list joined by "or"/"nor"
("not the data contract or the eval gate"), and "X isn't" / "X doesn't" denies X. A clause that
reports an abandoned belief ("I used to think X", "at first I thought X") rejects what it names.
Words in parentheses are an aside ("data engineer (the data scientist only consumes it)").

The cues are data, in prompts/vocabulary.toml (`[polarity]`), read through `Cues`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict

from tutor.text.tokens import Token, normalize


class Cues(BaseModel):
    """Words that open a clause, deny, or report a belief the speaker dropped (normalised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contrast: tuple[str, ...]
    negators: tuple[str, ...]
    negating_pairs: tuple[str, ...]
    post_negators: tuple[str, ...]
    auxiliaries: tuple[str, ...]
    past_belief: tuple[str, ...]
    # Words that open a clause the writer supposes rather than asserts ("if X were paged…").
    hypothetical: tuple[str, ...] = ()
    # Words that take back the clause before them ("the data engineer? I doubt it").
    retraction: tuple[str, ...] = ()
    window: int = 4

    def normalised(self, phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        return tuple(normalize(p) for p in phrases)


# Punctuation that ends a clause; " - " and dashes too. Parentheses open/close an aside.
_BREAK = re.compile(r"[.;:!?,\n\u2013\u2014]|\s-\s")
_PAREN = re.compile(r"[()\[\]]")


@dataclass(frozen=True)
class Clause:
    """Index range [lo, hi) of tokens, and how the clause stands."""

    lo: int
    hi: int
    aside: bool
    rejected: bool


def _breaks(text: str) -> list[tuple[int, str]]:
    """Where clauses end: punctuation, dashes and parentheses, in text order."""
    marks = [(m.start(), "comma" if m.group() == "," else "break") for m in _BREAK.finditer(text)]
    marks += [(m.start(), "paren") for m in _PAREN.finditer(text)]
    return sorted(marks)


def _clause_ids(
    text: str,
    tokens: tuple[Token, ...],
    contrast: set[tuple[str, ...]],
    pairs: tuple[tuple[str, ...], ...] = (),
) -> list[int]:
    """Clause number of each token (punctuation, parentheses and contrast words cut, except a
    contrast word that ends a negating pair: "everyone but X" denies X in one clause)."""
    marks, ids, number, m = _breaks(text), [], 0, 0
    norms = [t.norm for t in tokens]
    for i, token in enumerate(tokens):
        while m < len(marks) and marks[m][0] < token.start:
            # A comma inside an "or" list does not end the clause: "not at A, B or C".
            if marks[m][1] != "comma" or not _continues_list(tokens, norms, i, marks, m):
                number += 1
            m += 1
        pair_ends = any(len(p) > 1 and tuple(norms[i - len(p) + 1 : i + 1]) == p for p in pairs)
        cut = any(tuple(norms[i : i + len(c)]) == c for c in contrast) and not pair_ends
        if cut and ids and ids[-1] == number:
            number += 1
        ids.append(number)
    return ids


def _continues_list(
    tokens: tuple[Token, ...], norms: list[str], i: int, marks: list[tuple[int, str]], m: int
) -> bool:
    """Does the segment after the comma at marks[m] (until the next mark) hold 'or'/'nor'?"""
    stop = marks[m + 1][0] if m + 1 < len(marks) else None
    for k in range(i, len(tokens)):
        if stop is not None and tokens[k].start > stop:
            break
        if norms[k] in ("or", "nor"):
            return True
    return False


def clauses(text: str, tokens: tuple[Token, ...], cues: Cues) -> tuple[list[int], list[Clause]]:
    """Each token's clause number, and the clauses with their aside/rejected flags."""
    contrast = set(cues.normalised(cues.contrast))
    ids = _clause_ids(text, tokens, contrast, cues.normalised(cues.negating_pairs))
    beliefs = cues.normalised(cues.past_belief)
    depth_at = _aside_flags(text, tokens)
    result: list[Clause] = []
    for number in sorted(set(ids)):
        members = [i for i, c in enumerate(ids) if c == number]
        lo, hi = members[0], members[-1] + 1
        norms = tuple(t.norm for t in tokens[lo:hi])
        rejected = any(_has_run(norms, b) for b in beliefs)
        result.append(Clause(lo, hi, depth_at[lo], rejected))
    return ids, _retracted(tokens, result, cues.normalised(cues.retraction))


def _retracted(
    tokens: tuple[Token, ...], found: list[Clause], cues: tuple[tuple[str, ...], ...]
) -> list[Clause]:
    """A clause that is nothing but a take-back ("I doubt it", "no") rejects the one before."""
    out = list(found)
    for k in range(1, len(out)):
        norms = tuple(t.norm for t in tokens[out[k].lo : out[k].hi])
        if norms in cues:
            out[k - 1] = replace(out[k - 1], rejected=True)
    return out


def _aside_flags(text: str, tokens: tuple[Token, ...]) -> list[bool]:
    depth, flags, pos = 0, [], 0
    for token in tokens:
        for ch in text[pos : token.start]:
            depth += ch in "(["
            depth -= ch in ")]" and depth > 0
        flags.append(depth > 0)
        pos = token.start
    return flags


def _has_run(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(words[i : i + n] == run for i in range(len(words) - n + 1))


def negated(
    norms: list[str], ids: list[int], start: int, end: int, cues: Cues, spans: list[tuple[int, int]]
) -> bool:
    """Is the phrase at tokens [start, end) denied within its own clause?

    A plain negator ("not", "never", "no") reaches every phrase within `cues.window` words after
    it, longer through a list joined by "or"/"nor". A prepositional pair ("rather than", "instead
    of") reaches only the next phrase (and its "or" list): "ML engineers rather than data
    scientists productionise models" denies only the data scientists. After a phrase, "X isn't",
    "X doesn't", "X team doesn't" deny X.
    """
    return _denied_before(norms, ids, start, cues, spans) or _denied_after(norms, ids, end, cues)


def _denied_before(
    norms: list[str], ids: list[int], start: int, cues: Cues, spans: list[tuple[int, int]]
) -> bool:
    clause, negators = ids[start], set(cues.negators)
    pairs = cues.normalised(cues.negating_pairs)
    phrases_between, j, budget = 0, start - 1, cues.window
    while j >= 0 and ids[j] == clause and budget > 0:
        word = norms[j]
        if word in negators:
            return not _asks_expecting_yes(norms, ids, j, clause)
        if any(tuple(norms[j - len(p) + 1 : j + 1]) == p for p in pairs):
            return phrases_between == 0
        in_phrase = any(lo <= j < hi for lo, hi in spans)
        if in_phrase and not _joined_by_or(norms, j, start):
            phrases_between += 1
        # A list joined by "or"/"nor" carries the negation on: "not A or B"; the words of
        # the phrases in the list do not use up the window.
        if word in ("or", "nor"):
            budget = cues.window
        elif not in_phrase:
            budget -= 1
        j -= 1
    return False


# A form of "be" opening a clause before "not" always asks ("isn't that a lot on Tom?"); a
# "do" or modal form asks only with its subject next ("doesn't the SRE get paged?"), else it
# is an imperative that denies ("don't put the data scientist on call").
_BE = frozenset({"is", "are", "was", "were", "be"})
_SUBJECT_STARTS = frozenset(
    {"that", "this", "it", "he", "she", "they", "we", "you", "there", "the", "a", "an", "our"}
)


def _asks_expecting_yes(norms: list[str], ids: list[int], j: int, clause: int) -> bool:
    """The "not" at j follows an auxiliary that opens its clause: a negative question."""
    if j < 1 or (j >= 2 and ids[j - 2] == clause):
        return False
    aux, after = norms[j - 1], norms[j + 1] if j + 1 < len(norms) else ""
    return aux in _BE or (aux in {"do", "does", "did"} and after in _SUBJECT_STARTS)


def _joined_by_or(norms: list[str], j: int, start: int) -> bool:
    return any(w in ("or", "nor") for w in norms[j:start])


def _denied_after(norms: list[str], ids: list[int], end: int, cues: Cues) -> bool:
    """'X isn't', 'X doesn't', 'X never', with up to one head word between ('X team doesn't')."""
    clause, negators = ids[end - 1], set(cues.negators)
    after = [norms[k] for k in range(end, min(end + 4, len(norms))) if ids[k] == clause]
    for skip in (0, 1):
        rest = after[skip:]
        if rest[:1] and rest[0] in cues.post_negators:
            return True
        if len(rest) >= 2 and rest[0] in cues.auxiliaries and rest[1] in negators:
            return True
    return False
