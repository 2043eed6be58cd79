"""Page timings: medians of the core pages, as ratios to the sign-in page timed in the same process.

Run: .venv/bin/python benchmarks/bench_pages.py [--repeat 40] [--database-url URL]
The audit trail is timed with 100 and with 10,000 events: a bounded page keeps the two close.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from benchmarks.common import demo_app, median_ms, query_count, signed_in  # noqa: E402
from qms.core.models import AuditEvent, utcnow  # noqa: E402
from qms.extensions import db  # noqa: E402


def add_audit_events(app, count):
    with app.app_context():
        _add_audit_events(count)


def _add_audit_events(count):
    now = utcnow()
    rows = [dict(occurred_at=now, actor_name="bench", entity_type="award_cycle", entity_id=1,
                 entity_title="政府服務品質獎 2015", action="update", summary=f"notes: {i}",
                 changes={"notes": [str(i), str(i + 1)]}) for i in range(count)]
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        anonymous = app.test_client()
        admin = signed_in(app, "admin")
        pages = ["/", "/organization", "/cycles", "/users"]
        baseline = median_ms(anonymous, "/login", args.repeat)
        print(f"baseline GET /login (anonymous): median {baseline:.2f} ms over {args.repeat} requests")
        for page in pages:
            ms = median_ms(admin, page, args.repeat)
            print(f"GET {page:14} median {ms:7.2f} ms  ratio {ms / baseline:5.2f}  "
                  f"queries {query_count(engine, admin, page)}")
        results = {}
        for total in (100, 10_000):
            add_audit_events(app, total - (100 if results else 0))
            ms = median_ms(admin, "/audit", args.repeat)
            results[total] = ms
            print(f"GET /audit ({total:>6} events) median {ms:7.2f} ms  ratio {ms / baseline:5.2f}  "
                  f"queries {query_count(engine, admin, '/audit')}")
        print(f"audit trail 10,000 vs 100 events: ratio {results[10_000] / results[100]:.2f}")
        engine.dispose()


if __name__ == "__main__":
    main()
