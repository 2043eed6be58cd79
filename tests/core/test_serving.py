"""Serving for real: request ids, JSON logs, /healthz, /metrics, and gunicorn started with gunicorn.conf.py."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qms import create_app, observability
from qms.spine import access, health
from qms.spine.access import Role
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]
NEW_ID = re.compile(r"[0-9a-f]{32}")


# --- /healthz -----------------------------------------------------------------------------------

def test_healthz_answers_ok_to_anyone_without_a_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "checks"} and body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["search"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_when_a_check_is_down_and_tells_nothing_internal(client, monkeypatch):
    def broken():
        raise RuntimeError("connection to 10.0.0.5:6379 refused, password=hunter2")

    monkeypatch.setitem(health._checks, "broken", broken)
    monkeypatch.setitem(health._checks, "chatty", lambda: (False, "Traceback: /srv/qms/secret.py line 3"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["checks"]["broken"] == "down" and body["checks"]["chatty"] == "down"
    assert body["checks"]["database"] == "ok"
    text = response.get_data(as_text=True)
    for internal in ("10.0.0.5", "hunter2", "Traceback", "secret.py", "RuntimeError"):
        assert internal not in text


def test_a_check_removed_again_leaves_healthz_ok(client):
    assert "broken" not in health.checks()
    assert client.get("/healthz").status_code == 200


# --- request ids --------------------------------------------------------------------------------

def test_every_answer_carries_a_new_request_id(client):
    first, second = client.get("/healthz"), client.get("/")  # the second is a redirect to sign in
    assert second.status_code == 302
    assert NEW_ID.fullmatch(first.headers["X-Request-ID"]) and NEW_ID.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["abc-123", "Proxy.trace_7", "a" * 64])
def test_a_sane_incoming_request_id_is_kept(client, incoming):
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["a" * 65, "a b", "<script>alert(1)</script>", "../../etc/passwd;rm", "戶籍", ""])
def test_a_hostile_incoming_request_id_is_replaced(client, incoming):
    answered = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert NEW_ID.fullmatch(answered)


def test_a_log_line_is_json_with_the_request_and_the_user(app, login_as):
    def note():
        logging.getLogger("qms.test_serving").warning("noted %s", "戶籍")
        return "ok"

    app.add_url_rule("/test-serving-note", "test_serving_note", access.signed_in(note))
    stream = io.StringIO()
    handler = observability.json_handler(stream)
    logger = logging.getLogger("qms.test_serving")
    logger.addHandler(handler)
    try:
        client = login_as(Role.STAFF)
        response = client.get("/test-serving-note", headers={"X-Request-ID": "trace-42"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 200
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "noted 戶籍" and line["level"] == "WARNING" and line["logger"] == "qms.test_serving"
    assert line["request_id"] == "trace-42" and line["user_id"] == client.user.id
    assert line["method"] == "GET" and line["path"] == "/test-serving-note"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_log_line_outside_a_request_has_no_request_fields():
    stream = io.StringIO()
    record = logging.LogRecord("qms.x", logging.INFO, __file__, 1, "started", None, None)
    handler = observability.json_handler(stream)
    handler.handle(record)
    line = json.loads(stream.getvalue())
    assert line["message"] == "started" and "request_id" not in line


# --- /metrics -----------------------------------------------------------------------------------

def counted(text: str, endpoint: str, status: str = "200") -> float:
    match = re.search(rf'^qms_http_requests_total\{{endpoint="{re.escape(endpoint)}",method="GET",'
                      rf'status="{status}"\}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_by_endpoint_and_read_the_gauges(client, monkeypatch):
    monkeypatch.setitem(health._gauges, "qms_test_depth", health.Gauge("qms_test_depth", "A test gauge", lambda: 7))
    before = counted(client.get("/metrics").get_data(as_text=True), "observability.healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert counted(text, "observability.healthz") == before + 1
    assert counted(text, "unmatched", "404") >= 1
    assert "/no-such-page" not in text  # endpoints, never raw paths
    assert 'qms_http_request_duration_seconds_count{endpoint="observability.healthz"}' in text
    assert re.search(r"^qms_search_queue_waiting 0\.0$", text, re.M)
    assert re.search(r"^qms_test_depth 7\.0$", text, re.M)


def test_server_timing_is_told_to_the_allowed_addresses_only(client):
    near = client.get("/healthz")
    assert re.fullmatch(r"app;dur=\d+\.\d", near.headers["Server-Timing"])
    far = client.get("/healthz", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 200 and "Server-Timing" not in far.headers


def test_metrics_are_not_found_from_other_addresses(client):
    far = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 404 and "qms_http" not in far.get_data(as_text=True)
    # Through a proxy QMS was not told of (QMS_TRUSTED_PROXIES=0), the local address is the proxy's.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_follow_the_allowed_networks_and_the_real_client_address(migrated_database):
    app = create_app(make_config(migrated_database, QMS_METRICS_ALLOW="10.0.0.0/8", QMS_TRUSTED_PROXIES=1))
    client = app.test_client()
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is not in the list
    # Behind one trusted proxy the address is the one it forwards, not the proxy's.
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"},
                      environ_overrides={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    with app.app_context():
        from qms.extensions import db

        db.engine.dispose()


def test_a_mistyped_allow_list_stops_the_start(migrated_database):
    with pytest.raises(ValueError, match="QMS_METRICS_ALLOW"):
        create_app(make_config(migrated_database, QMS_METRICS_ALLOW="127.0.0.1,localhost"))


# --- gunicorn with gunicorn.conf.py -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a local test server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def json_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    return lines


@pytest.mark.parametrize("threads, worker", [("1", "sync"), ("2", "gthread")])
def test_gunicorn_serves_with_the_config(migrated_database, tmp_path, threads, worker):
    """One request at a time per worker by default (sync); QMS_WEB_THREADS above 1 gives threads (gthread)."""
    from qms import search
    from qms.extensions import db

    index = tmp_path / "index"
    app = create_app(make_config(migrated_database, QMS_SEARCH_INDEX=str(index)))
    search.create_empty(app)
    with app.app_context():
        db.engine.dispose()
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PROMETHEUS_", "QMS_", "DATABASE_URL"))}
    env.update(QMS_DATABASE_URL=migrated_database, QMS_SEARCH_INDEX=str(index), QMS_BIND=f"127.0.0.1:{port}",
               QMS_WEB_WORKERS="1", QMS_WEB_THREADS=threads, QMS_SECRET_KEY="serving-test-" + "k" * 32)
    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                   "wsgi:app"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _headers, _body = fetch(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                status = None
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, err.read_text()[-3000:]
        status, headers, body = fetch(f"http://127.0.0.1:{port}/healthz", {"X-Request-ID": "serve-test-1"})
        assert status == 200 and headers["X-Request-ID"] == "serve-test-1"
        assert json.loads(body)["checks"]["search"] == "ok"
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and counted(body.decode(), "observability.healthz") >= 2  # from the worker's files
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    access_lines = [line for line in json_lines(out) if line.get("logger") == "gunicorn.access"]
    ours = [line for line in access_lines if line.get("request_id") == "serve-test-1"]
    assert ours and ours[0]["path"] == "/healthz" and ours[0]["status"] == 200 and ours[0]["method"] == "GET"
    assert isinstance(ours[0]["duration_ms"], float) and "time" in ours[0] and ours[0]["level"] == "INFO"
    errors = json_lines(err)
    assert any(line.get("logger") == "qms.observability" and "ready" in line["message"] for line in errors)
    assert f"Using worker: {worker}" in [line["message"] for line in errors]


def test_a_warm_worker_freezes_what_it_loaded():
    """The worker's long-lived objects leave the cycle collector's full passes (gc.freeze after warm-up)."""
    import gc

    try:
        frozen = observability.freeze_warm_objects()
        assert frozen == gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_gunicorn_parses_requests_with_its_c_parser():
    """gunicorn_h1c (in the serve extra) parses the requests: gunicorn's own Python parser cost about 8 % of a small
    page's CPU. A setting the C parser cannot honour would fall back to the Python one without a word."""
    from gunicorn.config import Config
    from gunicorn.http import message

    assert message._check_fast_parser(Config())
    settings = (ROOT / "gunicorn.conf.py").read_text()
    assert not [flag for flag in (*message._FAST_PARSER_INCOMPATIBLE_FLAGS, "http_parser") if flag in settings]


def test_a_worker_is_warmed_up_with_every_page_template_compiled(app):
    """A new worker compiles its templates before it takes requests, not during its first ones."""
    pages = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
    app.jinja_env.cache.clear()
    observability.warm_up_worker(app)
    cached = {key[1] for key in app.jinja_env.cache.keys()}
    assert len(pages) > 100 and set(pages) <= cached
