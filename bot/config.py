"""Settings in one typed place, read from the environment and an optional ``.env`` file.

The token is held as a ``SecretStr`` so it never shows up in a repr, a log line or an error.
No real Discord IDs are defaults: everything guild-specific is opt-in.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class Settings(BaseModel):
    """Everything the bot can be configured with."""

    model_config = ConfigDict(frozen=True)

    discord_token: SecretStr | None = None
    data_dir: Path = Path("data")
    db: Path = Path("var/smartups.db")
    dev_guild: int | None = None
    log_level: str = "INFO"
    moderator_role: str | None = Field(default=None, description="role name or id")
    admin_role: str | None = Field(default=None, description="role name or id")
    spotlight_grace_hours: float = 6.0
    watch_data: bool = False
    lang: str = "en"
    suggest_max_pending: int = Field(default=10, ge=1, description="per member, issue 15")
    suggest_max_per_day: int = Field(default=20, ge=1, description="per member in 24 hours")
    counts_retention_days: int = Field(
        default=180, ge=1, description="how long gap and usage counts are kept, issue 15"
    )
    #: Unset: guild/admin state in the SQLite file ``db``; ``postgresql://...``: shared there
    #: by every process (issue 17). A secret: it may carry a password.
    database_url: SecretStr | None = None
    #: Discord shards of the whole bot and the ones this process runs (issue 17); unset:
    #: discord.py's recommended count, all in this process.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: tuple[int, ...] | None = None

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            text = value.get_secret_value()
            if not text.startswith(("postgresql://", "postgres://")):
                raise ValueError("expected a postgresql://user@host:port/database URL")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shards(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not parts or not all(p.isdigit() for p in parts):
                raise ValueError("expected shard numbers separated by commas, e.g. 0,1")
            return tuple(sorted({int(p) for p in parts}))
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SMARTUPS_SHARD_IDS needs SMARTUPS_SHARD_COUNT")
            if max(self.shard_ids) >= self.shard_count:
                raise ValueError(
                    f"shard ids must be below SMARTUPS_SHARD_COUNT={self.shard_count}"
                )
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        from bot.i18n import LANGUAGES, language

        lang = language(value)
        if lang is None:
            raise ValueError(f"expected {' or '.join(LANGUAGES)}")
        return lang

    @property
    def spotlight_grace(self) -> timedelta:
        return timedelta(hours=self.spotlight_grace_hours)

    @property
    def token(self) -> str | None:
        return self.discord_token.get_secret_value() if self.discord_token else None


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a simple ``KEY=value`` file (comments, blank lines and quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


_VARIABLES = {
    "DISCORD_TOKEN": "discord_token",
    "SMARTUPS_DATA_DIR": "data_dir",
    "SMARTUPS_DB": "db",
    "SMARTUPS_DEV_GUILD": "dev_guild",
    "LOG_LEVEL": "log_level",
    "SMARTUPS_MODERATOR_ROLE": "moderator_role",
    "SMARTUPS_ADMIN_ROLE": "admin_role",
    "SMARTUPS_SPOTLIGHT_GRACE_HOURS": "spotlight_grace_hours",
    "SMARTUPS_WATCH_DATA": "watch_data",
    "SMARTUPS_LANG": "lang",
    "SMARTUPS_SUGGEST_MAX_PENDING": "suggest_max_pending",
    "SMARTUPS_SUGGEST_MAX_PER_DAY": "suggest_max_per_day",
    "SMARTUPS_COUNTS_RETENTION_DAYS": "counts_retention_days",
    "SMARTUPS_DATABASE_URL": "database_url",
    "SMARTUPS_SHARD_COUNT": "shard_count",
    "SMARTUPS_SHARD_IDS": "shard_ids",
}


def load_settings(
    env: dict[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from ``env`` (default: the process environment) over the ``.env`` file."""
    merged: dict[str, str] = read_env_file(env_file) if env_file else {}
    merged.update(os.environ if env is None else env)
    values: dict[str, object] = {}
    for variable, name in _VARIABLES.items():
        raw = merged.get(variable)
        if raw is None or raw.strip() == "":
            continue
        values[name] = raw.strip()
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        reverse = {v: k for k, v in _VARIABLES.items()}
        first = exc.errors(include_url=False)[0]
        if not first["loc"]:  # a rule across settings (the shards): its message names them
            raise ConfigError(str(first["msg"]).removeprefix("Value error, ")) from None
        name = str(first["loc"][0]) if first["loc"] else "?"
        variable = reverse.get(name, name)
        secret = variable in ("DISCORD_TOKEN", "SMARTUPS_DATABASE_URL")
        shown = "(hidden)" if secret else repr(merged.get(variable))
        raise ConfigError(f"{variable}={shown}: {first['msg']}") from None


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(max(logging.INFO, getattr(logging, level, 20)))
