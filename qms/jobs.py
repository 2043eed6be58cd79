"""Background jobs: one queue (Huey) for work that outlives a request, each job's state in the `job` table.

A feature registers a task once, by name, and enqueues it with plain arguments:

    @jobs.task("dossier.render", timeout=900)
    def render(version_id: int) -> None: ...

    jobs.enqueue("dossier.render", user=current_user, version_id=version.id)

`enqueue` writes a `job` row (any web worker reads it: the jobs page, progress bars) and hands the job's id to
the queue: Redis when QMS_REDIS_URL is set, else a SQLite file in the instance folder; with
QMS_JOBS_IMMEDIATE (tests) the job runs at once, inside the caller. `flask qms worker` runs the consumer: each
job runs in a forked worker process, in an application context built from the app's config, so a long render
never holds a web worker's GIL. A job over its timeout is cut off by SIGALRM in that process (and by
`progress()`, which checks the deadline); a job whose process was killed is marked failed by the consumer's
periodic check once its timeout has passed. When the queue cannot be reached, `enqueue` never raises: the
row waits ("waiting") and the consumer queues waiting rows again at its start and every minute.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from qms.core.models import UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine import commands
from qms.spine.enums import LabelledEnum

log = logging.getLogger(__name__)

EXTENSION_KEY = "qms_jobs"
RUN_TASK = "qms.run_job"
MAINTAIN_TASK = "qms.maintain_jobs"
DEFAULT_TIMEOUT = 3600  # seconds, for a task that names none
KILLED_GRACE = dt.timedelta(minutes=2)  # a running job this long past its timeout was killed with its process
RESUBMIT_BATCH = 200
ERROR_LENGTH = 300


class JobStatus(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Failed")
    WAITING = "waiting", _l("Waiting: background work is paused")


PENDING_STATUSES = (JobStatus.QUEUED, JobStatus.WAITING)
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.WAITING, JobStatus.RUNNING)


class Job(db.Model):
    """One piece of background work: what to run, who asked, how far it got and how it ended."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    progress_message: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")  # short, for people; the traceback is in the log
    # What a finished job leaves for the page that asked for it (an import's counts, or why it imported nothing).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User", lazy="raise")

    __table_args__ = (Index("ix_job_status_name", "status", "name"),)

    def __str__(self) -> str:
        spec = _tasks.get(self.name)
        return f"{spec.label if spec and spec.label else self.name} #{self.id}"

    @property
    def label(self) -> str:
        spec = _tasks.get(self.name)
        return str(spec.label) if spec and spec.label else self.name

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return max(0, min(100, round(100 * self.progress_done / self.progress_total)))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


# --- registration -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: Callable[..., Any]
    label: Any = None  # lazy translated, what the jobs page calls it
    retries: int = 0
    retry_delay: int = 0  # seconds between attempts
    timeout: int = DEFAULT_TIMEOUT  # seconds one attempt may run
    # (arguments, actor) -> the arguments of a new run, for the jobs page's "run again" (e.g. a new version)
    rerun: Callable[[dict, Any], dict] | None = None


_tasks: dict[str, TaskSpec] = {}


def task(name: str, *, label=None, retries: int = 0, retry_delay: int = 0, timeout: int = DEFAULT_TIMEOUT,
         rerun: Callable[[dict, Any], dict] | None = None) -> Callable:
    """Register a function as the task `name`; it is called with the keyword arguments given to `enqueue`."""
    def decorator(function: Callable) -> Callable:
        _tasks[name] = TaskSpec(name, function, label, retries, retry_delay, timeout, rerun)
        return function
    return decorator


def get_task(name: str) -> TaskSpec | None:
    return _tasks.get(name)


# --- the queue ----------------------------------------------------------------------------------

@dataclass
class _Queue:
    huey: Any
    run: Any  # the Huey task that runs a job row
    immediate: bool
    backend: str  # "immediate", "redis", "sqlite"


_build_lock = threading.Lock()
_worker_app: Flask | None = None  # set in the consumer: jobs run in fresh contexts of this app
_current: contextvars.ContextVar[dict | None] = contextvars.ContextVar("qms_job", default=None)


def _build(config, instance_path: str) -> _Queue:
    from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

    name = config.get("QMS_JOBS_QUEUE") or "qms"
    if config.get("QMS_JOBS_IMMEDIATE"):
        huey, backend = MemoryHuey(name, immediate=True, results=False, utc=True), "immediate"
    elif config.get("QMS_REDIS_URL"):
        from redis import ConnectionPool

        # Short timeouts: an unreachable Redis must cost a request a moment, not a hang.
        pool = ConnectionPool.from_url(config["QMS_REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        huey, backend = RedisHuey(name, connection_pool=pool, results=False, utc=True), "redis"
    else:
        filename = str(Path(instance_path) / "jobs.sqlite3")
        huey, backend = SqliteHuey(name, filename=filename, results=False, utc=True), "sqlite"
    run = huey.task(context=True, name=RUN_TASK)(_run_job)
    huey.periodic_task(crontab(minute="*"), name=MAINTAIN_TASK)(_maintain)

    @huey.on_startup()
    def _fresh_connections():  # in each forked worker: never share the parent's database connections
        if hasattr(huey.storage, "_conn"):
            huey.storage._conn = None
        if _worker_app is not None:
            with _worker_app.app_context():
                db.engine.dispose(close=False)

    return _Queue(huey, run, backend == "immediate", backend)


def queue(app: Flask | None = None) -> _Queue:
    app = app or current_app._get_current_object()
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        with _build_lock:
            found = app.extensions.get(EXTENSION_KEY)
            if found is None:
                found = app.extensions[EXTENSION_KEY] = _build(app.config, app.instance_path)
    return found


def _session() -> Session:
    # Job rows are written in their own short transactions: visible at once to every worker, and never
    # committing (or rolled back with) the task's own work.
    return Session(db.engine, expire_on_commit=False)


def _set(job_id: int, only_if: tuple[JobStatus, ...] | None = None, **values) -> None:
    statement = update(Job).where(Job.id == job_id).values(**values)
    if only_if:
        statement = statement.where(Job.status.in_(only_if))
    with _session() as session:
        session.execute(statement)
        session.commit()


def _submit(job_id: int, spec: TaskSpec, delay: float = 0) -> bool:
    """Hand a job row to the queue; False (the row then waits) when the queue cannot be reached."""
    try:
        current = queue()
        retry_delay = 0 if current.immediate else spec.retry_delay
        later = {"delay": delay} if delay > 0 and not current.immediate else {}
        current.huey.enqueue(current.run.s(job_id, retries=spec.retries, retry_delay=retry_delay,
                                           timeout=spec.timeout, **later))
    except Exception:  # Redis down, a full disk: the request goes on, the job waits
        log.warning("job queue unreachable: job %s (%s) waits", job_id, spec.name, exc_info=True)
        _set(job_id, only_if=(JobStatus.QUEUED,), status=JobStatus.WAITING)
        return False
    return True


def enqueue(name: str, /, *, user=None, delay: float = 0, **arguments) -> Job:
    """Record a job and queue it (or run it now, in immediate mode). Never raises for the queue's sake: when
    it is unreachable the job is returned with status WAITING. Arguments must be JSON values. `delay` (seconds)
    holds the job back that long (not in immediate mode)."""
    spec = _tasks[name]
    job = Job(name=name, arguments=arguments, status=JobStatus.QUEUED, created_by_id=getattr(user, "id", None),
              created_at=utcnow(), progress_done=0, progress_message="", attempts=0, error="")
    with _session() as session:
        session.add(job)
        session.commit()
        job_id = job.id
    _submit(job_id, spec, delay)
    return get(job_id)


def get(job_id: int) -> Job | None:
    """The job as it stands now (a detached copy: read it, don't change it)."""
    with _session() as session:
        return session.get(Job, job_id)


def latest(name: str) -> Job | None:
    with _session() as session:
        return session.scalar(select(Job).where(Job.name == name).order_by(Job.id.desc()).limit(1))


def recent_of(name: str, statuses: tuple[JobStatus, ...], limit: int) -> list[Job]:
    """The latest jobs of one kind in these statuses, newest first (detached copies)."""
    with _session() as session:
        return list(session.scalars(select(Job).where(Job.name == name, Job.status.in_(statuses))
                                    .order_by(Job.id.desc()).limit(limit)))


def pending(name: str) -> bool:
    """Whether a job of this name waits to start (it will see whatever is committed before it starts)."""
    with _session() as session:
        return session.scalar(select(Job.id).where(Job.name == name, Job.status.in_(PENDING_STATUSES))
                              .limit(1)) is not None


def in_job() -> bool:
    return _current.get() is not None


def current_job_id() -> int | None:
    """The id of the job running in this context, None outside a job."""
    current = _current.get()
    return current["id"] if current is not None else None


def is_immediate(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("QMS_JOBS_IMMEDIATE"))


# --- running ------------------------------------------------------------------------------------

def _short_error(error: BaseException) -> str:
    from huey.exceptions import TaskTimeout

    if isinstance(error, TaskTimeout):
        return "timed out"
    first_line = (str(error).strip().splitlines() or [""])[0]
    text = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return text[:ERROR_LENGTH]


class JobFailed(Exception):
    """Raised by a task that ended without success but has already said why (its message is shown)."""


def _run_job(job_id: int, task=None) -> None:
    if _worker_app is not None:
        with _worker_app.app_context():
            try:
                _execute(job_id, task)
            finally:
                db.session.remove()
    else:  # immediate mode: inside the caller's context
        _execute(job_id, task)


def _execute(job_id: int, task) -> None:
    with _session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status == JobStatus.DONE:
            return  # deleted, or delivered twice
        spec = _tasks.get(job.name)
        arguments = dict(job.arguments or {})
        attempts = job.attempts + 1
    if spec is None:
        _set(job_id, status=JobStatus.FAILED, error=f"unknown job {job.name}"[:ERROR_LENGTH], finished_at=utcnow())
        return
    _set(job_id, status=JobStatus.RUNNING, attempts=attempts, started_at=utcnow(), finished_at=None)
    token = _current.set({"id": job_id, "task": task, "written": 0.0})
    try:
        spec.function(**arguments)
    except Exception as error:
        final = task is None or not task.retries
        log.exception("job %s (%s) failed, attempt %s%s", job_id, spec.name, attempts,
                      "" if final else "; it will be retried")
        _set(job_id, status=JobStatus.FAILED if final else JobStatus.QUEUED, error=_short_error(error),
             finished_at=utcnow() if final else None)
        raise
    except BaseException:  # the consumer stopping (KeyboardInterrupt): this attempt is lost
        _set(job_id, status=JobStatus.FAILED, error="interrupted", finished_at=utcnow())
        raise
    else:
        _set(job_id, status=JobStatus.DONE, error="", finished_at=utcnow(),
             progress_done=func.coalesce(Job.progress_total, Job.progress_done))
    finally:
        _current.reset(token)


def progress(done: int, total: int | None = None, message: str = "") -> None:
    """From inside a task: how far it got (any worker's pages read it). Outside a job it does nothing.
    Writes at most twice a second, and stops a task that has run past its timeout."""
    current = _current.get()
    if current is None:
        return
    task = current.get("task")
    if task is not None and getattr(task, "check_timeout", None):
        task.check_timeout()
    now = time.monotonic()
    if now - current["written"] < 0.5 and (total is None or done < total):
        return
    current["written"] = now
    values: dict[str, Any] = {"progress_done": int(done), "progress_message": message[:300]}
    if total is not None:
        values["progress_total"] = int(total)
    try:
        _set(current["id"], **values)
    except Exception:  # progress is a courtesy: never fail the work for it
        log.warning("could not record the progress of job %s", current["id"], exc_info=True)


def set_result(result: dict[str, Any]) -> None:
    """From inside a task: what the page that asked for the job shows when it is done (plain JSON values).
    Outside a job it does nothing."""
    current = _current.get()
    if current is not None:
        _set(current["id"], result=result)


# --- keeping the queue honest -------------------------------------------------------------------

def resubmit_waiting(limit: int = RESUBMIT_BATCH) -> int:
    """Queue again the jobs that waited for the queue; stops at the first that still cannot be queued."""
    with _session() as session:
        rows = session.execute(select(Job.id, Job.name).where(Job.status == JobStatus.WAITING)
                               .order_by(Job.id).limit(limit)).all()
    sent = 0
    for row in rows:
        spec = _tasks.get(row.name)
        if spec is None:
            continue
        _set(row.id, only_if=(JobStatus.WAITING,), status=JobStatus.QUEUED)
        if not _submit(row.id, spec):
            break
        sent += 1
    return sent


def expire_killed(now: dt.datetime | None = None) -> int:
    """Running jobs well past their timeout: their process was killed (out of memory, SIGKILL). Mark them failed."""
    now = now or utcnow()
    with _session() as session:
        rows = session.execute(select(Job.id, Job.name, Job.started_at).where(Job.status == JobStatus.RUNNING)
                               .limit(RESUBMIT_BATCH)).all()
    expired = 0
    for row in rows:
        spec = _tasks.get(row.name)
        timeout = dt.timedelta(seconds=spec.timeout if spec else DEFAULT_TIMEOUT)
        if row.started_at is None or now - row.started_at > timeout + KILLED_GRACE:
            _set(row.id, only_if=(JobStatus.RUNNING,), status=JobStatus.FAILED, error="interrupted",
                 finished_at=now)
            expired += 1
    return expired


_upkeep: list[Callable[[], None]] = []


def every_minute(check: Callable[[], None]) -> Callable[[], None]:
    """Register upkeep that the consumer runs every minute (e.g. queueing work a killed process left behind)."""
    if check not in _upkeep:
        _upkeep.append(check)
    return check


def _maintain() -> None:
    """Every minute, in the consumer: failed-by-killing jobs are marked, waiting ones are queued again, and each
    registered upkeep check runs."""
    app = _worker_app
    if app is None:
        return
    with app.app_context():
        try:
            expire_killed()
            resubmit_waiting()
            for check in list(_upkeep):
                try:
                    check()
                except Exception:  # one part's upkeep failing must not stop the others'
                    log.exception("upkeep %s failed", getattr(check, "__name__", check))
        finally:
            db.session.remove()


# --- what the pages and the health page read ----------------------------------------------------

def reachable(app: Flask | None = None) -> bool:
    current = queue(app)
    if current.immediate:
        return True
    try:
        if current.backend == "redis":
            current.huey.storage.conn.ping()
        else:
            current.huey.storage.queue_size()
    except Exception:
        log.warning("job queue unreachable", exc_info=True)
        return False
    return True


def count(statuses: tuple[JobStatus, ...], since: dt.datetime | None = None) -> int:
    statement = select(func.count()).select_from(Job).where(Job.status.in_(statuses))
    if since is not None:
        statement = statement.where(Job.finished_at >= since)
    with _session() as session:
        return session.scalar(statement) or 0


def failed_since(days: int = 7) -> int:
    return count((JobStatus.FAILED,), since=utcnow() - dt.timedelta(days=days))


def recent_query():
    from sqlalchemy.orm import joinedload

    return select(Job).options(joinedload(Job.created_by)).order_by(Job.id.desc())


def _check() -> tuple[bool, str]:
    return (True, "ok") if reachable() else (False, "down")


def init_app(app: Flask) -> None:
    """Health check and gauges (once per process: a later app's registration replaces the earlier one)."""
    from qms.spine import health

    health.register_check("jobs", _check)
    health.register_gauge("qms_jobs_waiting", "Jobs waiting to run (queued, or waiting for the queue)",
                          lambda: float(count(PENDING_STATUSES)))
    health.register_gauge("qms_jobs_failed_total", "Jobs that failed", lambda: float(count((JobStatus.FAILED,))))


def run_consumer(app: Flask, workers: int = 1) -> None:
    """The consumer (`flask qms worker`): forked worker processes, each job in a fresh application context."""
    global _worker_app

    current = queue(app)
    if current.immediate:
        raise RuntimeError("QMS_JOBS_IMMEDIATE is set: jobs run inside the web workers, there is nothing to consume")
    _worker_app = app
    with app.app_context():
        expire_killed()
        sent = resubmit_waiting()
        if sent:
            log.info("queued %s waiting jobs again", sent)
        db.session.remove()
        db.engine.dispose()  # the workers are forked: they open their own connections
    if hasattr(current.huey.storage, "close"):
        current.huey.storage.close()
    consumer = current.huey.create_consumer(workers=workers, worker_type="process", periodic=True,
                                            check_worker_health=True, flush_locks=True)
    consumer.run()


# --- run again ----------------------------------------------------------------------------------

def rerun(job: Job, actor) -> Job:
    """Run a failed job again, as a new job (the failed one stays in the list); audited."""
    from flask_babel import gettext as _

    from qms.core import audit
    from qms.core.services import ServiceError

    if job.status != JobStatus.FAILED:
        raise ServiceError(_("Only a failed job can be run again."))
    spec = _tasks.get(job.name)
    if spec is None:
        raise ServiceError(_("QMS no longer knows this kind of job."))
    arguments = spec.rerun(dict(job.arguments or {}), actor) if spec.rerun else dict(job.arguments or {})
    audit.record_event(audit.UPDATE, job, actor, entity_type="job", summary=RUN_AGAIN,
                       changes={"status": [job.status.value, JobStatus.QUEUED.value]})
    db.session.commit()
    return enqueue(job.name, user=actor, **arguments)


RUN_AGAIN = "Run again"


# --- the consumer's command ---------------------------------------------------------------------

@commands.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Worker processes: jobs that may run at the same time.")
def worker_command(workers: int) -> None:
    """Run the background job worker (the Huey consumer); Ctrl-C stops it."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(name)s %(levelname)s "
                                                       "%(message)s")
    try:
        run_consumer(current_app._get_current_object(), workers)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
