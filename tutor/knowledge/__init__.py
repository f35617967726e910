"""The offline tutor's knowledge: an authored knowledge base (prompts/knowledge.toml), BM25
retrieval over the shared text module's terms, ownership slot lookups, and plain declines
that offer the three closest questions it can answer.

- `base`: the content schema (frozen models) and its checks against the lesson;
- `retrieval`: `Index` (bm25s) with a coverage score for the confidence threshold;
- `answer`: `Answerer.answer(text) -> Answer`;
- `dialogue`: whether a message opens a question of its own.

Pure: `tutor.content.pack.knowledge()` builds the shared `Answerer` from prompts/.
"""

from tutor.knowledge.answer import Answer, Answerer, Facts
from tutor.knowledge.base import Entry, KnowledgeData
from tutor.knowledge.dialogue import is_new_question
from tutor.knowledge.retrieval import Hit, Index

__all__ = [
    "Answer",
    "Answerer",
    "Entry",
    "Facts",
    "Hit",
    "Index",
    "KnowledgeData",
    "is_new_question",
]
