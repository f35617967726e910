"""The offline tutor's knowledge: an authored knowledge base (prompts/knowledge.toml), BM25
retrieval over the shared text module's terms, ownership slot lookups, plain declines with
`/ask N` suggestions, and the dialogue state read back from the conversation.

- `base`: the content schema (frozen models) and its checks against the lesson;
- `retrieval`: `Index` (bm25s) with a coverage score for the confidence threshold;
- `answer`: `Answerer.answer(text) -> Answer`;
- `dialogue`: the tutor's pending question and its `/ask` suggestions.

Pure: `tutor.content.pack.knowledge()` builds the shared `Answerer` from prompts/.
"""

from tutor.knowledge.answer import Answer, Answerer, Facts
from tutor.knowledge.base import Entry, KnowledgeData
from tutor.knowledge.dialogue import asked, is_new_question, subject, suggested, suggestions_in
from tutor.knowledge.retrieval import Hit, Index

__all__ = [
    "Answer",
    "Answerer",
    "Entry",
    "Facts",
    "Hit",
    "Index",
    "KnowledgeData",
    "asked",
    "is_new_question",
    "subject",
    "suggested",
    "suggestions_in",
]
