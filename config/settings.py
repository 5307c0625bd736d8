"""Typed settings for newsbrief: environment variables (prefix ``NEWSBRIEF_``) over an optional
TOML file (``NEWSBRIEF_CONFIG``), over defaults. Created once, in ``main()``, and passed down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["ConfigError", "Settings", "load_settings"]

TELEGRAM_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///newsbrief.db"  # the store's default (news.store, its migrations)


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and how to set it."""


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every knob of newsbrief. Env var = ``NEWSBRIEF_`` + the field name in upper case."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBRIEF_",
        env_file=None,
        extra="ignore",
        validate_default=True,
    )

    # Telegram
    telegram_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather; needed only by `newsbrief run`."
    )
    telegram_api_url: str = Field(
        default=TELEGRAM_API_URL,
        description="Bot API base URL; the token is appended (python-telegram-bot's base_url).",
    )
    telegram_file_api_url: str | None = Field(
        default=None, description="Bot API file base URL; derived from telegram_api_url if unset."
    )
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL for webhook mode; polling when unset."
    )
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - the webhook server must listen on all addresses
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Storage
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///file.db or postgresql+asyncpg://…",
    )

    # Feeds and fetching
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    poll_interval: float = Field(default=900.0, gt=0, description="Seconds between feed polls.")
    feed_concurrency: int = Field(default=8, ge=1, le=100)
    fetch_timeout: float = Field(default=15.0, gt=0, description="Seconds per HTTP request.")
    fetch_max_bytes: int = Field(
        default=5_000_000, ge=10_000, description="Bytes of a page or feed, once decompressed."
    )
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    allow_loopback: bool = Field(
        default=False, description="Let user-supplied URLs reach 127.0.0.1 (tests and the demo)."
    )
    extract_workers: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description="Processes that extract article text; 0: threads in the bot's process; "
        "unset: one per CPU core, up to 4 (threads on a single core).",
    )
    extract_max_chars: int = Field(
        default=1_500_000, ge=10_000, description="HTML characters parsed per page; cut beyond."
    )
    extract_timeout: float = Field(
        default=20.0, gt=0, description="Seconds to extract one page or parse one feed."
    )
    feed_max_new_entries: int = Field(
        default=50, ge=1, description="New entries taken per feed poll; the rest wait."
    )
    fetch_per_host: int = Field(
        default=2, ge=1, le=20, description="Feed-entry pages fetched at once from one host."
    )
    fetch_host_interval: float = Field(
        default=0.25, ge=0, description="Seconds between feed-entry page fetches on one host."
    )
    user_agent: str = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief)"

    # Summarizer
    summarizer: Literal["extractive", "abstractive"] = "extractive"
    summarizer_model: str | None = Field(
        default=None,
        description="Hub name or local folder; for abstractive, e.g. facebook/bart-large-cnn.",
    )
    summarizer_device: str = Field(default="auto", description="auto, cpu or cuda[:N].")

    # Topics, briefings, alerts
    # Meaning alone puts a story on a specific topic at this cosine (news.topic_match; BBC-tuned).
    topic_threshold: float = Field(default=0.55, ge=0.0, le=1.0)
    max_subscriptions: int = Field(default=50, ge=1)
    # A chat's own sources (/feeds add, OPML import; issue 15)
    max_chat_feeds: int = Field(default=100, ge=1, description="Feeds one chat may follow.")
    opml_max_bytes: int = Field(default=1_000_000, ge=1, description="Largest OPML file read.")
    opml_max_feeds: int = Field(default=200, ge=1, description="Feeds one OPML file may list.")
    briefing_stories: int = Field(default=5, ge=1, le=10)
    alert_interval: float = Field(default=2.0, gt=0, description="Seconds between outbox drains.")
    timezone: str = "UTC"
    update_interval: float = Field(
        default=3.0, ge=0, description="Hours between two story updates to one chat (issue 16)."
    )

    # Telegram's paid broadcasts (issue 14): alerts and digests sent with allow_paid_broadcast
    paid_broadcast: bool = Field(
        default=False,
        description="Send alerts and digests as Telegram paid broadcasts: up to 1,000 messages/s"
        " instead of 30, for 0.1 Telegram Stars each from the bot's balance.",
    )

    # Links users send (/summary URL, a link in a message): read apart from other requests
    link_concurrency: int = Field(default=8, ge=1, le=256, description="Links read at once.")
    link_concurrency_per_chat: int = Field(default=1, ge=1, le=16)
    link_pending: int = Field(
        default=100, ge=1, description="Links accepted and not yet answered; more get 'busy'."
    )
    link_pending_per_chat: int = Field(default=3, ge=1)
    link_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to fetch, extract and summarize one link."
    )

    # Work queue (issue 14): unset, one process does everything (the embedded default)
    queue_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 or amqp://user:pass@host:5672/: feed entries become "
        "tasks for `newsbrief worker` processes; unset: ingested in the polling process.",
    )
    queue_name: str = Field(default="newsbrief", min_length=1, max_length=100)
    queue_redeliver_after: float = Field(
        default=300.0,
        gt=0,
        description="Redis: seconds a task may stay unacknowledged before another worker takes "
        "it (its worker died); RabbitMQ redelivers when the connection drops.",
    )
    worker_concurrency: int = Field(default=4, ge=1, le=256, description="Tasks per worker.")

    log_level: str = "INFO"

    # Groups and operators (issue 15): admin checks, the Prometheus endpoint (0: off)
    admin_check_ttl: float = Field(
        default=60.0, ge=0, description="Seconds a group administrator check is trusted."
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Prometheus metrics port; 0 turns it off."
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the metrics endpoint listens on."
    )

    @field_validator("feeds", mode="before")
    @classmethod
    def _feeds_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("queue_url")
    @classmethod
    def _queue_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(
            ("redis://", "rediss://", "amqp://", "amqps://")
        ):
            raise ValueError("must be redis://host:6379/0 or amqp://user:password@host:5672/")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be a SQLAlchemy URL such as sqlite:///newsbrief.db")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("NEWSBRIEF_CONFIG")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    def extraction_processes(self) -> int:
        """How many worker processes extract HTML (0: threads), per ``extract_workers``."""
        if self.extract_workers is not None:
            return self.extract_workers
        cores = os.cpu_count() or 1
        return 0 if cores < 2 else min(cores, 4)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation errors into one ConfigError line per bad setting."""
    toml_path = os.environ.get("NEWSBRIEF_CONFIG")
    if toml_path and not Path(toml_path).is_file():
        raise ConfigError(f"NEWSBRIEF_CONFIG names {toml_path!r}, which is not a readable file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            lines.append(
                f"NEWSBRIEF_{name.upper()} is invalid: {error['msg']} "
                f"(set the environment variable NEWSBRIEF_{name.upper()} or {name} in the "
                "NEWSBRIEF_CONFIG TOML file)"
            )
        raise ConfigError("; ".join(lines)) from None
    except ValueError as exc:  # a TOML file that does not parse
        raise ConfigError(f"NEWSBRIEF_CONFIG file {toml_path!r} is malformed: {exc}") from None
