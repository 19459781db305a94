"""Configuration: defaults, then the environment, then what the caller passes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"


def database_url_from_env(instance_path: Path) -> str:
    """Return the SQLAlchemy URL: `DATABASE_URL` if set, else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'milidip.sqlite3'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Point postgres URLs at psycopg 3, whatever spelling the host platform uses."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_config(instance_path: Path, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Assemble the settings for one app instance."""
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url_from_env(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "COURSE_DIR": os.environ.get("COURSE_DIR", str(PROJECT_ROOT / "questions")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "LOG_FORMAT": "json" if os.environ.get("LOG_FORMAT", "").strip() == "json" else "text",
        "TRUSTED_PROXIES": trusted_proxies(os.environ.get("TRUSTED_PROXIES", "")),
    }
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database that does not answer fails a request (and /healthz) in seconds, not minutes.
        config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"connect_timeout": 5}
    secret = os.environ.get("SECRET_KEY") or _read_secret_file(instance_path)
    if secret:
        config["SECRET_KEY"] = secret
    if overrides:
        config.update(overrides)
    return config


def trusted_proxies(value: str) -> int:
    """Read `TRUSTED_PROXIES`: how many reverse proxies in front of the app set X-Forwarded-*."""
    value = value.strip() or "0"
    if not value.isdigit() or int(value) > 10:
        raise ValueError(
            f"TRUSTED_PROXIES must be a whole number of proxies from 0 to 10, not {value!r}."
        )
    return int(value)


def _read_secret_file(instance_path: Path) -> str | None:
    path = instance_path / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def ensure_secret_key_file(instance_path: Path) -> Path:
    """Create the instance folder's random secret key once; later runs reuse it."""
    import secrets

    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / SECRET_KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path
