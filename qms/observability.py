"""Running QMS for real: a request id on every request, JSON log lines, /healthz, /metrics and a warm worker.

`init_app` is called by `create_app` before the access hook, so that every answer (a sign-in redirect too)
carries its request id and is counted. Logs become one JSON object a line when `QMS_LOG_FORMAT=json`
(gunicorn.conf.py sets it); `make run` keeps readable text.
"""
from __future__ import annotations

import datetime as dt
import functools
import gc
import ipaddress
import logging
import os
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, abort, current_app, g, has_request_context, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from pythonjsonlogger.json import JsonFormatter

from qms.extensions import db
from qms.spine import access, health

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STATE_WORD = re.compile(r"[a-z][a-z_-]{0,19}")
# Any other method (werkzeug accepts made-up ones) is counted as "other": labels must stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

bp = Blueprint("observability", __name__)

# Request metrics. Under gunicorn PROMETHEUS_MULTIPROC_DIR is set before this import, so every worker writes
# its values to files there and /metrics sums them, whichever worker answers.
_request_metrics = CollectorRegistry()
REQUESTS = Counter("qms_http_requests", "Requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"], registry=_request_metrics)
LATENCY = Histogram("qms_http_request_duration_seconds", "Time to answer a request, by endpoint", ["endpoint"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=_request_metrics)


def init_app(app: Flask) -> None:
    allowed_networks(app.config["QMS_METRICS_ALLOW"])  # a typo in the setting stops the start, not a scrape
    if app.config["QMS_LOG_FORMAT"] == "json":
        configure_json_logging(app)
    # First in line: the access hook may answer (a redirect to sign in) and skip the hooks after it.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.register_blueprint(bp)
    health.register_check("database", _database_check)
    health.register_check("search", _search_check)
    health.register_gauge("qms_search_queue_waiting",
                          "Search index changes committed over 30 s ago and still not applied", _search_waiting)


# --- request ids and logs -----------------------------------------------------------------------

def request_id_from(incoming: str | None) -> str:
    """The caller's id when it is a plain token (a proxy's or a client's), else a new one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    request.environ["qms.request_id"] = g.request_id  # for gunicorn's access log, written after the response


def _signed_in_user_id() -> int | None:
    # Only the user the request already loaded: a log line must never cause a query or a session read.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def _finish_request(response: Response) -> Response:
    if "request_id" not in g:
        _start_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    user_id = _signed_in_user_id()
    if user_id is not None:
        request.environ["qms.user_id"] = user_id
    endpoint = request.endpoint or "unmatched"
    method = request.method if request.method in _METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    elapsed = time.perf_counter() - g.request_started
    LATENCY.labels(endpoint).observe(elapsed)
    if metrics_allowed():  # the operators' addresses only: how long QMS itself took (browsers' tools show it)
        response.headers["Server-Timing"] = f"app;dur={elapsed * 1000:.1f}"
    return response


class RequestContextFilter(logging.Filter):
    """Adds the request id, user id, method and path to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            fields = {"request_id": g.get("request_id"), "user_id": _signed_in_user_id(),
                      "method": request.method, "path": request.path}
            for name, value in fields.items():
                if getattr(record, name, None) is None:
                    setattr(record, name, value)
        return True


class JsonLogFormatter(JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then the record's extra fields."""

    def __init__(self) -> None:
        super().__init__("{message}", style="{", json_ensure_ascii=False)

    def add_fields(self, log_data, record, message_dict) -> None:
        # The record's own creation time: formatting it is not reading the clock.
        log_data["time"] = dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(
            timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        super().add_fields(log_data, record, message_dict)


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestContextFilter())
    handler._qms_json = True  # type: ignore[attr-defined]
    return handler


def configure_json_logging(app: Flask) -> None:
    from flask.logging import default_handler

    root = logging.getLogger()
    if not any(getattr(handler, "_qms_json", False) for handler in root.handlers):
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(json_handler())
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)  # Flask's text handler, if an earlier app added it


# --- /healthz -----------------------------------------------------------------------------------

def _database_check() -> tuple[bool, str]:
    from sqlalchemy import text

    db.session.execute(text("SELECT 1"))
    return True, "ok"


def _search_check() -> tuple[bool, str]:
    from qms import search

    try:
        search.ensure_available()  # the index of the backend in use: Whoosh's files or PostgreSQL's table
    except search.IndexUnavailable:
        return False, "down"
    return True, "stale" if search.waiting() else "ok"


def _search_waiting() -> float:
    from qms import search

    return float(search.waiting())


def _public_state(ok: bool, state: str) -> str:
    # Open to anyone: a check that returns more than a short word is shown as plain ok/down.
    return state if _STATE_WORD.fullmatch(state or "") else ("ok" if ok else "down")


@bp.route("/healthz")
@access.public
def healthz():
    """Whether this worker can serve: 200 when every check passes, 503 when one is down."""
    results = health.run_checks()
    up = all(ok for ok, _state in results.values())
    response = jsonify(status="ok" if up else "down",
                       checks={name: _public_state(ok, state) for name, (ok, state) in results.items()})
    response.status_code = 200 if up else 503
    response.headers["Cache-Control"] = "no-store"
    return response


# --- /metrics -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def allowed_networks(setting: str) -> tuple:
    networks = []
    for entry in (setting or "").split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ValueError(f"QMS_METRICS_ALLOW: {entry.strip()!r} is not an IP address or network") from None
    return tuple(networks)


def metrics_allowed() -> bool:
    if request.headers.get("X-Forwarded-For") and not current_app.config["QMS_TRUSTED_PROXIES"]:
        return False  # came through a proxy QMS was not told of: the address seen is the proxy's, not the caller's
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in allowed_networks(current_app.config["QMS_METRICS_ALLOW"]))


class _LiveGauges:
    """Every gauge registered with qms.spine.health, read when scraped (queue depths are the database's)."""

    def collect(self):
        for gauge in health.gauges():
            try:
                value = float(gauge.read())
            except Exception:  # one part down must not hide the others' figures
                log.exception("gauge %s could not be read", gauge.name)
                continue
            family = GaugeMetricFamily(gauge.name, gauge.help)
            family.add_metric([], value)
            yield family


def metrics_text() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_request_metrics)
    registry.register(_LiveGauges())
    return generate_latest(registry)


@bp.route("/metrics")
@access.public
def metrics():
    """Prometheus figures, for the addresses in QMS_METRICS_ALLOW only; anyone else finds no such page."""
    if not metrics_allowed():
        abort(404)
    response = Response(metrics_text(), headers={"Content-Type": CONTENT_TYPE_LATEST})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- a worker's start ---------------------------------------------------------------------------

def freeze_warm_objects() -> int:
    """After warm-up: collect once, then leave everything alive now (modules, the app, jieba, OpenCC, the search
    index, compiled templates: about 275,000 objects) out of the cycle collector's full passes for the worker's
    life. Each full pass otherwise walks them all again; measured with callgrind on the load test's pages, a
    request costs 8 % fewer instructions. Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def warm_up_worker(app: Flask) -> float:
    """Load what a first search needs (jieba, OpenCC, the index) before the worker takes requests."""
    from qms import search

    started = time.perf_counter()
    search.warm_up()
    with app.app_context():
        if search.backend() != "postgres":  # PostgreSQL's search has no index files: its table is read per query
            try:
                index = search.open_index()
                with index.searcher() as searcher:
                    searcher.doc_count()
            except search.IndexUnavailable as error:
                log.warning("search index %s: searches say so until `qms search ensure` rebuilds it", error.reason)
            except Exception:  # a worker that cannot warm up still serves; its first search pays instead
                log.exception("search warm-up failed")
    # Every page template compiled now (about 1 s for all): else each worker's first views pay it, and a worker
    # that has just started answers its first few seconds of requests several times slower.
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            app.jinja_env.get_template(name)
        except Exception:  # a template that does not compile fails its page as it would have; warm-up goes on
            log.warning("template %s does not compile", name, exc_info=True)
    elapsed = time.perf_counter() - started
    log.info("worker %s ready in %.2f s", os.getpid(), elapsed)
    return elapsed
