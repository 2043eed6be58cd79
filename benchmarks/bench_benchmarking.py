"""The benchmarking comparison with 5 and with 100 peer organizations (3 metrics, 5 years), same run.

Run: .venv/bin/python benchmarks/bench_benchmarking.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, median_ms, query_count, signed_in  # noqa: E402
from qms.benchmarking import services  # noqa: E402
from qms.benchmarking.models import MetricValue, PeerOrganization  # noqa: E402
from qms.extensions import db  # noqa: E402


def add_peers(count: int, start: int) -> None:
    metrics = {m.name_en: m for m in services.list_metrics()}
    for n in range(start, start + count):
        peer = PeerOrganization(name_zh=f"測試戶所 {n:03d}", city="測試市")
        db.session.add(peer)
        db.session.flush()
        for year in range(2010, 2015):
            db.session.add(MetricValue(peer_id=peer.id, metric_id=metrics["Staff"].id, year=year,
                                       value=Decimal(20 + n % 30)))
            db.session.add(MetricValue(peer_id=peer.id, metric_id=metrics["Population"].id, year=year,
                                       value=Decimal(100000 + 997 * n)))
    db.session.commit()






def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        client = signed_in(app, "leader")
        url = "/benchmarking/?year=2014"
        results = {}
        for label, extra in (("5 organizations", 0), ("100 organizations", 95)):
            if extra:
                with app.app_context():
                    add_peers(extra, 1)
            client.get(url)
            results[label] = median_ms(client, url, args.repeat)
            print(f"GET /benchmarking/ (2014, 3 metrics, trend over years) {label:18} median "
                  f"{results[label]:7.1f} ms  queries {query_count(engine, client, url)}")
        print(f"100 / 5 organizations: {results['100 organizations'] / results['5 organizations']:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
