"""Names vulture cannot see used: read by a framework, by Python itself, or by data.

`python3 -m vulture` (settings in pyproject's [tool.vulture]) reads this file beside `tutor/`.
Add a name here only with the reason nothing in `tutor/` calls it; dead code is deleted instead.
"""

# ruff: noqa: B018
from tutor import __getattr__  # a module's lazy attribute hook (PEP 562), called by Python
from tutor.facts.usefulness import Usefulness, usefulness
from tutor.knowledge.answer import Answerer
from tutor.knowledge.base import KnowledgeData
from tutor.knowledge.guard import asks_for_secret
from tutor.planning.model_reading import ModelTeam
from tutor.planning.results import Allocation
from tutor.planning.segments import runs_at
from tutor.quiz.bank import QuizBank
from tutor.quiz.grading import Grade
from tutor.quiz.state import QuizState, Score
from tutor.store.records import AttemptRecord, Progress, MessageRecord

__getattr__

# Set on the sqlite3 connection: the driver reads it (autocommit off, we BEGIN ourselves).
_.isolation_level  # type: ignore[name-defined]  # noqa: F821

# Rows read back from the database: every column is a field, whether or not code reads it.
MessageRecord.seq
MessageRecord.created_at
Progress.updated_at
AttemptRecord.created_at

# Serialised to JSON (tool results, saved progress), so read by whoever reads the JSON.
Grade.correct_answer
Score.skipped

# The model's JSON answer (prompts/team_extraction.md asks for it); pydantic parses it.
ModelTeam.is_team

# The public Python API the README documents (`TutorSession.retry`).
TutorSession.retry

# The public `tutor.Allocation` (tutor/__init__.py's __all__), for library users.
Allocation.load_spread
Allocation.owner_of

# Content fields read by name (`getattr(words, name)` in tutor/quiz/intake.py and
# tutor/knowledge/dialogue.py), so no attribute access names them.
IntakeWords.discourse
IntakeWords.ask_words
IntakeWords.answer_subjects
IntakeWords.reason_openers
IntakeWords.self_words
IntakeWords.own_world
IntakeWords.offer_verbs
IntakeWords.politeness
IntakeWords.request_verbs
IntakeWords.request_things
IntakeWords.move_on
IntakeWords.pushback_targets
IntakeWords.pushback_words
IntakeWords.thinking
DialogueCues.ack
DialogueCues.thanks
DialogueCues.simpler
DialogueCues.pushback

# NOT framework uses: dead (or test-only) code in files other work was editing when the dead-code
# check came in (issue 19). Delete each with its tests, then its line here.
Answerer.by_question
KnowledgeData.suggest_intro
asks_for_secret
runs_at
QuizBank.for_step
QuizState.from_json
QuizState.was_revealed
# Authored content not read yet (issue 23's follow-ups): delete or use.
VariantWords.owner_follows
DialogueCues.no_followup
Entry.simpler
