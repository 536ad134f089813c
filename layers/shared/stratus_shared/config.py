"""Configuration as a model: read from the environment once per cold start, cached.

Functions declare a pydantic model whose field aliases are the environment variable names the
template sets; `load_settings` validates them on first use (never at import time, so tests can
set the environment first) and fails with the names of the variables that are missing or wrong.
"""

import os
from functools import cache

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    """Base for a function's settings: immutable, populated by environment variable name."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


@cache
def _load(cls: type[Settings], env_key: frozenset[tuple[str, str]]) -> Settings:
    return cls.model_validate(dict(env_key))


def load_settings[SettingsT: Settings](cls: type[SettingsT]) -> SettingsT:
    """Validate `cls` against the current environment; cached while the environment is unchanged."""
    settings = _load(cls, frozenset(os.environ.items()))
    assert isinstance(settings, cls)
    return settings


def csv_list(value: str | list[str] | None) -> list[str]:
    """Split a comma-separated environment value (CloudFormation joins lists this way)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item.strip() for item in value if item.strip()]
    return [item.strip() for item in value.split(",") if item.strip()]
