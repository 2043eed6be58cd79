"""Defaults for a real install: files for QMS's own user only, secure cookies behind HTTPS, proxies trusted
only when configured."""
import os
import stat

import flask_migrate

from qms import create_app, storage, uploads
from qms.extensions import db
from qms.spine import access
from tests.conftest import make_config


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_file_uploads_and_index_are_private(tmp_path):
    database = tmp_path / "qms.sqlite3"
    app = create_app(make_config(f"sqlite:///{database}", QMS_SEARCH_INDEX=str(tmp_path / "index")))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
        stored = uploads.store(b"plain text evidence " * 10, "note.txt", {"txt"})
        assert mode(storage.root() / "uploads" / stored.stored_name) == 0o600
        assert mode(storage.root() / "uploads") == 0o700
        uploads.discard(stored.stored_name)
        from qms import search

        search.create_empty(app)
        assert mode(tmp_path / "index") == 0o700
        assert all(mode(f) & 0o077 == 0 for f in (tmp_path / "index").iterdir())
    assert mode(database) == 0o600
    assert mode(app.instance_path) == 0o700


def _whoami_app(**settings):
    app = create_app(make_config("sqlite://", **settings))

    @app.route("/_whoami")
    @access.public
    def whoami():
        from flask import request, session

        session["seen"] = True
        return f"{request.remote_addr} {request.scheme}"

    return app


def test_https_setting_makes_cookies_secure():
    plain = _whoami_app().test_client().get("/_whoami")
    assert "Secure" not in plain.headers["Set-Cookie"]
    secure = _whoami_app(QMS_HTTPS=True).test_client().get("/_whoami")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_forwarded_headers_are_believed_only_from_configured_proxies():
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _whoami_app().test_client().get("/_whoami", headers=headers).text == "127.0.0.1 http"
    trusting = _whoami_app(QMS_TRUSTED_PROXIES=1)
    assert trusting.test_client().get("/_whoami", headers=headers).text == "203.0.113.9 https"


def test_the_environment_names_the_settings(monkeypatch):
    from qms.config import apply_environment

    monkeypatch.setenv("QMS_HTTPS", "1")
    monkeypatch.setenv("QMS_TRUSTED_PROXIES", "2")
    config = {}
    apply_environment(config)
    assert config == {"QMS_HTTPS": True, "QMS_TRUSTED_PROXIES": 2}
