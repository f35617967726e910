"""The one text module of the tutor: how any learner (or model) text is read.

- `tokens`: words with spans, lemmatised and folded (`tokenize`, `normalize`);
- `clauses`: clause cuts and polarity (negation, contrast, dropped beliefs, asides);
- `english`: whether a word is an ordinary English word (a maintained word list);
- `lexicon`: the lesson's vocabulary (roles, stages, concepts from prompts/vocabulary.toml) and
  typo-tolerant matching (`Lexicon.read` -> `Reading` with `Mention`s).

Pure: the vocabulary is passed in; `tutor.content.pack.lexicon()` loads the shared instance.
No other module may keep its own normaliser, stemmer or role vocabulary.
"""

from tutor.text.clauses import Clause, Cues
from tutor.text.english import is_ordinary_word, tool_name
from tutor.text.lexicon import (
    KINDS,
    Entry,
    Kind,
    Lexicon,
    Mention,
    Reading,
    Vocabulary,
    agrees,
    is_speaker,
    join_names,
    same_word,
    spoken,
)
from tutor.text.tokens import Token, is_dictionary_word, normalize, normalize_word, tokenize

__all__ = [
    "KINDS",
    "Clause",
    "Cues",
    "Entry",
    "Kind",
    "Lexicon",
    "Mention",
    "Reading",
    "Token",
    "Vocabulary",
    "agrees",
    "is_dictionary_word",
    "is_ordinary_word",
    "is_speaker",
    "join_names",
    "normalize",
    "normalize_word",
    "same_word",
    "spoken",
    "tokenize",
    "tool_name",
]
