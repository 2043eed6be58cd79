"""Page cost against data size: every list page and the dashboard at the demo's rows and at 100 times them.

Run: .venv/bin/python benchmarks/bench_scaling.py [--repeat 21] [--factor 100] [--database URL] [page ...]
Prints per page the median at 1x, at the factor, and their ratio; exits 1 when a ratio exceeds --limit (2.0).
The baseline is the demo's rows, as the goal is set; the "rows" column shows the table rows each page draws at 1x
and at the factor (a list page draws 1-7 demo rows, then a full page of 50): its ratio includes drawing those.
The extra rows are varied copies of the demo's (names, dates, scores, units drawn with a skew), bulk inserted.
Two apps run side by side in this process, one on the demo's rows and one grown, and each page's requests
alternate between them: a shared machine's slow spells fall on both sides of a ratio alike.
With --database, the grown app uses a second database beside it (its name + "_grown"), created when missing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.common import query_count, signed_in  # noqa: E402
from qms import create_app, demo  # noqa: E402
from qms.extensions import db  # noqa: E402

PAGES = ["/", "/drills/", "/drills/actions?status=all", "/initiatives/", "/benchmarking/peers",
         "/benchmarking/notes", "/surveys/", "/surveys/cases?all=1", "/users", "/audit", "/archive/",
         "/drills/?channel=counter", "/initiatives/?sort=hours_saved"]
UNITS = ["第 1 櫃台", "第 2 櫃台", "第 3 櫃台", "綜合櫃台", "電話客服", "網路申辦", "Counter 7", "服務台"]
WORDS = ["戶籍謄本", "身分證", "印鑑證明", "歸化", "跨機關", "便民", "e-service", "queue", "預約", "外籍配偶"]


def app_for(url: str | None, folder: str):
    url = url or f"sqlite:///{folder}/scaling.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "QMS_SEARCH_INDEX": f"{folder}/search-index"})
    with app.app_context():
        import flask_migrate

        from qms import search
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        search.create_empty(app)
        demo.seed_demo(force=True)
    return app


def skewed(rng: random.Random, items):
    """An item drawn with a Zipf-like skew: the first ones far more often."""
    weights = [1 / (n + 1) for n in range(len(items))]
    return rng.choices(items, weights)[0]


def vary(rng: random.Random, name: str, value, serial: int):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return value - dt.timedelta(days=rng.randint(0, 1500), minutes=rng.randint(0, 600))
    if isinstance(value, dt.date):
        return value - dt.timedelta(days=rng.randint(0, 1500))
    if isinstance(value, Decimal | float) and name not in ("weight",):
        return type(value)(str(round(float(value) * rng.uniform(0.5, 1.2), 1)))
    if isinstance(value, str) and value and name in TEXT_COLUMNS:
        if name == "unit_observed":
            return skewed(rng, UNITS)
        return f"{value[:60]} {skewed(rng, WORDS)} {serial}"
    return value


TEXT_COLUMNS = {"unit_observed", "title", "title_zh", "name_zh", "username", "display_name", "reason", "label",
                "entity_title", "summary"}


def multiply(model, factor: int, rng: random.Random, **fixed) -> int:
    """Bring the table to `factor` times its rows with varied copies of them; returns the rows added."""
    table = model.__table__
    originals = [dict(row) for row in db.session.execute(select(table)).mappings()]
    if not originals:
        return 0
    next_id = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    rows = []
    for _ in range(len(originals) * (factor - 1)):
        row = {name: vary(rng, name, value, next_id) for name, value in rng.choice(originals).items()}
        row.update(fixed, id=next_id)
        rows.append(row)
        next_id += 1
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(table), rows[start:start + 2000])
    db.session.commit()
    return len(rows)


def grow(app, factor: int) -> dict[str, int]:
    from qms.auth.models import User
    from qms.benchmarking.models import BenchmarkNote, PeerOrganization
    from qms.core.models import AuditEvent
    from qms.drills.models import CorrectiveAction, Drill
    from qms.initiatives.models import Initiative, ProcessImprovement
    from qms.surveys.models import FollowUpCase, Vote

    rng = random.Random(2015)
    added = {}
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(Vote)):
            db.session.add_all(FollowUpCase(vote=Vote(satisfied=False, reason=skewed(rng, WORDS))) for _ in range(5))
            db.session.add_all(Vote(satisfied=rng.random() < 0.85) for _ in range(40))
            db.session.commit()
        for model, fixed in ((Drill, {}), (CorrectiveAction, {}), (Initiative, {}), (ProcessImprovement, {}),
                             (PeerOrganization, {"is_self": False}), (BenchmarkNote, {}), (Vote, {}),
                             (User, {}), (AuditEvent, {})):
            added[model.__tablename__] = multiply(model, factor, rng, **fixed)
        # Follow-up cases need their own votes (one case a vote).
        now = dt.datetime.now(dt.timezone.utc)
        votes = db.session.scalars(select(Vote.id).where(Vote.satisfied.is_(False),
                                                        ~Vote.id.in_(select(FollowUpCase.vote_id)))).all()
        db.session.execute(insert(FollowUpCase.__table__), [
            {"vote_id": v, "response_to_citizen": "", "improvement": "", "created_at": now, "updated_at": now}
            for v in votes[: 5 * (factor - 1)]])
        db.session.commit()
        added["follow_up_case"] = len(votes[: 5 * (factor - 1)])
        if db.engine.dialect.name == "postgresql":  # as autovacuum would after such growth: plans on fresh stats
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
    return added


TABLE_BODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)


def rows_drawn(client, page: str) -> int:
    """The table rows the page draws (every <tbody>'s <tr>s, a "none" row included)."""
    return sum(body.count("<tr") for body in TABLE_BODY.findall(client.get(page).get_data(as_text=True)))


def time_pair(pairs, page: str, repeat: int) -> tuple[float, float]:
    """Median ms of `page` on each (client) of pairs, their requests alternating."""
    samples: list[list[float]] = [[] for _ in pairs]
    for client in pairs:
        client.get(page)
    for _ in range(repeat):
        for index, client in enumerate(pairs):
            start = time.perf_counter()
            response = client.get(page)
            samples[index].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (page, response.status_code)
    return statistics.median(samples[0]), statistics.median(samples[1])


def grown_url(url: str | None, folder: str) -> str | None:
    """The grown app's database: a second SQLite file, or a second PostgreSQL database created beside `url`."""
    if url is None:
        return f"sqlite:///{folder}/grown.sqlite3"
    parsed = make_url(url)
    name = f"{parsed.database}_grown"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("pages", nargs="*", help="only these pages (default: every list page and the dashboard)")
    parser.add_argument("--database", help="a PostgreSQL URL (postgresql://postgres@127.0.0.1:5432/qms_scaling): "
                                           "its schema, and that of its _grown twin, are dropped and rebuilt. "
                                           "Default: temporary SQLite files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as small_folder, tempfile.TemporaryDirectory() as big_folder:
        small = app_for(args.database, small_folder)
        big = app_for(grown_url(args.database, big_folder), big_folder)
        added = grow(big, args.factor)
        print("rows added:", ", ".join(f"{table} {count:,}" for table, count in added.items()))
        engines = []
        for app in (small, big):
            with app.app_context():
                engines.append(db.engine)
        # The users page is the administrator's: timed with the admin's clients.
        clients = {role: (signed_in(small, role), signed_in(big, role)) for role in ("quality", "admin")}
        print(f"{engines[0].dialect.name}, median of {args.repeat} requests each, alternating between the apps, "
              "signed in as quality (users: admin)")
        print(f"{'page':34} {'1x ms':>8} {f'{args.factor}x ms':>9} {'ratio':>6} {'queries':>9} {'rows':>9}")
        worst = 0.0
        for page in args.pages or PAGES:
            pair = clients["admin" if page == "/users" else "quality"]
            ms1, ms2 = time_pair(pair, page, args.repeat)
            q1, q2 = (query_count(engine, client, page) for engine, client in zip(engines, pair, strict=True))
            r1, r2 = (rows_drawn(client, page) for client in pair)
            ratio = ms2 / ms1
            worst = max(worst, ratio)
            flag = "" if ratio <= args.limit else "  > limit"
            print(f"{page:34} {ms1:8.1f} {ms2:9.1f} {ratio:6.2f} {q1:>4}/{q2:<4} {r1:>4}/{r2:<4}{flag}")
        for engine in engines:
            engine.dispose()
    print(f"worst ratio {worst:.2f} (limit {args.limit})")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
