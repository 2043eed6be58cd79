"""Search over 10,000 mixed Traditional Chinese/English documents (~3 KB each), same run, three ways:
through the HTTP endpoint (/search, with facets and highlighted snippets), straight on the Whoosh searcher
(the same parsed queries, top 10 with the same snippets), and an SQLite FTS5 table with the trigram
tokenizer holding the same corpus (top 10 with snippet()). Also: full reindex time, and a worker's memory
before and after loading jieba.

Run: .venv/bin/python benchmarks/bench_search.py [--docs 10000] [--queries 200] [--procs 2]
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from whoosh.highlight import PinpointFragmenter  # noqa: E402

from benchmarks.common import demo_app, signed_in  # noqa: E402
from qms import create_app, search  # noqa: E402
from qms.archive.models import Publication  # noqa: E402
from qms.extensions import db  # noqa: E402

ZH = [
    "本所辦理戶籍登記與國民身分證換發，民眾可於網路預約臨櫃時段。",
    "外籍配偶申請歸化我國國籍後，應辦理初設戶籍登記並請領身分證。",
    "戶籍謄本與印鑑證明可跨機關申請，減少民眾往返奔波的時間。",
    "門牌整編完成後，戶政事務所主動通知住戶辦理住址變更登記。",
    "秘密客演練發現櫃台等候時間過長，已訂定矯正措施並追蹤改善成效。",
    "滿意度調查顯示民眾對服務態度與環境設施的評價逐年提升。",
    "標竿學習借鏡其他戶政事務所的單一窗口與一站式服務。",
    "新住民關懷服務結合在地社團，提供語言協助與生活資訊。",
    "出生登記時提供從父姓或從母姓的說明，尊重父母雙方的約定。",
    "姓名學迷失輔正之研究分析更改姓名次數與年齡、學歷的關係。",
    "電子化便民服務讓民眾在線上即可查詢案件進度與應備文件。",
    "品質獎自我檢視清單逐項確認資料整理、創新亮點與整體故事。",
    "死亡登記與遺產相關文件的申請流程，於手冊中詳列各項須知。",
    "結婚登記與離婚登記須雙方親自到場，並攜帶相關證明文件。",
    "戶政博物館典藏舊式戶口名簿與日治時期的戶籍資料。",
    "服務品質的提升來自同仁的專業與對民眾需求的細心觀察。",
]
EN = [
    "The office shortened the waiting time at the counter by redesigning the queue.",
    "Citizens may apply for household registration transcripts at any office in the country.",
    "Mystery shopper drills measure courtesy, accuracy and the time each service takes.",
    "New immigrants receive a handbook on naturalization and their first household registration.",
    "Satisfaction surveys report reliability with Cronbach's alpha and a sampling error.",
    "Benchmarking with peer offices led to a single window for related applications.",
    "Electronic services let citizens track their applications online.",
    "The quality award application tells one coherent story of service improvement.",
]
QUERY_ZH = ["戶籍", "身分證", "歸化", "門牌", "印鑑證明", "戶籍謄本", "秘密客", "滿意度", "標竿學習", "新住民",
            "從母姓", "姓名學", "單一窗口", "戶口名簿", "矯正措施", "電子化", "死亡登記", "博物館", "等候時間",
            "品質獎"]
QUERY_EN = ["registration", "naturalization", "waiting time", "benchmarking", "satisfaction", "handbook",
            "counter", "quality award", "electronic services", "mystery shopper"]
QUERY_SIMPLIFIED = ["户籍", "身分证", "归化", "门牌", "满意度", "誊本"]


def document(rng: random.Random) -> str:
    parts, size = [], 0
    while size < 3000:
        sentence = rng.choice(ZH) if rng.random() < 0.75 else rng.choice(EN)
        parts.append(sentence)
        size += len(sentence.encode())
    return " ".join(parts)


def queries(rng: random.Random, count: int) -> list[str]:
    found = []
    for n in range(count):
        kind = n % 5
        if kind == 0:
            found.append(rng.choice(QUERY_ZH))
        elif kind == 1:
            found.append(" ".join(rng.sample(QUERY_ZH, 2)))
        elif kind == 2:
            found.append(f'"{rng.choice(QUERY_EN)}"' if rng.random() < 0.5 else rng.choice(QUERY_EN))
        elif kind == 3:
            found.append(rng.choice(QUERY_SIMPLIFIED))
        else:
            found.append('"' + rng.choice(["戶籍登記", "身分證換發", "服務品質", "國民身分證"]) + '"')
    return found


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def rss_of_fresh_worker() -> tuple[float, float]:
    code = ("import sys; sys.path.insert(0,'.');"
            "rss=lambda: int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]);"
            "from qms import create_app, search; app=create_app(); r0=rss();"
            "search.warm_up(); r1=rss(); print(r0/1024, r1/1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    before, after = out.stdout.split()
    return float(before), float(after)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--reuse", metavar="DIR", help="keep the database and index in DIR and reuse them next time "
                                                        "(skips the reindex measurement)")
    args = parser.parse_args()
    rng = random.Random(2015)
    corpus = [(f"出版品 {n} · {rng.choice(QUERY_ZH)}", document(rng), rng.choice(["handbook", "book", "brochure"]),
               rng.randint(2000, 2025), [rng.choice(QUERY_ZH), rng.choice(QUERY_ZH)]) for n in range(args.docs)]
    wanted = queries(rng, args.queries)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.reuse or scratch
        reuse = bool(args.reuse) and (Path(folder) / "bench.sqlite3").exists()
        if reuse:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                              "WTF_CSRF_ENABLED": False, "QMS_SEARCH_INDEX": f"{folder}/search-index"})
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            app, _engine = demo_app(folder)
        app.config["QMS_SEARCH_SYNC"] = False
        with app.app_context():
            if reuse and not search.status().ok:
                search.reindex(procs=args.procs)
            if not reuse:
                db.session.execute(insert(Publication), [
                    {"title": title, "abstract": body, "kind": kind, "year": year, "keywords": keywords,
                     "public": False, "language": "zh-Hant", "subtitle": "", "authors": "", "publisher": "",
                     "edition": "", "series": "", "subjects": []} for title, body, kind, year, keywords in corpus])
                db.session.commit()
                total = search.count_searchable()
                start = time.perf_counter()
                search.reindex(procs=args.procs)
                seconds = time.perf_counter() - start
        if not reuse:
            print(f"reindex: {total} records in {seconds:.1f} s = {total / seconds:.0f} records/s "
                  f"(procs={args.procs})")

        client = signed_in(app, "quality")
        http, raw, counts = [], [], []
        with app.app_context():
            searcher = search._searcher()
            cold = []
            for text in wanted:  # the first pass meets every word for the first time (cold caches); then warm
                t0 = time.perf_counter()
                client.get("/search/", query_string={"q": text})
                cold.append((time.perf_counter() - t0) * 1000)
            fragmenter = PinpointFragmenter(maxchars=220, surround=60, autotrim=False)
            for text in wanted:
                t0 = time.perf_counter()
                response = client.get("/search/", query_string={"q": text})
                http.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
                t0 = time.perf_counter()
                searcher = search._searcher()
                parsed = search.parse(text, searcher.schema)
                found = searcher.search(parsed, limit=10, terms=True)  # Whoosh's own pinpoint highlighting
                found.fragmenter = fragmenter
                for hit in found:
                    hit.highlights(search.DEFAULT_FIELD, top=2)
                raw.append((time.perf_counter() - t0) * 1000)
                counts.append(len(found))
            listing = []
            for page in range(1, 21):  # the archive without a query: every publication, newest first, paged
                t0 = time.perf_counter()
                assert client.get("/archive/", query_string={"page": page}).status_code == 200
                listing.append((time.perf_counter() - t0) * 1000)

        fts = sqlite3.connect(":memory:")
        fts.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='trigram')")
        fts.executemany("INSERT INTO docs VALUES (?, ?)", [(title, body) for title, body, *_ in corpus])
        fts_times, fts_counts = [], []
        for text in wanted:
            words = [w.strip('"') for w in text.split()] if not text.startswith('"') else [text.strip('"')]
            t0 = time.perf_counter()
            if all(len(w) >= 3 for w in words):
                expression = " AND ".join('"' + w.replace('"', "") + '"' for w in words)
                rows = fts.execute("SELECT title, snippet(docs, 1, '<mark>', '</mark>', '…', 20) FROM docs "
                                   "WHERE docs MATCH ? ORDER BY rank LIMIT 10", (expression,)).fetchall()
                count = fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)).fetchone()[0]
            else:  # trigram cannot MATCH 1-2 character words: LIKE, which scans (no ranking, no snippet)
                where = " AND ".join("body LIKE ?" for _ in words)
                params = [f"%{w}%" for w in words]
                rows = fts.execute(f"SELECT title, substr(body, 1, 60) FROM docs WHERE {where} LIMIT 10",
                                   params).fetchall()
                count = fts.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
            fts_times.append((time.perf_counter() - t0) * 1000)
            fts_counts.append(count)
            del rows

    h50, h95 = percentiles(http)
    r50, r95 = percentiles(raw)
    f50, f95 = percentiles(fts_times)
    print(f"{len(wanted)} queries (zh words, zh word pairs, en words/phrases, Simplified, zh phrases)")
    c50, c95 = percentiles(cold)
    print(f"HTTP /search, first pass (cold):   p50 {c50:6.1f} ms  p95 {c95:6.1f} ms")
    print(f"HTTP /search (facets + snippets):  p50 {h50:6.1f} ms  p95 {h95:6.1f} ms")
    l50, l95 = percentiles(listing)
    print(f"HTTP /archive/ listing, pages 1-20:  p50 {l50:6.1f} ms  p95 {l95:6.1f} ms")
    print(f"Whoosh searcher (top 10 + snippets): p50 {r50:6.1f} ms  p95 {r95:6.1f} ms")
    print(f"SQLite FTS5 trigram (top 10 + count): p50 {f50:6.1f} ms  p95 {f95:6.1f} ms")
    print(f"ratios: HTTP p95 / Whoosh p95 = {h95 / r95:.2f}  (goal <= 1.5);  HTTP p95 / FTS5 p95 = {h95 / f95:.2f} "
          "(goal <= 2)")
    simplified = [i for i, text in enumerate(wanted) if text in QUERY_SIMPLIFIED]
    print(f"Simplified queries: QMS found documents for {sum(1 for i in simplified if counts[i])}/{len(simplified)}, "
          f"FTS5 for {sum(1 for i in simplified if fts_counts[i])}/{len(simplified)}")
    before, after = rss_of_fresh_worker()
    print(f"worker memory (resident): {before:.0f} MiB after create_app, {after:.0f} MiB after loading jieba + OpenCC")


if __name__ == "__main__":
    main()
