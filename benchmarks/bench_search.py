"""Search on a realistic corpus, one run, three ways: HTTP /search (signed in: facets, snippets), Whoosh's own
searcher on the same parsed queries, and the embedded floor, SQLite FTS5 over the same jieba segmentation
(space-joined terms, unicode61, bm25, phrases as FTS5 phrases); with index build rates, index sizes on disk, a
worker's resident memory with the index open, and jieba against rjieba.

The default corpus draws words Zipf-like from jieba's own dictionary (by its frequencies, converted to Taiwanese
Traditional with OpenCC s2twp) with ~20 % English sentences (words and frequencies from Python's own
documentation); titles of 5-20 words, bodies of 200-3000 characters (log-normal), 2-6 keywords from a topic
vocabulary, years 2008-2025, publication kinds, a third public (public records are indexed twice: a full
document and the public variant). `--corpus repeated` is the old 24-sentence corpus (nearly every query matches
nearly every document: the worst case for counting and facets).

Run: .venv/bin/python benchmarks/bench_search.py [--docs 10000] [--queries 200] [--procs 1] [--corpus realistic]
"""
from __future__ import annotations

import argparse
import ast
import collections
import math
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from benchmarks.common import demo_app, signed_in  # noqa: E402
from qms import search  # noqa: E402
from qms.archive.models import Publication  # noqa: E402
from qms.extensions import db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["research_report", "handbook", "book", "periodical", "brochure", "collection_item", "other"]

# --- the old corpus: 24 sentences repeated ------------------------------------------------------------------

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


def repeated_corpus(rng: random.Random, docs: int) -> list[dict]:
    corpus = []
    for n in range(docs):
        parts, size = [], 0
        while size < 3000:
            sentence = rng.choice(ZH) if rng.random() < 0.75 else rng.choice(EN)
            parts.append(sentence)
            size += len(sentence.encode())
        corpus.append({"title": f"出版品 {n} · {rng.choice(QUERY_ZH)}", "abstract": " ".join(parts),
                       "kind": rng.choice(["handbook", "book", "brochure"]), "year": rng.randint(2000, 2025),
                       "keywords": [rng.choice(QUERY_ZH), rng.choice(QUERY_ZH)], "public": False})
    return corpus


def repeated_queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    found = []
    for n in range(count):
        kind = n % 5
        if kind == 0:
            found.append(("zh word", rng.choice(QUERY_ZH)))
        elif kind == 1:
            found.append(("two words", " ".join(rng.sample(QUERY_ZH, 2))))
        elif kind == 2:
            word = rng.choice(QUERY_EN)
            found.append(("en phrase", f'"{word}"') if rng.random() < 0.5 else ("en word", word))
        elif kind == 3:
            found.append(("simplified", rng.choice(QUERY_SIMPLIFIED)))
        else:
            found.append(("zh phrase", '"' + rng.choice(["戶籍登記", "身分證換發", "服務品質", "國民身分證"]) + '"'))
    return found


# --- the realistic corpus -----------------------------------------------------------------------------------

class Vocabulary:
    """Chinese words (Traditional, with their Simplified source) and English words, each with a frequency."""

    def __init__(self):
        import jieba
        import opencc

        words, freqs = [], []
        with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
            for line in lines:
                word, freq, *_ = line.split()
                if re.fullmatch(r"[\u4e00-\u9fff]+", word) and int(freq) >= 3:
                    words.append(word)
                    freqs.append(int(freq))
        traditional = opencc.OpenCC("s2twp").convert("\n".join(words)).split("\n")
        assert len(traditional) == len(words)
        order = np.argsort(-np.asarray(freqs), kind="stable")
        self.zh = [traditional[i] for i in order]
        self.zh_simplified = [words[i] for i in order]
        self.zh_p = np.asarray([freqs[i] for i in order], dtype=np.float64)
        self.zh_p /= self.zh_p.sum()
        english = english_words()
        self.en = [word for word, _n in english]
        self.en_p = np.asarray([n for _w, n in english], dtype=np.float64)
        self.en_p /= self.en_p.sum()
        # keywords: a topic vocabulary of medium-frequency words and QMS's own domain words
        self.topics = list(dict.fromkeys(search.domain_words() + self.zh[3000:3300:2] + self.zh[800:1400:6]))


def english_words() -> list[tuple[str, int]]:
    """English words and their counts in Python's own documentation (pydoc topics and the stdlib's docstrings)."""
    import pydoc_data.topics
    import sysconfig

    texts = list(pydoc_data.topics.topics.values())
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in sorted(stdlib.rglob("*.py")):
            if {"test", "tests", "site-packages", "idlelib"} & set(path.parts):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc:
                        texts.append(doc)
    counts = collections.Counter()
    for text in texts:
        counts.update(re.findall(r"(?<![\w.])[a-z]{3,}(?![\w(])", text))
    return [(word, n) for word, n in counts.most_common() if n >= 2]


class RealisticCorpus:
    def __init__(self, seed: int, docs: int):
        self.vocab = Vocabulary()
        self.rng = np.random.default_rng(seed)
        self.docs = docs
        self.samples: list[dict] = []  # documents kept as word lists, to draw phrase queries from

    def _zh(self, n):  # rng.choice(p=...) would sum the whole vocabulary on every call
        if not hasattr(self, "_zh_cdf"):
            self._zh_cdf, self._en_cdf = np.cumsum(self.vocab.zh_p), np.cumsum(self.vocab.en_p)
        return np.minimum(np.searchsorted(self._zh_cdf, self.rng.random(n)), len(self.vocab.zh) - 1)

    def _en(self, n):
        self._zh(0)
        return np.minimum(np.searchsorted(self._en_cdf, self.rng.random(n)), len(self.vocab.en) - 1)

    def body(self, target: int, sentences: list) -> str:
        parts, size = [], 0
        zh, en = self.vocab.zh, self.vocab.en
        while size < target:
            if self.rng.random() < 0.2:
                words = [en[i] for i in self._en(int(self.rng.integers(6, 16)))]
                text = " ".join(words).capitalize() + ". "
                sentences.append(("en", words))
            else:
                words = [zh[i] for i in self._zh(int(self.rng.integers(5, 21)))]
                text = "".join(words) + ("。" if self.rng.random() < 0.6 else "，")
                sentences.append(("zh", words))
            parts.append(text)
            size += len(text)
        return "".join(parts)

    def __iter__(self):
        vocab, rng = self.vocab, self.rng
        keep_every = max(1, self.docs // 400)
        for n in range(self.docs):
            target = int(min(3000, max(200, rng.lognormal(math.log(700), 0.75))))
            sentences: list = []
            body = self.body(target, sentences)
            title_words = [vocab.zh[i] for i in self._zh(int(rng.integers(5, 21)))]
            if rng.random() < 0.2:
                title_words[-3:] = [vocab.en[i] for i in self._en(3)]
                title = "".join(title_words[:-3]) + " " + " ".join(title_words[-3:]).title()
            else:
                title = "".join(title_words)
            keywords = sorted({vocab.topics[int(i)] for i in rng.integers(0, len(vocab.topics),
                                                                            int(rng.integers(2, 7)))})
            document = {"title": title, "abstract": body, "kind": KINDS[int(rng.integers(0, len(KINDS)))],
                        "year": int(rng.integers(2008, 2026)), "keywords": keywords,
                        "public": bool(rng.random() < 0.33)}
            if n % keep_every == 0:
                self.samples.append({"sentences": sentences})
            yield document

    def queries(self, count: int, seed: int) -> list[tuple[str, str]]:
        rng = random.Random(seed)
        vocab = self.vocab
        zh = vocab.zh
        simplified_medium = [i for i in range(300, 8000) if vocab.zh_simplified[i] != zh[i]]
        found = []
        kinds = ["common", "medium", "rare", "two words", "simplified", "en", "zh phrase", "medium", "two words",
                 "zh phrase"]
        for n in range(count):
            kind = kinds[n % len(kinds)]
            sample = rng.choice(self.samples)["sentences"]
            zh_sentences = [words for lang, words in sample if lang == "zh"] or [[zh[0], zh[1]]]
            en_sentences = [words for lang, words in sample if lang == "en"]
            if kind == "common":
                found.append((kind, zh[rng.randrange(20, 500)]))
            elif kind == "medium":
                found.append((kind, zh[rng.randrange(500, 8000)]))
            elif kind == "rare":  # a word of a document that is rare in the dictionary
                words = sorted(set(chain_words(zh_sentences)), key=lambda w: (vocab.zh_p[self.rank(w)], w))
                found.append((kind, words[0]))
            elif kind == "two words":
                found.append((kind, f"{zh[rng.randrange(500, 8000)]} {zh[rng.randrange(20, 3000)]}"))
            elif kind == "simplified":
                found.append((kind, vocab.zh_simplified[rng.choice(simplified_medium)]))
            elif kind == "en":
                if en_sentences and rng.random() < 0.6:
                    words = rng.choice(en_sentences)
                    start = rng.randrange(0, len(words) - 1)
                    found.append(("en phrase", '"' + " ".join(words[start:start + 2]) + '"'))
                else:
                    found.append(("en word", vocab.en[rng.randrange(30, 1500)]))
            else:  # two or three adjacent words of a document, quoted
                words = rng.choice(zh_sentences)
                size = 2 if rng.random() < 0.7 else 3
                start = rng.randrange(0, max(1, len(words) - size))
                found.append((kind, '"' + "".join(words[start:start + size]) + '"'))
        return found

    def rank(self, word: str) -> int:
        if not hasattr(self, "_ranks"):
            self._ranks = {w: i for i, w in reversed(list(enumerate(self.vocab.zh)))}
        return self._ranks[word]


def chain_words(sentences):
    for words in sentences:
        yield from words


# --- measuring ------------------------------------------------------------------------------------------------

def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


WORKER = """
import json, sys, time
sys.path.insert(0, '.')
def rss():
    lines = [l for l in open('/proc/self/status') if l.startswith(('VmRSS', 'RssAnon'))]
    found = {l.split(":")[0]: int(l.split()[1]) / 1024 for l in lines}
    return found['VmRSS'], found['RssAnon']
from qms import create_app, search
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "QMS_SEARCH_INDEX": sys.argv[2], "SECRET_KEY": "bench"})
queries = json.loads(open(sys.argv[3], encoding="utf-8").read())
out = {"start": rss()}
with app.app_context():
    search.warm_up()
    out["jieba"] = rss()
    search._searcher()
    out["open"] = rss()
    for text in queries:
        search.search(text, access=["signed_in", "public", "quality"])
    out["queries"] = rss()
print(json.dumps(out))
"""


def worker_memory(database_url: str, index: str, queries: list[str], scratch: str) -> dict:
    import json

    path = Path(scratch) / "queries.json"
    path.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", WORKER, database_url, index, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fts_content(document: dict) -> str:
    return "\n".join(part for part in (document["abstract"], document["title"], document["title"],
                                       " ".join(document["keywords"])) if part)


def build_fts(path: Path, corpus: list[dict]) -> tuple[sqlite3.Connection, float]:
    """FTS5 over the same segmentation: main words space-joined in order (phrases), sub-words in a column beside."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(words, subs, title UNINDEXED, "
                       "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")")
    start = time.perf_counter()
    rows = []
    for document in corpus:
        tokens = search.analyse(fts_content(document))
        rows.append((" ".join(t for t, _p, _s, _e, sub in tokens if not sub),
                     " ".join(t for t, _p, _s, _e, sub in tokens if sub), document["title"]))
        if len(rows) == 500:
            connection.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
            rows = []
    connection.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
    connection.commit()
    return connection, time.perf_counter() - start


def fts_expression(text: str) -> str | None:
    """The query in FTS5 syntax: a quoted phrase becomes an FTS5 phrase over the main words, every other word a
    term that may be a main word or a sub-word."""
    parts = []
    for phrase, plain in re.findall(r'"([^"]*)"|(\S+)', text):
        terms = [t for t, _p, _s, _e, sub in search.analyse(phrase or plain) if not sub]
        if not terms:
            continue
        if phrase and len(terms) > 1:
            parts.append("{words}: \"" + " ".join(terms) + "\"")
        else:
            parts.extend('{words subs}: "' + term.replace('"', "") + '"' for term in terms)
    return " AND ".join(parts) or None


def segmentation(corpus: list[dict], limit: int = 2000) -> str:
    """jieba against rjieba on the corpus (normalized, with QMS's words added to both): speed and sameness."""
    try:
        import rjieba
    except ImportError:
        return "rjieba: not installed"
    import jieba

    texts = [search.normalize(fts_content(d)) for d in corpus[:limit]]
    words = [search.normalize(word) for word in search.domain_words()]
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    for word in words:
        segmenter.add_word(word)
    t0 = time.perf_counter()
    ours = [segmenter.lcut(text, HMM=False) for text in texts]
    jieba_s = time.perf_counter() - t0
    rust = rjieba.Jieba()
    for word in words:
        rust.add_word(word, None, None)
    t0 = time.perf_counter()
    theirs = [rust.cut(text, hmm=False) for text in texts]
    rust_s = time.perf_counter() - t0
    differ = sum(1 for a, b in zip(ours, theirs, strict=True) if a != b)
    example = next(((a, b) for a, b in zip(ours, theirs, strict=True) if a != b), None)
    detail = ""
    if example:
        a, b = example
        i = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
        detail = f"; first difference: jieba {a[i:i + 3]} rjieba {b[i:i + 3]}"
    chars = sum(len(t) for t in texts)
    return (f"segmentation (QMS uses {search._jieba().engine}) of {len(texts)} docs ({chars / 1e6:.1f} M chars): "
            f"jieba {jieba_s:.2f} s, "
            f"rjieba {rust_s:.2f} s ({jieba_s / rust_s:.1f}x); documents segmented differently: {differ}{detail}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--corpus", choices=["realistic", "repeated"], default="realistic")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and leave it there (default: a temporary folder)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the warm HTTP pass to FILE")
    args = parser.parse_args()

    t0 = time.perf_counter()
    if args.corpus == "repeated":
        rng = random.Random(args.seed)
        corpus = repeated_corpus(rng, args.docs)
        wanted = repeated_queries(rng, args.queries)
    else:
        generator = RealisticCorpus(args.seed, args.docs)
        corpus = list(generator)
        wanted = generator.queries(args.queries, args.seed)
    chars = sum(len(d["abstract"]) for d in corpus)
    print(f"corpus {args.corpus}: {len(corpus)} publications, {chars / len(corpus):.0f} body chars on average, "
          f"{sum(d['public'] for d in corpus)} public; {len(wanted)} queries; made in {time.perf_counter() - t0:.0f} s")
    texts = [text for _kind, text in wanted]

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in ("bench.sqlite3", "fts.sqlite3"):
            (folder / stale).unlink(missing_ok=True)
        app, _engine = demo_app(str(folder))
        app.config["QMS_SEARCH_SYNC"] = False
        index = Path(app.config["QMS_SEARCH_INDEX"])
        with app.app_context():
            for start in range(0, len(corpus), 2000):
                db.session.execute(insert(Publication), [
                    {**d, "language": "zh-Hant", "subtitle": "", "authors": "", "publisher": "", "edition": "",
                     "series": "", "subjects": []} for d in corpus[start:start + 2000]])
            db.session.commit()
            total = search.count_searchable()
            search.analyse.cache_clear()
            start = time.perf_counter()
            search.reindex(procs=args.procs)
            seconds = time.perf_counter() - start
            documents = search.status().documents
        whoosh_size = folder_size(index)
        fts, fts_seconds = build_fts(folder / "fts.sqlite3", corpus)
        fts_size = (folder / "fts.sqlite3").stat().st_size

        client = signed_in(app, "quality")
        cold, http, module, raw, counts = [], [], [], [], {}
        for text in texts:  # the first pass meets every word for the first time (cold caches); then warm
            t1 = time.perf_counter()
            assert client.get("/search/", query_string={"q": text}).status_code == 200
            cold.append((time.perf_counter() - t1) * 1000)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for text in texts:
            t1 = time.perf_counter()
            response = client.get("/search/", query_string={"q": text})
            http.append((time.perf_counter() - t1) * 1000)
            assert response.status_code == 200
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        access = ["signed_in", "public", "quality"]
        with app.app_context():
            for text in texts:
                t1 = time.perf_counter()
                results = search.search(text, access=access)
                module.append((time.perf_counter() - t1) * 1000)
                counts[text] = results.total
            searcher = search._searcher()
            flt = search._filter(access, {})
            for text in texts:  # Whoosh's own searcher: the same parsed query, top 10, exact count, no snippets
                t1 = time.perf_counter()
                parsed = search.parse(text, searcher.schema)
                found = searcher.search(parsed, filter=flt, limit=10)
                len(found)
                raw.append((time.perf_counter() - t1) * 1000)

        fts_times, fts_counts = [], {}
        for text in texts:
            t1 = time.perf_counter()
            expression = fts_expression(text)
            count = 0
            if expression:
                rows = fts.execute("SELECT title, snippet(docs, 0, '<mark>', '</mark>', '…', 20) FROM docs "
                                   "WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10", (expression,)).fetchall()
                count = fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)).fetchone()[0]
                del rows
            fts_times.append((time.perf_counter() - t1) * 1000)
            fts_counts[text] = count
        fts.close()
        memory = worker_memory(app.config["SQLALCHEMY_DATABASE_URI"], str(index), texts, str(folder))
        segmented = segmentation(corpus) if args.corpus == "realistic" else ""

    def line(label, samples):
        p50, p95 = percentiles(samples)
        return f"  {label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"
    print(f"whoosh reindex: {total} records ({documents} documents) in {seconds:.1f} s = {total / seconds:.0f} "
          f"records/s (procs={args.procs}); index {whoosh_size / 2**20:.1f} MiB")
    print(f"FTS5 build (analyse + insert): {len(corpus)} in {fts_seconds:.1f} s = {len(corpus) / fts_seconds:.0f} "
          f"docs/s; database {fts_size / 2**20:.1f} MiB;  size ratio Whoosh/FTS5 {whoosh_size / fts_size:.2f} "
          "(goal <= 3)")
    kinds = collections.Counter(kind for kind, _text in wanted)
    print(f"{len(texts)} queries: " + ", ".join(f"{kind} {n}" for kind, n in kinds.items()))
    print(line("HTTP /search, first pass (cold caches)", cold))
    print(line("HTTP /search (signed in; facets + snippets)", http))
    print(line("search.search() (facets + snippets)", module))
    print(line("Whoosh searcher.search (top 10 + count)", raw))
    print(line("SQLite FTS5, same segmentation (top 10+count)", fts_times))
    print(f"  HTTP p95 / FTS5 p95 = {percentiles(http)[1] / percentiles(fts_times)[1]:.2f} (goal <= 2)")
    by_kind = collections.defaultdict(list)
    for (kind, _text), ms in zip(wanted, http, strict=True):
        by_kind[kind].append(ms)
    print("  HTTP p50/p95 by kind: " + "; ".join(f"{k} {percentiles(v)[0]:.0f}/{percentiles(v)[1]:.0f}"
                                                   for k, v in by_kind.items()))
    hits = [counts[t] for t in texts]
    print(f"  hits per query: median {statistics.median(hits):.0f}, max {max(hits)}, zero for "
          f"{sum(1 for h in hits if not h)}; FTS5 zero for {sum(1 for t in texts if not fts_counts[t])}")
    print("worker resident memory, MiB, total (private): " + ", ".join(
        f"{label} {memory[key][0]:.0f} ({memory[key][1]:.0f})" for key, label in (
            ("start", "after create_app"), ("jieba", "with the segmenter + OpenCC"),
            ("open", "with the searcher open"), ("queries", f"after the {len(texts)} queries"))) + " (goal <= 400)")
    if segmented:
        print(segmented)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
