"""Chinese and English search through qms/search.py, over records written by the services (so every test also
checks that a commit updates the index)."""
import pytest

from qms import search
from qms.archive import services
from qms.spine.access import Role
from tests.factories import UserFactory

EVERYONE = ["signed_in", "public", "admin", "quality", "staff", "leader"]


@pytest.fixture
def actor(app):
    return UserFactory(role=Role.QUALITY)


def publish(actor, title, abstract="", **values):
    values = {"title": title, "abstract": abstract, "kind": "handbook", **values}
    return services.save_publication(None, values, actor)


def titles(query, access=EVERYONE, **kwargs):
    results = search.search(query, access=access, **kwargs)
    assert results.problem is None and results.unavailable is None, results
    return {hit.title for hit in results.hits}


def test_the_analyzer_gives_sequential_positions_and_subwords_in_place():
    tokens = search.analyse("戶籍登記與身分證換發")
    main = [(term, pos) for term, pos, _s, _e, sub in tokens if not sub]
    assert main == [("户籍登记", 0), ("与", 1), ("身分证", 2), ("换发", 3)]
    subs = {(term, pos) for term, pos, _s, _e, sub in tokens if sub}
    assert ("户籍", 0) in subs and ("登记", 0) in subs
    # offsets point into the original Traditional text
    assert all("戶籍登記與身分證換發"[s:e] for _t, _p, s, e, _sub in tokens)
    assert search.normalize("ＡＢＣ１２３　戶籍") == "abc123 户籍"


def test_a_two_word_query_matches_words_far_apart(actor):
    publish(actor, "甲", "本手冊說明戶籍登記的流程。第二章另談國民身分證換發的準備文件。")
    publish(actor, "乙", "本手冊只談戶籍登記。")
    assert titles("戶籍登記 換發") == {"甲"}
    assert titles("戶籍登記身分證換發") == {"甲"}  # one run of text, segmented into words that are all required


def test_shenfenzheng_and_huji_inside_hujidengji_are_found(actor):
    publish(actor, "證件", "請攜帶身分證辦理。")
    publish(actor, "登記", "戶籍登記須知。")
    assert titles("身分證") == {"證件"}
    assert titles("戶籍") == {"登記"}
    assert titles("歸化") == set()


def test_traditional_and_simplified_find_each_other(actor):
    publish(actor, "繁體", "戶籍謄本申請")
    publish(actor, "简体", "户籍誊本申请")
    assert titles("户籍") == {"繁體", "简体"}
    assert titles("戶籍謄本") == {"繁體", "简体"}


def test_chinese_phrases(actor):
    publish(actor, "相連", "今日起身分證換發免排隊。")
    publish(actor, "分開", "身分證遺失請先報案，再到所換發。")
    assert titles('"身分證換發"') == {"相連"}
    assert titles("身分證 換發") == {"相連", "分開"}
    assert titles('"身分證 遺失 報案"') == set()  # three words, not adjacent in that order
    assert titles('"身分證遺失"') == {"分開"}


def test_english_phrases_and_stemming(actor):
    publish(actor, "A", "Our offices improved service quality for citizens.")
    publish(actor, "B", "The quality of our counter service is measured.")
    assert titles('"service quality"') == {"A"}
    assert titles("service quality") == {"A", "B"}
    assert titles("improving offices") == {"A"}  # improving ~ improved, offices ~ office


def test_field_queries_and_year_ranges(actor):
    publish(actor, "姓名學迷失輔正之研究", "研究", authors="王小明", year=2014, kind="research_report")
    publish(actor, "門牌手冊", "姓名學不在標題", authors="陳大華", year=2016)
    assert titles("title:姓名學") == {"姓名學迷失輔正之研究"}
    assert titles("author:陳大華") == {"門牌手冊"}
    assert titles("year:2013-2015") == {"姓名學迷失輔正之研究"}
    assert titles("year:[2015 TO 2017]") == {"門牌手冊"}
    assert titles("kind:research_report") == {"姓名學迷失輔正之研究"}


def test_highlighting_marks_the_words_and_escapes_the_text(actor):
    publish(actor, "H", "前言 <script>alert(1)</script> 本所戶籍登記服務全國第一。")
    hit = search.search("戶籍", access=EVERYONE).hits[0]
    snippet = str(hit.snippet)
    assert "<mark>戶籍</mark>登記" in snippet  # the sub-word is marked inside the longer word, in Traditional
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_facets_count_every_hit(actor):
    publish(actor, "一", "戶籍", year=2014, kind="handbook", keywords=["門牌"])
    publish(actor, "二", "戶籍", year=2015, kind="handbook", keywords=["門牌", "歸化"])
    publish(actor, "三", "戶籍", year=2015, kind="brochure", keywords=["歸化"])
    publish(actor, "四", "無關", year=2015, kind="brochure")
    results = search.search("戶籍", access=EVERYONE, per_page=1)
    assert results.total == 3 and len(results.hits) == 1 and results.pages == 3
    assert dict(results.facets["kind"]) == {"handbook": 2, "brochure": 1}
    assert dict(results.facets["year"]) == {2014: 1, 2015: 2}
    assert dict(results.facets["keyword"]) == {"門牌": 2, "歸化": 2}
    filtered = search.search("戶籍", access=EVERYONE, filters={"keyword": "歸化", "year": 2015})
    assert {hit.title for hit in filtered.hits} == {"二", "三"}
    page2 = search.search("戶籍", access=EVERYONE, per_page=2, page=2)
    assert len(page2.hits) == 1


def test_sort_by_date(actor):
    publish(actor, "舊", "戶籍", year=2001)
    publish(actor, "新", "戶籍 戶籍 戶籍", year=2020)
    publish(actor, "中", "戶籍", year=2010)
    hits = search.search("戶籍", access=EVERYONE, sort="date").hits
    assert [hit.title for hit in hits] == ["新", "中", "舊"]


@pytest.mark.parametrize("query", ['"戶籍', "(戶籍 OR", "戶籍)", "nosuchfield:戶籍", "！？。，", "...", "AND",
                                   "year:abc", "title:", '""', "*", "year:[2020 TO"])
def test_bad_queries_never_fail(actor, query):
    publish(actor, "戶籍手冊", "戶籍")
    results = search.search(query, access=EVERYONE)
    assert results.unavailable is None
    assert results.problem is not None or results.total >= 0


def test_did_you_mean_for_misspelt_english(actor):
    publish(actor, "E", "Naturalization and household registration handbook")
    results = search.search("registraton handbok", access=EVERYONE)
    assert results.total == 0 and results.suggestion == "registration handbook"
    assert search.search("registration", access=EVERYONE).suggestion is None


def test_more_like_this(actor):
    a = publish(actor, "新住民歸化手冊", "外籍配偶 歸化 國籍 身分證 初設戶籍 新住民")
    publish(actor, "歸化問答", "外籍配偶 歸化 國籍 新住民 常見問題")
    publish(actor, "門牌手冊", "門牌 整編 道路 命名")
    similar = search.more_like(f"publication:{a.id}", access=EVERYONE)
    assert [hit.title for hit in similar][:1] == ["歸化問答"]
    assert "新住民歸化手冊" not in {hit.title for hit in similar}


def test_only_what_the_reader_may_see(app, actor):
    from qms.surveys import services as surveys

    kiosk, _token = surveys.issue_kiosk_token("k", None)
    surveys.cast_vote(kiosk, False, "櫃台人員態度冷淡")  # a follow-up case: quality team only
    publish(actor, "內部手冊", "冷淡的反面是熱情", public=False)
    publish(actor, "公開手冊", "熱情服務", public=True)
    staff = UserFactory(role=Role.STAFF)
    quality = UserFactory(role=Role.QUALITY)
    as_staff = search.user_access_terms(staff)
    assert titles("冷淡", access=search.user_access_terms(quality)) >= {"內部手冊"}
    assert any(hit.type == "follow_up_case"
               for hit in search.search("冷淡", access=search.user_access_terms(quality)).hits)
    assert all(hit.type != "follow_up_case" for hit in search.search("冷淡", access=as_staff).hits)
    assert titles("冷淡", access=as_staff) == {"內部手冊"}
    assert titles("熱情", access=search.user_access_terms(None)) == {"公開手冊"}


def test_changes_and_deletes_follow_the_database(actor):
    publication = publish(actor, "原標題", "戶籍")
    services.save_publication(publication, {"title": "新標題", "abstract": "門牌", "kind": "book"}, actor)
    assert titles("戶籍") == set() and titles("門牌") == {"新標題"}
    services.delete_publication(publication, actor)
    assert titles("門牌") == set()
    assert search.check() == ([], [])


@pytest.mark.whoosh_only
def test_a_missing_index_is_reported_and_rebuilt(app, actor):
    import shutil

    publish(actor, "手冊", "戶籍")
    shutil.rmtree(search.index_dir())
    assert search.search("戶籍", access=EVERYONE).unavailable.reason == "missing"
    publish(actor, "第二本", "戶籍")  # the commit succeeds; its change waits in the queue
    assert search.status().pending >= 1
    assert search.reindex() == 2
    assert titles("戶籍") == {"手冊", "第二本"} and search.status().pending == 0


# Whoosh leaves the damaged table-of-contents file open when it fails to read it; not ours to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.whoosh_only
def test_a_corrupt_index_is_reported(app, actor):
    publish(actor, "手冊", "戶籍")
    for path in search.index_dir().glob("*.toc"):
        path.write_bytes(b"garbage")
    assert search.search("戶籍", access=EVERYONE).unavailable.reason == "corrupt"
    assert search.status().state == "corrupt"


@pytest.mark.whoosh_only
def test_the_vectorized_path_agrees_with_whoosh(actor):
    """Plain queries are scored with numpy over posting arrays; they must match Whoosh's own BM25F exactly,
    deleted (re-indexed) documents included."""
    import random

    import numpy as np

    rng = random.Random(7)
    words = ["戶籍登記", "身分證", "歸化", "門牌", "印鑑證明", "service", "quality", "counter", "新住民", "滿意度"]
    made = []
    for n in range(40):
        text = "，".join(rng.choice(words) for _ in range(rng.randint(3, 25)))
        made.append(publish(actor, f"文件{n}", text, public=n % 3 == 0))
    for publication in made[:10]:  # re-indexing leaves deleted documents behind in the older segments
        services.save_publication(publication, {"title": publication.title, "abstract": publication.abstract + " 門牌",
                                                "kind": "book"}, actor)
    searcher = search._searcher()
    for text in ["戶籍", "身分證 歸化", "門牌 OR counter", '"service quality"', "新住民 滿意度 門牌", "quality",
                 '"戶籍 登記 身分證"', '"身分證 歸化"', '"门牌 counter" 新住民']:
        parsed = search.parse(text, searcher.schema)
        for access in (EVERYONE, ["public"]):
            flt = search._filter(access, {})
            fast = search._fast_search(searcher, parsed, flt, limit=1000)
            assert fast is not None, text
            found, matched = fast
            reference = searcher.search(parsed, filter=flt, limit=None)
            expected = {hit.docnum: hit.score for hit in reference}
            assert set(matched.tolist()) == set(expected), text
            got = {docnum: score for score, docnum in found.top_n}
            assert got.keys() == expected.keys()
            assert np.allclose([got[d] for d in expected], list(expected.values())), text
    assert search._fast_search(searcher, search.parse('title:"文件 1"', searcher.schema),
                               search._filter(EVERYONE, {}), 10) is None  # a phrase in the title: Whoosh's path


def test_snippets_quote_the_body_not_the_title_appended_for_search(actor):
    publish(actor, "門牌整編手冊", "本手冊說明申請流程。" + "其他說明。" * 60 + "最後談到門牌。")
    hit = search.search("門牌", access=EVERYONE).hits[0]
    snippet = str(hit.snippet)
    assert snippet.count("<mark>") == 1 and "<mark>門牌</mark>。" in snippet  # the body's only 門牌, not the title's
    assert snippet.startswith("…")  # a window around the match, not the start of a long body
    assert "整編手冊" not in snippet
    only_title = search.search("整編", access=EVERYONE).hits[0]
    assert "<mark>" not in str(only_title.snippet) and str(only_title.snippet).startswith("本手冊說明")


@pytest.mark.whoosh_only
def test_a_failed_index_update_keeps_the_change_and_says_so(app, actor, login_as, monkeypatch):
    import datetime as dt

    from sqlalchemy import update

    from qms.core.models import SearchQueue
    from qms.extensions import db

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(search, "_apply", broken)
    publication = publish(actor, "先存進資料庫", "戶籍")  # the commit succeeds although the index update fails
    assert db.session.get(type(publication), publication.id) is not None
    assert titles("戶籍") == set() and search.status().pending == 1
    db.session.execute(update(SearchQueue).values(queued_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)))
    db.session.commit()
    page = login_as(Role.STAFF).get("/search/?q=戶籍").get_data(as_text=True)
    assert "1 筆最近的異動尚未能搜尋" in page
    monkeypatch.undo()
    publish(actor, "下一筆", "門牌")  # the next change applies what was waiting
    assert titles("戶籍") == {"先存進資料庫"} and search.status().pending == 0


@pytest.mark.whoosh_only
def test_listing_by_date_agrees_with_whoosh(actor):
    from whoosh import query as q
    from whoosh import sorting

    for n, year in enumerate([2003, 2019, 2011, 2019, 2007, 2024, 2015]):
        publish(actor, f"書{n}", "戶籍" if n % 2 else "門牌", year=year)
    searcher = search._searcher()
    flt = search._filter(EVERYONE, {})
    for parsed in (q.Every(), search.parse("戶籍", searcher.schema)):
        found, matched = search._fast_search(searcher, parsed, flt, limit=100, by_date=True)
        reference = searcher.search(parsed, filter=flt, limit=None,
                                    sortedby=[sorting.FieldFacet("date", reverse=True), sorting.ScoreFacet()])
        ours = [searcher.stored_fields(docnum)["year"] for _score, docnum in found.top_n]
        theirs = [hit["year"] for hit in reference]
        assert ours == theirs == sorted(theirs, reverse=True)
        assert len(matched) == len(reference)
    listing = search.search("", access=EVERYONE, sort="date")
    assert [hit.year for hit in listing.hits] == [2024, 2019, 2019, 2015, 2011, 2007, 2003]


def test_phrases_match_adjacent_words_in_order_only(actor):
    publish(actor, "順", "本所提供印鑑證明與戶籍謄本的跨機關申請。")
    publish(actor, "逆", "本所的戶籍謄本申請與印鑑證明另案辦理。")
    publish(actor, "隔", "印鑑證明、戶籍資料與謄本申請")
    publish(actor, "english", "Apply for a household registration transcript; registration of households is free.")
    assert titles('"印鑑證明與戶籍謄本"') == {"順"}
    assert titles('"戶籍謄本 申請"') == {"逆"}  # adjacent here only; elsewhere the words stand apart or in reverse
    assert titles("戶籍謄本 申請") == {"順", "逆"}
    assert titles('"印鑑证明与户籍誊本"') == {"順"}  # Simplified finds Traditional, in order
    assert titles('"申請 戶籍謄本"') == set()  # the reverse order
    assert titles('"household registration"') == {"english"}
    assert titles('"transcript household"') == set()
    assert titles("transcript household") == {"english"}
    assert titles('"印鑑證明 戶籍謄本"') == set()  # 與 stands between them


def test_the_index_has_no_pair_terms_and_phrases_read_positions(actor):
    publish(actor, "相連", "今日起身分證換發免排隊。")
    searcher = search._searcher()
    assert "pairs" not in searcher.schema.names()
    assert isinstance(searcher.schema["content"].format, search.Occurrences)
    hit = search.search('"身分證換發"', access=EVERYONE).hits[0]
    assert "<mark>身分證</mark><mark>換發</mark>" in str(hit.snippet) or "<mark>身分證換發</mark>" in str(hit.snippet)


@pytest.mark.whoosh_only
def test_fast_path_queries_never_take_the_slow_path(actor):
    """The vectorized scorer reads Whoosh internals; if an upgrade renames one, it falls back to reading postings
    one at a time (5x slower). This fails when that happens, so the upgrade cannot slow search silently."""
    for n in range(30):
        body = "戶籍登記與身分證換發，" * (n % 4 + 1) + ("門牌整編 service quality" if n % 2 else "")
        publish(actor, f"文件{n}", body, keywords=["門牌", f"主題{n % 3}"], public=n % 3 == 0)
    for publication in search_publications(3):  # deletions: re-indexed records leave deleted documents behind
        services.save_publication(publication, {"title": publication.title, "abstract": "門牌 戶籍", "kind": "book"},
                                  actor)
    search.FALLBACKS.update(postings=0, query=0)
    for text in ["戶籍", "身分證 換發", '"身分證換發"', '"service quality"', "門牌 OR service", "", "户籍 门牌",
                 '"戶籍登記與身分證"']:
        for sort in ("relevance", "date"):
            results = search.search(text, access=EVERYONE, sort=sort, filters={"keyword": "門牌"})
            assert results.problem is None and results.total > 0, text
    assert search.FALLBACKS == {"postings": 0, "query": 0}
    search.search("year:[2000 TO 2030]", access=EVERYONE)  # a range: Whoosh's own path, and counted
    assert search.FALLBACKS["query"] == 1


@pytest.mark.whoosh_only
def test_the_sorted_array_helpers_agree_with_numpy():
    import numpy as np

    rng = np.random.default_rng(2015)
    for size_a, size_b in [(0, 5), (5, 0), (1, 1), (30, 4000), (4000, 30), (3000, 3000)]:
        a = np.unique(rng.integers(0, 6000, size_a))
        b = np.unique(rng.integers(0, 6000, size_b))
        common, in_a, in_b = search._intersect(a, b)
        expected, expected_a, expected_b = np.intersect1d(a, b, assume_unique=True, return_indices=True)
        assert common.tolist() == expected.tolist()
        assert in_a.tolist() == expected_a.tolist() and in_b.tolist() == expected_b.tolist()
        repeated = np.sort(rng.integers(0, 50, size_a))
        assert search._distinct_sorted(repeated).tolist() == np.unique(repeated).tolist()


@pytest.mark.whoosh_only
def test_the_vectorized_scores_are_whooshs_own(actor):
    """Unions, intersections and phrases scored over numpy arrays give Whoosh's own hits, scores and order."""
    from whoosh import query as q

    for n in range(40):
        body = ("戶籍登記與身分證換發，" * (n % 3 + 1)) + ("門牌整編 service quality counter " * (n % 2)) + \
            ("印鑑證明" if n % 5 == 0 else "")
        publish(actor, f"文件{n}", body, keywords=["門牌"] if n % 4 else [], public=n % 3 == 0)
    searcher = search._searcher()
    allowed = search._filter(["signed_in", "public"], {})
    for text in ["戶籍", "身分證 門牌", "門牌 OR 印鑑證明 OR counter", '"身分證換發"', '"service quality"',
                 '"戶籍登記與身分證"', "印鑑證明 OR 門牌"]:
        parsed = search.parse(text, searcher.schema)
        ours, matched = search._fast_search(searcher, parsed, allowed, limit=100)
        theirs = searcher.search(parsed, filter=allowed, limit=100)
        assert len(theirs) > 1, text
        assert [hit.docnum for hit in ours] == [hit.docnum for hit in theirs], text
        assert [round(hit.score, 9) for hit in ours] == [round(hit.score, 9) for hit in theirs], text
        assert sorted(matched.tolist()) == sorted(searcher.docs_for_query(q.And([parsed, allowed]))), text


def search_publications(count):
    from sqlalchemy import select

    from qms.archive.models import Publication
    from qms.extensions import db

    return db.session.scalars(select(Publication).order_by(Publication.id).limit(count)).all()
