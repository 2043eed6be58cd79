"""The PostgreSQL search backend on bench_search.py's realistic corpus: build rate, table size, HTTP /search
p50/p95 beside the SQLite FTS5 floor on the same segmentation, and the matching set of every query compared with
the Whoosh backend's (built over the same rows).

Uses (and resets!) the database given: never point it at one that holds data.
Run: .venv/bin/python benchmarks/bench_search_pg.py --database postgresql://postgres@127.0.0.1:5432/qms_search \
     [--docs 10000] [--queries 200] [--procs 2] [--no-compare]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.bench_search import (  # noqa: E402
    RealisticCorpus,
    build_fts,
    fts_expression,
    percentiles,
)
from benchmarks.common import signed_in  # noqa: E402
from qms import create_app, demo, search, search_postgres  # noqa: E402
from qms.archive.models import Publication  # noqa: E402
from qms.extensions import db  # noqa: E402
from tests.conftest import reset_schema  # noqa: E402


def make_app(database: str, backend: str, folder: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "QMS_SEARCH_BACKEND": backend, "QMS_SEARCH_INDEX": f"{folder}/search-index",
                       "QMS_JOBS_IMMEDIATE": True})


def line(label, samples):
    p50, p95 = percentiles(samples)
    return f"  {label:<46} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/qms_search")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--no-compare", action="store_true", help="skip building Whoosh to compare result sets")
    args = parser.parse_args()
    from qms.config import normalize_database_url

    database = normalize_database_url(args.database)
    generator = RealisticCorpus(args.seed, args.docs)
    corpus = list(generator)
    wanted = generator.queries(args.queries, args.seed)
    texts = [t for _kind, t in wanted]

    with tempfile.TemporaryDirectory() as folder:
        reset_schema(database)
        app = make_app(database, "postgres", folder)
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            demo.seed_demo(force=True)
            for start in range(0, len(corpus), 2000):
                db.session.execute(insert(Publication), [
                    {**d, "language": "zh-Hant", "subtitle": "", "authors": "", "publisher": "", "edition": "",
                     "series": "", "subjects": []} for d in corpus[start:start + 2000]])
            db.session.commit()
            total = search.count_searchable()
            search.analyse.cache_clear()
            t0 = time.perf_counter()
            search.reindex(procs=args.procs)
            build = time.perf_counter() - t0
            status = search.status()
            size = search_postgres.size_bytes()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE search_document"))
        fts, fts_seconds = build_fts(Path(folder) / "fts.sqlite3", corpus)
        fts_size = (Path(folder) / "fts.sqlite3").stat().st_size

        client = signed_in(app, "quality")
        cold, http = [], []
        for query in texts:
            t1 = time.perf_counter()
            assert client.get("/search/", query_string={"q": query}).status_code == 200
            cold.append((time.perf_counter() - t1) * 1000)
        for query in texts:
            t1 = time.perf_counter()
            assert client.get("/search/", query_string={"q": query}).status_code == 200
            http.append((time.perf_counter() - t1) * 1000)
        fts_times = []
        for query in texts:
            t1 = time.perf_counter()
            expression = fts_expression(query)
            if expression:
                fts.execute("SELECT title, snippet(docs, 0, '<mark>', '</mark>', '…', 20) FROM docs "
                            "WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10", (expression,)).fetchall()
                fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)).fetchone()
            fts_times.append((time.perf_counter() - t1) * 1000)
        fts.close()

        access = ["signed_in", "public", "quality"]
        postgres_sets = {}
        with app.app_context():
            for query in texts:
                parsed = search_postgres._parse(query)
                condition = search_postgres._translate(parsed).condition()
                postgres_sets[query] = set(db.session.scalars(select(search_postgres.documents.c.key).where(
                    condition, search_postgres._filter(access, {}))))
                found = search_postgres.search(query, access=access)  # the one statement: its count and its page
                assert found.total == len(postgres_sets[query]), (query, found.total, len(postgres_sets[query]))
                assert {hit.key for hit in found.hits} <= {k.removesuffix(search.PUBLIC_SUFFIX)
                                                            for k in postgres_sets[query]}, query
        differ = None
        if not args.no_compare:
            from whoosh import query as q

            whoosh_app = make_app(database, "whoosh", folder)
            with whoosh_app.app_context():
                t0 = time.perf_counter()
                search.reindex(procs=args.procs)
                whoosh_build = time.perf_counter() - t0
                searcher = search._searcher()
                flt = search._filter(access, {})
                differ = []
                for query in texts:
                    parsed = search.parse(query, searcher.schema)
                    keys = {searcher.stored_fields(n)["key"] for n in searcher.docs_for_query(q.And([parsed, flt]))}
                    if keys != postgres_sets[query]:
                        differ.append((query, len(keys), len(postgres_sets[query])))

    print(f"PostgreSQL backend, {len(corpus)} publications ({total} searchable records, {status.documents} rows), "
          f"{len(texts)} queries")
    print(f"  reindex: {build:.1f} s = {total / build:.0f} records/s (procs={args.procs}); "
          f"table + indexes {size / 2**20:.1f} MiB (pg_total_relation_size)")
    print(f"  FTS5 build: {len(corpus) / fts_seconds:.0f} docs/s; {fts_size / 2**20:.1f} MiB")
    print(line("HTTP /search, first pass", cold))
    print(line("HTTP /search (facets + snippets)", http))
    print(line("SQLite FTS5, same segmentation (top 10+count)", fts_times))
    print(f"  HTTP p95 / FTS5 p95 = {percentiles(http)[1] / percentiles(fts_times)[1]:.2f} (goal <= 2)")
    hits = sorted(len(s) for s in postgres_sets.values())
    print(f"  matches per query: median {hits[len(hits) // 2]}, max {hits[-1]}, zero for {hits.count(0)}")
    if differ is not None:
        print(f"  Whoosh reindex {whoosh_build:.1f} s; matching sets differ from Whoosh's on {len(differ)} of "
              f"{len(texts)} queries" + "".join(f"\n    {q!r}: whoosh {w}, postgres {p}" for q, w, p in differ[:20]))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
