"""Drill log, reports and a one-page drill PDF with 20 and with 400 logged drills, same run.

Run: .venv/bin/python benchmarks/bench_drills.py [--repeat 10]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, median_ms, query_count, signed_in  # noqa: E402
from qms.auth.services import get_by_username  # noqa: E402
from qms.drills import services  # noqa: E402


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






def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        client = signed_in(app, "quality")
        results = {}
        for label, count, offset in (("20 drills", 18, 0), ("400 drills", 380, 18)):
            with app.app_context():
                drill_id = log_drills(count, offset)
            for url in ("/drills/", "/drills/reports", f"/drills/{drill_id}.pdf"):
                client.get(url)
                results[(label, url.split("/")[-1] or "list")] = ms = median_ms(client, url, args.repeat)
                print(f"{label:11} GET {url:18} median {ms:8.1f} ms  queries {query_count(engine, client, url)}")
        for page in ("list", "reports"):
            print(f"{page}: 400 / 20 drills {results[('400 drills', page)] / results[('20 drills', page)]:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
