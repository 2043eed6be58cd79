"""Faults of running QMS for real, against real processes over a copy of a demo database (the drills of
scripts/faults.py): a web worker killed mid-write, a search update killed midway, Redis stopped while the site
serves, a dossier render killed midway. A full disk and a read-only files root are in tests/core/test_storage.py."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

from scripts import faults

needs_redis = pytest.mark.skipif(not os.access(faults.REDIS_SERVER, os.X_OK), reason="needs redis-server")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def processes(folder):
    started = faults.Processes(folder)
    yield started
    started.stop_all()


@pytest.fixture(scope="module")
def template(folder):
    return faults.build_template(folder / "template")


@dataclass
class Site:
    sandbox: faults.Sandbox
    redis: faults.Redis
    web: faults.Web
    queue: str
    worker: object = None  # the job worker the Redis drill leaves running


@pytest.fixture(scope="module")
def site(template, processes, folder):
    """gunicorn (one worker) over a demo database, its jobs on a redis-server of the test's own."""
    sandbox = template.copy(folder / "site")
    redis = faults.Redis(processes)
    redis.start()
    queue = f"qms-faults-{uuid.uuid4().hex[:6]}"
    web = faults.Web(processes, sandbox, QMS_REDIS_URL=redis.url, QMS_JOBS_QUEUE=queue)
    yield Site(sandbox, redis, web, queue)
    assert web.stop() == 0, faults.tail(web.master)


@needs_redis
def test_a_web_worker_killed_mid_write_leaves_the_database_consistent_and_is_replaced(site):
    outcome = faults.web_worker_killed(site.web, site.sandbox)
    assert outcome.ok, outcome.detail


def test_a_search_update_killed_midway_is_reported_by_check_and_repaired_by_sync(template, processes, folder):
    outcome = faults.search_update_killed(processes, template.copy(folder / "search"), records=400, in_process=True)
    assert outcome.ok, outcome.detail


@needs_redis
def test_with_redis_stopped_pages_work_renders_wait_and_run_when_it_is_back(site, processes):
    outcome, site.worker = faults.redis_stopped(processes, site.web, site.sandbox, site.redis, site.queue)
    assert outcome.ok, outcome.detail


@needs_redis
def test_a_render_killed_midway_is_marked_failed_and_the_next_one_works(site, processes):
    worker = site.worker
    if worker is None or worker.poll() is not None:
        worker = faults.start_worker(processes, site.sandbox, site.redis, site.queue, "worker-render")
    outcome = faults.render_killed(processes, site.web, site.sandbox, site.redis, site.queue, worker)
    assert outcome.ok, outcome.detail
