"""Configuration read from the environment.

`APP_ENV` picks the class: ``development`` (default), ``production`` or
``testing``.  Every setting that differs between machines comes from an
environment variable; nothing secret is kept in the repository.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL comes in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_database_url() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'ipaid.sqlite3'}"


def database_url() -> str:
    return normalise_database_url(os.environ.get("DATABASE_URL") or default_database_url())


def _instance_secret_key() -> str:
    """A random key generated once into instance/ and reused (development only)."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Defaults shared by every environment."""

    APP_ENV = "development"
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ECHO = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Key of the audit chain's HMAC; falls back to SECRET_KEY. Keep it stable: changing it breaks verification.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or None
    # Evidence files: the largest accepted file, in bytes.
    EVIDENCE_MAX_BYTES = _int_env("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    MAX_CONTENT_LENGTH = _int_env("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port are believed
    # (werkzeug ProxyFix): 1 behind the compose stack's Caddy; 0 (default) when clients connect directly,
    # since a client could otherwise forge its address (login throttling) and the scheme.
    PROXY_FIX_HOPS = _int_env("PROXY_FIX_HOPS", 0)
    # The address the public reaches this site by, e.g. https://ipaid.example.cn: the QR code of every
    # issued document links to <PUBLIC_BASE_URL>/verify/<code>. Unset: the host of the request that
    # issues the document, else http://127.0.0.1:5000 (a document issued by a script).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    # Requests to the public verification page per client address (every request counts, found or not).
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "20 per minute;200 per hour")
    # The agencies' reply links (``/agency-replies/<token>``), per client address.
    AGENCY_REPLY_RATE_LIMIT = os.environ.get("AGENCY_REPLY_RATE_LIMIT", "30 per minute;300 per hour")
    # Key that wraps the centres' signing keys kept under the storage root (app/core/signing.py);
    # falls back to SECRET_KEY. Changing it means giving the centres' certificates again.
    SIGNING_KEY_SECRET = os.environ.get("SIGNING_KEY_SECRET") or None
    # Years after a case ends before its complainant's personal data are anonymised (app/privacy/retention.py),
    # where a centre and its parents set none; never fewer than 3 (the Civil Code's limitation period).
    PRIVACY_RETENTION_YEARS = _int_env("PRIVACY_RETENTION_YEARS", 5)
    # Figures of a report not yet issued (a month's preview, the statistics of any period) are counted
    # again at most this often per process and say when they were counted (0: every request).
    REPORT_FIGURES_SECONDS = _int_env("REPORT_FIGURES_SECONDS", 60)

    # Notifications are e-mailed through this SMTP server when MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int_env("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@ipaid.local")
    # Notifications by SMS to users with a mobile number: unset (none), "log" (written to the log, for
    # development; it tells nobody, so it never counts as the applicant informed), or
    # "package.module:ClassName", a gateway implementing app.notifications.channels.SmsChannel.
    SMS_CHANNEL = os.environ.get("SMS_CHANNEL") or None

    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh_CN")
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = ("zh_CN", "en")

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_I18N_ENABLED = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "ipaid_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # A login session without a request for this long ends (the last activity is kept in the session
    # cookie, not the database). "Keep me logged in" cookies are not affected. 0 turns it off.
    SESSION_IDLE_MINUTES = _int_env("SESSION_IDLE_MINUTES", 30)

    RATELIMIT_ENABLED = True
    # Login throttling is shared by every worker through Redis when REDIS_URL is set (see __init__).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")
    # After this many failed logins for one e-mail address from one client address, that address may not
    # try this e-mail for LOGIN_LOCKOUT_MINUTES. Counted in the rate limiter's storage (Redis when REDIS_URL
    # is set), for unknown e-mails too; the account itself is never locked, so its owner can still log in
    # from elsewhere.
    LOGIN_LOCKOUT_THRESHOLD = _int_env("LOGIN_LOCKOUT_THRESHOLD", 5)
    LOGIN_LOCKOUT_MINUTES = _int_env("LOGIN_LOCKOUT_MINUTES", 15)

    PASSWORD_MIN_LENGTH = 8
    SECURITY_HSTS = False

    # Logs (app/ops/logging.py): "json" writes one JSON object per line to stderr, "text" leaves Flask's
    # handler. A request slower than SLOW_REQUEST_MS is logged at WARNING with its SQL statement count.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    SLOW_REQUEST_MS = _int_env("SLOW_REQUEST_MS", 500)

    def __init__(self) -> None:
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        if self.REDIS_URL and self.APP_ENV != "testing":
            self.RATELIMIT_STORAGE_URI = self.REDIS_URL
        if not self.SECRET_KEY:
            self.SECRET_KEY = _instance_secret_key()


class DevelopmentConfig(Config):
    APP_ENV = "development"


class ProductionConfig(Config):
    """Production: refuses to start without its secrets, cookies only over HTTPS."""

    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SECURITY_HSTS = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError("Production refuses to start without " + " and ".join(missing) + " in the environment.")
        super().__init__()
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = database_url()


class TestingConfig(Config):
    """Tests: a throwaway database given by the fixtures."""

    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite:///:memory:")
    RATELIMIT_STORAGE_URI = "memory://"  # on, as in production; tests reset it before each test
    WTF_CSRF_ENABLED = True
    MAIL_SERVER = None  # the mail tests start their own SMTP server and set it
    REPORT_FIGURES_SECONDS = 0  # figures counted on every request (a test that wants them kept sets it)


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def get_config(name: str | None = None) -> Config:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"Unknown APP_ENV {name!r}; use one of {', '.join(CONFIGS)}") from None
