"""The job layer (qms/jobs.py): state in the job table, progress, retries, timeouts, the jobs page, run again,
an unreachable queue, and one real worker process against Redis."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from qms import jobs
from qms.config import ROOT
from qms.core.models import AuditEvent
from qms.jobs import Job, JobStatus
from qms.spine import health
from qms.spine.access import Role
from tests.conftest import make_config
from tests.factories import UserFactory

REDIS = "redis://127.0.0.1:6379/15"
calls: list[str] = []


@jobs.task("test.greet")
def greet(name: str) -> None:
    calls.append(name)


@jobs.task("test.half_way")
def half_way() -> None:
    jobs.progress(3, 10, "counting")
    raise ValueError("boom at 3\nsecond line with details")


@jobs.task("test.always_fails", retries=2, retry_delay=30)
def always_fails() -> None:
    raise RuntimeError("still broken")


@jobs.task("test.flaky", retries=1)
def flaky() -> None:
    calls.append("flaky")
    if calls.count("flaky") == 1:
        raise RuntimeError("first time")


@jobs.task("test.slow", timeout=1)
def slow() -> None:
    time.sleep(1.1)
    jobs.progress(1, 2)


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def unreachable_queue(app) -> None:
    app.config.update(QMS_JOBS_IMMEDIATE=False, QMS_REDIS_URL="redis://127.0.0.1:1/15")
    app.extensions.pop(jobs.EXTENSION_KEY, None)


def test_immediate_mode_runs_the_job_and_records_it(app, db):
    user = UserFactory(role=Role.QUALITY)
    job = jobs.enqueue("test.greet", user=user, name="戶政")
    assert calls == ["戶政"]
    assert job.status == JobStatus.DONE and job.attempts == 1 and job.created_by_id == user.id
    assert job.arguments == {"name": "戶政"} and job.started_at and job.finished_at >= job.started_at


def test_progress_and_a_failure_keep_a_short_error(app, db):
    job = jobs.enqueue("test.half_way")
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert (job.progress_done, job.progress_total, job.progress_message) == (3, 10, "counting")
    assert job.error == "ValueError: boom at 3" and "Traceback" not in job.error


def test_retries_are_counted_until_the_last_attempt_fails(app, db):
    job = jobs.enqueue("test.always_fails")
    assert job.status == JobStatus.FAILED and job.attempts == 3 and job.error == "RuntimeError: still broken"
    assert jobs.get(jobs.enqueue("test.flaky").id).status == JobStatus.DONE
    assert calls == ["flaky", "flaky"]


def test_a_job_past_its_timeout_is_stopped_and_failed(app, db):
    job = jobs.enqueue("test.slow")
    assert job.status == JobStatus.FAILED and job.error == "timed out" and job.progress_total is None


def test_the_jobs_page_is_for_the_quality_team(app, db, login_as):
    jobs.enqueue("test.half_way")
    page = login_as(Role.QUALITY).get("/jobs/").get_data(as_text=True)
    assert "失敗" in page and "ValueError: boom at 3" in page and "3 / 10" not in page
    assert "Traceback" not in page
    assert login_as(Role.ADMIN).get("/jobs/").status_code == 200
    assert login_as(Role.STAFF).get("/jobs/").status_code == 403
    assert login_as(Role.LEADER).get("/jobs/").status_code == 403


def test_the_page_query_count_does_not_grow_with_jobs(app, db, login_as, count_queries):
    client = login_as(Role.QUALITY)
    jobs.enqueue("test.greet", user=client.user, name="a")
    before = count_queries(client, "/jobs/")
    for n in range(5):
        jobs.enqueue("test.greet", user=UserFactory(), name=str(n))
    assert count_queries(client, "/jobs/") == before


def test_run_again_queues_a_new_job_and_is_audited(app, db, login_as):
    failed = jobs.enqueue("test.greet", name="again")  # then failed, as if its worker had died
    db.session.execute(update(Job).where(Job.id == failed.id).values(status=JobStatus.FAILED, error="x"))
    db.session.commit()
    client = login_as(Role.QUALITY)
    assert client.post_form(f"/jobs/{failed.id}/run-again", token_from="/jobs/").status_code == 302
    again = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert again.id != failed.id and again.status == JobStatus.DONE and again.created_by_id == client.user.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "job")).one()
    assert event.entity_id == failed.id and event.actor_id == client.user.id
    # only a failed job runs again
    assert client.post_form(f"/jobs/{again.id}/run-again", token_from="/jobs/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_dashboard_note_when_jobs_failed_this_week(app, db, login_as):
    quality = login_as(Role.QUALITY)
    assert "/jobs/\"" not in quality.get("/").get_data(as_text=True).split("</nav>")[-1]  # no failures: no card
    jobs.enqueue("test.half_way")
    assert "/jobs/" in quality.get("/").get_data(as_text=True)


def test_an_unreachable_queue_never_fails_the_request(app, db, login_as):
    unreachable_queue(app)
    job = jobs.enqueue("test.greet", name="later")
    assert job.status == JobStatus.WAITING and calls == []
    assert health.run_checks()["jobs"] == (False, "down")
    gauges = {gauge.name: gauge.read() for gauge in health.gauges()}
    assert gauges["qms_jobs_waiting"] == 1 and gauges["qms_jobs_failed_total"] == 0
    client = login_as(Role.QUALITY)
    assert client.post_form("/search/status", {}, token_from="/search/status").status_code == 302
    page = client.get("/search/status").get_data(as_text=True)
    assert "背景工作暫停" in page or "Background work is paused" in page
    assert "背景工作暫停" in client.get("/jobs/").get_data(as_text=True) or \
        "Background work is paused" in client.get("/jobs/").get_data(as_text=True)


def test_writes_queue_one_search_update_while_the_queue_is_away(app, db):
    from qms.archive import services

    unreachable_queue(app)
    actor = UserFactory(role=Role.QUALITY)
    services.save_publication(None, {"title": "手冊一", "abstract": "戶籍"}, actor)
    services.save_publication(None, {"title": "手冊二", "abstract": "戶籍"}, actor)
    rows = db.session.scalars(select(Job).where(Job.name == "search.sync")).all()
    assert [row.status for row in rows] == [JobStatus.WAITING]


def test_waiting_jobs_are_queued_again_when_the_queue_is_back(app, db):
    unreachable_queue(app)
    job = jobs.enqueue("test.greet", name="back")
    app.config["QMS_JOBS_IMMEDIATE"] = True
    app.extensions.pop(jobs.EXTENSION_KEY, None)
    assert jobs.resubmit_waiting() == 1
    assert jobs.get(job.id).status == JobStatus.DONE and calls == ["back"]


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.parametrize("write", [False, True], ids=["queued job", "writes"])
def test_a_real_worker_takes_a_queued_job_to_done(tmp_path, write):
    """A job queued by hand; and writes: a burst of them makes one index update, held back
    QMS_SEARCH_SYNC_DELAY seconds to gather them, after which both records are found."""
    import flask_migrate

    from qms import create_app, search
    from qms.extensions import db

    url = f"sqlite:///{tmp_path / 'qms.sqlite3'}"
    settings = {"QMS_REDIS_URL": REDIS, "QMS_JOBS_QUEUE": f"qms-test-{uuid.uuid4().hex[:8]}",
                "QMS_SEARCH_INDEX": str(tmp_path / "index"), "QMS_SEARCH_SYNC_DELAY": "1"}
    app = create_app(make_config(url, QMS_JOBS_IMMEDIATE=False, **{**settings, "QMS_SEARCH_SYNC_DELAY": 1.0}))
    with app.app_context():
        flask_migrate.upgrade()
        search.create_empty(app)
        if write:
            from qms.archive import services

            actor = UserFactory(role=Role.QUALITY)
            db.session.commit()
            for title in ("延遲更新甲", "延遲更新乙"):
                services.save_publication(None, {"title": title, "abstract": "批次索引"}, actor)
            (job,) = db.session.scalars(select(Job).where(Job.name == "search.sync")).all()
        else:
            job = jobs.enqueue("search.sync")
        assert job.status == JobStatus.QUEUED
        env = {**os.environ, "QMS_DATABASE_URL": url, **settings, "QMS_JOBS_IMMEDIATE": ""}
        log = tmp_path / "worker.log"
        with log.open("wb") as output:
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "qms", "worker",
                                       "--workers", "1"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while jobs.get(job.id).status != JobStatus.DONE and time.monotonic() < deadline \
                    and worker.poll() is None:
                time.sleep(0.3)
            assert jobs.get(job.id).status == JobStatus.DONE, log.read_text()[-3000:]
            if write:
                done = jobs.get(job.id)
                assert (done.started_at - done.created_at).total_seconds() >= 0.9  # QMS_SEARCH_SYNC_DELAY
                found = search.search("批次索引", access=search.user_access_terms(actor))
                assert sorted(hit.title for hit in found.hits) == ["延遲更新乙", "延遲更新甲"]
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            jobs.queue(app).huey.storage.flush_all()
            db.engine.dispose()


def test_changes_left_unqueued_by_a_killed_process_are_synced_by_the_upkeep(app, db):
    """A process killed between a write's commit and queueing its index update leaves the change in the search
    queue; the consumer's upkeep, every minute, queues the update."""
    import datetime as dt

    from qms import search
    from qms.archive import services
    from qms.core import search_jobs
    from qms.core.models import SearchQueue
    from qms.spine import clock

    if search.backend() != "whoosh":
        pytest.skip("the PostgreSQL backend writes search rows in the record's own transaction: nothing waits")
    actor = UserFactory(role=Role.QUALITY)
    app.config["QMS_JOBS_IMMEDIATE"] = False  # the write's own update never runs: as if the process died
    app.extensions.pop(jobs.EXTENSION_KEY, None)
    unreachable_queue(app)
    publication = services.save_publication(None, {"title": "遺留更新", "abstract": "戶籍"}, actor)
    db.session.execute(update(Job).values(status=JobStatus.FAILED))  # its job row lost with the process
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SearchQueue).where(SearchQueue.done.is_(False)))
    app.config["QMS_JOBS_IMMEDIATE"] = True
    app.extensions.pop(jobs.EXTENSION_KEY, None)
    with clock.frozen(clock.now() + dt.timedelta(minutes=2)):
        search_jobs.sync_leftovers()
    assert search.waiting(older_than=dt.timedelta(0)) == 0
    assert f"publication:{publication.id}" in {hit.key for hit in
                                               search.search("遺留更新", access=search.user_access_terms(actor)).hits}
