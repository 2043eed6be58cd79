"""SPARK pages with 20 and with 200 initiatives (5 process improvements each), timed in the same run.

Run: .venv/bin/python benchmarks/bench_initiatives.py [--repeat 20]
Reports medians, ratios of the large to the small case, and query counts (which must not grow with rows).
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
from qms.core.models import AwardCycle  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.initiatives.models import Initiative, InitiativeStatus, ProcessImprovement, TimeUnit  # noqa: E402


def make_cycle(year: int, initiatives: int) -> int:
    cycle = AwardCycle(award_name="基準測試", year=year)
    db.session.add(cycle)
    db.session.flush()
    statuses = list(InitiativeStatus)
    for n in range(initiatives):
        initiative = Initiative(award_cycle_id=cycle.id, title_zh=f"創新服務 {n:03d}", status=statuses[n % 4],
                                channels=["counter", "online"][: 1 + n % 2], tags=[f"標籤{n % 7}"])
        db.session.add(initiative)
        for k in range(5):
            db.session.add(ProcessImprovement(initiative=initiative, service=f"服務 {n}-{k}", before_value=50,
                                              before_unit=TimeUnit.MINUTES, after_value=5 + k,
                                              after_unit=TimeUnit.MINUTES, yearly_cases=100 * (k + 1), year=2015))
    db.session.commit()
    return cycle.id


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
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False})
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            demo.seed_demo(force=True)
            small, large = make_cycle(2030, 20), make_cycle(2031, 200)
            engine = db.engine
        client = app.test_client()
        client.post("/login", data={"username": "leader", "password": "leader-demo-2015"})
        client.get("/")
        for page in ("/initiatives/?cycle={}", "/initiatives/summary?cycle={}"):
            results = {}
            for label, cycle_id in (("20 initiatives", small), ("200 initiatives", large)):
                url = page.format(cycle_id)
                client.get(url)
                results[label] = timed(client, url, args.repeat)
                print(f"GET {page.split('?')[0]:22} {label:16} median {results[label]:7.1f} ms  "
                      f"queries {queries(engine, client, url)}")
            print(f"    200 / 20 initiatives: {results['200 initiatives'] / results['20 initiatives']:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
