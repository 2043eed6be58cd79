"""Load generator against a running QMS: signed-in clients viewing pages, searching, editing checklist items and
logging drills through the real forms, for a bounded time; reports throughput, latency per kind, errors and lost writes.

Closed loop (each client sends its next request when the last answered; no think time):
    .venv/bin/python benchmarks/load.py --clients 50 --duration 60
Open loop (Poisson arrivals at --rate a second, latency measured from each arrival's scheduled time, so a slow
server shows as latency instead of fewer requests; --clients workers serve the arrivals):
    .venv/bin/python benchmarks/load.py --rate 50 --duration 60
Lost writes (counts drills, audit events and checklist items in the server's database before and after):
    .venv/bin/python benchmarks/load.py --database sqlite:////tmp/loaddemo/qms.sqlite3

A throwaway server to load (its own database, index, files and secret; stop it with kill -TERM on the pid file):
    export QMS_DATABASE_URL=sqlite:////tmp/loaddemo/qms.sqlite3 QMS_SEARCH_INDEX=/tmp/loaddemo/search-index \
           QMS_FILES_DIR=/tmp/loaddemo/files QMS_SECRET_KEY=loaddemo QMS_PIDFILE=/tmp/loaddemo/gunicorn.pid
    .venv/bin/flask --app wsgi db upgrade && .venv/bin/flask --app wsgi qms seed-demo
    .venv/bin/flask --app wsgi qms search ensure
    .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app   # 4 single-threaded workers on 127.0.0.1:8000

Only 127.0.0.1/localhost targets are accepted. Every client signs in through the login form with its own session
(default the demo's quality-team user, who may do everything in the mix: `flask --app wsgi qms demo-logins`).
Exits 1 when a request failed (a status other than 2xx/3xx, a page sent back to sign-in, a transport error)
or a write was lost.
"""
from __future__ import annotations

import argparse
import collections
import html.parser
import os
import random
import re
import secrets
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import requests

PAGES = ["/", "/drills/", "/drills/actions?status=all", "/initiatives/", "/benchmarking/peers",
         "/benchmarking/notes", "/surveys/", "/surveys/cases?all=1", "/audit", "/archive/", "/checklist/",
         "/drills/?channel=counter", "/initiatives/?sort=hours_saved"]
SEARCH_WORDS = ["戶籍謄本", "身分證", "印鑑證明", "歸化", "便民", "外籍配偶", "預約", "櫃台", "滿意度", "神秘客",
                "跨機關", "戶政", "電話", "服務", "改善", "counter", "queue", "e-service", "survey", "drill",
                "improvement", "LINE", "online", "passport", "身分證 換發", "戶籍 謄本 申請"]
UNITS = ["第 1 櫃台", "第 2 櫃台", "綜合櫃台", "電話客服", "網路申辦", "Counter 7"]
MIX = {"page": 45, "record": 20, "search": 20, "checklist": 10, "drill": 5}  # actions, by weight
LOAD_TOKEN = re.compile(r"\s*\[load [0-9a-f]+\]")


class FormParser(html.parser.HTMLParser):
    """The POST forms of a page: their action and fields (inputs, selects with their options, textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": (a.get("method") or "get").lower(),
                          "fields": {}, "options": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, "")
            self._form["options"][self._select] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["options"][self._select].append(value)
            if "selected" in a or not self._form["fields"][self._select]:
                self._form["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


FORM = re.compile(r"<form\b.*?</form>", re.S | re.I)


def post_form(text: str) -> dict | None:
    """The page's POST form that carries a CSRF token (the record's form, not a delete button's). Only the forms
    are parsed: the whole page would cost this generator more CPU than the server spends on some requests."""
    parser = FormParser()
    for form in FORM.findall(text):
        if "csrf_token" in form:
            parser.feed(form)
    forms = [f for f in parser.forms if f["method"] == "post" and "csrf_token" in f["fields"]]
    return max(forms, key=lambda f: len(f["fields"]), default=None)


@dataclass
class Sample:
    kind: str
    status: int | str  # an HTTP status, or the name of a transport error
    seconds: float
    url: str
    detail: str = ""  # a transport error's message
    server: float | None = None  # seconds the server says it took (its Server-Timing header)


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    drills_created: set[int] = field(default_factory=set)  # ids from the redirects of successful drill logs
    item_writes: dict[int, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    retried: int = 0  # GETs sent again after the server closed a kept-alive connection as they were sent

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client:
    """One signed-in person: a session of its own, the ids found on the pages, the actions of the mix."""

    def __init__(self, base: str, username: str, password: str, timeout: float, results: Results, targets: dict,
                 rng: random.Random):
        self.base, self.timeout, self.results, self.targets, self.rng = base, timeout, results, targets, rng
        self.session = requests.Session()
        self.username, self.password = username, password

    def request(self, kind: str, method: str, path: str, start: float | None = None, **kwargs):
        url = urllib.parse.urljoin(self.base, path)
        start = time.perf_counter() if start is None else start
        try:
            try:
                response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
            except requests.ConnectionError as error:
                # A kept-alive connection the server closed (its idle timeout) just as the request went out: as a
                # browser does (RFC 9112 9.3.1), a GET is sent once more on a new connection; a POST never is.
                if method != "GET" or "reset by peer" not in str(error) and "aborted" not in str(error):
                    raise
                with self.results.lock:
                    self.results.retried += 1
                response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.results.add(Sample(kind, type(error).__name__, time.perf_counter() - start, path, str(error)[:300]))
            return None
        status: int | str = response.status_code
        if status in (301, 302, 303) and "/login" in response.headers.get("Location", "") and "login" not in path:
            status = f"{status} to sign-in"  # the session was lost: a failure though a 3xx
        timing = re.match(r"app;dur=([\d.]+)", response.headers.get("Server-Timing", ""))
        self.results.add(Sample(kind, status, time.perf_counter() - start, path,
                                server=float(timing.group(1)) / 1000 if timing else None))
        return response

    def sign_in(self) -> None:
        page = self.session.get(urllib.parse.urljoin(self.base, "/login"), timeout=self.timeout)
        form = post_form(page.text)
        if form is None:
            raise SystemExit("no sign-in form with a CSRF token at /login")
        fields = {**form["fields"], "username": self.username, "password": self.password}
        answer = self.session.post(urllib.parse.urljoin(self.base, form["action"] or "/login"), data=fields,
                                   timeout=self.timeout, allow_redirects=False)
        if answer.status_code not in (302, 303) or "/login" in answer.headers.get("Location", ""):
            raise SystemExit(f"sign-in as {self.username} failed: HTTP {answer.status_code}")

    def run(self, action: str, start: float | None = None) -> None:
        getattr(self, f"do_{action}")(start)

    def do_page(self, start):
        self.request("page", "GET", self.rng.choice(PAGES), start)

    def do_record(self, start):
        self.request("record", "GET", self.rng.choice(self.targets["records"]), start)

    def do_search(self, start):
        words = self.rng.choice(SEARCH_WORDS)
        self.request("search", "GET", "/search/?" + urllib.parse.urlencode({"q": words}), start)

    def do_checklist(self, start):
        item_id = self.rng.choice(self.targets["items"])
        path = f"/checklist/items/{item_id}"
        page = self.request("checklist form", "GET", path, start)
        form = post_form(page.text) if page is not None and page.status_code == 200 else None
        if form is None:
            return
        fields, options = dict(form["fields"]), form["options"]
        if "status" in options:
            fields["status"] = self.rng.choice([o for o in options["status"] if o] or [""])
        token = secrets.token_hex(6)
        notes = next((name for name in ("opportunities", "strengths", "narrative") if name in fields), None)
        if notes:
            fields[notes] = LOAD_TOKEN.sub("", fields[notes]) + f" [load {token}]"
        answer = self.request("checklist save", "POST", form["action"] or path, data=fields)
        if answer is not None and answer.status_code in (302, 303) and "/login" not in answer.headers["Location"]:
            with self.results.lock:
                self.results.item_writes[item_id].append(token)

    def do_drill(self, start):
        path = f"/drills/new/{self.rng.choice(self.targets['scorecards'])}"
        page = self.request("drill form", "GET", path, start)
        form = post_form(page.text) if page is not None and page.status_code == 200 else None
        if form is None:
            return
        fields = dict(form["fields"])
        for name, values in form["options"].items():
            if name.startswith("score_"):
                fields[name] = self.rng.choice([v for v in values if v] or [""])
                # A criterion marked not applicable needs a reason: every score gets a remark.
                fields[f"remark_{name.removeprefix('score_')}"] = "負載測試 load test"
        fields["unit_observed"] = self.rng.choice(UNITS)
        for name in ("waiting_minutes", "handling_minutes"):
            if name in fields:
                fields[name] = str(self.rng.randint(1, 30))
        answer = self.request("drill save", "POST", form["action"] or path, data=fields)
        if answer is not None and answer.status_code in (302, 303):
            found = re.search(r"/drills/(\d+)$", urllib.parse.urlparse(answer.headers["Location"]).path)
            if found:
                with self.results.lock:
                    self.results.drills_created.add(int(found.group(1)))


def discover(client: Client) -> dict:
    """Ids to visit and edit, read from the pages themselves."""
    def links(path: str, pattern: str) -> list[str]:
        response = client.session.get(urllib.parse.urljoin(client.base, path), timeout=client.timeout)
        return sorted(set(re.findall(pattern, response.text)))

    scorecards = links("/drills/", r'href="/drills/new/(\d+)')
    drills = links("/drills/", r'href="(/drills/\d+)"')
    initiatives = links("/initiatives/", r'href="(/initiatives/\d+)"')
    items = []
    for assessment in links("/checklist/", r'href="(/checklist/assessments/\d+)"')[:3]:
        items += links(assessment, r'href="/checklist/items/(\d+)"')
    if not (scorecards and items):
        raise SystemExit("found no scorecard or checklist item to write to: is the demo data loaded?")
    return {"scorecards": scorecards, "items": [int(i) for i in items],
            "records": drills + initiatives + [f"/checklist/items/{i}" for i in items[:20]] or PAGES}


# --- the database, before and after -------------------------------------------------------------

def snapshot(url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        found = {
            "drills": connection.execute(text("SELECT count(*) FROM drill")).scalar_one(),
            "max_drill": connection.execute(text("SELECT coalesce(max(id), 0) FROM drill")).scalar_one(),
            "audit": connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one(),
            "max_audit": connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one(),
        }
    engine.dispose()
    return found


def check_writes(url: str, before: dict, results: Results) -> list[str]:
    """What the database holds against what the server said it saved; returns the problems found."""
    from sqlalchemy import bindparam, create_engine, text

    after = snapshot(url)
    engine = create_engine(url)
    problems, lines = [], []
    with engine.connect() as connection:
        new_drills = set(connection.execute(text("SELECT id FROM drill WHERE id > :m"),
                                            {"m": before["max_drill"]}).scalars())
        events = connection.execute(text("SELECT entity_type, action, entity_id FROM audit_event WHERE id > :m"),
                                    {"m": before["max_audit"]}).all()
        items = {}
        if results.item_writes:
            query = text("SELECT id, narrative, strengths, opportunities FROM assessment_item WHERE id IN :ids")
            query = query.bindparams(bindparam("ids", expanding=True))
            items = {row[0]: " ".join(t or "" for t in row[1:])
                     for row in connection.execute(query, {"ids": list(results.item_writes)})}
    engine.dispose()
    by_kind = collections.Counter((e.entity_type, e.action) for e in events)
    drill_events = {e.entity_id for e in events if e.entity_type == "drill" and e.action == "create"}
    item_events = collections.Counter(e.entity_id for e in events if e.entity_type == "assessment_item"
                                      and e.action == "update")
    saves = sum(len(tokens) for tokens in results.item_writes.values())
    lines.append(f"drills: {before['drills']} -> {after['drills']} (+{after['drills'] - before['drills']}); "
                 f"successful drill logs {len(results.drills_created)}")
    lines.append(f"audit events: {before['audit']} -> {after['audit']} (+{after['audit'] - before['audit']}): "
                 + ", ".join(f"{t}/{a} {n}" for (t, a), n in sorted(by_kind.items())))
    lines.append(f"checklist: successful saves {saves} on {len(results.item_writes)} items; "
                 f"item update audit events {sum(item_events.values())}")
    if lost := results.drills_created - new_drills:
        problems.append(f"{len(lost)} drill(s) answered as saved but missing: {sorted(lost)[:10]}")
    if unanswered := new_drills - results.drills_created:
        problems.append(f"{len(unanswered)} drill row(s) without a successful response: {sorted(unanswered)[:10]}")
    if missing := results.drills_created - drill_events:
        problems.append(f"{len(missing)} saved drill(s) without their audit event")
    for item_id, tokens in results.item_writes.items():
        if len(tokens) > item_events.get(item_id, 0):
            problems.append(f"checklist item {item_id}: {len(tokens)} saves, {item_events.get(item_id, 0)} audit "
                            f"events")
        stored = set(re.findall(r"\[load ([0-9a-f]+)\]", items.get(item_id, "")))
        if not stored & set(tokens):
            problems.append(f"checklist item {item_id}: holds none of its {len(tokens)} saved notes")
    extra_items = set(item_events) - set(results.item_writes)
    if extra_items:
        problems.append(f"{len(extra_items)} checklist item(s) updated without a successful response")
    print("\n".join(lines))
    return problems


def machine_cpu() -> float:
    """CPU seconds every process of this machine has spent (user, nice, system, interrupts), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


# --- running -----------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(results: Results, elapsed: float, mode: str) -> bool:
    samples = results.samples
    ok = [s for s in samples if isinstance(s.status, int) and 200 <= s.status < 400]
    print(f"{mode}: {len(samples)} requests in {elapsed:.1f} s = {len(samples) / elapsed:.1f} requests/s "
          f"({len(ok)} 2xx/3xx)")
    # Latency as this generator saw it (from the arrival's scheduled time in the open loop), and the server's own
    # time (Server-Timing): the difference is queueing, the network stack and this generator's own waits.
    print(f"{'kind':16} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}   "
          f"{'server p50':>10} {'p95':>6} {'p99':>6}")
    by_kind, server = collections.defaultdict(list), collections.defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s.seconds * 1000)
        if s.server is not None:
            server[s.kind].append(s.server * 1000)
    for kind in sorted(by_kind):
        values, own = by_kind[kind], server[kind] or [float("nan")]
        print(f"{kind:16} {len(values):6} {statistics.median(values):8.0f} {percentile(values, 95):8.0f} "
              f"{percentile(values, 99):8.0f} {max(values):8.0f}   {statistics.median(own):10.0f} "
              f"{percentile(own, 95):6.0f} {percentile(own, 99):6.0f}")
    everything = [s.seconds * 1000 for s in samples]
    print(f"{'all':16} {len(everything):6} {statistics.median(everything):8.0f} {percentile(everything, 95):8.0f} "
          f"{percentile(everything, 99):8.0f} {max(everything):8.0f}")
    failures = collections.Counter()
    example = {}
    for s in samples:
        if not (isinstance(s.status, int) and 200 <= s.status < 400):
            failures[(s.kind, s.status)] += 1
            example.setdefault((s.kind, s.status), f"{s.url} {s.detail}".strip())
    if failures:
        print("failures (kind, status, count, a URL):")
        for (kind, status), count in failures.most_common():
            print(f"  {kind:16} {status!s:24} {count:6}  {example[(kind, status)]}")
    else:
        print("failures: none")
    return not failures


def closed_loop(clients: list[Client], duration: float, rng: random.Random) -> float:
    actions, weights = list(MIX), list(MIX.values())
    deadline = time.perf_counter() + duration

    def work(client: Client):
        while time.perf_counter() < deadline:
            client.run(client.rng.choices(actions, weights)[0])

    return run_threads([threading.Thread(target=work, args=(c,)) for c in clients])


def open_loop(clients: list[Client], duration: float, rate: float, rng: random.Random) -> float:
    """Poisson arrivals at `rate` a second; each is served by the next free client, its latency counted from its
    scheduled time (a queue behind busy clients shows as latency, not as fewer requests)."""
    actions, weights = list(MIX), list(MIX.values())
    arrivals = collections.deque()
    start = time.perf_counter() + 0.2
    moment = start
    while (moment := moment + rng.expovariate(rate)) < start + duration:
        arrivals.append((moment, rng.choices(actions, weights)[0]))
    lock = threading.Lock()

    def work(client: Client):
        while True:
            with lock:
                if not arrivals:
                    return
                scheduled, action = arrivals.popleft()
            if (wait := scheduled - time.perf_counter()) > 0:
                time.sleep(wait)
            client.run(action, scheduled)

    return run_threads([threading.Thread(target=work, args=(c,)) for c in clients])


def run_threads(threads: list[threading.Thread]) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50, help="signed-in clients (threads), default 50")
    parser.add_argument("--duration", type=float, default=60, help="seconds, default 60")
    parser.add_argument("--rate", type=float, help="open loop: arrivals a second (Poisson); default closed loop")
    parser.add_argument("--username", default="quality")
    parser.add_argument("--password", help="default: the demo's (<username>-demo-2015)")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the same mix, closed loop, before measuring (not counted); default 5")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--database", help="the server's database URL: count drills, audit events and checklist "
                                           "saves before and after to find lost writes")
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error(f"refusing to load {host!r}: only 127.0.0.1 or localhost")
    rng = random.Random(args.seed)
    results = Results()
    clients = [Client(args.url, args.username, args.password or f"{args.username}-demo-2015", args.timeout,
                      results, {}, random.Random(rng.random())) for _ in range(args.clients)]
    for client in clients:
        client.sign_in()
    targets = discover(clients[0])
    for client in clients:
        client.targets = targets
    print(f"{len(clients)} clients signed in as {args.username}; {len(targets['records'])} record pages, "
          f"{len(targets['items'])} checklist items, {len(targets['scorecards'])} scorecards")
    if args.warmup > 0:  # every worker's caches filled, as on a server that has been up a while; not counted
        practice = Results()
        for client in clients:
            client.results = practice
        closed_loop(clients, args.warmup, rng)
        for client in clients:
            client.results = results
        print(f"warm-up: {len(practice.samples)} requests in {args.warmup:g} s, not counted")
    before = snapshot(args.database) if args.database else None
    client_cpu, all_cpu = time.process_time(), machine_cpu()
    if args.rate:
        mode = f"open loop at {args.rate:g}/s, {args.clients} workers, {args.duration:g} s"
        elapsed = open_loop(clients, args.duration, args.rate, rng)
    else:
        mode = f"closed loop, {args.clients} clients, {args.duration:g} s"
        elapsed = closed_loop(clients, args.duration, rng)
    clean = report(results, elapsed, mode)
    client_cpu, all_cpu = time.process_time() - client_cpu, machine_cpu() - all_cpu
    count, cores = max(1, len(results.samples)), os.cpu_count() or 1
    # The rest of the machine's CPU is the server's (web and job workers, the database), give or take what else
    # runs: on a quiet machine the steadier figure, since wall-clock throughput moves with the host's load.
    served = max(all_cpu - client_cpu, 1e-9)
    if results.retried:
        print(f"GETs sent again on a new connection after the server closed a kept-alive one: {results.retried}")
    print(f"CPU per request: this load generator {client_cpu / count * 1000:.1f} ms; everything else "
          f"{served / count * 1000:.1f} ms (machine busy {all_cpu / (elapsed * cores) * 100:.0f} % of {cores} "
          f"cores; at this cost they serve {cores * count / served:.0f} requests/s with no load generator)")
    if before is not None:
        problems = check_writes(args.database, before, results)
        print("lost or unanswered writes: " + ("none" if not problems else ""))
        for problem in problems:
            print("  " + problem)
        clean = clean and not problems
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
