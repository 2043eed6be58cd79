"""Fault drills for running QMS for real: kill or stop the processes it runs on, then check what is left.

    .venv/bin/python scripts/faults.py            # every drill, one line per fault
    .venv/bin/python scripts/faults.py search     # only some: web, search, redis, render

Each drill runs against real processes (gunicorn, `flask qms worker`, the `flask qms` commands and a
redis-server of its own on a free port) over a copy of a demo database in a temporary folder; nothing of the
instance folder, the machine's Redis or its PostgreSQL is touched. tests/faults/ runs the same drills.

  web     a gunicorn worker SIGKILLed while it answers many writes: the database stays consistent (every record
          with its audit event, every file row with its file) and the master starts a worker that serves.
  search  `qms search sync` and `qms search reindex` SIGKILLed midway: the index still opens, `search check`
          reports the gap, `search sync` repairs it, and `search check` then reports nothing.
  redis   Redis stopped while the site serves: pages work, a dossier render waits ("background work is
          paused"), /healthz is 503 with jobs down; Redis back and a worker started, the render is done.
  render  a job worker SIGKILLed (its process group) mid-render: the version and its job are marked failed
          once they are stale, and the next render, by a fresh worker, gives a PDF.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SECRET = "fault-drill-" + "k" * 40
QUALITY = ("quality", "quality-demo-2015")
SMALL_SECTIONS = ["cover", "foreword"]  # a render that must finish: a short one
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
PAUSED = ("背景工作暫停", "Background work is paused")


class FaultFailed(AssertionError):
    """A drill found QMS in a state it must not be in."""


def expect(condition, message: str) -> None:
    if not condition:
        raise FaultFailed(message)


@dataclass
class Outcome:
    fault: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.fault}: {self.detail}"


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise FaultFailed(f"timed out after {timeout:.0f} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a sandbox: a demo database, its search index and files, in a temporary folder --------------

@dataclass
class Sandbox:
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / "qms.sqlite3"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def index(self) -> Path:
        return self.folder / "index"

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def settings(self, **extra) -> dict:
        """The app's settings (create_app's config) for this sandbox."""
        return {"SQLALCHEMY_DATABASE_URI": self.url, "QMS_SEARCH_INDEX": str(self.index),
                "QMS_FILES_DIR": str(self.files), "SECRET_KEY": SECRET, **extra}

    def env(self, **extra: str) -> dict:
        """The environment of a process serving this sandbox (nothing of the caller's QMS_* settings)."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PROMETHEUS_", "QMS_", "DATABASE_URL", "FLASK_"))}
        env.update(QMS_DATABASE_URL=self.url, QMS_SEARCH_INDEX=str(self.index), QMS_FILES_DIR=str(self.files),
                   QMS_SECRET_KEY=SECRET, QMS_LOG_FORMAT="json", PYTHONUNBUFFERED="1")
        env.update(extra)
        return {key: value for key, value in env.items() if value is not None}

    def query(self, sql: str, *parameters) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(sql, parameters).fetchall()

    def execute(self, sql: str, *parameters) -> None:
        connection = sqlite3.connect(self.database, timeout=30)
        try:
            with connection:
                connection.execute(sql, parameters)
        finally:
            connection.close()

    def copy(self, folder: Path) -> Sandbox:
        folder.mkdir(parents=True, exist_ok=True)
        copy = Sandbox(folder)
        source, target = sqlite3.connect(self.database), sqlite3.connect(copy.database)
        try:
            source.backup(target)  # the WAL included
        finally:
            source.close()
            target.close()
        shutil.copytree(self.index, copy.index)
        if self.files.exists():
            shutil.copytree(self.files, copy.files)
        return copy


def build_template(folder: Path) -> Sandbox:
    """A migrated database with the demo data and its search index (in this process: quicker than the CLI)."""
    import flask_migrate

    from qms import create_app, demo, search
    from qms.extensions import db

    sandbox = Sandbox(folder)
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(sandbox.settings(QMS_JOBS_IMMEDIATE=True, TESTING=True))
    with app.app_context():
        flask_migrate.upgrade()
        search.create_empty(app)
        demo.seed_demo()
        db.session.remove()
        db.engine.dispose()
    return sandbox


# --- processes this module starts (and only those are ever stopped) -----------------------------

class Processes:
    def __init__(self, folder: Path):
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # its own group: killed with its children
        process.log = log
        self.started.append(process)
        return process

    def flask(self, name: str, arguments: list[str], env: dict) -> subprocess.Popen:
        return self.start(name, [str(BIN / "flask"), "--app", "wsgi", *arguments], env)

    def run(self, name: str, arguments: list[str], env: dict, timeout: float = 180) -> tuple[int, str]:
        """A `flask` command to its end: (exit status, its output)."""
        process = self.flask(name, arguments, env)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            raise FaultFailed(f"`flask {' '.join(arguments)}` did not finish in {timeout:.0f} s") from None
        return process.returncode, process.log.read_text(errors="replace")

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    kill_group(process)


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def tail(process: subprocess.Popen, size: int = 2000) -> str:
    return process.log.read_text(errors="replace")[-size:]


class Redis:
    """A redis-server of the drill's own, on a free port, without persistence; stop() and start() at will."""

    def __init__(self, processes: Processes):
        self.processes = processes
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = self.processes.start(
            "redis", [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no", "--daemonize", "no", "--dir", str(self.processes.folder)],
            {**os.environ})
        wait_for(self.answers, 15, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


# --- the web server and a signed-in client ------------------------------------------------------

class Web:
    """gunicorn with gunicorn.conf.py: one worker, so the worker to kill is the one answering."""

    def __init__(self, processes: Processes, sandbox: Sandbox, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.master = processes.start("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                                      sandbox.env(QMS_BIND=f"127.0.0.1:{self.port}", QMS_WEB_WORKERS="1",
                                                  QMS_WEB_THREADS="4", **env))
        wait_for(lambda: self.healthz()[0] is not None or self.master.poll() is not None, 120, 0.2,
                 "gunicorn to answer /healthz")
        expect(self.master.poll() is None, f"gunicorn stopped at start:\n{tail(self.master)}")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def healthz(self) -> tuple[int | None, dict]:
        import requests

        try:
            response = requests.get(self.base + "/healthz", timeout=10)
        except requests.RequestException:
            return None, {}
        return response.status_code, response.json()

    def stop(self) -> int | None:
        if self.master.poll() is None:
            self.master.send_signal(signal.SIGTERM)
            self.master.wait(timeout=40)
        return self.master.returncode

    def sign_in(self, username: str, password: str):
        import requests

        client = requests.Session()
        token = csrf_token(client.get(self.base + "/login", timeout=30).text)
        response = client.post(self.base + "/login", data={"csrf_token": token, "username": username,
                                                          "password": password}, allow_redirects=False, timeout=30)
        expect(response.status_code == 302, f"signing in as {username}: {response.status_code}")
        return client


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    expect(match, "no CSRF token on the page")
    return match.group(1) or match.group(2)


# --- 1. a web worker killed in the middle of writes ---------------------------------------------

def check_consistency(sandbox: Sandbox, tag: str, created_ids: set[int], uploaded: set[str]) -> str:
    """The database after a crash: SQLite intact, every record of the drill with its audit event and back,
    every file row with its stored file. Returns a summary."""
    expect(sandbox.query("PRAGMA integrity_check") == [("ok",)], "PRAGMA integrity_check failed")
    expect(sandbox.query("PRAGMA foreign_key_check") == [], "PRAGMA foreign_key_check found orphans")
    publications = {row[0] for row in sandbox.query("SELECT id FROM publication WHERE title LIKE ?", f"{tag}%")}
    created = {row[0] for row in sandbox.query(
        "SELECT entity_id FROM audit_event WHERE entity_type = 'publication' AND action = 'create' "
        "AND entity_title LIKE ?", f"{tag}%")}
    expect(publications == created, f"records and their creation events differ: rows {sorted(publications)}, "
                                     f"events {sorted(created)}")
    expect(created_ids <= publications, f"answered 302 but not stored: {sorted(created_ids - publications)}")
    files = sandbox.query("SELECT original_name, stored_name FROM publication_file WHERE original_name LIKE ?",
                          f"{tag}%")
    for original, stored in files:
        expect((sandbox.files / "uploads" / stored).is_file(), f"file row {original} points at no stored file")
    events = sandbox.query("SELECT changes FROM audit_event WHERE entity_type = 'publication' AND action = 'update' "
                           "AND changes LIKE ?", f"%{tag}%")
    named = {re.search(rf"({re.escape(tag)}-\d+\.txt)", changes).group(1) for (changes,) in events}
    expect(named == {original for original, _stored in files},
           f"uploads and their audit events differ: rows {sorted(o for o, _ in files)}, events {sorted(named)}")
    expect(uploaded <= named, f"answered 302 but not stored: {sorted(uploaded - named)}")
    return f"{len(publications)} records and {len(files)} files, each with its audit event"


def web_worker_killed(web: Web, sandbox: Sandbox, writes: int = 36) -> Outcome:
    """Fire concurrent writes (new publications, file uploads), SIGKILL the gunicorn worker while they are in
    flight, then check the database and that the master's new worker serves."""
    import requests

    tag = f"fault-{uuid.uuid4().hex[:6]}"
    client = web.sign_in(*QUALITY)
    token = csrf_token(client.get(web.base + "/archive/new", timeout=30).text)
    cookies = client.cookies.get_dict()
    target = sandbox.query("SELECT id FROM publication ORDER BY id LIMIT 1")[0][0]
    abstract = "戶籍登記、印鑑證明與國民身分證換發之作業流程與服務品質。" * 40

    def write(number: int) -> tuple[str, int | None, str]:
        try:
            if number % 4 == 3:
                name = f"{tag}-{number}.txt"
                response = requests.post(f"{web.base}/archive/{target}/files", cookies=cookies, timeout=60,
                                         allow_redirects=False, data={"csrf_token": token},
                                         files={"file": (name, (abstract * 20).encode())})
                return "upload", response.status_code, name
            response = requests.post(f"{web.base}/archive/new", cookies=cookies, timeout=60, allow_redirects=False,
                                     data={"csrf_token": token, "title": f"{tag} 手冊 {number}", "kind": "handbook",
                                           "language": "zh-Hant", "abstract": abstract})
            return "create", response.status_code, response.headers.get("Location", "")
        except requests.RequestException as error:
            return "cut", None, type(error).__name__

    victims = web.workers()
    expect(len(victims) == 1, f"expected one gunicorn worker, found {victims}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(write, number) for number in range(writes)]
        wait_for(lambda: sum(f.done() for f in futures) >= 3, 120, 0.02, "the first writes to be answered")
        in_flight = sum(not f.done() for f in futures)
        os.kill(victims[0], signal.SIGKILL)
        results = [f.result() for f in futures]
    cut = [r for r in results if r[1] is None]
    answered = [r for r in results if r[1] is not None]
    expect(in_flight > 0 and cut, f"no write was in flight when the worker was killed ({in_flight}, {results})")
    expect(all(status in (302, 400) for _kind, status, _ in answered),
           f"unexpected answers: {[r for r in answered if r[1] not in (302, 400)]}")

    def replaced() -> bool:
        return bool(web.workers()) and web.workers()[0] != victims[0] and web.healthz()[0] == 200
    wait_for(replaced, 120, 0.2, "gunicorn's master to start a new worker")
    expect(web.master.poll() is None, "gunicorn's master stopped")
    created_ids = {int(location.rstrip("/").rsplit("/", 1)[-1]) for kind, status, location in answered
                   if kind == "create" and status == 302}
    uploaded = {name for kind, status, name in answered if kind == "upload" and status == 302}
    summary = check_consistency(sandbox, tag, created_ids, uploaded)
    # The new worker serves pages and writes, with the session signed in before the crash.
    expect(client.get(web.base + "/", timeout=30).status_code == 200, "the dashboard after the new worker started")
    after = requests.post(f"{web.base}/archive/new", cookies=cookies, timeout=60, allow_redirects=False,
                          data={"csrf_token": token, "title": f"{tag} 之後", "kind": "handbook", "language": "zh-Hant"})
    expect(after.status_code == 302, f"a write after the crash: {after.status_code}")
    check_consistency(sandbox, tag, created_ids, uploaded)
    return Outcome("web worker SIGKILLed mid-write", True,
                   f"{len(cut)} of {writes} writes cut off; integrity_check ok, no foreign-key orphans; {summary}; "
                   f"new worker {web.workers()[0]} serves")


# --- 2. a search index update killed midway -----------------------------------------------------

def add_publications(sandbox: Sandbox, count: int) -> None:
    """Committed records the index has not seen: their changes wait in search_queue (as when the job that
    applies them has not run yet)."""
    from qms import create_app
    from qms.archive.models import Publication
    from qms.extensions import db

    app = create_app(sandbox.settings(QMS_SEARCH_SYNC=False, QMS_JOBS_IMMEDIATE=True))
    with app.app_context():
        words = "戶籍登記 印鑑證明 身分證換發 跨機關通報 便民服務 滿意度調查 標竿學習".split()
        # Each text its own (the analyser caches repeated texts): the update then takes seconds, not moments.
        db.session.add_all(Publication(
            title=f"索引測試 {n} {words[n % len(words)]}",
            abstract=" ".join(f"{words[(n + i) % len(words)]}{n * 31 + i}" for i in range(200))) for n in range(count))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def writer_busy(index: Path) -> bool:
    """Whether a process holds the index's writer lock (whoosh: an flock on MAIN_WRITELOCK)."""
    try:
        fd = os.open(index / "MAIN_WRITELOCK", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class Commands:
    """Runs `flask qms ...` commands: each in its own process (the default), or in this process through the
    app's CLI runner (the same commands, without a start-up each: the tests' way)."""

    def __init__(self, processes: Processes, env: dict, app=None):
        self.processes, self.env, self.app = processes, env, app

    def run(self, *arguments: str) -> tuple[int, str]:
        if self.app is None:
            return self.processes.run("-".join(arguments[:3]), list(arguments), self.env)
        result = self.app.test_cli_runner().invoke(args=list(arguments))
        return result.exit_code, result.output


def search_check(commands: Commands) -> tuple[int, str, int]:
    """`flask qms search check`: (exit status, its summary line, how many records it says are missing)."""
    status, output = commands.run("qms", "search", "check")
    summary = [line for line in output.splitlines() if "documents indexed" in line]
    expect(summary, f"`search check` gave no summary (status {status}):\n{output[-2000:]}")
    missing = int(re.search(r"(\d+) missing", summary[-1]).group(1))
    return status, summary[-1].rstrip("."), missing


def kill_midway(processes: Processes, name: str, arguments: list[str], env: dict, started) -> None:
    """Start a `flask` command, SIGKILL its process group once `started()` says it is at work."""
    process = processes.flask(name, arguments, env)
    wait_for(lambda: started() or process.poll() is not None, 120, 0.02, f"`flask {' '.join(arguments)}` to start")
    time.sleep(0.3)
    expect(process.poll() is None, f"`flask {' '.join(arguments)}` ended before it could be killed:\n{tail(process)}")
    kill_group(process)


def search_update_killed(processes: Processes, sandbox: Sandbox, records: int = 600,
                         in_process: bool = False) -> Outcome:
    """Changes waiting in the search queue; `qms search sync` and `qms search reindex` SIGKILLed midway; the
    index must still open, `search check` must report the gap, and `search sync` must close it."""
    env = sandbox.env(QMS_JOBS_IMMEDIATE="1")
    app = None
    if in_process:
        from qms import create_app

        app = create_app(sandbox.settings(QMS_JOBS_IMMEDIATE=True))
    commands = Commands(processes, env, app)
    try:
        status, summary, missing = search_check(commands)
        expect(status == 0 and missing == 0, f"the index was not clean to start with: {summary}")
        add_publications(sandbox, records)
        status, summary, missing = search_check(commands)
        expect(status == 1 and missing == records, f"before the sync: {summary}")

        kill_midway(processes, "search-sync-killed", ["qms", "search", "sync"], env,
                    lambda: writer_busy(sandbox.index))
        status, summary, missing = search_check(commands)
        expect(status == 1 and missing == records, f"after the killed sync, check should report the gap: {summary}")
        after_sync = summary

        kill_midway(processes, "search-reindex-killed", ["qms", "search", "reindex"], env,
                    lambda: any(sandbox.folder.glob("index.new-*")))
        leftovers = sorted(path.name for path in sandbox.folder.glob("index.new-*"))
        status, summary, missing = search_check(commands)
        expect(status == 1 and missing == records, f"after the killed reindex, the old index should open: {summary}")

        status, output = commands.run("qms", "search", "sync")
        expect(status == 0 and f"Applied {records}" in output, f"`search sync` after the kills:\n{output[-2000:]}")
        status, summary, missing = search_check(commands)
        expect(status == 0 and missing == 0 and "0 extra" in summary and "0 changes queued" in summary,
               f"after `search sync`: {summary}")
    finally:
        if app is not None:
            from qms.extensions import db

            with app.app_context():
                db.engine.dispose()
    return Outcome("search update SIGKILLed midway", True,
                   f"killed sync -> check: {after_sync}; killed reindex -> the old index opens"
                   f"{f' ({len(leftovers)} index.new-* folder left behind)' if leftovers else ''}; "
                   f"`search sync` repaired it -> check: {summary}")


# --- 3. Redis stopped while QMS serves ----------------------------------------------------------

def dossier_id(sandbox: Sandbox) -> int:
    return sandbox.query("SELECT id FROM dossier ORDER BY id LIMIT 1")[0][0]


def ask_for_render(web: Web, client, sandbox: Sandbox, sections: list[str] | None = None) -> tuple[int, str]:
    """Press "generate" as the quality team does, for the dossier as it is or with only `sections` (a short
    render; the dossier's own choice is put back once the version has taken its copy): (version id, page)."""
    dossier = dossier_id(sandbox)
    chosen = sandbox.query("SELECT sections FROM dossier WHERE id = ?", dossier)[0][0]
    page = client.get(f"{web.base}/dossiers/{dossier}", timeout=30)
    expect(page.status_code == 200, f"the dossier page: {page.status_code}")
    if sections is not None:
        sandbox.execute("UPDATE dossier SET sections = ? WHERE id = ?", json.dumps(sections), dossier)
    try:
        response = client.post(f"{web.base}/dossiers/{dossier}/generate",
                               data={"csrf_token": csrf_token(page.text)}, timeout=60)
    finally:
        sandbox.execute("UPDATE dossier SET sections = ? WHERE id = ?", chosen, dossier)
    expect(response.status_code == 200, f"asking for a render: {response.status_code}")
    version = sandbox.query("SELECT id FROM dossier_version WHERE dossier_id = ? ORDER BY id DESC LIMIT 1",
                            dossier)[0][0]
    return version, response.text


def version_state(sandbox: Sandbox, version: int) -> tuple[str, str, str]:
    return sandbox.query("SELECT status, stage, error FROM dossier_version WHERE id = ?", version)[0]


def render_job(sandbox: Sandbox, version: int) -> tuple[int, str, str]:
    rows = sandbox.query("SELECT id, status, error, arguments FROM job WHERE name = 'dossier.render' ORDER BY id")
    found = [(job, status, error) for job, status, error, arguments in rows
             if json.loads(arguments).get("version_id") == version]
    expect(found, f"no dossier.render job for version {version}")
    return found[-1]


def start_worker(processes: Processes, sandbox: Sandbox, redis: Redis, queue: str, name: str) -> subprocess.Popen:
    return processes.flask(name, ["qms", "worker", "--workers", "1"],
                           sandbox.env(QMS_REDIS_URL=redis.url, QMS_JOBS_QUEUE=queue))


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(worker)


def wait_rendered(sandbox: Sandbox, version: int, worker: subprocess.Popen, timeout: float = 300) -> None:
    def finished():
        if worker.poll() is not None:
            raise FaultFailed(f"the worker stopped:\n{tail(worker)}")
        # the version's row is done first, then the job's
        return version_state(sandbox, version)[0] in ("done", "failed") and \
            render_job(sandbox, version)[1] in ("done", "failed")
    wait_for(finished, timeout, 0.2, f"version {version} to be rendered")
    state = version_state(sandbox, version)
    expect(state[0] == "done", f"version {version} ended {state}:\n{tail(worker)}")
    expect(render_job(sandbox, version)[1] == "done", f"its job: {render_job(sandbox, version)}")


def redis_stopped(processes: Processes, web: Web, sandbox: Sandbox, redis: Redis,
                  queue: str) -> tuple[Outcome, subprocess.Popen]:
    """Stop Redis under a serving site, ask for a render, start Redis and a worker: returns the outcome and the
    worker, left running for the render drill."""
    client = web.sign_in(*QUALITY)
    redis.stop()
    try:
        expect(client.get(web.base + "/", timeout=30).status_code == 200, "the dashboard with Redis stopped")
        status, body = web.healthz()
        expect(status == 503 and body.get("checks", {}).get("jobs") == "down" and body["checks"]["database"] == "ok",
               f"/healthz with Redis stopped: {status} {body}")
        version, page = ask_for_render(web, client, sandbox, SMALL_SECTIONS)
        expect(any(text in page for text in PAUSED), "the dossier page does not say background work is paused")
        job, job_status, _error = render_job(sandbox, version)
        expect(job_status == "waiting" and version_state(sandbox, version)[0] == "pending",
               f"with Redis stopped the job should wait: job {job_status}, version {version_state(sandbox, version)}")
    finally:
        redis.start()
    wait_for(lambda: web.healthz()[0] == 200, 30, 0.2, "/healthz to be 200 again once Redis is back")
    worker = start_worker(processes, sandbox, redis, queue, "worker-a")
    wait_rendered(sandbox, version, worker)
    return Outcome("Redis stopped while serving", True,
                   f"dashboard 200, /healthz 503 (jobs down), render job {job} waited with the page saying so; "
                   f"Redis back + worker: job re-queued and done"), worker


# --- 4. a dossier render killed midway ----------------------------------------------------------

def expire_interrupted(sandbox: Sandbox, queue: str, redis: Redis) -> None:
    """What the dossier page and the worker's minute check do once the killed render is old enough: the clock
    moved past STALE_AFTER and the job's timeout."""
    from qms import create_app, jobs
    from qms.core.models import utcnow
    from qms.dossier import jobs as dossier_jobs
    from qms.dossier import services
    from qms.dossier.models import Dossier
    from qms.extensions import db

    app = create_app(sandbox.settings(QMS_JOBS_IMMEDIATE=False, QMS_REDIS_URL=redis.url, QMS_JOBS_QUEUE=queue))
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id(sandbox))
        later = utcnow() + services.STALE_AFTER + dt.timedelta(minutes=1)
        services.expire_stale(services.versions_of(dossier), now=later)
        timeout = dt.timedelta(seconds=jobs.get_task(dossier_jobs.RENDER).timeout)
        jobs.expire_killed(now=utcnow() + timeout + jobs.KILLED_GRACE + dt.timedelta(minutes=1))
        db.session.remove()
        db.engine.dispose()


def render_killed(processes: Processes, web: Web, sandbox: Sandbox, redis: Redis, queue: str,
                  worker: subprocess.Popen) -> Outcome:
    """Render the whole demo dossier, SIGKILL the worker's process group during the layout, let the clock pass
    the stale limits, then render again with a fresh worker."""
    client = web.sign_in(*QUALITY)
    version, _page = ask_for_render(web, client, sandbox)  # every section: seconds of layout
    wait_for(lambda: version_state(sandbox, version)[1] in ("layout", "writing") or worker.poll() is not None,
             180, 0.05, f"version {version} to be laid out")
    expect(worker.poll() is None, f"the worker stopped:\n{tail(worker)}")
    kill_group(worker)  # the consumer and its forked worker process, mid-render
    killed = version_state(sandbox, version)
    expect(killed[0] == "running", f"the killed render should be left running, found {killed}")
    refused, _page = ask_for_render(web, client, sandbox, SMALL_SECTIONS)
    expect(refused == version, "a new version was accepted while the killed one still looks running")

    expire_interrupted(sandbox, queue, redis)
    failed = version_state(sandbox, version)
    expect(failed[0] == "failed" and failed[2] == "interrupted", f"after expiry the version is {failed}")
    job = render_job(sandbox, version)
    expect(job[1] == "failed" and job[2] == "interrupted", f"after expiry the job is {job}")

    fresh, _page = ask_for_render(web, client, sandbox, SMALL_SECTIONS)
    expect(fresh != version, "no new version after the failed one")
    worker_b = start_worker(processes, sandbox, redis, queue, "worker-b")
    try:
        wait_rendered(sandbox, fresh, worker_b)
    finally:
        stop_worker(worker_b)
    pdf = client.get(f"{web.base}/dossiers/{dossier_id(sandbox)}/versions/{fresh}.pdf", timeout=60)
    expect(pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), f"the new version's PDF: {pdf.status_code}")
    expect(hashlib.sha256(pdf.content).hexdigest() == pdf.headers.get("X-Content-SHA256"), "the PDF's SHA-256")
    return Outcome("dossier render SIGKILLed midway", True,
                   f"worker group killed at stage {killed[1]!r}; a new render was refused while it looked running; "
                   f"with the clock past the stale limit the version and its job were failed ('interrupted'); "
                   f"version {fresh} by a fresh worker: {len(pdf.content)} bytes of PDF")


# --- running them -------------------------------------------------------------------------------

DRILLS = ("web", "search", "redis", "render")


def run(selected: tuple[str, ...] = DRILLS, keep: bool = False) -> list[Outcome]:
    folder = Path(tempfile.mkdtemp(prefix="qms-faults-"))
    processes = Processes(folder)
    outcomes: list[Outcome] = []

    def attempt(fault: str, drill):
        try:
            result = drill()
        except Exception as error:  # one drill's failure is reported, the others still run
            outcomes.append(Outcome(fault, False, f"{type(error).__name__}: {error}"))
            return None
        outcome, *rest = result if isinstance(result, tuple) else (result,)
        outcomes.append(outcome)
        return rest[0] if rest else True

    try:
        template = build_template(folder / "template")
        if "search" in selected:
            attempt("search update SIGKILLed midway",
                    lambda: search_update_killed(processes, template.copy(folder / "search")))
        if {"web", "redis", "render"} & set(selected):
            sandbox = template.copy(folder / "site")
            redis = Redis(processes)
            redis.start()
            queue = f"qms-faults-{uuid.uuid4().hex[:6]}"
            web = Web(processes, sandbox, QMS_REDIS_URL=redis.url, QMS_JOBS_QUEUE=queue)
            if "web" in selected:
                attempt("web worker SIGKILLed mid-write", lambda: web_worker_killed(web, sandbox))
            worker = None
            if "redis" in selected:
                worker = attempt("Redis stopped while serving",
                                 lambda: redis_stopped(processes, web, sandbox, redis, queue))
            if "render" in selected:
                if not isinstance(worker, subprocess.Popen) or worker.poll() is not None:
                    if not redis.answers():
                        redis.start()
                    worker = start_worker(processes, sandbox, redis, queue, "worker-render")
                attempt("dossier render SIGKILLed midway",
                        lambda: render_killed(processes, web, sandbox, redis, queue, worker))
            status = web.stop()
            if status not in (0, None):
                outcomes.append(Outcome("gunicorn stopped cleanly", False, f"exit status {status}"))
    finally:
        processes.stop_all()
        if keep:
            print(f"logs and databases kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", metavar="DRILL",
                        help=f"which drills ({', '.join(DRILLS)}); all by default")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    options = parser.parse_args()
    unknown = set(options.drills) - set(DRILLS)
    if unknown:
        parser.error(f"no such drill: {', '.join(sorted(unknown))} (choose from {', '.join(DRILLS)})")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = time.monotonic()
    outcomes = run(tuple(options.drills) or DRILLS, keep=options.keep)
    for outcome in outcomes:
        print(outcome.line())
    print(f"{sum(o.ok for o in outcomes)} of {len(outcomes)} passed in {time.monotonic() - started:.0f} s")
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
