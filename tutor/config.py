"""Settings from the environment and `.env` (see .env.example for every variable)."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutor.content.files import describe_validation
from tutor.errors import ConfigError

DEFAULT_MODEL = "gpt-4o-mini"
# Local OpenAI-compatible servers (Ollama, vLLM, LM Studio) ignore the key, but the
# openai client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    tutor_model: str = DEFAULT_MODEL
    tutor_backend: Literal["auto", "openai", "offline"] = "auto"
    #: a SQLite file path or a postgresql://user:password@host:port/db URL (secret: a URL
    #: may hold a password, so it never shows in a repr or a log)
    tutor_db: SecretStr | None = None
    #: PostgreSQL connections each process keeps open (the pool; up to as many again on bursts)
    tutor_db_pool_size: int = Field(5, ge=1, le=200)
    #: seconds a turn or learner lock lives without renewal; a killed process's turns and
    #: locks are taken over after this (at once when it ran on this machine)
    tutor_lease_seconds: float = Field(15.0, ge=1, le=600)
    #: seconds a learner's message waits for their previous one before the notice
    tutor_queue_wait: float = Field(120.0, gt=0, le=3600)
    tutor_auth: SecretStr | None = None
    tutor_host: str = "127.0.0.1"
    tutor_port: int = Field(7860, ge=1, le=65535)
    tutor_request_timeout: float = Field(60.0, gt=0, le=3600)
    #: the longest one answer may take in all (TUTOR_REQUEST_TIMEOUT bounds each wait)
    tutor_answer_timeout: float = Field(300.0, gt=0, le=7200)
    tutor_max_tokens: int = Field(1024, ge=16, le=200_000)
    tutor_max_message_chars: int = Field(8000, ge=100, le=200_000)
    tutor_concurrency: int = Field(256, ge=1, le=10_000)
    #: Gradio's worker threads (launch max_threads); unset: max(40, TUTOR_CONCURRENCY)
    tutor_worker_threads: int | None = Field(None, ge=1, le=10_000)
    tutor_max_tool_rounds: int = Field(4, ge=1, le=20)
    tutor_history_turns: int = Field(12, ge=2, le=200)
    tutor_idle_minutes: float = Field(60.0, gt=0)
    #: a warm-up request at `tutor serve` start (auto: only for a model server on this
    #: machine or the local network, whose prompt processing the learner waits for)
    tutor_warmup: Literal["auto", "on", "off"] = "auto"

    @field_validator(
        "openai_api_key",
        "openai_base_url",
        "tutor_db",
        "tutor_auth",
        "tutor_worker_threads",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `.env.example` copied as-is has empty values: treat them as not set.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tutor_model", mode="before")
    @classmethod
    def _default_model(cls, value: object) -> object:
        return DEFAULT_MODEL if isinstance(value, str) and not value.strip() else value

    @property
    def backend_kind(self) -> Literal["openai", "offline"]:
        if self.tutor_backend == "offline":
            return "offline"
        if self.tutor_backend == "openai":
            return "openai"
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    @property
    def warm_up(self) -> bool:
        """Whether `tutor serve` sends the warm-up request (TUTOR_WARMUP)."""
        if self.backend_kind != "openai" or self.tutor_warmup == "off":
            return False
        return self.tutor_warmup == "on" or is_local_url(self.openai_base_url)

    def api_key(self) -> str:
        if self.openai_api_key and self.openai_api_key.get_secret_value():
            return self.openai_api_key.get_secret_value()
        if self.openai_base_url:
            return PLACEHOLDER_KEY
        raise ConfigError(
            "TUTOR_BACKEND=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local server "
            "such as Ollama (http://localhost:11434/v1)."
        )

    def db_target(self) -> str | None:
        """TUTOR_DB as given (path or URL), or None for the default file."""
        return self.tutor_db.get_secret_value().strip() if self.tutor_db else None

    @property
    def worker_threads(self) -> int:
        """Gradio runs at most this many events at once, whatever the queue limit says."""
        return self.tutor_worker_threads or max(40, self.tutor_concurrency)

    def auth_pair(self) -> tuple[str, str] | None:
        """`TUTOR_AUTH=user:password` as a (user, password) pair."""
        if not self.tutor_auth:
            return None
        user, sep, password = self.tutor_auth.get_secret_value().partition(":")
        if not sep or not user or not password:
            raise ConfigError("TUTOR_AUTH must look like user:password (both non-empty).")
        return user, password


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(f"Invalid setting: {describe_validation(exc)}") from None


def is_local_url(url: str | None) -> bool:
    """A base URL on this machine or a private network (a local model server)."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".local"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private
