"""`tutor eval`: scripted learners against one or more backends, scored by calibrated rules.

The conversations, key points and cue phrases live in prompts/eval.toml (`scripts`). Each turn
is recorded with the model's words apart from the app's (`record`); the model's rules read only
the model's words (`rules`, reading through the shared text module with `reading`, claims
checked by `tutor.facts`); what the app guarantees by construction is checked apart
(`guarantees`) and never counts in the model's score. `runner` plays the suite, `scorecard`
reports one column per backend, `judge` optionally asks a judge model, and `calibration`
measures every rule (and the judge) on hand-labelled replies. The command is
`tutor.cli.evaluate`.
"""

from tutor.evaluation.context import Context
from tutor.evaluation.record import TurnRecord, play_turn
from tutor.evaluation.runner import BackendSpec, run_check, run_suite, score_backends
from tutor.evaluation.scorecard import CheckResult, Report, Scorecard
from tutor.evaluation.scripts import Suite, default_suite

__all__ = [
    "BackendSpec",
    "CheckResult",
    "Context",
    "Report",
    "Scorecard",
    "Suite",
    "TurnRecord",
    "default_suite",
    "play_turn",
    "run_check",
    "run_suite",
    "score_backends",
]
