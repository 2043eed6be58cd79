"""The checklist page for a framework of 200 items with 5 evidence links each, against 20 items in the same run.

Run: .venv/bin/python benchmarks/bench_checklist.py [--repeat 20]
Reports medians, the ratio of the 200-item page to the 20-item page, and each page's query count (which must
not grow with the item count).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from qms import create_app, demo  # noqa: E402
from qms.extensions import db  # noqa: E402
from tests.checklist.sample_data import make_assessment  # noqa: E402


def timed(client, url, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
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
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False})
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            demo.seed_demo(force=True)
            small = make_assessment(items=20, evidence_per_item=5, year=2030).id
            large = make_assessment(items=200, evidence_per_item=5, year=2031).id
            engine = db.engine
        client = app.test_client()
        client.post("/login", data={"username": "quality", "password": "quality-demo-2015"})
        client.get("/")
        results = {}
        for label, assessment_id in (("20 items x 5 evidence", small), ("200 items x 5 evidence", large)):
            url = f"/checklist/assessments/{assessment_id}"
            client.get(url)  # warm the template cache
            results[label] = timed(client, url, args.repeat)
            print(f"GET checklist page, {label:24} median {results[label]:8.1f} ms over {args.repeat}  "
                  f"queries {queries(engine, client, url)}")
        ratio = results["200 items x 5 evidence"] / results["20 items x 5 evidence"]
        print(f"200-item page / 20-item page: {ratio:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
