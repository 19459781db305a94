"""Configuration: defaults, then the environment, then what the caller passes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
# One import (GIFT or Aiken upload) holds at most this many questions unless configured.
DEFAULT_IMPORT_MAX_QUESTIONS = 500


def positive_int_from_env(name: str, default: int) -> int:
    """Read a whole number setting from the environment; refuse anything else at start-up."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


# Rate limits (Flask-Limiter's notation; several limits are separated by ";"), each read from
# the environment unless the caller's config says. Log-in counts only failed tries, and never
# holds up the right password from a browser that has logged in to that account before
# (a device cookie, see app.auth.devices): such a browser has its own count instead of the
# account's and the address's, so a stranger's guesses cannot lock its owner out.
RATE_LIMIT_DEFAULTS = {
    # failed log-ins per account from browsers that have not logged in to it before
    "RATELIMIT_LOGIN": "5 per minute;20 per hour",
    # failed log-ins per browser that has logged in to the account before (its device cookie)
    "RATELIMIT_LOGIN_PER_DEVICE": "5 per minute;20 per hour",
    # failed log-ins per client address from unknown browsers (one school may share an address)
    "RATELIMIT_LOGIN_PER_ADDRESS": "60 per minute;600 per hour",
    "RATELIMIT_REGISTER": "10 per hour",  # registration tries per email
    "RATELIMIT_REGISTER_PER_ADDRESS": "60 per hour",  # registration tries per address
    # Failed password changes (a wrong current password) per account and per address: the
    # account page must not become a way round the log-in limit to guess a password.
    "RATELIMIT_PASSWORD_CHANGE": "5 per minute;20 per hour",
    "RATELIMIT_PASSWORD_CHANGE_PER_ADDRESS": "60 per minute;600 per hour",
    # LTI login initiations and launches a platform's users made, per platform (the issuer):
    # a class opening an activity at once stays well under it.
    "RATELIMIT_LTI_LAUNCH": "120 per minute",
    # LTI logins and launches we refused, per client address: a flood of forged launches
    # (each may cost a JWKS fetch) is stopped there, and never uses up a platform's count.
    "RATELIMIT_LTI_REFUSED": "30 per minute;300 per hour",
}
# Where the counts live unless RATELIMIT_STORAGE_URI says otherwise: the app's own database
# (app.limits_storage), shared by every worker and every instance on it.
DATABASE_STORAGE_URI = "database://"
# How long a browser stays known to an account after its last successful log-in.
LOGIN_DEVICE_DAYS_DEFAULT = 365


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
        "IMPORT_MAX_QUESTIONS": positive_int_from_env(
            "IMPORT_MAX_QUESTIONS", DEFAULT_IMPORT_MAX_QUESTIONS
        ),
        **rate_limit_settings(),
        "LOG_FORMAT": "json" if os.environ.get("LOG_FORMAT", "").strip() == "json" else "text",
        "TRUSTED_PROXIES": trusted_proxies(os.environ.get("TRUSTED_PROXIES", "")),
        # The address certificates print for their verification page (no trailing slash);
        # empty: the address of the request that shows the certificate.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
        # A PEM private key that signs for the LTI tool instead of the stored, encrypted one.
        "LTI_PRIVATE_KEY_FILE": os.environ.get("LTI_PRIVATE_KEY_FILE", "").strip(),
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


def rate_limit_settings() -> dict[str, Any]:
    """Return the limiter's settings and the device cookie's lifetime, from the environment."""
    settings: dict[str, Any] = {
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI") or DATABASE_STORAGE_URI,
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX") or "milidip",
        # When the store (Redis) does not answer, count in each process's memory and log it,
        # rather than refuse every log-in: the limits stay, only per worker until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": _env("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED") != "0",
        "LOGIN_DEVICE_DAYS": int(_env("LOGIN_DEVICE_DAYS") or LOGIN_DEVICE_DAYS_DEFAULT),
    }
    for key, default in RATE_LIMIT_DEFAULTS.items():
        settings[key] = _env(key) or default
    return settings


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


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
