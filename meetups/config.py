"""Settings from MEETUPS_* environment variables, with safe defaults."""

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _secret_key() -> str:
    """A key generated once and kept in instance/, so sessions survive restarts without a default secret."""
    if key := os.environ.get("MEETUPS_SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("MEETUPS_DATABASE_URL", "")
    if not url:
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'meetups.db'}"
    return normalize_database_url(url)


def normalize_database_url(url: str) -> str:
    """psycopg 3 is the PostgreSQL driver; accept the common spellings of the URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _rate_limit_store(database_url: str, redis_url: str) -> str:
    """Redis when configured (several machines); else a counters file that all workers of this machine share,
    beside a SQLite database (each database its own counters) or in instance/."""
    if redis_url:
        return redis_url
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return f"meetups+sqlite:///{database_url.removeprefix('sqlite:///')}-ratelimits"
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"meetups+sqlite:///{INSTANCE_DIR / 'ratelimits.db'}"


def _proxies() -> int:
    value = os.environ.get("MEETUPS_TRUSTED_PROXIES", "0").strip() or "0"
    if not value.isdigit():
        raise ValueError(f"MEETUPS_TRUSTED_PROXIES must be a number of proxies, not {value!r}")
    return int(value)


def from_env() -> dict:
    base_url = os.environ.get("MEETUPS_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    rate_limits = os.environ.get("MEETUPS_RATE_LIMITS", "on").lower() not in ("off", "0", "false", "no")
    redis_url = os.environ.get("MEETUPS_REDIS_URL", "")
    database_url = _database_url()
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": base_url,
        "MAIL_URL": os.environ.get("MEETUPS_MAIL_URL", ""),
        "MAIL_FROM": os.environ.get("MEETUPS_MAIL_FROM", "Meetups <noreply@meetups.localhost>"),
        "REDIS_URL": redis_url,
        # proxies in front of the app whose X-Forwarded-For/-Proto are believed: rate limits then count each
        # client, not the proxy. 0 (default) believes none, so nobody can spoof their address.
        "TRUSTED_PROXIES": _proxies(),
        "RATELIMIT_ENABLED": rate_limits,
        # shared by every worker: counters kept per process would multiply each limit by the workers
        "RATELIMIT_STORAGE_URI": _rate_limit_store(database_url, redis_url),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        # the CSRF token lives as long as the session: a phone left open for hours still posts
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ("en", "ru"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }
