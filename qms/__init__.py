"""QMS: quality-award preparation for a public-service office. create_app() builds the Flask app."""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from qms.config import (
    INSTANCE,
    ROOT,
    Config,
    apply_environment,
    database_url_from_env,
    load_or_create_secret_key,
    normalize_database_url,
)
from qms.extensions import babel, bootstrap, csrf, db, login_manager, migrate

FEATURES = ("qms.auth", "qms.core", "qms.evidence", "qms.mail", "qms.notifications", "qms.checklist",
            "qms.initiatives", "qms.benchmarking", "qms.drills", "qms.surveys", "qms.archive", "qms.dossier",
            "qms.briefing")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    # Everything QMS writes (the SQLite file, uploads, the search index, dossiers) is for its own user only.
    os.umask(0o077)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE), instance_relative_config=True)
    configure(app, config)
    register_observability(app)
    register_extensions(app)
    register_features(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_context(app)
    register_commands(app)
    return app


def configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    apply_environment(app.config)
    instance = Path(app.instance_path)
    if os.environ.get("QMS_DATABASE_URL") or os.environ.get("DATABASE_URL") \
            or not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(instance)
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    # A request may carry one file of the largest size allowed plus its form fields.
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_CONTENT_LENGTH"],
                                           app.config["QMS_MAX_FILE_BYTES"] + 1024 * 1024)
    if app.config["QMS_HTTPS"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    if app.config["QMS_TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["QMS_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    instance.mkdir(parents=True, exist_ok=True)
    instance.chmod(0o700)
    database_file = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and os.path.exists(database_file):
        os.chmod(database_file, 0o600)  # a file made before QMS set its umask
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no server to drop the connection: the ping before every checkout would only cost a query.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(instance)
    check_search_backend(app.config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "qms" / "translations")


def register_observability(app: Flask) -> None:
    from qms import observability

    observability.init_app(app)  # before the access hook: every answer gets its request id and is counted


def check_search_backend(config) -> None:
    """QMS_SEARCH_BACKEND is whoosh (the default) or postgres, and postgres only on a PostgreSQL database."""
    backend = config.setdefault("QMS_SEARCH_BACKEND", "whoosh")
    if backend not in ("whoosh", "postgres"):
        raise RuntimeError(f"QMS_SEARCH_BACKEND={backend!r}: use 'whoosh' or 'postgres'.")
    if backend == "postgres" and not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError("QMS_SEARCH_BACKEND=postgres keeps the search index in a PostgreSQL database, but the "
                           "database is not PostgreSQL: set QMS_DATABASE_URL to a PostgreSQL database, or "
                           "QMS_SEARCH_BACKEND=whoosh.")


def register_extensions(app: Flask) -> None:
    from qms.auth import services as sessions
    from qms.i18n import select_locale
    from qms.spine.access import register_access

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says what to do; no extra banner
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        # The signed cookie names the user; the server-side session row (its token in the same cookie) must
        # still be live: sign-out, the idle timeout, a password change or an admin ends it for every copy.
        user_id, _sep, token = session_id.partition(":")
        if not user_id.isdigit():
            return None
        idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        user = sessions.session_user(int(user_id), session.get(sessions.SESSION_KEY), idle)
        if user is None or not user.active or user.session_token != token:
            return None
        return user

    # Access first: an anonymous POST is sent to sign in rather than told its token is missing.
    register_access(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on; write-ahead logging, so readers (a backup, the pages) never wait for a writer and a
    writer waits for another up to the busy timeout instead of failing at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def register_features(app: Flask) -> None:
    import importlib

    for name in FEATURES:
        importlib.import_module(name).init_app(app)


def register_errorhandlers(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood. Go back, reload the page and try again."),
        403: lambda: _("Your role does not allow this page or action."),
        404: lambda: _("There is no such page or record."),
        405: lambda: _("This address does not accept that kind of request."),
        413: lambda: _("The upload is larger than this server accepts."),
        500: lambda: _("Something went wrong on the server. The error has been logged; please try again."),
    }
    titles = {
        400: lambda: _("Bad request"), 403: lambda: _("Not allowed"), 404: lambda: _("Not found"),
        405: lambda: _("Method not allowed"), 413: lambda: _("Upload too large"), 500: lambda: _("Server error"),
    }

    def render_error(code: int, message: str | None = None):
        return render_template("errors/error.html", code=code, title=titles[code](),
                               message=message or messages[code]()), code

    def handle_http_error(error):
        return render_error(error.code)

    def handle_csrf_error(error):
        return render_error(400, _("This form has expired or was not sent from QMS. Reload the page and try again."))

    def handle_server_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(500, handle_server_error)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
        return response


def register_template_context(app: Flask) -> None:
    from qms.auth.models import LOCALE_LABELS
    from qms.i18n import register_template_filters
    from qms.spine.access import Role
    from qms.spine.navigation import main_nav, nav_for
    from qms.text import render_markdown
    from qms.views import id_url

    register_template_filters(app)
    app.add_template_global(nav_for, "nav_for")
    app.add_template_global(main_nav, "main_nav")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_global(id_url, "id_url")

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        return {
            "Role": Role,
            "locale_labels": LOCALE_LABELS,
            "current_locale": str(get_locale()),
            "locale_next": request.full_path.rstrip("?"),  # where the language switch comes back to
        }


def register_commands(app: Flask) -> None:
    import qms.backup  # noqa: F401 (adds backup and restore)
    import qms.cli  # noqa: F401 (adds QMS's own commands to the group)
    from qms.spine.commands import qms_cli

    app.cli.add_command(qms_cli)
    logging.getLogger("qms").setLevel(logging.INFO)
