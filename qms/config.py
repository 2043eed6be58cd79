"""Configuration: defaults here, then instance/config.py, then QMS_* environment variables."""
import math
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def normalize_database_url(url: str) -> str:
    """Route PostgreSQL URLs to the psycopg 3 driver that the project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url_from_env(instance_path: Path) -> str:
    url = os.environ.get("QMS_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return normalize_database_url(url)
    return f"sqlite:///{instance_path / 'qms.sqlite3'}"


def load_or_create_secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it (mode 0600) on first start."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class Config:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set from QMS_HTTPS
    QMS_HTTPS = False  # served over HTTPS (directly or behind a TLS proxy): cookies only over TLS, https links
    QMS_TRUSTED_PROXIES = 0  # reverse proxies in front whose X-Forwarded-For/-Proto/-Host QMS believes (ProxyFix)
    QMS_LOG_FORMAT = "text"  # "json": one JSON object a log line (gunicorn.conf.py sets it)
    QMS_METRICS_ALLOW = "127.0.0.1,::1"  # addresses/networks that may read /metrics; others get 404
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a form left open over a working day still submits
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # a whole request
    QMS_MAX_FILE_BYTES = 10 * 1024 * 1024  # one uploaded file
    QMS_MAX_SHEET_CELLS = 500_000  # rows x columns read from one uploaded spreadsheet (10,000 responses x 50 columns)
    BABEL_DEFAULT_LOCALE = "zh_Hant_TW"
    BABEL_DEFAULT_TIMEZONE = "Asia/Taipei"
    QMS_LOCALES = ("zh_Hant_TW", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"
    AUDIT_PAGE_SIZE = 50
    PAGE_SIZE = 50  # rows on one page of a list (drills, actions, initiatives, users ...)
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_ADDRESS_MAX_FAILURES = 20  # failed sign-ins from one address, any usernames, before it waits too
    SESSION_IDLE_MINUTES = 8 * 60  # a session unused this long ends (a working day)
    PASSWORD_MIN_LENGTH = 12  # OWASP ASVS; passwords are also checked against common ones (zxcvbn)
    QMS_REDIS_URL = ""  # the job queue on Redis (redis://host:6379/0); empty: a SQLite queue in the instance folder
    QMS_JOBS_IMMEDIATE = False  # True: run background jobs at once, inside the caller (tests)
    QMS_JOBS_QUEUE = "qms"  # the queue's name (its keys on Redis)
    # Seconds a search index update waits after a write, gathering the writes that follow into one index change.
    QMS_SEARCH_SYNC_DELAY = 2.0
    # How long a citizen's contact details left with a kiosk vote are kept; the kiosk's personal-data notice says so.
    QMS_KIOSK_CONTACT_RETENTION_DAYS = 365
    # A follow-up case (a dissatisfied vote) should be answered within this many days of its opening.
    QMS_FOLLOW_UP_DAYS = 7
    # The username who owns a failed drill's corrective actions when the unit observed has no supervisor; "": nobody.
    QMS_DRILL_ACTION_OWNER = ""
    # Where stored files live (uploads/, dossiers/, imports/): a volume every server shares. None: the instance folder.
    QMS_FILES_DIR = None
    # Mail (qms/mail): with no QMS_SMTP_HOST, mails are written as .eml files in the "outbox" storage area.
    QMS_SMTP_HOST = ""
    QMS_SMTP_PORT = 587
    QMS_SMTP_USERNAME = ""
    QMS_SMTP_PASSWORD = ""
    QMS_SMTP_STARTTLS = True
    QMS_SMTP_SSL = False  # implicit TLS (port 465) instead of STARTTLS
    QMS_MAIL_FROM = "QMS <qms@localhost>"
    QMS_BASE_URL = "http://127.0.0.1:5000"  # how people reach QMS: absolute links in mails and calendar feeds


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"


ENV_SETTINGS = {
    # environment variable -> (config key, parser)
    "QMS_SECRET_KEY": ("SECRET_KEY", str),
    "QMS_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", str),
    "QMS_TIMEZONE": ("BABEL_DEFAULT_TIMEZONE", str),
    "QMS_SECURE_COOKIES": ("QMS_HTTPS", lambda v: v.lower() in {"1", "true", "yes"}),  # the older name
    "QMS_HTTPS": ("QMS_HTTPS", lambda v: v.lower() in {"1", "true", "yes"}),
    "QMS_TRUSTED_PROXIES": ("QMS_TRUSTED_PROXIES", int),
    "QMS_LOG_FORMAT": ("QMS_LOG_FORMAT", str),
    "QMS_METRICS_ALLOW": ("QMS_METRICS_ALLOW", str),
    "QMS_MAX_UPLOAD_MB": ("QMS_MAX_FILE_BYTES", lambda v: int(v) * 1024 * 1024),
    "QMS_MAX_SHEET_CELLS": ("QMS_MAX_SHEET_CELLS", int),
    "QMS_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "QMS_SEARCH_INDEX": ("QMS_SEARCH_INDEX", str),
    "QMS_SEARCH_BACKEND": ("QMS_SEARCH_BACKEND", str),
    "QMS_SEARCH_SYNC_DELAY": ("QMS_SEARCH_SYNC_DELAY", lambda v: seconds(v, 0, 60)),
    "QMS_FILES_DIR": ("QMS_FILES_DIR", str),
    "QMS_KIOSK_CONTACT_RETENTION_DAYS": ("QMS_KIOSK_CONTACT_RETENTION_DAYS", int),
    "QMS_FOLLOW_UP_DAYS": ("QMS_FOLLOW_UP_DAYS", int),
    "QMS_DRILL_ACTION_OWNER": ("QMS_DRILL_ACTION_OWNER", str),
    "QMS_REDIS_URL": ("QMS_REDIS_URL", str),
    "QMS_JOBS_IMMEDIATE": ("QMS_JOBS_IMMEDIATE", lambda v: v.lower() in {"1", "true", "yes"}),
    "QMS_JOBS_QUEUE": ("QMS_JOBS_QUEUE", str),
    "QMS_SMTP_HOST": ("QMS_SMTP_HOST", str),
    "QMS_SMTP_PORT": ("QMS_SMTP_PORT", int),
    "QMS_SMTP_USERNAME": ("QMS_SMTP_USERNAME", str),
    "QMS_SMTP_PASSWORD": ("QMS_SMTP_PASSWORD", str),
    "QMS_SMTP_STARTTLS": ("QMS_SMTP_STARTTLS", lambda v: v.lower() in {"1", "true", "yes"}),
    "QMS_SMTP_SSL": ("QMS_SMTP_SSL", lambda v: v.lower() in {"1", "true", "yes"}),
    "QMS_MAIL_FROM": ("QMS_MAIL_FROM", str),
    "QMS_BASE_URL": ("QMS_BASE_URL", str),
}


def seconds(value: str, low: float, high: float) -> float:
    """A number of seconds from a setting, within [low, high]; anything else (nan, inf, words) is refused."""
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{value!r}: give seconds from {low:g} to {high:g}")
    return number


def apply_environment(config: dict) -> None:
    for variable, (key, parse) in ENV_SETTINGS.items():
        if os.environ.get(variable):
            config[key] = parse(os.environ[variable])
