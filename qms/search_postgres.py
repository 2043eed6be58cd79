"""The PostgreSQL search backend (QMS_SEARCH_BACKEND=postgres): search documents as rows of the database itself.

Why it looks the way it does:

* The same documents and the same analysis as the Whoosh backend (qms/search.py: OpenCC folding, jieba with the
  domain dictionary, sub-words, English stems), computed in Python and written as a tsvector *literal* with the
  analysis's own positions, so phrases (``<->``) mean what they mean in Whoosh. No text search configuration ever
  parses our words (the literal is cast, never given to to_tsvector), so no server extension is needed and
  Chinese is never re-segmented by PostgreSQL; the stored vectors are what the ``simple`` configuration would keep.
* One vector, the Whoosh content field (body, title twice, author, keywords), weighted by part: title A,
  keywords B, body C, author D. ``title:`` and ``keyword:`` and ``author:`` are the same lexemes limited to
  their weight; ranking is ts_rank_cd, which weighs title > keywords > body.
* Rows are written in the record's own transaction (before its commit), so search never lags the database and
  a rolled-back write leaves nothing behind; every app server reads the same rows.
* Snippets quote the stored body around the positions the vector holds for the query words (``starts``/``ends``
  map a position to its characters), so no text is segmented again at query time.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, islice
from typing import Any, Callable, Iterable

from flask import current_app, has_app_context
from markupsafe import Markup
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    event,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, selectinload

from qms import search as base
from qms.extensions import db
from qms.spine import records

log = logging.getLogger(__name__)

NAME = "postgres"
# Kept apart from the models' metadata: the tables exist on PostgreSQL only (see the migration), so the
# model/migration comparison and the test database wipe leave them out.
metadata = MetaData()
documents = Table(
    "search_document", metadata,
    Column("key", Text, primary_key=True),  # "type:id", or "type:id:public" for a public variant
    Column("record_type", String(50), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("access", postgresql.ARRAY(Text), nullable=False),
    Column("kind", Text, nullable=False),
    Column("year", Integer),
    Column("date", DateTime),  # naive UTC, as the Whoosh backend stores it
    Column("keywords", postgresql.ARRAY(Text), nullable=False),
    Column("title", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("body", Text, nullable=False),  # what snippets quote
    # body word at position p (from 1): its gap after word p-1 and its length (see _packed)
    Column("starts", postgresql.ARRAY(Integer), nullable=False),
    Column("ends", postgresql.ARRAY(Integer), nullable=False),
    Column("words", postgresql.TSVECTOR, nullable=False),
    Column("spell", postgresql.ARRAY(Text), nullable=False),  # English words, for "did you mean"
    Column("digest", String(40), nullable=False),  # of the document: `check` finds rows out of date
)
# Every English word ever indexed (as Whoosh's spelling lexicon): candidates for "did you mean", each shown only
# when a record the reader may see still holds it.
spelling = Table("search_spelling", metadata, Column("word", Text, primary_key=True))

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_WORD = 256  # and how many positions it keeps for one lexeme
MAX_VECTOR_CHARS = 900_000  # a tsvector holds at most 1 MB; the rest of a giant document is not searchable
FACET_LIMIT = 200  # keyword values counted per query
# Ranking reads a match's whole vector (out of line: ~10-20 µs each), so when more match than this, only the
# matches with the largest vectors (most words, so mostly the most occurrences) are ranked, ahead of the rest.
RANK_CANDIDATES = 100
BATCH = 200
ROW_FORMAT = "2"  # in every digest: rows written in an older layout read as stale to `check`
WEIGHTS = {"title": "A", "keyword": "B", "content": None, "author": "D"}
_REFS = "qms_search_pg_refs"


def _active() -> bool:
    return has_app_context() and current_app.config.get("QMS_SEARCH_BACKEND", "whoosh") == NAME


# --- rows ---------------------------------------------------------------------------------------

def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(document: dict) -> tuple[str, list[int], list[int]]:
    """The document's content as a tsvector literal ('term':position+weight ...), and the character span of
    each body position (for snippets)."""
    content, body_end = document["content"], document["body_end"]
    ends, weights, offset = [], [], 0
    for part, weight in ((content[:body_end], "C"), (document["title"], "A"), (document["title"], "A"),
                         (document.get("author") or "", "D"), (document.get("keyword") or "", "B")):
        if part:
            offset += len(part)
            ends.append(offset)
            weights.append(weight)
            offset += 1
    positions: dict[str, dict[int, str]] = {}
    starts: list[int] = []
    stops: list[int] = []
    for term, position, start, end, sub in base.analyse(content):
        part = min(bisect.bisect_right(ends, start), len(weights) - 1)
        found = positions.setdefault(term, {})
        if len(found) < MAX_POSITIONS_PER_WORD:
            found.setdefault(min(position + 1, MAX_POSITION), weights[part])
        if not sub and end <= body_end and position == len(starts) and position < MAX_POSITION:
            starts.append(start)
            stops.append(end)
    pieces, size = [], 0
    for term, at in positions.items():
        piece = _lexeme(term) + ":" + ",".join(f"{p}{w if w != 'D' else ''}" for p, w in sorted(at.items()))
        size += len(piece) + 1
        if size > MAX_VECTOR_CHARS:
            log.warning("search document %s is too long for a tsvector; its end is not searchable", document["key"])
            break
        pieces.append(piece)
    return " ".join(pieces), starts, stops


def _digest(document: dict) -> str:
    return hashlib.sha1((ROW_FORMAT + json.dumps(document, sort_keys=True, default=str, ensure_ascii=False)).encode(),
                        usedforsecurity=False).hexdigest()  # a change check, not a secret


def _packed(starts: list[int], ends: list[int]) -> dict:
    """The body words' spans as small numbers, which compress (a third of the size of the offsets): `starts` holds
    each word's gap after the previous word, `ends` its length."""
    gaps, previous = [], 0
    for start, end in zip(starts, ends, strict=True):
        gaps.append(start - previous)
        previous = end
    return {"starts": gaps, "ends": [end - start for start, end in zip(starts, ends, strict=True)]}


def _offsets(gaps: list[int], lengths: list[int], words: int | None = None) -> list[int]:
    """The first `words` body words' spans, flat (start, end, start, end, ...): one running sum in C."""
    return list(accumulate(chain.from_iterable(islice(zip(gaps, lengths, strict=True), words))))


def _unpacked(gaps: list[int], lengths: list[int]) -> tuple[list[int], list[int]]:
    flat = _offsets(gaps, lengths)
    return flat[0::2], flat[1::2]


def row_for(document: dict) -> dict:
    vector, starts, stops = vector_literal(document)
    return {
        "key": document["key"], "record_type": document["type"],
        "record_id": int(document["record"].rpartition(":")[2]),
        "access": document["access"].split(), "kind": document.get("kind") or "", "year": document.get("year"),
        "date": document.get("date"),
        "keywords": [k for k in (document.get("keywords") or "").split(",") if k],
        "title": document["title"], "author": document.get("author") or "",
        "body": document["content"][:document["body_end"]], **_packed(starts, stops),
        "words": vector, "spell": document.get("spell", "").split(), "digest": _digest(document),
    }


def _upsert():
    statement = postgresql.insert(documents).values(
        {**{column.name: bindparam(column.name) for column in documents.columns if column.name != "words"},
         "words": cast(bindparam("words"), postgresql.TSVECTOR)})
    return statement.on_conflict_do_update(
        index_elements=[documents.c.key],
        set_={column.name: statement.excluded[column.name] for column in documents.columns if column.name != "key"})


def _write_rows(connection, rows: list[dict]) -> None:
    if not rows:
        return
    connection.execute(_upsert(), rows)
    words = sorted({word for row in rows for word in row["spell"]})
    if words:
        connection.execute(postgresql.insert(spelling).on_conflict_do_nothing(), [{"word": w} for w in words])


_COLUMNS = [column.name for column in documents.columns]


def _copy_rows(connection, rows: list[dict]) -> None:
    """Append rows with COPY (a rebuild, after the table was emptied): no upsert, no statement per batch."""
    if not rows:
        return
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy("COPY search_document (" + ", ".join(f'"{name}"' for name in _COLUMNS) + ") FROM STDIN") \
                as copy:
            for row in rows:
                copy.write_row([row[name] for name in _COLUMNS])


def _copy_spelling(connection, words: set[str]) -> None:
    if words:
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy("COPY search_spelling (word) FROM STDIN") as copy:
                for word in sorted(words):
                    copy.write_row([word])


def _load(session: Session, record_type: records.RecordType, ids: Iterable[int] | None = None):
    model = record_type.model
    statement = select(model).order_by(model.id)
    if ids is not None:
        statement = statement.where(model.id.in_(list(ids)))
    for name in record_type.search.load:
        statement = statement.options(selectinload(getattr(model, name)))
    return session.scalars(statement.execution_options(yield_per=BATCH))


def write(connection, refs: Iterable[tuple[str, int]]) -> int:
    """Write the rows of these records as the connection's transaction sees them (deleting what is gone)."""
    by_type: dict[str, set[int]] = {}
    for type_name, record_id in refs:
        by_type.setdefault(type_name, set()).add(record_id)
    written = 0
    # A session of its own on the same connection: it sees this transaction's flushed rows, loads each record
    # afresh (collections included) and never commits.
    with Session(bind=connection, autoflush=False) as session:
        for type_name, ids in sorted(by_type.items()):
            record_type = records.get(type_name)
            found = {}
            if record_type is not None and record_type.search is not None:
                found = {record.id: record for record in _load(session, record_type, ids)}
            rows = [row_for(document) for record in found.values()
                    for document in base.documents_for(record_type, record)]
            connection.execute(delete(documents).where(
                documents.c.record_type == type_name, documents.c.record_id.in_(sorted(ids)),
                documents.c.key.notin_([row["key"] for row in rows])))
            _write_rows(connection, rows)
            written += len(found)
    return written


# --- following the database, in the same transaction ---------------------------------------------

def _watched() -> dict:
    watched: dict = {}
    for record_type in records.searchable_types():
        watched.setdefault(record_type.model, []).append((record_type.name, lambda record: record.id))
        for child, parent_id in record_type.search.parents.items():
            watched.setdefault(child, []).append((record_type.name, parent_id))
    return watched


def _after_flush(session: Session, _flush_context) -> None:
    if not _active():
        return
    watched = _watched()
    refs = session.info.setdefault(_REFS, set())
    for instance in chain(session.new, session.dirty, session.deleted):
        for type_name, id_of in watched.get(type(instance), ()):
            if instance in session.dirty and not session.is_modified(instance, include_collections=False):
                continue
            record_id = id_of(instance)
            if record_id is not None:
                refs.add((type_name, record_id))


def _before_commit(session: Session) -> None:
    if not _active():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush comes after this hook: collect its records now
    refs = session.info.pop(_REFS, None)
    if refs:
        write(session.connection(), refs)


def _forget(session: Session, _previous=None) -> None:
    session.info.pop(_REFS, None)


def install() -> None:
    if not getattr(install, "done", False):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)
        install.done = True


# --- status, check, rebuild ---------------------------------------------------------------------

def _table_exists(connection) -> bool:
    return connection.scalar(text("SELECT to_regclass('search_document') IS NOT NULL"))


def _require_table(connection) -> None:
    if not _table_exists(connection):
        raise base.IndexUnavailable("missing", "the search_document table: run `flask --app wsgi db upgrade`")


def create_empty(app=None) -> None:
    with db.engine.begin() as connection:
        if _table_exists(connection):
            connection.execute(delete(documents))
            connection.execute(delete(spelling))


# A rebuild's transaction: the GIN indexes take the new rows into a larger pending list, merged in bigger, sorted
# runs with more memory (100k publications, the database's share of a rebuild: 170-220 s with the default 4 MB,
# 147 s with 16 MB, 85-92 s with 64 MB), and the list is merged into the indexes before the commit, so searches
# afterwards do not scan it. Its pages stay in the index files as free space, so the list grows with the rebuild,
# half a kilobyte a record from PostgreSQL's 4 MB to 64 MB (100k: ~90 MB of free pages beside ~190 MB of index).
REBUILD_SETTINGS = {"work_mem": "256MB", "maintenance_work_mem": "256MB"}
PENDING_KB_PER_RECORD = 0.5
PENDING_KB = (4096, 65536)
_MERGE_PENDING = text(
    "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'search_document'::regclass AND a.amname = 'gin'")


def reindex(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rewrite every row in one transaction: searches see the old rows until it commits."""
    written = 0
    pool = None
    if procs > 1:
        import multiprocessing

        base.warm_up()  # forked workers inherit jieba
        pool = multiprocessing.get_context("fork").Pool(procs)
    try:
        with Session(db.engine) as session:
            connection = session.connection()
            _require_table(connection)
            pending = min(PENDING_KB[1], max(PENDING_KB[0], round(base.count_searchable(session)
                                                                  * PENDING_KB_PER_RECORD)))
            for name, value in {**REBUILD_SETTINGS, "gin_pending_list_limit": f"{pending}kB"}.items():
                connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
            connection.execute(delete(documents))
            connection.execute(delete(spelling))
            words: set[str] = set()

            def flush(batch: list[dict]) -> None:
                rows = pool.map(row_for, batch, 8) if pool else [row_for(d) for d in batch]
                _copy_rows(connection, rows)
                words.update(word for row in rows for word in row["spell"])

            for record_type in records.searchable_types():
                batch: list[dict] = []
                count = 0
                for record in _load(session, record_type):
                    batch.extend(base.documents_for(record_type, record))
                    count += 1
                    if count >= BATCH:
                        flush(batch)
                        written += count
                        if progress:
                            progress(count)
                        batch, count = [], 0
                flush(batch)
                written += count
                if progress and count:
                    progress(count)
            _copy_spelling(connection, words)
            connection.execute(_MERGE_PENDING)
            session.commit()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return written


@dataclass
class CheckReport:
    missing: list[str]  # records with no row
    stale: list[str]  # rows that no longer say what the record says
    extra: list[str]  # rows with no record behind them


def check_report() -> CheckReport:
    connection = db.session.connection()
    _require_table(connection)
    indexed: dict[str, str] = {row.key: row.digest for row in connection.execute(
        select(documents.c.key, documents.c.digest))}
    expected: dict[str, str] = {}
    for record_type in records.searchable_types():
        for record in _load(db.session, record_type):
            for document in base.documents_for(record_type, record):
                expected[document["key"]] = _digest(document)
    record_of = {key: key.removesuffix(base.PUBLIC_SUFFIX) for key in chain(indexed, expected)}
    missing = sorted({record_of[key] for key in expected if key not in indexed})
    extra = sorted({record_of[key] for key in indexed if key not in expected} - set(record_of[k] for k in expected))
    stale = sorted({record_of[key] for key, digest in expected.items()
                    if key in indexed and indexed[key] != digest} - set(missing))
    return CheckReport(missing, stale, extra)


def check() -> tuple[list[str], list[str]]:
    """Records missing from the table (or whose row is out of date), and rows with no record behind them."""
    report = check_report()
    return sorted(set(report.missing) | set(report.stale)), report.extra


def sync(limit: int = 2000) -> int:
    return 0  # rows are written with the record, in its transaction: nothing ever waits


def waiting(older_than=None) -> int:
    return 0


def status() -> base.IndexStatus:
    connection = db.session.connection()
    if not _table_exists(connection):
        return base.IndexStatus("missing", NAME, detail="the search_document table: run `flask --app wsgi db upgrade`")
    count = connection.scalar(select(func.count()).select_from(documents)) or 0
    if not count and base.count_searchable(db.session):
        return base.IndexStatus("missing", NAME, detail="no rows: run `flask --app wsgi qms search reindex`")
    return base.IndexStatus("ok", NAME, documents=count)


def size_bytes() -> int:
    return db.session.scalar(text("SELECT pg_total_relation_size('search_document')")) or 0


# --- queries ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _schema():
    return base.schema()


class _Part:
    """A translated query: `ts` a tsquery literal and `sql` a condition on the row, both required (either None)."""

    __slots__ = ("ts", "sql", "rank")

    def __init__(self, ts: str | None = None, sql=None, rank: list[str] | None = None):
        self.ts, self.sql, self.rank = ts, sql, rank if rank is not None else ([ts] if ts else [])

    def condition(self):
        parts = []
        if self.ts:
            parts.append(documents.c.words.op("@@")(cast(literal(self.ts), postgresql.TSQUERY)))
        if self.sql is not None:
            parts.append(self.sql)
        return and_(*parts) if len(parts) > 1 else (parts[0] if parts else true())


def _term(fieldname: str, word: str, prefix: bool = False) -> str:
    weight = WEIGHTS.get(fieldname)
    suffix = (":*" if prefix else "") + (weight or "")
    if suffix and not prefix:
        suffix = ":" + suffix
    elif prefix and weight:
        suffix = ":*" + weight
    return _lexeme(word) + suffix


def _translate(query) -> _Part:
    from whoosh import query as q

    if isinstance(query, q.Term):
        name, word = query.fieldname, query.text
        if name == "pairs":  # the Whoosh backend's adjacent-word terms: a two-word phrase
            first, _sep, second = str(word).partition("_")
            return _Part(f"{_lexeme(first)} <-> {_lexeme(second)}")
        if name in WEIGHTS:
            return _Part(_term(name, word if isinstance(word, str) else word.decode()))
        if name in ("type", "kind"):
            column = documents.c.record_type if name == "type" else documents.c.kind
            return _Part(sql=column == str(word))
        if name == "year":
            value = _schema()["year"].from_bytes(word) if isinstance(word, bytes) else int(word)
            return _Part(sql=documents.c.year == int(value))
        raise base.QueryProblem(f"unknown field {name}")
    if isinstance(query, q.Phrase):
        words = [w for w in query.words if w]
        if query.fieldname not in WEIGHTS or not words:
            raise base.QueryProblem(f"no phrase on {query.fieldname}")
        return _Part(" <-> ".join(_term(query.fieldname, w) for w in words))
    if isinstance(query, q.Prefix):
        if query.fieldname not in WEIGHTS:
            raise base.QueryProblem(f"no prefix on {query.fieldname}")
        return _Part(_term(query.fieldname, query.text, prefix=True))
    if isinstance(query, q.NumericRange):
        if query.fieldname != "year":
            raise base.QueryProblem(f"no range on {query.fieldname}")
        conditions = []
        if query.start is not None:
            conditions.append(documents.c.year > query.start if query.startexcl else documents.c.year >= query.start)
        if query.end is not None:
            conditions.append(documents.c.year < query.end if query.endexcl else documents.c.year <= query.end)
        return _Part(sql=and_(documents.c.year.isnot(None), *conditions))
    if isinstance(query, q.Every):
        return _Part()
    if isinstance(query, q.Not):
        inner = _translate(query.query)
        if inner.sql is None and inner.ts:
            return _Part(f"!({inner.ts})", rank=[])
        return _Part(sql=not_(inner.condition()), rank=[])
    if isinstance(query, q.AndMaybe):
        required, optional = (_translate(sub) for sub in query.subqueries)
        return _Part(required.ts, required.sql, required.rank + optional.rank)
    if isinstance(query, q.AndNot):
        positive, negative = (_translate(sub) for sub in query.subqueries)
        return _translate_and([positive, _translate(q.Not(query.subqueries[1]))]) if negative else positive
    if isinstance(query, q.And):
        return _translate_and([_translate(sub) for sub in query.subqueries])
    if isinstance(query, q.Or):
        parts = [_translate(sub) for sub in query.subqueries]
        rank = [word for part in parts for word in part.rank]
        if all(part.sql is None and part.ts for part in parts):
            return _Part("(" + " | ".join(part.ts for part in parts) + ")", rank=rank)
        return _Part(sql=or_(*(part.condition() for part in parts)), rank=rank)
    if query is q.NullQuery:
        return _Part(sql=false(), rank=[])
    raise base.QueryProblem(f"unsupported query {type(query).__name__}")


def _translate_and(parts: list[_Part]) -> _Part:
    texts = [part.ts for part in parts if part.ts]
    conditions = [part.sql for part in parts if part.sql is not None]
    positive = [part.ts for part in parts if part.ts and not part.ts.startswith("!")]
    ranked = [word for part in parts for word in part.rank]
    rank = [" & ".join(positive)] if positive and len(ranked) == len(positive) else ranked
    return _Part(" & ".join(f"({t})" if " | " in t else t for t in texts) or None,
                 and_(*conditions) if conditions else None, rank=rank)


def _rank_query(part: _Part) -> str | None:
    """The tsquery that ranks a match (the query without its negations), or None when nothing ranks."""
    if not part.rank:
        return None
    return part.rank[0] if len(part.rank) == 1 else " | ".join(f"({t})" for t in part.rank)


def _rank(part: _Part):
    tsquery = _rank_query(part)
    if tsquery is None:
        return literal(0.0)
    return func.ts_rank_cd(documents.c.words, cast(literal(tsquery), postgresql.TSQUERY))


def _filter_values(access: Iterable[str], filters: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The filters that apply (their names, in a fixed order: the shape of the condition) and their values, by
    the names of _filter_clause's parameters."""
    values: dict[str, Any] = {"access": list(access)}
    for name, value in filters.items():
        if value in (None, "") or name not in ("year", "keyword", "type", "kind"):
            continue
        if name == "year":
            try:
                values["year"] = int(value)
            except (TypeError, ValueError):
                continue
        elif name == "keyword":
            values["keyword"] = [str(value)]
        else:
            many = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            values[name] = [str(v) for v in many]
    return tuple(name for name in ("year", "keyword", "type", "kind") if name in values), values


def _filter_condition(names: tuple[str, ...], values: dict[str, Any] | None = None):
    """The reader's access and the chosen facets as a condition on the parameters named as _filter_values's
    (their values are given at execution), or with `values` bound in."""
    def value(name: str, **options):
        if values is None:
            return bindparam(name, **options)
        return bindparam(name, values[name], unique=True, **options)

    parts = [documents.c.access.overlap(value("access", type_=postgresql.ARRAY(Text)))]
    for name in names:
        if name == "year":
            parts.append(documents.c.year == value("year", type_=Integer))
        elif name == "keyword":
            parts.append(documents.c.keywords.contains(value("keyword", type_=postgresql.ARRAY(Text))))
        else:
            column = documents.c.record_type if name == "type" else documents.c.kind
            parts.append(column.in_(value(name, expanding=True)))
    return and_(*parts)


@lru_cache(maxsize=32)
def _filter_clause(names: tuple[str, ...]):
    return _filter_condition(names)


def _filter(access: Iterable[str], filters: dict[str, Any]):
    return _filter_condition(*_filter_values(access, filters))


def _facet_rows(matched):
    """The facet counts over the matched rows, as the text of one JSON array of [name, value, count]. Text, not
    json: the statement repeats it on each of the page's rows, and the driver would decode every copy."""
    keywords = select(func.unnest(matched.c.keywords).label("value")).subquery()
    counted = union_all(
        select(literal("type").label("name"), matched.c.record_type.label("value"), func.count().label("n"))
        .group_by(matched.c.record_type),
        select(literal("kind"), matched.c.kind, func.count()).where(matched.c.kind != "").group_by(matched.c.kind),
        select(literal("year"), cast(matched.c.year, Text), func.count()).where(matched.c.year.isnot(None))
        .group_by(matched.c.year),
        select(literal("keyword"), keywords.c.value, func.count()).group_by(keywords.c.value)
        .order_by(func.count().desc(), keywords.c.value).limit(FACET_LIMIT),
    ).subquery("counted")
    return select(cast(func.json_agg(func.json_build_array(counted.c.name, counted.c.value, counted.c.n)), Text)) \
        .scalar_subquery()


def _found_words(vector=documents.c.words):
    """The page row's own vector cut down to the query words (parameter `words`), as text: every lexeme is
    weighted D, the query's words A, and only the A ones are kept (three passes in C over the vector, where
    unnesting it made a row of every lexeme)."""
    marked = func.setweight(func.setweight(vector, literal_column("'D'::\"char\"")),
                            literal_column("'A'::\"char\""), bindparam("words", type_=postgresql.ARRAY(Text)))
    return cast(func.ts_filter(marked, literal_column("'{a}'::\"char\"[]")), Text)


_FOUND = re.compile(r"'((?:[^']|'')*)':([0-9A,]+)")


def _found_positions(found: str | None) -> list[tuple[str, list[int]]]:
    """(lexeme, positions) from a tsvector's text ('word':3A,17A 'it''s':5A), as _found_words returns it."""
    return [(lexeme.replace("''", "'").replace("\\\\", "\\"), [int(p) for p in positions.replace("A", "").split(",")])
            for lexeme, positions in _FOUND.findall(found or "")]


def _spans(row) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    found = _found_positions(row.found)
    if not found:
        return spans
    last = max(position for _lexeme_, positions in found for position in positions)
    flat = _offsets(row.starts, row.ends, last)
    words = len(flat) // 2
    for lexeme, positions in found:
        for position in positions:
            index = position - 1
            if index >= words or position >= MAX_POSITION:
                continue
            start, end = flat[2 * index], flat[2 * index + 1]
            if len(lexeme) < end - start and base._CJK.match(lexeme):  # a sub-word inside a longer word
                folded = base.normalize(row.body[start:end])
                at = folded.find(lexeme)
                while at >= 0:
                    spans.append((start + at, start + at + len(lexeme)))
                    at = folded.find(lexeme, at + 1)
            else:
                spans.append((start, end))
    return spans


def _snippet(text_: str, spans: list[tuple[int, int]]) -> Markup:
    """The stretch of the body with the most query words, marked (the same window as the Whoosh backend's)."""
    return base.window_snippet(text_, spans)


_HIT_COLUMNS = (documents.c.key, documents.c.record_type, documents.c.record_id, documents.c.title,
                documents.c.year, documents.c.date, documents.c.kind, documents.c.keywords, documents.c.author)


def _hit(row, snippet: Markup | None = None) -> base.Hit:
    return base.Hit(key=f"{row.record_type}:{row.record_id}", type=row.record_type, record_id=row.record_id,
                    title=row.title, snippet=snippet if snippet is not None else Markup(""),
                    score=float(row.score or 0.0), year=row.year, date=row.date,
                    kind=row.kind, keywords=list(row.keywords or []), author=row.author)


def _parse(text_: str):
    from whoosh import query as q

    return base.parse(text_, _schema()) if (text_ or "").strip() else q.Every()


def _unavailable(error: ProgrammingError) -> base.IndexUnavailable:
    db.session.rollback()
    if "search_document" in str(error) or "search_spelling" in str(error):
        return base.IndexUnavailable("missing", "the search_document table: run `flask --app wsgi db upgrade`")
    raise error


def _search_statement(condition, *, sort: str, ranked: bool, beyond: bool, words: bool):
    """One statement: the matching rows once (without their large columns), the facets from them, and the page's
    rows joined back for their text. Ranking reads a row's whole vector, so it is done only where it orders:
    every match for relevance, but for dates only the matches whose date ties with the page's.

    Its values are parameters (`rank` the ranking tsquery, `words` the query's lexemes, `limit`, `offset`,
    `shown` = limit + offset and `candidates` = RANK_CANDIDATES), so a statement serves every query of its shape
    (see _statement); `beyond` says the page reaches past the ranked candidates."""
    score = func.ts_rank_cd(documents.c.words, cast(bindparam("rank", type_=Text), postgresql.TSQUERY)) \
        if ranked else literal(0.0)
    columns = [documents.c.key, documents.c.record_type, documents.c.record_id, documents.c.kind,
               documents.c.year, documents.c.keywords]
    if sort == "date":
        columns.append(documents.c.date)
    elif ranked:  # the stored size of the vector, read from the row without fetching the vector
        columns.append(func.pg_column_size(documents.c.words).label("size"))
    matched = select(*columns).where(condition).cte("matched")
    if sort == "date":
        shown = select(matched.c.date).order_by(matched.c.date.desc().nulls_last()) \
            .limit(bindparam("shown", type_=Integer)).cte("shown")
        if ranked:  # the dates that reach the page: rank only the matches that share one
            tied = or_(matched.c.date >= select(func.min(shown.c.date)).scalar_subquery(),
                       select(shown.c.date).where(shown.c.date.is_(None)).exists())
            scored = select(matched.c.key, matched.c.date, score.label("score")) \
                .join_from(matched, documents, documents.c.key == matched.c.key).where(tied).subquery("scored")
        else:
            scored = select(matched.c.key, matched.c.date, literal(0.0).label("score")).subquery("scored")
        order = lambda t: [t.c.date.desc().nulls_last(), t.c.score.desc(), t.c.key]  # noqa: E731
        page = select(scored.c.key, scored.c.date, scored.c.score)
        source = scored
    elif ranked:  # the RANK_CANDIDATES largest vectors ranked (all of them when no more match), then the rest
        candidates = select(matched.c.key, matched.c.size).order_by(matched.c.size.desc(), matched.c.key) \
            .limit(bindparam("candidates", type_=Integer)).cte("candidates")
        source = select(candidates.c.key, candidates.c.size, literal(0).label("tier"), score.label("score")) \
            .join_from(candidates, documents, documents.c.key == candidates.c.key)
        if beyond:
            source = union_all(source, select(matched.c.key, matched.c.size, literal(1), literal(None, Float))
                               .where(matched.c.key.notin_(select(candidates.c.key))))
        source = source.subquery("scored")
        ranking = [source.c.tier, source.c.score.desc(), source.c.size.desc(), source.c.key]
        page = select(source.c.key, source.c.score, func.row_number().over(order_by=ranking).label("ord")) \
            .order_by(*ranking)
        order = lambda t: [t.c.ord]  # noqa: E731
    else:
        page = select(matched.c.key, matched.c.record_type, matched.c.record_id, literal(0.0).label("score"))
        order = lambda t: [t.c.record_type, t.c.record_id, t.c.key]  # noqa: E731
        source = matched
    if sort == "date" or not ranked:
        page = page.select_from(source).order_by(*order(source))
    page = page.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)).cte("page")
    facets = select(_facet_rows(matched).label("facets")).cte("facets")
    found = _found_words() if words else literal(None, Text)
    hits = select(*_HIT_COLUMNS, documents.c.body, documents.c.starts, documents.c.ends, page.c.score,
                  found.label("found"), *([page.c.ord] if "ord" in page.c else [])) \
        .join_from(page, documents, documents.c.key == page.c.key).subquery("hits")
    return select(facets.c.facets, *hits.c).select_from(facets.outerjoin(hits, true())).order_by(*order(hits))


@lru_cache(maxsize=256)
def _statement(sort: str, ranked: bool, beyond: bool, words: bool, matching: bool, filters: tuple[str, ...]):
    """The search statement of a query made only of words (the usual kind: its tsquery is parameter `ts`) for
    a shape, built once: building one costs more than PostgreSQL takes to run it for most queries."""
    matches = documents.c.words.op("@@")(cast(bindparam("ts", type_=Text), postgresql.TSQUERY)) if matching \
        else true()
    return _search_statement(and_(matches, _filter_clause(filters)), sort=sort, ranked=ranked, beyond=beyond,
                             words=words)


def _without_seqscan(connection, statement, values: dict[str, Any]) -> list:
    """Run the statement with the GIN index doing the matching: a sequential scan tests `@@` on every row's
    vector (fetched out of line, ~20 µs each), which the planner does not count, so it picks one whenever a
    common word matches a good part of the table. Set for this statement only (in its transaction)."""
    was = connection.execute(text("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
                                  )).scalar()
    rows = connection.execute(statement, values).all()  # an error rolls the setting back with the transaction
    connection.execute(text("SELECT set_config('enable_seqscan', :was, true)"), {"was": was})
    return rows


def search(text_: str, *, access: Iterable[str], filters: dict[str, Any] | None = None, page: int = 1,
           per_page: int = 10, sort: str = "relevance", facets: Iterable[str] = base.FACETS) -> base.Results:
    from whoosh import query as q

    access = list(access)
    results = base.Results(query=text_ or "", page=max(1, page), per_page=per_page)
    try:
        parsed = _parse(text_)
        if parsed is q.NullQuery:
            results.problem = "empty"
            return results
        translated = _translate(parsed)
    except base.QueryProblem as error:
        results.problem = str(error)
        return results
    start = (results.page - 1) * per_page
    names, values = _filter_values(access, filters or {})
    words = sorted(base.query_words(parsed)) if (text_ or "").strip() else []
    rank = _rank_query(translated)
    shape = dict(sort="date" if sort == "date" else "relevance", ranked=rank is not None,
                 beyond=sort != "date" and start + per_page > RANK_CANDIDATES, words=bool(words))
    if translated.sql is None:
        statement = _statement(**shape, matching=translated.ts is not None, filters=names)
    else:  # type:, year: or a NOT over them in the query: a condition of its own
        statement = _search_statement(and_(translated.condition(), _filter_clause(names)), **shape)
    values.update(ts=translated.ts, rank=rank, words=words, limit=per_page, offset=start, shown=start + per_page,
                  candidates=RANK_CANDIDATES)
    try:
        rows = _without_seqscan(db.session.connection(), statement, values)
    except ProgrammingError as error:
        results.unavailable = _unavailable(error)
        return results
    counts: dict[str, list[tuple[Any, int]]] = {name: [] for name in base.FACETS}
    for name, value, count in json.loads(rows[0].facets or "[]") if rows else []:
        counts[name].append((int(value) if name == "year" else value, count))
    results.total = sum(count for _value, count in counts["type"])
    rows = [row for row in rows if row.key is not None]
    snippets = {row.key: _snippet(row.body, _spans(row)) for row in rows}
    results.hits = [_hit(row, snippets[row.key]) for row in rows]
    for name in facets:
        pairs = counts.get(name, [])
        if name == "year":
            pairs.sort(key=lambda item: -int(item[0]))
        else:
            pairs.sort(key=lambda item: (-item[1], str(item[0])))
        results.facets[name] = pairs
    if results.total < 3 and (text_ or "").strip():
        results.suggestion = suggest(text_, access)
    return results


def lookup(text_: str, *, access: Iterable[str], types: Iterable[str], limit: int = 10) -> list[base.Hit]:
    """The Whoosh backend's picker (see qms.search.lookup): every typed word, the last one or a Chinese one
    also as the start of a title word."""
    types = list(types)
    words = [(term, start, end) for term, _position, start, end, sub in base.analyse(text_ or "") if not sub]
    if not words or not types:
        return []
    typed_text = base.normalize(text_)
    parts = []
    for number, (term, start, end) in enumerate(words):
        typed = typed_text[start:end]
        last = number == len(words) - 1
        if not (last or base._CJK.match(typed)):
            parts.append(_lexeme(term))
            continue
        options = [_lexeme(term), _term("title", typed, prefix=True)]
        if last and typed.isascii() and typed.isalpha():
            options += [_term("title", typed[:size]) for size in range(max(4, len(typed) - 4), len(typed))]
        parts.append("(" + " | ".join(options) + ")")
    translated = _Part(" & ".join(parts))
    score = _rank(translated).label("score")
    try:
        rows = db.session.connection().execute(
            select(*_HIT_COLUMNS, score).where(translated.condition(), _filter(access, {"type": types}))
            .order_by(score.desc(), documents.c.key).limit(limit)).all()
    except ProgrammingError as error:
        _unavailable(error)
        return []
    return [_hit(row) for row in rows]


def more_like(key: str, *, access: Iterable[str], top: int = 5, types: Iterable[str] | None = None,
              numterms: int = 12) -> list[base.Hit]:
    """Records sharing the record's most distinctive words (term frequency × inverse document frequency)."""
    access = list(access)
    connection = db.session.connection()
    keys = [key + base.PUBLIC_SUFFIX, key] if base.VISITOR in access else [key]
    try:
        found = connection.execute(text(
            "SELECT d.key, w.lexeme, array_length(w.positions, 1) AS tf FROM search_document d, unnest(d.words) w "
            "WHERE d.key = ANY(:keys)"), {"keys": keys}).all()
    except ProgrammingError as error:
        _unavailable(error)
        return []
    own = next((k for k in keys if any(row.key == k for row in found)), None)
    if own is None:
        return []
    terms = sorted(((row.lexeme, row.tf) for row in found if row.key == own), key=lambda item: (-item[1], item[0]))
    terms = terms[:numterms * 3]
    if not terms:
        return []
    total = connection.scalar(select(func.count()).select_from(documents)) or 1
    frequencies = connection.execute(text(
        "SELECT t, (SELECT count(*) FROM search_document WHERE words @@ t::tsquery) "
        "FROM unnest(CAST(:terms AS text[])) t"),
        {"terms": [_lexeme(term) for term, _tf in terms]}).all()
    df = dict(frequencies)
    weighted = sorted(((tf * math.log(total / (df.get(_lexeme(term)) or 1)) + 1e-9 * tf, term) for term, tf in terms),
                      key=lambda item: (-item[0], item[1]))[:numterms]
    translated = _Part(" | ".join(_lexeme(term) for _weight, term in weighted))
    score = _rank(translated).label("score")
    record_type, _sep, record_id = key.partition(":")
    condition = and_(translated.condition(), _filter(access, {"type": list(types)} if types else {}),
                     not_(and_(documents.c.record_type == record_type, documents.c.record_id == int(record_id))))
    rows = connection.execute(select(*_HIT_COLUMNS, score).where(condition)
                              .order_by(score.desc(), documents.c.key).limit(top)).all()
    return [_hit(row) for row in rows]


def _distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def suggest(text_: str, access: Iterable[str]) -> str | None:
    """As the Whoosh backend's: misspelt English words replaced by the closest word (edit distance 2 at most,
    then the most records) of a record the reader may see, or None."""
    import re

    connection = db.session.connection()
    changed = False

    def records_holding(words: list[str]) -> dict[str, int]:
        if not words:
            return {}
        found = connection.execute(text(
            "SELECT w, (SELECT count(*) FROM search_document d WHERE d.spell @> ARRAY[w] AND d.access && :access) "
            "FROM unnest(CAST(:words AS text[])) w"), {"words": words, "access": list(access)}).all()
        return {w: n for w, n in found if n}

    def fix(match):
        nonlocal changed
        word = match.group(0)
        lowered = word.lower()
        if records_holding([lowered]):
            return word
        candidates = connection.scalars(select(spelling.c.word).where(
            func.length(spelling.c.word).between(len(lowered) - 2, len(lowered) + 2),
            or_(func.left(spelling.c.word, 1) == lowered[:1], func.substr(spelling.c.word, 2, 1) == lowered[1:2]),
            spelling.c.word != lowered)).all()
        close = [c for c in candidates if _distance(lowered, c, 2) <= 2]
        counts = records_holding(close)
        if counts:
            changed = True
            return min(counts, key=lambda c: (-counts[c], c))
        return word
    try:
        corrected = re.sub(r"\b(?<![:\-])[A-Za-z]{3,}\b(?!:)", fix, text_)
    except ProgrammingError as error:
        _unavailable(error)
        return None
    return corrected if changed else None
