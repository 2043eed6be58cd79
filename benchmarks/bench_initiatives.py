"""SPARK pages with 20 and with 200 initiatives (5 process improvements each), timed in the same run.

Run: .venv/bin/python benchmarks/bench_initiatives.py [--repeat 20]
Reports medians, ratios of the large to the small case, and query counts (which must not grow with rows).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, median_ms, query_count, signed_in  # noqa: E402
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






def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        with app.app_context():
            small, large = make_cycle(2030, 20), make_cycle(2031, 200)
        client = signed_in(app, "leader")
        for page in ("/initiatives/?cycle={}", "/initiatives/summary?cycle={}"):
            results = {}
            for label, cycle_id in (("20 initiatives", small), ("200 initiatives", large)):
                url = page.format(cycle_id)
                client.get(url)
                results[label] = median_ms(client, url, args.repeat)
                print(f"GET {page.split('?')[0]:22} {label:16} median {results[label]:7.1f} ms  "
                      f"queries {query_count(engine, client, url)}")
            print(f"    200 / 20 initiatives: {results['200 initiatives'] / results['20 initiatives']:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
