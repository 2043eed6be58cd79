"""What both backends promise alike (a rolled-back write leaves no trace, listing by date, the picker), and what
only the PostgreSQL backend adds: rows written in the record's transaction, and a check that finds stale rows."""
import pytest
from sqlalchemy import cast, literal, select, text
from sqlalchemy.dialects import postgresql

from qms import create_app, search
from qms.archive import services
from qms.archive.models import Publication
from qms.extensions import db
from qms.spine.access import Role
from tests.factories import UserFactory

EVERYONE = ["signed_in", "public", "admin", "quality", "staff", "leader"]


@pytest.fixture
def actor(app):
    return UserFactory(role=Role.QUALITY)


def publish(actor, title, abstract="", **values):
    return services.save_publication(None, {"title": title, "abstract": abstract, "kind": "handbook", **values}, actor)


def search_rows() -> int:
    return db.session.scalar(text("SELECT count(*) FROM search_document"))


def test_a_rolled_back_write_leaves_no_trace_in_search(actor, search_backend):
    publish(actor, "留下的", "戶籍")
    db.session.add(Publication(title="撤回的", abstract="戶籍 門牌", kind="handbook"))
    db.session.flush()  # written as far as the database goes, then abandoned
    db.session.rollback()
    assert {hit.title for hit in search.search("戶籍", access=EVERYONE).hits} == {"留下的"}
    assert search.search("門牌", access=EVERYONE).total == 0
    assert search.check() == ([], [])
    if search_backend == "postgres":
        assert search_rows() == 1


def test_healthz_checks_the_index_of_the_backend_in_use(app, search_backend, monkeypatch):
    """With PostgreSQL there are no index files: /healthz must look at the search table, not at Whoosh's folder."""
    assert app.test_client().get("/healthz").get_json()["checks"]["search"] == "ok"
    if search_backend == "postgres":
        from qms import search_postgres

        monkeypatch.setattr(search_postgres, "_table_exists", lambda connection: False)
    else:
        monkeypatch.setattr(search, "open_index", lambda path=None: (_ for _ in ()).throw(
            search.IndexUnavailable("missing")))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["search"] == "down"


def test_listing_by_date_newest_first(actor):
    for n, year in enumerate([2003, 2019, 2011, 2019, 2007, 2024, 2015]):
        publish(actor, f"書{n}", "戶籍" if n % 2 else "門牌", year=year)
    listing = search.search("", access=EVERYONE, sort="date")
    assert [hit.year for hit in listing.hits] == [2024, 2019, 2019, 2015, 2011, 2007, 2003]
    assert [hit.year for hit in search.search("戶籍", access=EVERYONE, sort="date").hits] == [2024, 2019, 2019]


def test_the_picker_finds_a_title_as_it_is_typed(actor):
    publish(actor, "跨機關通報手冊", "戶籍")
    publish(actor, "Naturalization guide", "handbook")
    assert [hit.title for hit in search.lookup("跨機", access=EVERYONE, types=["publication"])] == ["跨機關通報手冊"]
    assert [hit.title for hit in search.lookup("naturaliz", access=EVERYONE, types=["publication"])] \
        == ["Naturalization guide"]
    assert search.lookup("跨機", access=EVERYONE, types=["initiative"]) == []
    assert search.lookup("跨機", access=["public"], types=["publication"]) == []  # an internal publication


def test_boolean_queries_and_facet_filters(actor):
    publish(actor, "甲", "戶籍 門牌", year=2014, keywords=["門牌"])
    publish(actor, "乙", "戶籍", year=2015)
    publish(actor, "丙", "門牌", year=2016, kind="brochure")
    assert {h.title for h in search.search("戶籍 OR 門牌", access=EVERYONE).hits} == {"甲", "乙", "丙"}
    assert {h.title for h in search.search("戶籍 NOT 門牌", access=EVERYONE).hits} == {"乙"}
    assert {h.title for h in search.search("門牌 kind:brochure", access=EVERYONE).hits} == {"丙"}
    assert {h.title for h in search.search("keyword:門牌", access=EVERYONE).hits} == {"甲"}
    assert {h.title for h in search.search("門牌 OR year:2015", access=EVERYONE).hits} == {"甲", "乙", "丙"}
    assert {h.title for h in search.search("戶籍", access=EVERYONE, filters={"year": 2015}).hits} == {"乙"}
    assert {h.title for h in search.search("", access=EVERYONE, filters={"kind": "brochure"}).hits} == {"丙"}


def test_the_postgres_backend_is_refused_without_postgresql():
    with pytest.raises(RuntimeError, match="not PostgreSQL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "QMS_SEARCH_BACKEND": "postgres", "SECRET_KEY": "x"})
    with pytest.raises(RuntimeError, match="whoosh"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "QMS_SEARCH_BACKEND": "elastic", "SECRET_KEY": "x"})


@pytest.fixture
def postgres_only(search_backend):
    if search_backend != "postgres":
        pytest.skip("about the PostgreSQL backend's table")


def test_rows_are_written_in_the_records_transaction(postgres_only, actor):
    from qms.core.models import SearchQueue

    publication = publish(actor, "即時", "戶籍", public=True)
    assert search_rows() == 2 and search.status().pending == 0 and search.waiting() == 0  # and its public variant
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchQueue)) == 0  # no queue, no lag
    assert search.sync() == 0
    services.delete_publication(publication, actor)
    assert search_rows() == 0


def test_check_finds_missing_stale_and_extra_rows(postgres_only, actor, runner):
    from qms import search_postgres

    kept = publish(actor, "保留", "戶籍")
    changed = publish(actor, "改過", "門牌")
    gone = publish(actor, "刪掉", "印鑑")
    with db.engine.begin() as connection:  # behind the backend's back
        connection.execute(text("DELETE FROM search_document WHERE key = :key"), {"key": f"publication:{gone.id}"})
        connection.execute(text("UPDATE search_document SET title = 'x', digest = 'old' WHERE key = :key"),
                           {"key": f"publication:{changed.id}"})
        connection.execute(text("INSERT INTO search_document SELECT 'publication:999999', record_type, 999999, "
                                "access, kind, year, date, keywords, title, author, body, starts, ends, words, "
                                "spell, digest FROM search_document WHERE key = :key"),
                           {"key": f"publication:{kept.id}"})
    report = search_postgres.check_report()
    assert report.missing == [f"publication:{gone.id}"] and report.stale == [f"publication:{changed.id}"]
    assert report.extra == ["publication:999999"]
    result = runner.invoke(args=["qms", "search", "check"])
    assert result.exit_code == 1 and "publication:999999" in result.output
    assert runner.invoke(args=["qms", "search", "reindex"]).exit_code == 0
    assert search_postgres.check_report() == search_postgres.CheckReport([], [], [])
    assert search.status().documents == 3


def test_the_vector_keeps_the_analysis_positions_and_weights(postgres_only):
    from qms import search_postgres

    document = {"key": "publication:1", "content": "戶籍登記與身分證\n手冊\n手冊\n王小明\n門牌", "body_end": 8,
                "title": "手冊", "author": "王小明", "keyword": "門牌"}
    vector, starts, ends = search_postgres.vector_literal(document)
    assert "'户籍登记':1C" in vector and "'户籍':1C" in vector and "'身分证':3C" in vector
    assert "'手册':4A,5A" in vector and "'门牌':" in vector and vector.endswith("B")
    assert [document["content"][s:e] for s, e in zip(starts, ends, strict=True)] == ["戶籍登記", "與", "身分證"]


def test_spans_are_stored_packed_and_read_back(postgres_only):
    from qms import search_postgres

    starts, ends = [0, 4, 6, 9], [3, 5, 9, 14]
    packed = search_postgres._packed(starts, ends)
    assert packed == {"starts": [0, 1, 1, 0], "ends": [3, 1, 3, 5]}
    assert search_postgres._unpacked(packed["starts"], packed["ends"]) == (starts, ends)


def test_a_page_rows_query_words_are_read_from_its_own_vector(postgres_only, app):
    """The snippet's positions come from the row's vector cut down in SQL to the query's words and read back
    from PostgreSQL's text form: quotes and backslashes in a lexeme survive, other lexemes and weights do not."""
    from qms import search_postgres

    vector = "'門牌':2A,7 'it''s':3B 'a\\\\b':4 '戶籍':1,5C 'other':6"
    words = ["it's", "a\\b", "門牌", "missing"]
    found = db.session.scalar(select(search_postgres._found_words(cast(literal(vector), postgresql.TSVECTOR))),
                              {"words": words})
    assert sorted(search_postgres._found_positions(found)) == [("a\\b", [4]), ("it's", [3]), ("門牌", [2, 7])]
    assert search_postgres._found_positions(None) == [] and search_postgres._found_positions("") == []


def test_spans_are_read_only_as_far_as_the_last_position_needed(postgres_only):
    from qms import search_postgres

    gaps, lengths = [0, 1, 1, 0, 2], [3, 1, 3, 5, 2]
    assert search_postgres._offsets(gaps, lengths) == [0, 3, 4, 5, 6, 9, 9, 14, 16, 18]
    assert search_postgres._offsets(gaps, lengths, 2) == [0, 3, 4, 5]


def test_one_statement_serves_every_query_of_its_shape(postgres_only, actor):
    """The search statement is built once per shape and its values passed at execution: queries, filters and
    pages of the same shape must not see one another's values."""
    from qms import search_postgres

    publish(actor, "戶籍手冊", "戶籍", year=2014, keywords=["門牌"])
    publish(actor, "門牌手冊", "門牌", year=2015, keywords=["戶籍"])
    search_postgres._statement.cache_clear()
    first = search.search("戶籍", access=EVERYONE, filters={"year": 2014})
    second = search.search("門牌", access=EVERYONE, filters={"year": 2015})
    assert search_postgres._statement.cache_info().hits == 1
    assert [h.title for h in first.hits] == ["戶籍手冊"] and [h.title for h in second.hits] == ["門牌手冊"]
    assert "<mark>戶籍</mark>" in str(first.hits[0].snippet) and "<mark>門牌</mark>" in str(second.hits[0].snippet)
    assert [h.title for h in search.search("門牌", access=EVERYONE, filters={"year": 2014}).hits] == ["戶籍手冊"]
    assert [h.title for h in search.search("門牌", access=EVERYONE, filters={"keyword": "戶籍"}).hits] == ["門牌手冊"]
    assert search.search("戶籍", access=["public"]).total == 0  # internal publications: access is a value too
    assert search.search("戶籍", access=EVERYONE, page=2, per_page=1).hits[0].title != \
        search.search("戶籍", access=EVERYONE, page=1, per_page=1).hits[0].title


def test_ranking_a_capped_candidate_set_still_pages_through_every_match(postgres_only, actor, monkeypatch):
    from qms import search_postgres

    for n in range(9):
        publish(actor, f"書{n}", "戶籍 " * (n + 1) + "門牌" * n, year=2010 + n % 3)
    whole = search.search("戶籍", access=EVERYONE, per_page=20)
    assert whole.total == 9 and [h.score for h in whole.hits] == sorted((h.score for h in whole.hits), reverse=True)
    assert [h.title for h in whole.hits[:2]] == ["書8", "書7"]  # the most occurrences first
    monkeypatch.setattr(search_postgres, "RANK_CANDIDATES", 4)
    pages = [search.search("戶籍", access=EVERYONE, page=page, per_page=3) for page in (1, 2, 3)]
    titles = [hit.title for results in pages for hit in results.hits]
    assert all(results.total == 9 for results in pages) and sorted(titles) == sorted(h.title for h in whole.hits)
    assert dict(pages[0].facets["year"]) == {2010: 3, 2011: 3, 2012: 3}
    assert search.search("戶籍", access=EVERYONE, page=4, per_page=3).total == 9  # past the end: facets still
    dated = [search.search("戶籍", access=EVERYONE, sort="date", page=page, per_page=2) for page in range(1, 6)]
    assert [h.year for results in dated for h in results.hits] == sorted((h.year for h in whole.hits), reverse=True)


def test_rows_keep_only_their_small_columns_inline(postgres_only, actor):
    """Matching, counting and facets read access, keywords, kind and year from every matching row: the table
    moves a row's large values out of line from 256 bytes (the migration), and never access or keywords."""
    options = db.session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'search_document'"))
    assert "toast_tuple_target=256" in options
    storage = dict(db.session.execute(text(
        "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'search_document'::regclass "
        "AND attname IN ('access', 'keywords', 'body', 'words')")).all())
    assert storage == {"access": "m", "keywords": "m", "body": "x", "words": "x"}
    publish(actor, "長篇", "戶籍登記與門牌整編的說明。" * 60, keywords=["戶籍"])
    assert db.session.scalar(text("SELECT count(*) FROM search_document WHERE keywords = ARRAY['戶籍']")) == 1


def test_a_rebuild_leaves_no_pending_entries_in_the_gin_indexes(postgres_only, actor):
    """A rebuild lets the GIN indexes gather its rows in a large pending list (faster to write), then merges it
    before the commit: a search after it scans no pending list. Its settings end with its transaction."""
    for number in range(30):
        publish(actor, f"重建 {number}", f"戶籍登記第 {number} 號說明 counter service {number}", keywords=["戶籍"])
    before = db.session.scalar(text("SELECT current_setting('gin_pending_list_limit')"))
    db.session.commit()
    assert search.reindex() >= 30
    cleaned = db.session.execute(text(
        "SELECT c.relname, gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "WHERE i.indrelid = 'search_document'::regclass AND a.amname = 'gin' ORDER BY c.relname")).all()
    assert [name for name, _pages in cleaned] == ["ix_search_document_access", "ix_search_document_spell",
                                                  "ix_search_document_words"]
    assert [pages for _name, pages in cleaned] == [0, 0, 0]  # nothing left for this call to merge
    assert db.session.scalar(text("SELECT current_setting('gin_pending_list_limit')")) == before
    assert search.search("戶籍", access=EVERYONE).total >= 30
