"""Is this an ordinary English word? One maintained word list answers for the whole tutor.

The list is Webster's Second International as shipped by the `english-words` package (the
"web2" set, case kept): a lowercase entry is a common word ("honestly", "small", "team"), a
capitalised entry a proper noun ("Grace", "Will", "Paris"). A word is *ordinary* when the list
has it (or its lemma) in lowercase and not capitalised: "Honestly" at the start of a sentence
is not a name, while "Grace", "Will" and "Hunter" can be. The team reader still needs the
sentence's structure to take any capitalised word as a person; this list only says which
words need no such evidence to be set aside.
"""

from __future__ import annotations

from functools import cache, lru_cache

import simplemma


@cache
def _web2() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], alpha=True, lower=False))


@lru_cache(maxsize=65536)
def is_ordinary_word(word: str) -> bool:
    """Whether `word` (any case) is a common English word and not also a proper noun."""
    lower = word.lower()
    if not lower.isalpha():
        return False
    words = _web2()
    if lower.capitalize() in words or lower.upper() in words:
        return False
    if lower in words:
        return True
    lemma = simplemma.lemmatize(lower, lang="en").lower()
    return lemma != lower and lemma in words and lemma.capitalize() not in words


def is_proper_noun(word: str) -> bool:
    """Whether `word` (any case) is only a proper noun in the list ("lisbon", "Monday"),
    never a common word ("will", "mark")."""
    lower = word.lower()
    return lower.capitalize() in _web2() and lower not in _web2()


def can_be_proper_noun(word: str) -> bool:
    """Whether the list has `word` capitalised ("Grace", "Will", "Berlin"), whatever else."""
    return word.lower().capitalize() in _web2()


def tool_name(said: str) -> bool:
    """'Airflow', 'Snowflake': one word spelled as a proper noun (inside a sentence, a tool's or
    product's name); 'PM', 'DSs' (acronyms), 'DevOps' and 'data engineer' are not."""
    return " " not in said and said[:1].isupper() and said[1:].isalpha() and said[1:].islower()
