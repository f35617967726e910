"""The few named errors the tutor raises; each message tells the user what to do."""

from __future__ import annotations


class TutorError(Exception):
    """Base class: anything the tutor reports to a user as a clear message."""


class LessonPackError(TutorError):
    """A file in prompts/ is missing or invalid (the message names the file and field)."""


class ConfigError(TutorError):
    """A setting (environment variable or .env) has a value the tutor cannot use."""


class InputError(TutorError):
    """Learner or caller input the tutor cannot use: empty, too long, malformed."""


class LifecycleError(InputError):
    """A custom lifecycle for the handoff demo is not valid."""


class TeamError(InputError):
    """A team description or Team cannot be allocated (no people, blank or duplicate names)."""


class ProviderError(TutorError):
    """The model provider failed; `kind` says how (auth, rate_limit, server, timeout, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class LearnerBusyError(TutorError):
    """A learner's earlier message was still being answered when the wait for it ran out."""


class StructuredOutputError(TutorError):
    """A model's answer to a strict-JSON request was not valid JSON for the schema asked for."""
