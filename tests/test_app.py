"""The app factory, configuration, security headers and static assets."""
import os
import stat

from qms import create_app
from qms.config import normalize_database_url


def test_secret_key_is_generated_into_instance_once(tmp_path, monkeypatch):
    import qms.config

    monkeypatch.delenv("QMS_SECRET_KEY", raising=False)
    key_file = tmp_path / "secret_key"
    first = qms.config.load_or_create_secret_key(tmp_path)
    second = qms.config.load_or_create_secret_key(tmp_path)
    assert first == second and len(first) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("QMS_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("QMS_DATABASE_URL", "sqlite:///elsewhere.db")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///elsewhere.db"


def test_normalize_database_url():
    assert normalize_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalize_database_url("postgresql+psycopg://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_security_headers_on_every_response(client):
    for path in ("/login", "/no-such-page"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "http" not in csp  # only this origin


def test_bootstrap_is_served_from_this_server(client):
    body = client.get("/login").get_data(as_text=True)
    assert "cdn" not in body.lower()
    assert "/bootstrap/static/css/bootstrap.min.css" in body
    with client.get("/bootstrap/static/css/bootstrap.min.css") as response:
        assert response.status_code == 200 and b".btn" in response.data
    with client.get("/static/css/qms.css") as response:
        assert response.status_code == 200


def test_pages_have_no_inline_scripts_or_styles(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script>" not in body and "style=" not in body
