"""The checklist page for a framework of 200 items with 5 evidence links each, against 20 items in the same run.

Run: .venv/bin/python benchmarks/bench_checklist.py [--repeat 20]
Reports medians, the ratio of the 200-item page to the 20-item page, and each page's query count (which must
not grow with the item count).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, median_ms, query_count, signed_in  # noqa: E402
from tests.checklist.sample_data import make_assessment  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        with app.app_context():
            small = make_assessment(items=20, evidence_per_item=5, year=2030).id
            large = make_assessment(items=200, evidence_per_item=5, year=2031).id
        client = signed_in(app, "quality")
        results = {}
        for label, assessment_id in (("20 items x 5 evidence", small), ("200 items x 5 evidence", large)):
            url = f"/checklist/assessments/{assessment_id}"
            client.get(url)  # warm the template cache
            results[label] = median_ms(client, url, args.repeat)
            print(f"GET checklist page, {label:24} median {results[label]:8.1f} ms over {args.repeat}  "
                  f"queries {query_count(engine, client, url)}")
        ratio = results["200 items x 5 evidence"] / results["20 items x 5 evidence"]
        print(f"200-item page / 20-item page: {ratio:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
