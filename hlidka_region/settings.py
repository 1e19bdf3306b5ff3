"""The region's configuration file (TOML): the server, its database, its users and its schools.

Rule: file paths are relative to the config file; every secret and token file
is read at load time, so a missing one stops the start with its key path.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_STRICT = ConfigDict(extra="forbid", frozen=True)


class RegionConfig(BaseModel):
    model_config = _STRICT

    db: str = Field(default="sqlite:///region.db", description="sqlite:///path or postgresql://…[?schema=name]")
    host: str = Field(default="127.0.0.1", description="Address to listen on")
    port: int = Field(default=8700, ge=1, le=65535)
    users_file: str = Field(default="users", description="Console users: '<name> <role> <argon2 hash>' per line")
    offline_after_s: float = Field(default=60.0, ge=2.0, le=3600.0, description="Silence before a school is offline")
    window_s: float = Field(default=300.0, ge=5.0, le=3600.0, description="Webhook timestamp window, ± seconds")
    pull_interval_s: float = Field(default=30.0, ge=1.0, le=3600.0, description="Catch-up pull of each school")
    supervision_interval_s: float = Field(default=1.0, ge=0.1, le=60.0, description="Offline check period")
    # The school security plan expects staff practice about twice a year: half a year, plus a few
    # days so a drill held on the same date as the last one is not already late.
    drill_overdue_days: float = Field(default=190.0, ge=1.0, le=730.0, description="A drill is due this often")
    session_hours: float = Field(default=12.0, gt=0, le=168.0, description="Console session lifetime")
    cookie_secure: bool = Field(default=True, description="Send the session cookie over HTTPS only")


class SchoolConfig(BaseModel):
    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="The school's site id")
    name: str = Field(min_length=1, max_length=200)
    secret_file: str = Field(description="The webhook HMAC secret shared with the school's gateway")
    pull_url: str | None = Field(default=None, description="The gateway's API base URL for catch-up")
    token_file: str | None = Field(default=None, description="A viewer bearer token of the gateway's API")


class RegionFile(BaseModel):
    model_config = _STRICT

    region: RegionConfig = Field(default_factory=RegionConfig)
    schools: list[SchoolConfig] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class School:
    id: str
    name: str
    secret: bytes
    pull_url: str | None
    token: str | None


@dataclass(frozen=True, slots=True)
class Settings:
    region: RegionConfig
    schools: tuple[School, ...]
    users_file: Path

    @property
    def secrets(self) -> dict[str, bytes]:
        return {s.id: s.secret for s in self.schools}


class ConfigInvalid(ValueError):
    pass


def load(path: Path) -> Settings:
    base = path.parent
    try:
        parsed = RegionFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigInvalid(f"{path}: {exc}") from None
    ids = [s.id for s in parsed.schools]
    if len(set(ids)) != len(ids):
        raise ConfigInvalid(f"{path}: schools: a school id is listed twice")
    schools = []
    for i, s in enumerate(parsed.schools):
        try:
            secret = (base / s.secret_file).read_bytes().strip()
            token = (base / s.token_file).read_text().strip() if s.token_file else None
        except OSError as exc:
            raise ConfigInvalid(f"{path}: schools[{i}] ({s.id}): {exc}") from None
        if not secret:
            raise ConfigInvalid(f"{path}: schools[{i}] ({s.id}): secret_file is empty")
        schools.append(School(s.id, s.name, secret, s.pull_url.rstrip("/") if s.pull_url else None, token))
    return Settings(region=parsed.region, schools=tuple(schools), users_file=base / parsed.region.users_file)


def resolve_db(settings: Settings, config_dir: Path) -> str:
    """A relative SQLite path is relative to the config file."""
    url = settings.region.db
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(config_dir / url.removeprefix("sqlite:///"))
    return url
