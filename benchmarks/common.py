"""Shared pieces of the benchmarks: a migrated demo app in a temporary folder, medians, query counts."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from qms import create_app, demo  # noqa: E402
from qms.extensions import db  # noqa: E402


def demo_app(folder: str):
    """The app on a fresh SQLite file in folder, migrated and loaded with the demo data; returns (app, engine)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "QMS_SEARCH_INDEX": f"{folder}/search-index"})
    with app.app_context():
        import flask_migrate

        from qms import search

        flask_migrate.upgrade()
        search.create_empty(app)
        demo.seed_demo(force=True)
        return app, db.engine


def signed_in(app, username: str):
    """A test client signed in as a demo user; requests run outside any pushed app context, as in production."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": f"{username}-demo-2015"})
    client.get("/")
    return client


def median_ms(client, url: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def query_count(engine, client, url: str) -> int:
    statements = []

    def record(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    client.get(url)
    event.remove(engine, "before_cursor_execute", record)
    return len(statements)
