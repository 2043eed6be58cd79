"""The fixed CPU of a request: medians (wall clock and process CPU time) of the load mix's requests
(benchmarks/load.py), in one process without gunicorn, as ratios to /healthz timed in the same process; then,
with --profile, a cProfile of the mix.

Run: .venv/bin/python benchmarks/bench_request_cost.py [--repeat 30] [--profile] [--top 25]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, signed_in  # noqa: E402
from benchmarks.load import post_form  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float]:
    """Medians of the wall-clock and of the CPU time (this process's) of fn, in ms: on a busy machine the CPU time
    is the steadier figure."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def get_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def links(client, url, pattern):
    return sorted(set(re.findall(pattern, get_ok(client, url).get_data(as_text=True))))


def actions(client) -> dict:
    """Name -> a callable doing one request (or a GET+POST pair) of the load mix."""
    scorecard = links(client, "/drills/", r'href="/drills/new/(\d+)')[0]
    drill = links(client, "/drills/", r'href="(/drills/\d+)"')[0]
    initiative = links(client, "/initiatives/", r'href="(/initiatives/\d+)"')[0]
    assessment = links(client, "/checklist/", r'href="(/checklist/assessments/\d+)"')[0]
    item = links(client, assessment, r'href="/checklist/items/(\d+)"')[0]

    def form_post(path, change):
        form = post_form(get_ok(client, path).get_data(as_text=True))
        fields = dict(form["fields"])
        change(fields, form["options"])
        answer = client.post(form["action"] or path, data=fields)
        assert answer.status_code in (302, 303), (path, answer.status_code)

    def item_change(fields, options):
        fields["opportunities"] = "bench"

    def drill_change(fields, options):
        for name, values in options.items():
            if name.startswith("score_"):
                fields[name] = next((v for v in values if v), "")
                fields[f"remark_{name.removeprefix('score_')}"] = "bench"
        fields["unit_observed"] = "第 1 櫃台"
        for name in ("waiting_minutes", "handling_minutes"):
            if name in fields:
                fields[name] = "5"

    return {
        "GET /healthz": lambda: get_ok(client, "/healthz"),
        "GET /": lambda: get_ok(client, "/"),
        "GET /drills/": lambda: get_ok(client, "/drills/"),
        "GET /initiatives/": lambda: get_ok(client, "/initiatives/"),
        "GET /checklist/": lambda: get_ok(client, "/checklist/"),
        f"GET {drill}": lambda: get_ok(client, drill),
        f"GET {initiative}": lambda: get_ok(client, initiative),
        "GET /search/?q=戶籍": lambda: get_ok(client, "/search/?q=戶籍"),
        "checklist item GET+POST": lambda: form_post(f"/checklist/items/{item}", item_change),
        "drill log GET+POST": lambda: form_post(f"/drills/new/{scorecard}", drill_change),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="also profile the mix (cProfile)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, engine = demo_app(tmp)
        client = signed_in(app, "quality")
        mix = actions(client)
        for fn in mix.values():  # warm: templates compiled, caches filled
            fn()
        baseline = timed(mix["GET /healthz"], args.repeat)
        print(f"{'request':28} {'wall ms':>8} {'ratio':>6} {'CPU ms':>8} {'ratio':>6}")
        for name, fn in mix.items():
            wall, cpu = baseline if name == "GET /healthz" else timed(fn, args.repeat)
            print(f"{name:28} {wall:8.2f} {wall / baseline[0]:6.1f} {cpu:8.2f} {cpu / baseline[1]:6.1f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(max(1, args.repeat // 3)):
                for fn in mix.values():
                    fn()
            profiler.disable()
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                print(f"--- cProfile, top {args.top} by {order} ---")
                print("\n".join(out.getvalue().splitlines()[4:]))
        engine.dispose()


if __name__ == "__main__":
    main()
