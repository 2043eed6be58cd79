"""Drill log, reports and a one-page drill PDF with 20 and with 400 logged drills, same run.

Run: .venv/bin/python benchmarks/bench_drills.py [--repeat 10]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from qms import create_app, demo  # noqa: E402
from qms.auth.services import get_by_username  # noqa: E402
from qms.drills import services  # noqa: E402
from qms.extensions import db  # noqa: E402


def log_drills(count: int, offset: int) -> int:
    scorecard = services.latest_scorecard("counter-service")
    criteria = services.criteria_of(scorecard)
    staff = get_by_username("staff")
    start = dt.datetime(2024, 1, 1, 2, tzinfo=dt.timezone.utc)
    last = None
    for n in range(offset, offset + count):
        scores = {c.id: ((n + c.id) % 2 if c.scale.value == "yes_no" else 1 + (n + c.id) % 5, "")
                  for c in criteria}
        last = services.save_drill(None, {"occurred_at": start + dt.timedelta(days=n % 700, hours=n % 7),
                                          "channel": "counter", "scorecard_id": scorecard.id,
                                          "unit_observed": f"第 {n % 9 + 1} 櫃台"}, scores, staff)
    return last.id


def timed(client, url, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        assert client.get(url).status_code == 200, url
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def queries(engine, client, url):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False})
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            demo.seed_demo(force=True)
            engine = db.engine
        client = app.test_client()
        client.post("/login", data={"username": "quality", "password": "quality-demo-2015"})
        client.get("/")
        results = {}
        for label, count, offset in (("20 drills", 18, 0), ("400 drills", 380, 18)):
            with app.app_context():
                drill_id = log_drills(count, offset)
            for url in ("/drills/", "/drills/reports", f"/drills/{drill_id}.pdf"):
                client.get(url)
                results[(label, url.split("/")[-1] or "list")] = ms = timed(client, url, args.repeat)
                print(f"{label:11} GET {url:18} median {ms:8.1f} ms  queries {queries(engine, client, url)}")
        for page in ("list", "reports"):
            print(f"{page}: 400 / 20 drills {results[('400 drills', page)] / results[('20 drills', page)]:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
