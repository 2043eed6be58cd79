"""Full-text search over every record type that registers a SearchSpec (qms/spine/records.py).

The only module that imports Whoosh, jieba and OpenCC. What it does, and why (see STACK-NOTES):

* One normalization for documents and queries alike: full-width folded to half-width, Traditional folded to
  Simplified with OpenCC (length-preserving, so character offsets still point into the original text), lower
  case. 户籍 and 戶籍 become the same term.
* jieba (precise mode, HMM off) with a domain dictionary shipped beside this file; tokens get sequential
  positions, so phrase queries work; the 2- and 3-character dictionary words inside a longer word are
  indexed at the same position, so 戶籍 finds 戶籍登記. English words are stemmed (Porter) and stop words
  dropped.
* Phrases are matched on positions, vectorized: the content field stores each occurrence as raw integers
  (position, start, end), so the positions of every candidate document are read with one numpy call. (An
  earlier version indexed every adjacent word pair as a term: on real text that was 95 % of the index.)
* Snippets come from character offsets stored with the postings, never from segmenting whole documents
  again at query time.
* The index follows the database: after every flush the changed searchable records are queued in the
  search_queue table (in the same transaction), and after the commit the queue is applied under Whoosh's
  writer lock, waiting for other workers instead of failing. A change whose index update fails stays queued
  and is applied by the next update, ``qms search sync`` or a rebuild; search says how many are waiting.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import os
import re
import shutil
import threading
import uuid
import weakref
from array import array
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
from flask import current_app, has_app_context
from markupsafe import Markup, escape
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session
from whoosh import formats
from whoosh.analysis import Token, Tokenizer

from qms.extensions import db
from qms.spine import clock, records

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5  # 5: no pairs field; content stores occurrences as raw integers
# The key of a record's public variant: what the public catalogue searches and quotes (public fields and files).
PUBLIC_SUFFIX = ":public"
VISITOR = "visitor"  # the access term of public variants, which only visitors match
IDENTITY_FILE = "qms-index.json"
WORDS_FILE = Path(__file__).with_name("search_words.txt")
QUEUE_KEY = "qms_search_refs"
KEEP_DONE = dt.timedelta(days=2)  # applied queue rows are kept this long, so a rebuild can replay them
WRITE_TIMEOUT = 60.0  # seconds an update waits for another worker's writer lock

FACETS = ("type", "kind", "year", "keyword")
DEFAULT_FIELD = "content"  # body, then title (twice: it weighs more), authors and keywords, in one field

# --- normalization and segmentation -------------------------------------------------------------

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORDISH = re.compile(r"[^\W_]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
_init_lock = threading.Lock()
_converter = None
_segmenter = None


def _opencc():
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter


def normalize(text: str) -> str:
    """Fold full-width to half-width, Traditional to Simplified and case, keeping every character's offset."""
    folded = text.translate(_FULLWIDTH)
    converter = _opencc()
    converted = converter.convert(folded)
    if len(converted) != len(folded):  # never seen, but offsets must stay true: convert one character at a time
        converted = "".join(c2 if len(c2 := converter.convert(c)) == 1 else c for c in folded)
    lowered = converted.lower()
    if len(lowered) != len(converted):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in converted)
    return lowered


def domain_words() -> list[str]:
    words = []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words


class _Segmenter:
    """jieba's precise mode (HMM off) with QMS's words, through rjieba (the Rust port: the same dictionary and the
    same cuts, measured identical on the benchmark corpus, ~15x faster) when installed, else jieba itself."""

    def __init__(self, words: list[str]):
        try:
            import rjieba
        except ImportError:
            rjieba = None
        if rjieba is not None:
            self.engine = "rjieba"
            rust = rjieba.Jieba()
            for word in words:
                rust.add_word(word, None, None)
            self.cut = functools.partial(rust.cut, hmm=False)
            self.is_word = rust.has_word
            return
        import jieba  # never jieba.analyse: it loads ~126 MiB of tagging data we do not use

        self.engine = "jieba"
        jieba.setLogLevel(logging.WARNING)
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
        for word in words:
            segmenter.add_word(word)
        freq = segmenter.FREQ  # holds every word's prefixes too, with frequency 0
        self.cut = lambda text: segmenter.lcut(text, HMM=False)
        self.is_word = lambda part: bool(freq.get(part))


def _jieba() -> _Segmenter:
    global _segmenter
    if _segmenter is None:
        with _init_lock:
            if _segmenter is None:
                _segmenter = _Segmenter([normalize(word) for word in domain_words()])
    return _segmenter


@functools.lru_cache(maxsize=1024)
def _stem(word: str) -> str:
    from whoosh.lang.porter import stem

    return stem(word)


def _stop_words() -> frozenset:
    from whoosh.analysis import STOP_WORDS

    return STOP_WORDS


@functools.lru_cache(maxsize=16)
def analyse(text: str) -> tuple[tuple[str, int, int, int, bool], ...]:
    """(term, position, start char, end char, is a sub-word) for a text; cached so that a text analysed twice
    in a row (a document's content at index time, a query parsed then shown) is segmented once."""
    segmenter = _jieba()
    stop_words = _stop_words()
    is_word = segmenter.is_word
    out: list[tuple[str, int, int, int, bool]] = []
    position = offset = 0
    for word in segmenter.cut(normalize(text)):
        start, offset = offset, offset + len(word)
        if not _WORDISH.search(word):
            continue  # spaces and punctuation
        if word.isascii():
            if word in stop_words:
                continue
            out.append((_stem(word) if word.isalpha() else word, position, start, offset, False))
        else:
            out.append((word, position, start, offset, False))
            if len(word) > 2 and _CJK.match(word):
                for size in (2, 3):
                    for i in range(len(word) - size + 1):
                        part = word[i:i + size]
                        if part != word and is_word(part):
                            out.append((part, position, start + i, start + i + size, True))
        position += 1
    return tuple(out)


class WordTokenizer(Tokenizer):
    """jieba words with sequential positions and their sub-words at the same position (index time)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        with_subwords = mode != "query"
        for text, position, startchar, endchar, sub in analyse(value):
            if sub and not with_subwords:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + startchar
                token.endchar = start_char + endchar
            yield token


def _grouped(value, analyzer, mode):
    """term -> flat [position, start, end, ...] straight from analyse() (no Token per occurrence), in first
    occurrence order: what Whoosh's word_values would gather through the tokenizer, for WordTokenizer fields."""
    with_subwords = mode != "query"
    seen: dict[str, list[int]] = {}
    for text, position, startchar, endchar, sub in analyse(value):
        if sub and not with_subwords:
            continue
        found = seen.get(text)
        if found is None:
            seen[text] = [position, startchar, endchar]
        else:
            found += (position, startchar, endchar)
    return seen


def _grouped_rows(value, mode) -> tuple[list[str], list[int], np.ndarray]:
    """_grouped as arrays: the terms in first occurrence order, how many occurrences each has, and every
    occurrence's (position, start, end) row, the rows of the first term first (each term's in text order)."""
    with_subwords = mode != "query"
    tokens = [token for token in analyse(value) if with_subwords or not token[4]]
    if not tokens:
        return [], [], np.empty((0, 3), dtype=np.int64)
    ids: dict[str, int] = {}
    codes = np.fromiter((ids.setdefault(token[0], len(ids)) for token in tokens), dtype=np.int64,
                        count=len(tokens))
    rows = np.array([token[1:4] for token in tokens], dtype=np.int64)[np.argsort(codes, kind="stable")]
    return list(ids), np.bincount(codes, minlength=len(ids)).tolist(), rows


def _occurrence_values(value, mode, fb: float, lengths: bool):
    """(term, frequency, weight, value) of an Occurrences field: each value the term's uint32 rows, cut from
    one buffer made for the whole text (a Python step per term, not per occurrence)."""
    terms, counts, rows = _grouped_rows(value, mode)
    if lengths:
        rows[:, 2] -= rows[:, 1]
    buffer = rows.astype("<u4").tobytes()
    at = 0
    for text, n in zip(terms, counts, strict=True):
        yield text, n, n * fb, buffer[at:at + 12 * n]
        at += 12 * n


class Places(formats.Positions):
    """Whoosh's Positions format, unchanged on disk; only word_values skips the Token pipeline."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WordTokenizer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        encode = self.encode
        for text, flat in _grouped(value, analyzer, kwargs.get("mode", "")).items():
            n = len(flat) // 3
            yield text, n, n * fb, encode(flat[0::3])


class Occurrences(formats.Characters):
    """Whoosh's Characters format (positions and character offsets per posting) stored as raw little-endian
    uint32 triples (position, start, end) instead of a pickle of deltas, so the values of many postings decode
    together with one numpy call (phrases, snippets). Blocks are zlib-compressed as before."""

    def encode(self, poslist):
        return np.asarray(poslist, dtype="<u4").tobytes()

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WordTokenizer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from _occurrence_values(value, kwargs.get("mode", ""), self.field_boost, lengths=False)

    @staticmethod
    def triples(value) -> np.ndarray:
        return np.frombuffer(value, dtype="<u4").reshape(-1, 3)

    def decode_characters(self, value):
        return [tuple(row) for row in self.triples(value).tolist()]

    def decode_positions(self, value):
        return np.frombuffer(value, dtype="<u4")[0::3].tolist()

    def decode_position_boosts(self, value):
        return [(position, 1.0) for position in self.decode_positions(value)]

    def decode_character_boosts(self, value):
        return [(*row, 1.0) for row in self.decode_characters(value)]

    def decode_frequency(self, value):
        return len(value) // 12

    def decode_weight(self, value):
        return self.decode_frequency(value) * self.field_boost


class Spans(Occurrences):
    """Occurrences stored as (position, start, length) instead of (position, start, end): the third column is
    then nearly constant and compresses to almost nothing (the index shrinks by ~5 %). Still fixed-width, so
    the values of many postings decode together; triples() gives (position, start, end) as before. A separate
    class, so that an index written with Occurrences keeps reading its values as written."""

    def encode(self, poslist):
        rows = np.asarray(poslist, dtype=np.int64).reshape(-1, 3)
        rows[:, 2] -= rows[:, 1]
        return rows.astype("<u4").tobytes()

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WordTokenizer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from _occurrence_values(value, kwargs.get("mode", ""), self.field_boost, lengths=True)

    @staticmethod
    def triples(value) -> np.ndarray:
        rows = np.frombuffer(value, dtype="<u4").reshape(-1, 3).copy()
        rows[:, 2] += rows[:, 1]
        return rows


def schema():
    from whoosh import fields

    words = WordTokenizer()
    content = fields.TEXT(analyzer=words, stored=True, phrase=True, chars=True)
    content.format = Spans(field_boost=content.format.field_boost)
    title = fields.TEXT(analyzer=words, stored=True, phrase=True)
    author = fields.TEXT(analyzer=words, stored=True)
    keyword = fields.TEXT(analyzer=words)
    for text_field in (title, author, keyword):
        text_field.format = Places(field_boost=text_field.format.field_boost)
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),  # "type:id", or "type:id:public" for a public variant
        record=fields.ID(),  # "type:id" for every document of the record, so one delete removes them all
        type=fields.ID(stored=True, sortable=True),
        title=title,
        content=content,
        body_end=fields.STORED(),  # where the body ends in content: snippets quote the body only
        author=author,
        keyword=keyword,
        keywords=fields.KEYWORD(stored=True, commas=True, scorable=False, sortable=True),
        kind=fields.ID(stored=True, sortable=True),
        year=fields.NUMERIC(stored=True, sortable=True, signed=False),
        date=fields.DATETIME(stored=True, sortable=True),
        access=fields.KEYWORD(scorable=False),
        spell=fields.KEYWORD(scorable=False),
    )


# --- documents ----------------------------------------------------------------------------------

def access_terms(record_type: records.RecordType, public: bool) -> list[str]:
    if record_type.readable_by is None:
        found = ["signed_in"]
    else:
        found = sorted({str(role.value) for role in record_type.readable_by} | {"admin"})
    if public:
        found.append("public")
    return found


def user_access_terms(user) -> list[str]:
    """The access terms a user's searches may match: what the registry's readable_by rules give them.

    A visitor (not signed in) matches "public" and "visitor". A public record whose search document gives a
    `public_body` is indexed twice: its full document for signed-in readers (without "public") and a variant
    holding only what the public may read (public fields and files), which only "visitor" matches."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ["public", VISITOR]
    if getattr(user, "role", None) is not None and str(user.role.value) == "admin":
        return ["signed_in", "public", "admin", "quality", "staff", "leader"]
    return ["signed_in", "public", str(user.role.value)]


def documents_for(record_type: records.RecordType, record) -> list[dict]:
    """The record's search document, and its public variant when it is public and says what the public may read."""
    raw = record_type.search.document(record)
    public_body = raw.get("public_body")
    if public_body is None:
        return [document_for(record_type, record, raw)]
    full = document_for(record_type, record, raw, public=False)
    if not raw.get("public"):
        return [full]
    return [full, document_for(record_type, record, {**raw, "body": public_body}, public=True, variant=PUBLIC_SUFFIX)]


def document_for(record_type: records.RecordType, record, raw: dict | None = None, public: bool | None = None,
                 variant: str = "") -> dict:
    raw = raw if raw is not None else record_type.search.document(record)
    if public is not None:
        access = [VISITOR] if variant else access_terms(record_type, public)
    else:
        access = access_terms(record_type, bool(raw.get("public")))
    title = (raw.get("title") or "").strip() or str(record)
    body = raw.get("body") or ""
    author = raw.get("author") or ""
    keywords = [str(k).strip() for k in raw.get("keywords") or [] if str(k).strip()]
    date = raw.get("date")
    if isinstance(date, dt.datetime):
        date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
    elif isinstance(date, dt.date):
        date = dt.datetime(date.year, date.month, date.day)
    year = raw.get("year") or (date.year if date else None)
    spell = sorted({w.lower() for w in _LATIN_WORD.findall(" ".join((title, body, author)))})
    document = {
        "key": f"{record_type.name}:{record.id}{variant}", "record": f"{record_type.name}:{record.id}",
        "type": record_type.name, "title": title,
        "author": author, "keyword": " ".join(keywords),
        "keywords": ",".join(k.replace(",", " ") for k in keywords), "kind": raw.get("kind") or "",
        "access": " ".join(access), "spell": " ".join(spell),
    }
    # One field for plain queries: a query of several words then intersects two posting lists instead of
    # unions over four fields. The body comes first, so snippets quote it.
    content = "\n".join(part for part in (body, title, title, author, " ".join(keywords)) if part)
    document["content"] = content
    document["body_end"] = len(body)
    if year:
        document["year"] = int(year)
    if date:
        document["date"] = date
    return document


def _load(session: Session, record_type: records.RecordType, ids: Iterable[int] | None = None):
    from sqlalchemy.orm import selectinload

    model = record_type.model
    statement = select(model).order_by(model.id)
    if ids is not None:
        statement = statement.where(model.id.in_(list(ids)))
    for name in record_type.search.load:
        statement = statement.options(selectinload(getattr(model, name)))
    return session.scalars(statement.execution_options(yield_per=200))


# --- the index on disk --------------------------------------------------------------------------

def backend(app=None) -> str:
    """The configured search backend: "whoosh" (the default: files beside the app) or "postgres" (rows
    in the database, qms/search_postgres.py; create_app refuses it on another database)."""
    if app is None and not has_app_context():
        return "whoosh"
    return (app or current_app).config.get("QMS_SEARCH_BACKEND") or "whoosh"


def _postgres():
    from qms import search_postgres

    return search_postgres


class IndexUnavailable(Exception):
    """The index is missing, was built by another version, or cannot be read; ``reason`` says which."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "missing", "outdated" or "corrupt"
        self.detail = detail


def index_dir(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("QMS_SEARCH_INDEX")
    return Path(configured) if configured else Path(app.instance_path) / "search-index"


def _identity(path: Path) -> dict:
    try:
        return json.loads((path / IDENTITY_FILE).read_text())
    except FileNotFoundError:
        raise IndexUnavailable("missing") from None
    except (OSError, ValueError) as error:
        raise IndexUnavailable("corrupt", str(error)) from None


def open_index(path: Path | None = None):
    from whoosh import index

    path = path or index_dir()
    identity = _identity(path)
    if identity.get("schema") != SCHEMA_VERSION:
        raise IndexUnavailable("outdated", f"schema {identity.get('schema')}, expected {SCHEMA_VERSION}")
    try:
        return index.open_dir(str(path))
    except Exception as error:  # whoosh raises several kinds (EmptyIndexError, unpickling errors, OSError)
        raise IndexUnavailable("corrupt", str(error)) from None


def _create(path: Path):
    from whoosh import index

    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = index.create_in(str(path), schema())
    (path / IDENTITY_FILE).write_text(json.dumps({"schema": SCHEMA_VERSION, "id": uuid.uuid4().hex,
                                                 "built": clock.utcnow().isoformat()}))
    return created


def _swap_in(new: Path, target: Path) -> None:
    old = target.with_name(f"{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


LEFTOVER_AGE = dt.timedelta(hours=6)  # longer than any rebuild runs; a younger one may still be being built


def remove_leftovers(target: Path) -> int:
    """Delete half-built (`.new-`) and half-removed (`.old-`) index folders a killed rebuild left beside the index."""
    removed = 0
    cutoff = (clock.utcnow() - LEFTOVER_AGE).timestamp()
    for path in target.parent.glob(f"{target.name}.*-*"):
        kind = path.name[len(target.name) + 1:].split("-", 1)[0]
        if kind in ("new", "old") and path.is_dir() and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def create_empty(app=None) -> None:
    """A new empty index in place of whatever is there (tests and a fresh install with no records)."""
    if backend() == "postgres":
        return _postgres().create_empty(app)
    target = index_dir(app)
    new = target.with_name(f"{target.name}.new-{uuid.uuid4().hex[:8]}")
    _create(new)
    _swap_in(new, target)


def _writer(ix):
    # compound=False: a segment stays separate files that readers map, instead of one file Whoosh copies into
    # each worker's memory
    return ix.writer(timeout=WRITE_TIMEOUT, delay=0.05, compound=False)


# --- following the database ---------------------------------------------------------------------

_watch_cache: dict | None = None


def _watched() -> dict:
    """model -> [(record type name, function giving the id of the record to re-index)]"""
    global _watch_cache
    if _watch_cache is None or len(_watch_cache.get("_types", ())) != len(records.searchable_types()):
        watched: dict = {"_types": tuple(rt.name for rt in records.searchable_types())}
        for record_type in records.searchable_types():
            watched.setdefault(record_type.model, []).append((record_type.name, lambda record: record.id))
            for child, parent_id in record_type.search.parents.items():
                watched.setdefault(child, []).append((record_type.name, parent_id))
        _watch_cache = watched
    return _watch_cache


def _after_flush(session: Session, flush_context) -> None:
    if backend() == "postgres":
        return  # the PostgreSQL backend writes its rows in the same transaction: no queue
    watched = _watched()
    refs = set()
    for instance in chain(session.new, session.dirty, session.deleted):
        for type_name, id_of in watched.get(type(instance), ()):
            if instance in session.dirty and not session.is_modified(instance, include_collections=False):
                continue
            record_id = id_of(instance)
            if record_id is not None:
                refs.add((type_name, record_id))
    if not refs:
        return
    from qms.core.models import SearchQueue, utcnow

    now = utcnow()
    session.connection().execute(insert(SearchQueue.__table__), [
        {"record_type": type_name, "record_id": record_id, "queued_at": now, "done": False}
        for type_name, record_id in sorted(refs)])
    session.info.setdefault(QUEUE_KEY, set()).update(refs)


def _after_commit(session: Session) -> None:
    if not session.info.pop(QUEUE_KEY, None) or not has_app_context():
        return
    if not current_app.config.get("QMS_SEARCH_SYNC", True):
        return
    from qms import jobs

    if not jobs.is_immediate() and not jobs.in_job():
        # Off the request: a "search.sync" job applies the queue. One waiting job is enough, since it reads
        # the queue when it starts; one already running may have read it before this commit, so queue another.
        # It waits QMS_SEARCH_SYNC_DELAY seconds first, so that a burst of writes makes one index change rather
        # than one each: every change makes each web worker open a new searcher and rebuild its caches.
        try:
            if not jobs.pending("search.sync"):
                jobs.enqueue("search.sync", delay=current_app.config["QMS_SEARCH_SYNC_DELAY"])
        except Exception:
            log.exception("could not queue a search index update; the changes stay queued")
        return
    try:
        sync()
    except IndexUnavailable:
        pass  # search reports it; the changes wait in the queue for the rebuild
    except Exception:
        log.exception("search index update failed; the changes stay queued and are retried")


def _after_rollback(session: Session) -> None:
    session.info.pop(QUEUE_KEY, None)


def install(app) -> None:
    if not getattr(install, "done", False):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))
        install.done = True


def _apply(ix, session: Session, refs: set[tuple[str, int]], writer=None) -> None:
    """Write the current database state of refs into the index (deleting what no longer exists)."""
    own_writer = writer is None
    writer = writer or _writer(ix)
    try:
        by_type: dict[str, set[int]] = {}
        for type_name, record_id in refs:
            by_type.setdefault(type_name, set()).add(record_id)
        for type_name, ids in by_type.items():
            record_type = records.get(type_name)
            found = {}
            if record_type is not None and record_type.search is not None:
                found = {record.id: record for record in _load(session, record_type, ids)}
            for record_id in ids:
                key = f"{type_name}:{record_id}"
                writer.delete_by_term("record", key)
                if record_id in found:
                    for document in documents_for(record_type, found[record_id]):
                        writer.add_document(**document)
    except BaseException:
        if own_writer:
            writer.cancel()
        raise
    if own_writer:
        writer.commit()


def sync(limit: int = 2000) -> int:
    """Apply queued changes to the index; returns how many records were written. Safe from several processes:
    each waits for the writer lock, then reads the queue and the records, so the last writer writes the
    latest state."""
    if backend() == "postgres":
        return _postgres().sync(limit)
    from qms.core.models import SearchQueue, utcnow

    ix = open_index()
    applied = 0
    with Session(db.engine) as session:
        if not session.scalar(select(SearchQueue.id).where(SearchQueue.done.is_(False)).limit(1)):
            return 0
        writer = _writer(ix)
        try:
            rows = session.execute(select(SearchQueue.id, SearchQueue.record_type, SearchQueue.record_id)
                                   .where(SearchQueue.done.is_(False)).order_by(SearchQueue.id).limit(limit)).all()
            refs = {(row.record_type, row.record_id) for row in rows}
            _apply(ix, session, refs, writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        applied = len(refs)
        session.rollback()  # end the read transaction before writing
        session.execute(update(SearchQueue).where(SearchQueue.id.in_([row.id for row in rows]))
                        .values(done=True))
        session.execute(delete(SearchQueue).where(SearchQueue.done.is_(True),
                                                  SearchQueue.queued_at < utcnow() - KEEP_DONE))
        session.commit()
    return applied


def count_searchable(session: Session | None = None) -> int:
    session = session or db.session
    return sum(session.scalar(select(func.count()).select_from(rt.model)) or 0
               for rt in records.searchable_types())


class _BulkPool:
    """A posting pool for a full rebuild, in place of Whoosh's PostingPool: each posting is four numbers in flat
    arrays (term, document, weight, where its value ends in one byte buffer), about 24 bytes and its value
    instead of ~150 in Python tuples, so a segment holds four times the postings for the same memory. At the
    end the distinct terms are sorted once and the postings ordered by a stable numpy sort (documents come in
    docnum order, so each term's postings stay sorted). No pickling to run files and no merge of runs: those
    were most of a rebuild."""

    def __init__(self):
        self.term_ids: dict[tuple[str, bytes], int] = {}
        self.term_of, self.docnums, self.weights = array("I"), array("I"), array("d")
        self.values, self.value_ends = bytearray(), array("Q")
        self.size = 0
        ids, values = self.term_ids, self.values
        term_of, docnums, weights, ends = (self.term_of.append, self.docnums.append, self.weights.append,
                                           self.value_ends.append)
        extend = values.extend

        def add(item):  # item: (fieldname, btext, docnum, weight, value)
            key = item[:2]
            term = ids.get(key)
            if term is None:
                term = ids[key] = len(ids)
            term_of(term)
            docnums(item[2])
            weights(item[3])
            if item[4]:
                extend(item[4])
            ends(len(values))
            self.size += 1

        self.add = add

    @property
    def fieldnames(self) -> set[str]:
        return {fieldname for fieldname, _btext in self.term_ids}

    def by_term(self):
        """(fieldname, btext, [docnum], [weight], [value]) for each term in sorted order; the pool empties."""
        keys = sorted(self.term_ids)
        if not keys:
            return
        rank = np.empty(len(keys), dtype=np.int64)
        for place, key in enumerate(keys):
            rank[self.term_ids[key]] = place
        self.term_ids.clear()
        ranks = rank[np.frombuffer(self.term_of, dtype=np.uint32)]
        order = np.argsort(ranks, kind="stable")
        bounds = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(ranks, minlength=len(keys)), out=bounds[1:])
        del ranks
        docnums = np.frombuffer(self.docnums, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float64)[order]
        ends = np.frombuffer(self.value_ends, dtype=np.uint64).astype(np.int64)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1]
        starts, ends = starts[order], ends[order]
        del order
        values = memoryview(self.values)
        for place, (fieldname, btext) in enumerate(keys):
            a, b = bounds[place], bounds[place + 1]
            yield (fieldname, btext, docnums[a:b].tolist(), weights[a:b].tolist(),
                   [bytes(values[i:j]) for i, j in zip(starts[a:b].tolist(), ends[a:b].tolist(), strict=True)])
        values.release()
        self.cleanup()

    def iter_postings(self):  # what Whoosh's own segment flush would read (_bulk_writer writes directly)
        for fieldname, btext, docnums, weights, values in self.by_term():
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, btext, docnum, weight, value

    def items(self):
        return self.iter_postings()

    def save(self):
        pass

    def cleanup(self):
        self.term_ids.clear()
        self.term_of, self.docnums, self.weights = array("I"), array("I"), array("d")
        self.values, self.value_ends = bytearray(), array("Q")
        self.size = 0


BULK_POSTINGS = 6_000_000  # postings a rebuild holds (~250 MiB, as much again while it writes them) per segment


_BLOCK_FIELDS = ("_blocklimit", "_ids", "_weights", "_values", "_minlength", "_maxlength", "_maxweight",
                 "_byteids", "_write_block")


def _fills_blocks(postwriter) -> bool:
    """Whether a postings writer is the whoosh3 codec's, whose block buffer _add_postings fills directly."""
    return all(hasattr(postwriter, name) for name in _BLOCK_FIELDS) and not postwriter._byteids \
        and not len(postwriter._ids)


def _add_postings(fieldwriter, docnums: list[int], weights: list[float], values: list[bytes],
                  lengths: list[int]) -> None:
    """A term's postings (in docnum order) into the field writer: a block of the whoosh3 codec's postings writer
    (128 postings) is filled with slices and its statistics taken with min/max, where Whoosh's add_posting runs
    once per posting; the blocks written are the same. Any other writer gets Whoosh's add, posting by posting."""
    postwriter = getattr(fieldwriter, "_postwriter", None)
    if postwriter is None or not _fills_blocks(postwriter):
        add = fieldwriter.add
        for docnum, weight, value, length in zip(docnums, weights, values, lengths, strict=True):
            add(docnum, weight, value, length)
        return
    limit = postwriter._blocklimit
    for start in range(0, len(docnums), limit):
        if start:  # Whoosh writes a full block when the next posting comes
            postwriter._write_block()
        end = start + limit
        block_weights = weights[start:end]
        block_lengths = [length for length in lengths[start:end] if length]
        postwriter._ids = array("I", docnums[start:end])
        postwriter._weights = array("f", block_weights)
        postwriter._values = [value for value in values[start:end] if value]
        postwriter._maxweight = max(0, max(block_weights))
        postwriter._minlength = min(block_lengths) if block_lengths else None
        postwriter._maxlength = max(block_lengths, default=0)


def _bulk_writer(ix, locked: bool = True):
    """A single-segment writer for a full rebuild: its pool is a _BulkPool, and the segment's postings go from
    it to the codec's field writer directly, with each field's document lengths read once (Whoosh's generic
    loop asks the length column for every posting). `locked=False`: a segment written in a worker process of
    a parallel rebuild, which takes no lock (the rebuild's own process holds it) and is never committed."""
    from whoosh.writing import SegmentWriter

    writer = SegmentWriter(ix, _lk=locked, compound=False)
    writer.pool.cleanup()
    pool = writer.pool = _BulkPool()

    def flush_segment():
        writer.perdocwriter.close()
        lengths_reader = writer.per_document_reader()
        fieldwriter = writer.fieldwriter
        schema_ = writer.schema
        count = lengths_reader.doc_count_all()
        lengths: list[int] = []
        field_name = None
        for fieldname, btext, docnums, weights, values in pool.by_term():
            if fieldname != field_name:
                if field_name is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema_[fieldname])
                field_name = fieldname
                read = lengths_reader.doc_field_length
                lengths = [read(n, fieldname) for n in range(count)]
            fieldwriter.start_term(btext)
            _add_postings(fieldwriter, docnums, weights, values, [lengths[n] for n in docnums])
            fieldwriter.finish_term()
        if field_name is not None:
            fieldwriter.finish_field()
        fieldwriter.close()
        lengths_reader.close()

    writer._flush_segment = flush_segment
    return writer


SEGMENT_RECORDS = 10_000  # records of a segment a parallel rebuild's worker writes (~5 M postings)


def _write_segment(path: str, documents: list[dict]):
    """In a worker process of a parallel rebuild: one finished segment of these documents, for the rebuild's
    process to add to the index's table of contents."""
    from whoosh import index

    writer = _bulk_writer(index.open_dir(path), locked=False)
    try:
        for document in documents:
            writer.add_document(**document)
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    writer._finish()
    return segment


class _SegmentPool:
    """A parallel rebuild: the rebuild's process loads the records and makes their documents; `procs` worker
    processes (forked, so jieba and the dictionary come with them) each write whole segments with a bulk
    writer, postings and all; the index then lists every segment in one commit. Whoosh's own multi-process
    writer gains nothing here: its workers feed Whoosh's posting pool, which pickles every posting to run
    files and merges them."""

    def __init__(self, ix, path: Path, procs: int, records: int):
        import multiprocessing

        warm_up()
        self.ix, self.path, self.procs = ix, str(path), procs
        self.size = max(1, min(SEGMENT_RECORDS, -(-records // procs)))  # records a segment: every worker busy
        self.pool = multiprocessing.get_context("fork").Pool(procs)
        self.batch: list[dict] = []
        self.records = 0
        self.pending: list = []

    def add_document(self, **document) -> None:
        self.batch.append(document)

    def end_record(self) -> None:
        """A record's documents are all added (a record's documents stay in one segment)."""
        self.records += 1
        if self.records >= self.size:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        busy = [result for result in self.pending if not result.ready()]
        if len(busy) >= self.procs:  # no more batches in memory than workers: wait for one to finish
            busy[0].wait()
        self.pending.append(self.pool.apply_async(_write_segment, (self.path, self.batch)))
        self.batch, self.records = [], 0

    def commit(self) -> None:
        self._send()
        segments = [result.get() for result in self.pending]
        self.pool.close()
        self.pool.join()
        writer = self.ix.writer()
        writer._close_segment()  # its own segment stays empty
        writer._commit_toc(list(writer.segments) + segments)
        writer._finish()

    def cancel(self) -> None:
        self.pool.terminate()
        self.pool.join()


def reindex(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Build a new index from the database beside the old one, swap it in, then replay what changed meanwhile.
    With procs > 1, worker processes write the index's segments (see _SegmentPool)."""
    if backend() == "postgres":
        return _postgres().reindex(progress, procs)
    from qms.core.models import SearchQueue

    target = index_dir()
    remove_leftovers(target)
    new = target.with_name(f"{target.name}.new-{uuid.uuid4().hex[:8]}")
    written = 0
    try:
        with Session(db.engine) as session:
            start_id = session.scalar(select(func.max(SearchQueue.id))) or 0
            ix = _create(new)
            bulk = procs <= 1
            writer = _bulk_writer(ix) if bulk else _SegmentPool(ix, new, procs, count_searchable(session))
            try:
                for record_type in records.searchable_types():
                    for record in _load(session, record_type):
                        for document in documents_for(record_type, record):
                            writer.add_document(**document)
                        written += 1
                        if not bulk:
                            writer.end_record()
                        elif writer.pool.size >= BULK_POSTINGS:  # memory bound: one more segment
                            writer.commit(merge=False)
                            writer = _bulk_writer(ix)
                        if progress:
                            progress(1)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        _swap_in(new, target)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    with Session(db.engine) as session:
        later = session.execute(select(SearchQueue.record_type, SearchQueue.record_id)
                                .where(SearchQueue.id > start_id)).all()
        if later:
            _apply(open_index(), session, {(row.record_type, row.record_id) for row in later})
        session.rollback()
        session.execute(update(SearchQueue).where(SearchQueue.done.is_(False)).values(done=True))
        session.commit()
    return written


@dataclass
class IndexStatus:
    state: str  # "ok", "missing", "outdated", "corrupt"
    backend: str = "whoosh"  # or "postgres"
    documents: int = 0
    pending: int = 0
    built: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def status() -> IndexStatus:
    if backend() == "postgres":
        return _postgres().status()
    from qms.core.models import SearchQueue

    pending = db.session.scalar(select(func.count()).select_from(SearchQueue).where(SearchQueue.done.is_(False)))
    try:
        ix = open_index()
        with ix.reader() as reader:
            documents = reader.doc_count()
        built = _identity(index_dir()).get("built", "")
    except IndexUnavailable as error:
        return IndexStatus(error.reason, pending=pending or 0, detail=error.detail)
    return IndexStatus("ok", documents=documents, pending=pending or 0, built=built)


def ensure_available() -> None:
    """Raise IndexUnavailable unless searches can run (/healthz): the Whoosh index opens, or with PostgreSQL the
    search table exists. Cheaper than status(), which counts documents."""
    if backend() == "postgres":
        _postgres()._require_table(db.session.connection())
    else:
        open_index()


def waiting(older_than: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Changes committed a while ago and still not in the index (an update failed): search pages say so."""
    if backend() == "postgres":
        return _postgres().waiting(older_than)
    from qms.core.models import utcnow

    # on the session's connection, past the ORM: every search page asks this
    return db.session.connection().execute(_waiting_query(), {"before": utcnow() - older_than}).scalar() or 0


@functools.cache
def _waiting_query():
    from sqlalchemy import bindparam

    from qms.core.models import SearchQueue

    table = SearchQueue.__table__
    return select(func.count()).select_from(table).where(table.c.done.is_(False),
                                                         table.c.queued_at < bindparam("before"))


def check() -> tuple[list[str], list[str]]:
    """Keys of records missing from the index, and keys in the index with no record behind them."""
    if backend() == "postgres":
        return _postgres().check()
    expected = set()
    for record_type in records.searchable_types():
        expected.update(f"{record_type.name}:{record_id}"
                        for record_id in db.session.scalars(select(record_type.model.id)))
    with open_index().reader() as reader:
        indexed = {term.decode() if isinstance(term, bytes) else term for term in reader.lexicon("record")}
        indexed = {key for key in indexed
                   if any(True for _ in reader.postings("record", key).all_ids())} if indexed else set()
    return sorted(expected - indexed), sorted(indexed - expected)


# --- searching ----------------------------------------------------------------------------------

# One searcher per index per process, shared by the process's threads under a lock. A Whoosh reader reads its
# files through file objects with one position each, so two threads may not read through it at once; a searcher
# per thread, though, was reopened by every thread after every index change, and its posting arrays and facet
# columns rebuilt with it: under a steady trickle of writes that was a third of a search's CPU. Searching is
# CPU-bound work that holds the GIL, so a process gains little from running two searches at once anyway; other
# processes (gunicorn's workers) search in parallel. The searcher of an earlier index generation is closed when
# the last search using it is done.


class _Reader:
    def __init__(self, stamp: tuple, ix, searcher):
        self.stamp, self.ix, self.searcher = stamp, ix, searcher
        self.lock = threading.RLock()
        weakref.finalize(self, _close_quietly, searcher)


_readers: dict[str, _Reader] = {}
_readers_lock = threading.Lock()


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # already closed with its index
        pass


def _current_reader() -> _Reader:
    path = index_dir()
    try:
        marker = (path / IDENTITY_FILE).stat()
    except FileNotFoundError:
        raise IndexUnavailable("missing") from None
    stamp = (marker.st_ino, marker.st_mtime_ns)
    key = str(path)
    entry = _readers.get(key)
    if entry is not None and entry.stamp == stamp and _up_to_date(entry.searcher):
        return entry
    with _readers_lock:
        current = _readers.get(key)
        if current is not None and current is not entry and current.stamp == stamp \
                and _up_to_date(current.searcher):
            return current  # another thread opened it meanwhile
        ix = current.ix if current is not None and current.stamp == stamp else open_index(path)
        entry = _readers[key] = _Reader(stamp, ix, _open_searcher(ix))
        if len(_readers) > 4:  # tests make many indexes; production has one
            _readers.pop(next(iter(_readers)))
        return entry


def _up_to_date(searcher) -> bool:
    try:
        return searcher.up_to_date()
    except Exception:  # a reader whoosh closed under us
        return False


_held = threading.local()


def _exclusive(function):
    """Run a search function with this process's searcher held by this thread: every `_searcher()` inside it (a
    search that asks for a spelling suggestion too, say) is that one searcher, and no other thread reads through
    it meanwhile."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        if getattr(_held, "entry", None) is not None or backend() == "postgres":
            return function(*args, **kwargs)
        try:
            entry = _current_reader()
        except IndexUnavailable:
            return function(*args, **kwargs)  # it reports the missing index its own way
        with entry.lock:
            _held.entry = entry
            try:
                return function(*args, **kwargs)
            finally:
                _held.entry = None
    return run


def _searcher():
    """The searcher to read through: the one this thread holds (see _exclusive), else this process's current one
    (for a caller that is the only one searching: a command, a test)."""
    entry = getattr(_held, "entry", None)
    return entry.searcher if entry is not None else _current_reader().searcher


def _open_searcher(ix, attempts: int = 3):
    """A searcher whose segment files are all open already.

    Whoosh opens a segment's column files (stored fields, field lengths, sortable values) at their first use. A
    commit that merges segments deletes the merged ones' files, so a searcher opened before it failed at the next
    first use (a stored-fields read on None, under load) or, worse, took a missing column for an empty one. Opened
    now, the files stay readable for as long as the searcher lives (a deleted file lives on for whoever holds it).
    If a commit lands while they are being opened, the searcher is opened again on the new generation."""
    for attempt in range(attempts):
        searcher = None
        try:
            searcher = ix.searcher()
            _open_column_files(searcher)
            if searcher.up_to_date() or attempt == attempts - 1:
                return searcher
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
        if searcher is not None:
            _close_quietly(searcher)
    raise AssertionError("unreachable")


def _open_column_files(searcher) -> None:
    from whoosh.codec import whoosh3

    names = ["_stored"]
    for name in searcher.schema.names():
        names += [name, whoosh3._lenfield(name)]
    for segment_reader, _offset in searcher.reader().leaf_readers():
        perdoc = getattr(segment_reader, "_perdoc", None)
        if not isinstance(perdoc, whoosh3.W3PerDocReader):
            continue
        for name in names:
            if name not in perdoc._colfiles and perdoc.has_column(name):
                perdoc._colfiles[name] = perdoc._get_column_file(name)
        # Whoosh asks the directory whether a column exists before each first read; once the files are gone it would
        # answer no. The columns opened above are the segment's columns.
        perdoc.has_column = frozenset(perdoc._colfiles).__contains__


class QueryProblem(Exception):
    """A query that cannot be understood; the message is for the user."""


_YEAR_SPAN = re.compile(r"\byear:(\d{3,4})\s*(?:-|\.\.|~|至|到)\s*(\d{3,4})\b")
_FIELD = re.compile(r"(?<![\w\"])([A-Za-z_]+):")
ALLOWED_FIELDS = {"title", "author", "keyword", "year", "kind", "type", "content"}
FIELD_ALIASES = {"authors": "author", "editor": "author", "keywords": "keyword", "subject": "keyword",
                 "text": "content", "body": "content"}


def _parser(schema_):
    from whoosh import qparser

    parser = qparser.QueryParser(DEFAULT_FIELD, schema_, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)
    parser.add_plugin(qparser.FieldAliasPlugin({k: [a for a, t in FIELD_ALIASES.items() if t == k]
                                                for k in set(FIELD_ALIASES.values())}))
    return parser


def _prepare(text: str) -> str:
    """Whoosh syntax with friendlier year spans and unknown field names turned into plain words."""
    text = _YEAR_SPAN.sub(lambda m: f"year:[{m.group(1)} TO {m.group(2)}]", text)

    def field(match):
        name = match.group(1).lower()
        if name in ALLOWED_FIELDS or name in FIELD_ALIASES:
            return f"{name}:"
        return f"{match.group(1)} "
    text = _FIELD.sub(field, text)
    if text.count('"') % 2:
        text = text.replace('"', " ")
    if text.count("(") != text.count(")"):
        text = text.replace("(", " ").replace(")", " ")
    return text


def _rewrite_phrases(query):
    """A phrase of one word is that word; a phrase with no words matches nothing."""
    from whoosh import query as q

    if isinstance(query, q.Phrase):
        words = [w for w in query.words if w]
        if not words:
            return q.NullQuery
        if len(words) == 1:
            return q.Term(query.fieldname, words[0], boost=query.boost)
        if len(words) != len(query.words):
            return q.Phrase(query.fieldname, words, slop=query.slop, boost=query.boost)
        return query
    if isinstance(query, q.CompoundQuery):
        return query.__class__([_rewrite_phrases(sub) for sub in query.subqueries], boost=query.boost)
    if isinstance(query, q.Not):
        return q.Not(_rewrite_phrases(query.query))
    return query


def parse(text: str, schema_=None):
    from whoosh import query as q

    schema_ = schema_ or schema()
    prepared = _prepare(text or "").strip()
    if not prepared:
        return q.NullQuery
    try:
        parsed = _parser(schema_).parse(prepared)
    except Exception as error:
        raise QueryProblem(str(error)) from None
    parsed = _rewrite_phrases(parsed).normalize()
    return parsed


@dataclass
class Hit:
    key: str
    type: str
    record_id: int
    title: str
    snippet: Markup
    score: float
    year: int | None = None
    date: dt.datetime | None = None
    kind: str = ""
    keywords: list[str] = field(default_factory=list)
    author: str = ""

    @property
    def record_type(self) -> records.RecordType | None:
        return records.get(self.type)


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    waiting: int = 0  # committed changes not yet in the index
    problem: str | None = None  # the query could not be understood
    unavailable: IndexUnavailable | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def page_window(self, around: int = 2) -> list[int | None]:
        """The page numbers a pager links: the first, the last and those within `around` of this page, with
        None where the numbers skip (just past `around`), in order."""
        last = self.pages
        shown = {1, last, *range(max(1, self.page - around), min(last, self.page + around) + 1)}
        gaps = {n for n in (self.page - around - 1, self.page + around + 1) if 1 < n < last}
        return [None if n in gaps else n for n in sorted(shown | gaps)]


def query_words(parsed) -> set[str]:
    """The indexed words a query looks for in the content."""
    words = set()
    for fieldname, text in parsed.iter_all_terms():
        if fieldname == DEFAULT_FIELD:
            words.add(text if isinstance(text, str) else text.decode("utf-8"))
    return words


SNIPPET_CHARS, SNIPPET_LEAD = 220, 50


def _page_spans(searcher, docnums: list[int], words: set[str]) -> dict[int, list[tuple[int, int]]] | None:
    """The character spans of the query words in each document of a page, read for the whole page at once
    (one posting lookup per word, not per word and document); None if the index does not store them so."""
    postings = _postings(searcher)
    wanted = np.asarray(sorted(set(docnums)), dtype=np.int64)
    spans: dict[int, list[tuple[int, int]]] = {docnum: [] for docnum in docnums}
    for word in words:
        found = postings.occurrences(DEFAULT_FIELD, word, wanted)
        if found is None:
            return None
        docs, triples = found
        for docnum, (_pos, start, stop) in zip(docs.tolist(), triples.tolist(), strict=True):
            spans[docnum].append((start, stop))
    return spans


def snippet(searcher, docnum: int, words: set[str], text: str, end: int | None = None,
            spans: list[tuple[int, int]] | None = None) -> Markup:
    """The stretch of a document's body with the most query words, the words marked: their character offsets
    come from the postings of this one document (or `spans`, read for a whole page by _page_spans), so no text
    is segmented again at query time."""
    end = len(text) if end is None else min(end, len(text))
    if spans is not None:
        return window_snippet(text[:end], [(start, stop) for start, stop in spans if stop <= end])
    spans = []
    postings = _postings(searcher)
    for word in words:
        found = postings.occurrences(DEFAULT_FIELD, word, np.asarray([docnum]))
        if found is None:  # the field does not store occurrences as we write them: ask Whoosh
            try:
                matcher = searcher.postings(DEFAULT_FIELD, word.encode("utf-8"))
            except Exception:  # not in the index at all
                continue
            if matcher.is_active():
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                spans.extend((start, stop) for _pos, start, stop in matcher.value_as("characters") if stop <= end)
            continue
        _docs, triples = found
        spans.extend((start, stop) for _pos, start, stop in triples.tolist() if stop <= end)
    return window_snippet(text[:end], spans)


def window_snippet(text: str, spans: list[tuple[int, int]]) -> Markup:
    """The stretch of `text` (SNIPPET_CHARS long) holding the most of the query words at `spans` (character
    offsets), the words marked; both search backends quote with it."""
    end = len(text)
    if not spans:
        return _plain_snippet(text)
    merged: list[list[int]] = []
    for start, stop in sorted(spans)[:500]:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    starts = [max(0, start - SNIPPET_LEAD) for start, _stop in merged]
    best = max(range(len(merged)), key=lambda i: (sum(1 for s, e in merged if starts[i] <= s and
                                                      e <= starts[i] + SNIPPET_CHARS), -i))
    window_start = starts[best]
    window_end = min(end, window_start + SNIPPET_CHARS)
    out = [Markup("…")] if window_start > 0 else []
    position = window_start
    for start, stop in merged:
        if start < window_start or stop > window_end:
            continue
        out += [escape(text[position:start]), Markup("<mark>"), escape(text[start:stop]), Markup("</mark>")]
        position = stop
    out.append(escape(text[position:window_end]))
    if window_end < end:
        out.append(Markup("…"))
    return Markup("").join(out)


def _plain_snippet(text: str, size: int = 220) -> Markup:
    text = " ".join((text or "").split())
    return escape(text[:size] + ("…" if len(text) > size else ""))


def _hit(whoosh_hit, words: set[str] | None = None, spans: list[tuple[int, int]] | None = None) -> Hit:
    stored = whoosh_hit.fields()
    key = stored["key"].removesuffix(PUBLIC_SUFFIX)
    type_name, _, record_id = key.partition(":")
    quoted = Markup("")
    if words is not None:
        quoted = snippet(whoosh_hit.searcher, whoosh_hit.docnum, words, stored.get(DEFAULT_FIELD, ""),
                         stored.get("body_end"), spans)
    return Hit(key=key, type=type_name, record_id=int(record_id), title=stored.get("title", ""),
               snippet=quoted, score=whoosh_hit.score or 0.0, year=stored.get("year"), date=stored.get("date"),
               kind=stored.get("kind", ""), author=stored.get("author", ""),
               keywords=[k for k in stored.get("keywords", "").split(",") if k])


# How often a slow path was taken where the vectorized one should serve: "postings" (a posting list read one
# posting at a time because the matcher lacks the Whoosh internals _Postings reads) and "query" (a query left to
# Whoosh's own searcher). Tests run the fast-path queries and fail if either grows, so a Whoosh upgrade that
# renames an internal cannot silently make search several times slower.
FALLBACKS: dict[str, int] = {"postings": 0, "query": 0}


def _fell_back(kind: str, detail: Any) -> None:
    if kind == "postings" and not FALLBACKS[kind]:
        log.warning("search: posting lists read one at a time (%s); check the Whoosh version against _Postings",
                    detail)
    FALLBACKS[kind] += 1


class _FacetColumns:
    """Each document's type, kind and year as small integer codes, and its keywords as codes in one flat array
    indexed by document (CSR), read once per searcher (that is, once per index change); facet counts over any
    set of hits are then numpy bincounts over those hits only."""

    def __init__(self, searcher, postings: _Postings):
        reader = searcher.reader()
        size = reader.doc_count_all()
        self.values: dict[str, list] = {}
        self.codes: dict[str, np.ndarray] = {}
        for name in ("type", "kind", "year"):
            codes = np.full(size, -1, dtype=np.int32)
            index: dict = {}
            column = reader.column_reader(name) if reader.has_column(name) else None
            if column is not None:
                for docnum in range(size):
                    value = column[docnum]
                    if value in (None, "", b""):
                        continue
                    if isinstance(value, bytes):
                        value = value.decode()
                    codes[docnum] = index.setdefault(value, len(index))
            self.values[name] = list(index)
            self.codes[name] = codes
        keywords, docs, codes = [], [], []
        for term in reader.lexicon("keywords"):
            found = postings.term("keywords", term)[0]  # live documents only
            if found.size:
                docs.append(found)
                codes.append(np.full(found.size, len(keywords), dtype=np.int32))
                keywords.append(term.decode() if isinstance(term, bytes) else term)
        docs_flat = np.concatenate(docs) if docs else np.empty(0, dtype=np.int64)
        codes_flat = np.concatenate(codes) if codes else np.empty(0, dtype=np.int32)
        order = np.argsort(docs_flat, kind="stable")
        self.keywords = keywords
        self.keyword_codes = codes_flat[order]
        self.keyword_starts = np.searchsorted(docs_flat[order], np.arange(size + 1))
        self.size = size

    def counts(self, name: str, matched: np.ndarray) -> list[tuple[Any, int]]:
        if name == "keyword":
            starts = self.keyword_starts[matched]
            lengths = self.keyword_starts[matched + 1] - starts
            total = int(lengths.sum())
            if not total:
                return []
            # the positions of every matched document's keyword codes, without a Python loop
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            tally = np.bincount(self.keyword_codes[offsets], minlength=len(self.keywords))
            found = np.flatnonzero(tally)
            return [(self.keywords[i], int(tally[i])) for i in found]
        codes = self.codes[name][matched]
        tally = np.bincount(codes[codes >= 0], minlength=len(self.values[name]))
        return [(value, int(count)) for value, count in zip(self.values[name], tally, strict=False) if count]


class _Postings:
    """Posting lists as numpy arrays, read a block at a time and kept per searcher (that is, until the index
    changes), and BM25F with Whoosh's own formula over them: plain queries (words, phrases in the content,
    AND/OR of them) are then scored and counted in one vectorized pass instead of a Python call per matching
    document. Anything else (ranges, prefixes, phrases in other fields) goes to Whoosh."""

    B, K1 = 0.75, 1.2
    MAX_BYTES = 64 * 1024 * 1024  # posting arrays kept per worker; beyond this the cache starts again

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.terms: dict = {}
        self.bytes = 0
        self.masks: dict[str, np.ndarray | None] = {}  # filter (its repr) -> which documents it lets through
        self.lengths: dict[str, np.ndarray] = {}
        reader = searcher.reader()
        self.deleted = None
        if reader.has_deletions():
            self.deleted = np.ones(self.size, dtype=bool)
            self.deleted[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = False

    def _cached(self, fieldname: str, text):
        key = (fieldname, text)
        found = self.terms.get(key)
        if found is None:
            found = self._read(fieldname, text)
            size = found[0].nbytes + found[1].nbytes + (found[2][0].nbytes + found[2][1].nbytes if found[2] else 0)
            if self.bytes + size > self.MAX_BYTES:
                self.terms.clear()
                self.bytes = 0
            self.terms[key] = found
            self.bytes += size
        return found

    def term(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """(live document numbers, weights) of a term."""
        ids, weights, _values = self._cached(fieldname, text)
        return ids, weights

    def occurrences(self, fieldname: str, text, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """For the documents of `docs` (sorted) that hold the term: (each occurrence's document number, an
        array of (position, start, end) rows), in document order; None if the field is not an Occurrences one."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        if field is None or not isinstance(field.format, Occurrences):
            return None
        ids, _weights, occurrences = self._cached(fieldname, text)
        if occurrences is None:
            return None
        triples, starts = occurrences
        _common, at, _ = _intersect(ids, docs)
        if not at.size:
            return np.empty(0, dtype=np.int64), np.empty((0, 3), dtype=np.uint32)
        if at.size == ids.size:  # every document of the term
            return np.repeat(ids, np.diff(starts)), triples
        counts = starts[at + 1] - starts[at]
        # the rows of the chosen postings' occurrences, without a Python loop
        rows = np.repeat(starts[at] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return np.repeat(ids[at], counts), triples[rows]

    @staticmethod
    def _occurrence_rows(field, values: list) -> tuple[np.ndarray, np.ndarray]:
        """A term's occurrences as one (position, start, end) array and where each posting's rows start."""
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) // 12
        starts = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return field.format.triples(b"".join(values)), starts

    def _read(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray, tuple | None]:
        """(live document numbers, weights, and for an Occurrences field (occurrence rows, row starts))."""
        field = self.searcher.schema[fieldname]
        keep_values = isinstance(field.format, Occurrences)
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64),
                 self._occurrence_rows(field, []) if keep_values else None)
        btext = self.searcher.schema[fieldname].to_bytes(text)
        try:
            matcher = self.searcher.postings(fieldname, btext)
        except Exception:  # TermNotFound: no document holds it
            return empty
        children = list(zip(matcher.matchers, matcher.offsets, strict=False)) \
            if hasattr(matcher, "matchers") and hasattr(matcher, "offsets") else [(matcher, 0)]
        ids, weights, values = [], [], []
        for child, offset in children:
            # Deletions come as a FilterMatcher around the segment's own matcher: read that one and drop the
            # deleted documents afterwards, with numpy.
            if type(child).__name__ == "FilterMatcher" and hasattr(child, "child"):
                child = child.child
            if all(hasattr(child, name) for name in ("_read_ids", "_read_weights", "_read_values", "_next_block",
                                                        "_i", "_ids", "_weights", "_values")):
                while child.is_active():  # whoosh's leaf matcher: take whole blocks
                    if child._ids is None:
                        child._read_ids()
                    if child._weights is None:
                        child._read_weights()
                    ids.append(np.asarray(child._ids, dtype=np.int64)[child._i:] + offset)
                    weights.append(np.asarray(child._weights, dtype=np.float64)[child._i:])
                    if keep_values:
                        if child._values is None:
                            child._read_values()
                        values.extend(child._values[child._i:])
                    child._next_block()
                continue
            if type(child).__name__ != "ListMatcher":  # a term in one document is inlined: a ListMatcher
                _fell_back("postings", type(child).__name__)
            block_ids, block_weights = [], []
            while child.is_active():
                block_ids.append(child.id() + offset)
                block_weights.append(child.weight())
                if keep_values:
                    values.append(child.value())
                child.next()
            ids.append(np.asarray(block_ids, dtype=np.int64))
            weights.append(np.asarray(block_weights, dtype=np.float64))
        if not ids:
            return empty
        ids_flat, weights_flat = np.concatenate(ids), np.concatenate(weights)
        if self.deleted is not None and ids_flat.size:
            live = ~self.deleted[ids_flat]
            if not live.all():
                ids_flat, weights_flat = ids_flat[live], weights_flat[live]
                values = [v for v, keep in zip(values, live.tolist(), strict=True) if keep] if keep_values else []
        return ids_flat, weights_flat, (self._occurrence_rows(field, values) if keep_values else None)

    def field_lengths(self, fieldname: str) -> np.ndarray:
        found = self.lengths.get(fieldname)
        if found is None:
            reader = self.searcher.reader()
            found = self.lengths[fieldname] = np.fromiter(
                (reader.doc_field_length(d, fieldname, 1) or 1 for d in range(self.size)), dtype=np.float64,
                count=self.size)
        return found

    def live(self) -> np.ndarray:
        found = self.lengths.get("_live")
        if found is None:
            found = self.lengths["_live"] = np.fromiter(self.searcher.reader().all_doc_ids(), dtype=np.int64)
        return found

    def dates(self) -> np.ndarray:
        """Each document's date as an integer (Whoosh's own encoding, which sorts as the dates do); 0 for none."""
        found = self.lengths.get("_dates")
        if found is None:
            reader = self.searcher.reader()
            column = reader.column_reader("date", translate=False) if reader.has_column("date") else None
            values = [column[d] if column is not None else 0 for d in range(self.size)]
            found = self.lengths["_dates"] = np.asarray([v or 0 for v in values], dtype=np.int64)
        return found

    def phrase_docs(self, fieldname: str, words: list, docs: np.ndarray) -> np.ndarray | None:
        """Which of `docs` (sorted) hold the words at consecutive positions, in order."""
        shift = np.int64(1 << 32)  # a key per occurrence: document * 2**32 + position - its place in the phrase
        keys = None
        for place, word in enumerate(words):
            found = self.occurrences(fieldname, word, docs)
            if found is None:
                return None
            occurrence_docs, triples = found
            mine = occurrence_docs * shift + triples[:, 0].astype(np.int64) - place
            # in document order, and in position order within a document as the postings store them
            if mine.size > 1 and not (mine[1:] > mine[:-1]).all():
                mine = np.unique(mine)
            keys = mine if keys is None else _intersect(keys, mine)[0]
            if not keys.size:
                break
            docs = _distinct_sorted(keys // shift)
        return _distinct_sorted(keys // shift) if keys is not None and keys.size else np.empty(0, dtype=np.int64)

    def scored(self, query) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, scores) of every match, or None when the query is not a plain one."""
        from whoosh import query as q

        if isinstance(query, q.Every):  # no words: every document, listed by date
            ids = self.live()
            return ids, np.zeros(ids.size)
        if isinstance(query, q.Phrase):
            # Whoosh scores a phrase as the AND of its words (each with its whole frequency), kept where the
            # words stand in a row: the same here, with the positions checked over numpy arrays.
            field = self.searcher.schema[query.fieldname] if query.fieldname in self.searcher.schema else None
            if field is None or not isinstance(field.format, Occurrences) or query.slop != 1 or \
                    len(query.words) < 2:
                return None
            anded = self.scored(q.And([q.Term(query.fieldname, word) for word in query.words]))
            if anded is None:
                return None
            ids, scores = anded
            if ids.size:
                kept = self.phrase_docs(query.fieldname, list(query.words), ids)
                if kept is None:
                    return None
                _kept, at, _ = _intersect(ids, kept)
                ids, scores = ids[at], scores[at]
            return ids, scores * query.boost
        if isinstance(query, q.Term):
            field = self.searcher.schema[query.fieldname] if query.fieldname in self.searcher.schema else None
            if field is None or not field.scorable:
                return None
            ids, weights = self.term(query.fieldname, query.text)
            if not ids.size:
                return ids, weights
            # Whoosh's idf: its document frequency still counts deleted documents until segments merge
            frequency = self.searcher.doc_frequency(query.fieldname, query.text)
            idf = math.log(self.size / (frequency + 1)) + 1
            lengths = self.field_lengths(query.fieldname)[ids]
            average = self.searcher.avg_field_length(query.fieldname, 1) or 1
            norm = self.K1 * ((1 - self.B) + self.B * lengths / average)
            return ids, idf * (weights * (self.K1 + 1)) / (weights + norm) * query.boost
        if isinstance(query, (q.And, q.Or)) and query.subqueries:
            parts = [self.scored(sub) for sub in query.subqueries]
            if any(part is None for part in parts):
                return None
            if isinstance(query, q.And):
                ids, scores = parts[0]
                for other_ids, other_scores in parts[1:]:
                    ids, left, right = _intersect(ids, other_ids)
                    scores = scores[left] + other_scores[right]
                return ids, scores * query.boost
            ids = np.concatenate([part[0] for part in parts])
            scores = np.concatenate([part[1] for part in parts])
            # a union over document numbers (bounded by the index size): counting beats sorting here
            union = np.flatnonzero(np.bincount(ids, minlength=self.size))
            return union, np.bincount(ids, weights=scores, minlength=self.size)[union] * query.boost
        return None

    def allowed(self, query) -> np.ndarray | None:
        """A mask over document numbers of what a filter lets through, kept per searcher: a reader's filter
        (access terms, facet choices) repeats from one search to the next."""
        key = repr(query)
        if key not in self.masks:
            found = self.matching(query)
            mask = None
            if found is not None:
                mask = np.zeros(self.size, dtype=bool)
                mask[found] = True
            if len(self.masks) >= 256:
                self.masks.clear()
            self.masks[key] = mask
        return self.masks[key]

    def matching(self, query) -> np.ndarray | None:
        """Document numbers of a filter (terms on any field, AND/OR of them), or None if it is not that."""
        from whoosh import query as q

        if isinstance(query, q.Term):
            if query.fieldname not in self.searcher.schema:
                return None
            return self.term(query.fieldname, query.text)[0]
        if isinstance(query, (q.And, q.Or)) and query.subqueries:
            parts = [self.matching(sub) for sub in query.subqueries]
            if any(part is None for part in parts):
                return None
            if isinstance(query, q.And):
                found = parts[0]
                for other in parts[1:]:
                    found = _intersect(found, other)[0]
                return found
            mask = np.zeros(self.size, dtype=bool)
            for part in parts:
                mask[part] = True
            return np.flatnonzero(mask)
        return None


def _intersect(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the values in both, their places in a, their places in b) of two sorted arrays without repeats: like
    numpy's intersect1d(..., return_indices=True), by binary search instead of sorting both together."""
    if not a.size or not b.size:
        empty = np.empty(0, dtype=np.int64)
        return a[:0], empty, empty
    at = np.searchsorted(b, a)
    np.minimum(at, b.size - 1, out=at)
    found = b[at] == a
    in_a = np.flatnonzero(found)
    return a[in_a], in_a, at[found]


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array, in order (np.unique without sorting again)."""
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _postings(searcher) -> _Postings:
    found = getattr(searcher, "_qms_postings", None)
    if found is None:
        found = searcher._qms_postings = _Postings(searcher)
    return found


def _fast_search(searcher, parsed, flt, limit: int, by_date: bool = False):
    """(whoosh Results holding the top `limit` hits, every matching document number), or None."""
    from whoosh.searching import Results

    postings = _postings(searcher)
    scored = postings.scored(parsed)
    allowed = postings.allowed(flt)
    if scored is None or allowed is None:
        return None
    ids, scores = scored
    keep = allowed[ids]
    ids, scores = ids[keep], scores[keep]
    if by_date:  # newest first, then by score, then in index order
        dates = postings.dates()[ids]
        top = np.lexsort((ids, -scores, -dates))[:limit]
        return Results(searcher, parsed, [(float(scores[i]), int(ids[i])) for i in top]), ids
    if ids.size > limit:
        top = np.argpartition(-scores, limit - 1)[:limit]
    else:
        top = np.arange(ids.size)
    order = sorted(((float(scores[i]), int(ids[i])) for i in top), key=lambda pair: (-pair[0], pair[1]))
    return Results(searcher, parsed, order), ids


def _facet_columns(searcher) -> _FacetColumns:
    columns = getattr(searcher, "_qms_facets", None)
    if columns is None:
        columns = searcher._qms_facets = _FacetColumns(searcher, _postings(searcher))
    return columns


def _filter(access: Iterable[str], filters: dict[str, Any]):
    from whoosh import query as q

    parts = [q.Or([q.Term("access", term) for term in access])]
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if name == "year":
            try:
                parts.append(q.Term("year", int(value)))
            except (TypeError, ValueError):
                continue
        elif name == "keyword":
            parts.append(q.Term("keywords", str(value)))
        elif name in ("type", "kind"):
            values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            parts.append(q.Or([q.Term(name, str(v)) for v in values]))
    return q.And(parts)


@_exclusive
def suggest(text: str, access: Iterable[str]) -> str | None:
    """The query with misspelt English words replaced by the closest word of a record the reader may see, or None.

    The spelling lexicon holds the words of every record ever indexed (internal ones and deleted ones too), so a
    word counts as known, and a correction is offered, only when a live record within `access` contains it."""
    if backend() == "postgres":
        return _postgres().suggest(text, access)
    from whoosh import query as q

    searcher = _searcher()
    corrector = searcher.corrector("spell")
    readable = _filter(access, {})
    postings = _postings(searcher)
    allowed = postings.allowed(readable)
    changed = False

    def visible(word: str) -> bool:
        if not searcher.doc_frequency("spell", word):
            return False
        if allowed is not None:
            return bool(allowed[postings.term("spell", word)[0]].any())
        return searcher.search(q.Term("spell", word), filter=readable, limit=1).scored_length() > 0

    def fix(match):
        nonlocal changed
        word = match.group(0)
        if visible(word.lower()):
            return word
        found = next((candidate for candidate in corrector.suggest(word.lower(), limit=8, maxdist=2)
                      if visible(candidate)), None)
        if found:
            changed = True
            return found
        return word
    corrected = re.sub(r"\b(?<![:\-])[A-Za-z]{3,}\b(?!:)", fix, text)
    return corrected if changed else None


@_exclusive
def search(text: str, *, access: Iterable[str], filters: dict[str, Any] | None = None, page: int = 1,
           per_page: int = 10, sort: str = "relevance", facets: Iterable[str] = FACETS) -> Results:
    """One page of hits for a query, with facet counts over every hit the reader may see."""
    if backend() == "postgres":
        return _postgres().search(text, access=access, filters=filters, page=page, per_page=per_page, sort=sort,
                                  facets=facets)
    from whoosh import query as q
    from whoosh import sorting

    results = Results(query=text or "", page=max(1, page), per_page=per_page)
    try:
        searcher = _searcher()
        parsed = parse(text, searcher.schema) if (text or "").strip() else q.Every()
    except IndexUnavailable as error:
        results.unavailable = error
        return results
    except QueryProblem as error:
        results.problem = str(error)
        return results
    if parsed is q.NullQuery:
        results.problem = "empty"
        return results
    sortedby = None
    if sort == "date":
        sortedby = [sorting.FieldFacet("date", reverse=True), sorting.ScoreFacet()]
    flt = _filter(access, filters or {})
    try:
        fast = _fast_search(searcher, parsed, flt, results.page * per_page, by_date=sort == "date")
        if fast is not None:
            found, matched = fast
        else:
            _fell_back("query", parsed)
            # The page of hits: scored with Whoosh's block-skipping optimizations (no facet collector in the way).
            found = searcher.search(parsed, filter=flt, limit=results.page * per_page, sortedby=sortedby)
            # Every hit, unscored, for the exact total and the facet counts (numpy over per-document codes).
            matched = np.fromiter(searcher.docs_for_query(q.And([parsed, flt])), dtype=np.int64)
    except Exception as error:  # an odd query whoosh accepts but cannot run (a range on a text field, say)
        log.info("query %r failed: %s", text, error)
        results.problem = str(error)
        return results
    results.total = int(matched.size)
    start = (results.page - 1) * per_page
    words = query_words(parsed)
    page_hits = found[start:start + per_page]
    spans = _page_spans(searcher, [hit.docnum for hit in page_hits], words) if page_hits else None
    results.hits = [_hit(hit, words, spans[hit.docnum] if spans is not None else None) for hit in page_hits]
    columns = _facet_columns(searcher)
    for name in facets:
        pairs = columns.counts(name, matched)
        if name == "year":
            pairs.sort(key=lambda item: -int(item[0]))
        else:
            pairs.sort(key=lambda item: (-item[1], str(item[0])))
        results.facets[name] = pairs
    if results.total < 3 and (text or "").strip():
        results.suggestion = suggest(text, access)
    return results


@_exclusive
def lookup(text: str, *, access: Iterable[str], types: Iterable[str], limit: int = 10) -> list[Hit]:
    """Records of these types holding every word typed, for a picker that finds records as one types.

    Plain words only (no query syntax). A word may be the start of a title word: the last one because it is
    still being typed, a Chinese one because jieba cuts a fragment ("跨機") differently from the whole ("跨機關").
    An English fragment is also tried against the stems it may shorten to ("naturaliz" finds "natur")."""
    if backend() == "postgres":
        return _postgres().lookup(text, access=access, types=types, limit=limit)
    from whoosh import query as q

    types = list(types)
    words = [(term, start, end) for term, _position, start, end, sub in analyse(text or "") if not sub]
    if not words or not types:
        return []
    try:
        searcher = _searcher()
    except IndexUnavailable:
        return []
    typed_text = normalize(text)
    parts = []
    for number, (term, start, end) in enumerate(words):
        typed = typed_text[start:end]
        last = number == len(words) - 1
        if not (last or _CJK.match(typed)):
            parts.append(q.Term(DEFAULT_FIELD, term))
            continue
        options = [q.Term(DEFAULT_FIELD, term), q.Prefix("title", typed)]
        if last and typed.isascii() and typed.isalpha():
            options += [q.Term("title", typed[:size]) for size in range(max(4, len(typed) - 4), len(typed))]
        parts.append(q.Or(options))
    try:
        found = searcher.search(q.And(parts), filter=_filter(access, {"type": types}), limit=limit)
    except Exception as error:  # a malformed term whoosh cannot look up: nothing matches
        log.info("lookup %r failed: %s", text, error)
        return []
    return [_hit(hit) for hit in found]


@_exclusive
def more_like(key: str, *, access: Iterable[str], top: int = 5, types: Iterable[str] | None = None) -> list[Hit]:
    """Records whose text is most like the given record's (key "type:id"), excluding it."""
    if backend() == "postgres":
        return _postgres().more_like(key, access=access, top=top, types=types)
    try:
        searcher = _searcher()
    except IndexUnavailable:
        return []
    access = list(access)
    docnum = None
    if VISITOR in access:  # a visitor: what a record is like is judged on its public text only
        docnum = searcher.document_number(key=key + PUBLIC_SUFFIX)
    if docnum is None:
        docnum = searcher.document_number(key=key)
    if docnum is None:
        return []
    flt = _filter(access, {"type": list(types)} if types else {})
    found = searcher.more_like(docnum, DEFAULT_FIELD, top=top, numterms=12, filter=flt, normalize=True)
    return [_hit(hit) for hit in found]


def warm_up() -> None:
    """Load jieba and OpenCC now (a worker does this once; ~0.5 s and ~60 MiB)."""
    analyse("戶籍登記 warm up")
