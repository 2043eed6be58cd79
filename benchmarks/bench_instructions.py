"""CPU per request as instructions, not seconds: the load mix's pages replayed under valgrind's callgrind, this
working tree against a baseline revision, on one copy of the same demo database.

On a shared machine the same load run gives anywhere between 73 and 122 requests/s and the CPU time of a
request moves by a quarter from one minute to the next; an instruction count is the same on every run of the same
code and data, so a change of a few per cent shows. What it cannot see: time waiting (locks, disk, the GIL
handing over) and the cost of caches and memory, which the load test (benchmarks/load.py) still measures.

Run: .venv/bin/python benchmarks/bench_instructions.py [--baseline main~1] [--rounds 4]
Each revision runs twice under callgrind, once warming up only and once warming up then replaying the pages
--rounds times; the difference over the requests replayed is the instructions per request (about 4 minutes a
revision, two at a time on two cores). The replay signs in as the quality team, asks every page twice to warm
up, then does what a gunicorn worker of that revision does after warm-up (qms.observability.freeze_warm_objects,
where it exists). The baseline is checked out with `git worktree` under a temporary folder; it must share the
database schema of this tree (the same migration head).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = ["戶籍謄本", "counter", "身分證 換發", "便民"]


def replay(root: str, rounds: int) -> None:
    """Inside valgrind: the app of `root` on the prepared database; warm up, then `rounds` rounds of the pages."""
    sys.path.insert(0, root)
    os.chdir(root)
    from qms import create_app, observability

    assert observability.__file__.startswith(root), f"imported {observability.__file__}, not {root}'s"
    spec = importlib.util.spec_from_file_location("load_mix", ROOT / "benchmarks" / "load.py")  # this tree's pages
    load_mix = sys.modules["load_mix"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load_mix)

    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "quality", "password": "quality-demo-2015", "csrf_token": token})
    drills = client.get("/drills/").get_data(as_text=True)
    records = sorted(set(re.findall(r'href="(/drills/\d+)"', drills)))[:3]
    records.append(sorted(set(re.findall(r'href="(/drills/new/\d+)"', drills)))[0])
    initiatives = client.get("/initiatives/").get_data(as_text=True)
    records += sorted(set(re.findall(r'href="(/initiatives/\d+)"', initiatives)))[:2]
    checklist = client.get("/checklist/").get_data(as_text=True)
    assessment = re.findall(r'href="(/checklist/assessments/\d+)"', checklist)[0]
    items = re.findall(r'href="(/checklist/items/\d+)"', client.get(assessment).get_data(as_text=True))
    paths = load_mix.PAGES + records + sorted(set(items))[:3] + [f"/search/?q={words}" for words in SEARCHES]
    for _ in range(2):
        for path in paths:
            status = client.get(path).status_code
            assert status == 200, (path, status)
    if hasattr(observability, "freeze_warm_objects"):
        observability.freeze_warm_objects()
    for _ in range(rounds):
        for path in paths:
            client.get(path)
    print(f"requests per round: {len(paths)}", file=sys.stderr)


def prepare(folder: Path) -> dict:
    """A migrated demo database and its search index in folder (this tree's code); returns the environment."""
    env = {**os.environ, "QMS_DATABASE_URL": f"sqlite:///{folder}/qms.sqlite3", "QMS_SEARCH_INDEX": f"{folder}/index",
           "QMS_FILES_DIR": f"{folder}/files", "QMS_SECRET_KEY": "bench-instructions", "PYTHONHASHSEED": "0",
           "PYTHONMALLOC": "malloc"}  # valgrind counts the system allocator's work the same way every run
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["qms", "seed-demo"], ["qms", "search", "ensure"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def counted(root: str, rounds: int, env: dict, folder: Path, name: str) -> tuple[int, int]:
    """Instructions of one callgrind run (on its own copy of the database) and the requests it replayed."""
    work = folder / name
    shutil.copytree(folder / "data", work)
    env = {**env, "QMS_DATABASE_URL": f"sqlite:///{work}/qms.sqlite3", "QMS_SEARCH_INDEX": f"{work}/index",
           "QMS_FILES_DIR": f"{work}/files"}
    out = work / "callgrind.out"
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                          __file__, "--replay", root, "--rounds", str(rounds)],
                         cwd=root, env=env, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{name} failed:\n{run.stderr[-3000:]}")
    total = int(re.search(r"^summary: (\d+)", out.read_text(), re.M).group(1))
    per_round = int(re.search(r"requests per round: (\d+)", run.stderr).group(1))
    return total, per_round * rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="HEAD", help="the revision to compare with (default: HEAD)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--replay", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        replay(args.replay, args.rounds)
        return 0
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="qms-instructions-") as tmp:
        folder = Path(tmp)
        baseline = folder / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(baseline), args.baseline], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            subprocess.run([str(Path(sys.executable).parent / "pybabel"), "compile", "-d", "qms/translations"],
                           cwd=baseline, check=True, capture_output=True)
            (folder / "data").mkdir()
            env = prepare(folder / "data")
            runs = {(tree, rounds): (root, rounds) for tree, root in (("baseline", str(baseline)), ("this tree",
                                                                                                      str(ROOT)))
                    for rounds in (0, args.rounds)}
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = {key: pool.submit(counted, root, rounds, env, folder, f"{key[0]}-{rounds}".replace(" ", "-"))
                           for key, (root, rounds) in runs.items()}
                found = {key: future.result() for key, future in futures.items()}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    per_request = {}
    for tree in ("baseline", "this tree"):
        warm, _none = found[(tree, 0)]
        total, requests = found[(tree, args.rounds)]
        per_request[tree] = (total - warm) / requests
        print(f"{tree:10} {args.baseline if tree == 'baseline' else 'working tree':>14}: "
              f"{per_request[tree] / 1e6:7.2f} M instructions per request ({requests} requests replayed)")
    print(f"ratio this tree / baseline: {per_request['this tree'] / per_request['baseline']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
