"""gunicorn settings for `make serve` (`gunicorn -c gunicorn.conf.py wsgi:app`); QMS_* variables change them.

Graceful restart (new code or settings, no dropped request): `kill -HUP $(cat instance/gunicorn.pid)`.
The master re-reads this file and starts new workers, each of which builds the app and warms up before it
accepts a request; the old workers finish what they are answering (up to `graceful_timeout`) and exit.
Requests that arrive meanwhile wait in the listen queue for a new worker: none is refused.
TERM stops gracefully, INT/QUIT at once; TTIN/TTOU add or remove a worker.
"""
import os
import shutil
import tempfile

from gunicorn import glogging

# Before anything imports prometheus_client: each worker then keeps its figures in files there, and /metrics
# sums them whichever worker answers. A fresh folder per start; a HUP re-reads this file and keeps it.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qms-metrics-")
    os.environ["QMS_METRICS_DIR_CREATED"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
os.environ.setdefault("QMS_LOG_FORMAT", "json")

from qms.observability import JsonLogFormatter, freeze_warm_objects, warm_up_worker  # noqa: E402 (after the environment above)

bind = [address.strip() for address in os.environ.get("QMS_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = int(os.environ.get("QMS_WEB_WORKERS", "4"))
# One request at a time in each worker process (gunicorn's sync worker) by default. A QMS request spends its time on
# the CPU, so threads in one process only take turns at the interpreter's lock, and switching between them costs:
# on the load mix (benchmarks/load.py, 2 cores) 4 workers x 4 threads served 106-112 requests/s on PostgreSQL and
# 153-176 on SQLite, 4 sync workers 129-136 and 187-199. A sync worker also takes a connection only when
# it is free, so a request never queues behind a slow one while another worker idles. The proxy in front
# (README: nginx buffers by default; Caddy with request_buffers) reads slow uploads and writes slow downloads, so no
# client holds a worker. QMS_WEB_THREADS above 1 runs that many threads in each worker instead (gthread, with
# keep-alive), for serving without a buffering proxy.
threads = int(os.environ.get("QMS_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A worker silent this long is killed and replaced (a sync worker: one request running this long).
timeout = int(os.environ.get("QMS_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # gthread only: behind a proxy that reuses connections
# Recycle each worker now and then (jitter: not all at once) so a slow leak never grows for long.
max_requests = 20000
max_requests_jitter = 2000
preload_app = False  # each worker builds its own app (and database pool) after the fork; HUP loads new code
pidfile = os.environ.get("QMS_PIDFILE") or None
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("QMS_LOG_LEVEL", "info")
# gunicorn >= 25.1 opens a control socket at one path per user: a second server (or a test's) would take it over.
# Signals and the pid file do the same; older versions ignore the setting.
control_socket_disable = True
# The heartbeat file (gunicorn makes it with mkstemp and unlinks it): in memory, never blocked by a slow disk.
if os.path.isdir("/dev/shm"):  # nosec B108
    worker_tmp_dir = "/dev/shm"  # nosec B108


class JsonLogger(glogging.Logger):
    """gunicorn's error and access logs as JSON lines, with the request id and user the app put in the environ."""

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(JsonLogFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        method, path = environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "-")
        fields = {
            "request_id": environ.get("qms.request_id"),
            "user_id": environ.get("qms.user_id"),
            "method": method,
            "path": path,  # never the query string: searches and filters may hold personal data
            "status": int(status) if status.isdigit() else status,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),  # the client's, once ProxyFix (QMS_TRUSTED_PROXIES) ran
            "bytes": getattr(resp, "sent", None),
        }
        try:
            self.access_log.info("%s %s %s", method, path, status, extra=fields)
        except Exception:
            self.exception("access log failed")


logger_class = JsonLogger


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if folder != os.environ.get("QMS_METRICS_DIR_CREATED"):  # a folder given by the operator: start it afresh
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def post_worker_init(worker):
    # Runs after the worker built the app and before it accepts: a worker is ready when it answers at speed.
    warm_up_worker(worker.wsgi)
    freeze_warm_objects()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    created = os.environ.get("QMS_METRICS_DIR_CREATED")
    if created:
        shutil.rmtree(created, ignore_errors=True)
