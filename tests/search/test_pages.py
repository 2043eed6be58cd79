"""The search pages: each reader finds only what they may read, bad queries never fail, the index status page."""
from qms.archive import services
from qms.spine.access import Role
from tests.factories import UserFactory


def test_a_staff_user_never_sees_what_they_may_not_read(login_as, db):
    from qms.surveys import services as surveys

    kiosk, _token = surveys.issue_kiosk_token("k", None)
    surveys.cast_vote(kiosk, False, "等候時間過長令人不耐")
    staff = login_as(Role.STAFF)
    quality = login_as(Role.QUALITY)
    assert "等候時間過長" not in staff.get("/search/?q=不耐").get_data(as_text=True)
    assert "等候時間過長" in quality.get("/search/?q=不耐").get_data(as_text=True)


def test_search_pages_handle_bad_queries(login_as):
    client = login_as(Role.STAFF)
    for query in ['"戶籍', "(((", "nosuch:field", "！！！", "year:[2020 TO", "a" * 600]:
        for path in ("/search/", "/archive/"):
            response = client.get(path, query_string={"q": query, "page": "x", "year": "abc"})
            assert response.status_code == 200


def test_the_index_status_page_and_rebuild(login_as, db, app):
    actor = UserFactory(role=Role.QUALITY)
    services.save_publication(None, {"title": "手冊", "abstract": "戶籍"}, actor)
    client = login_as(Role.QUALITY)
    assert "已索引筆數" in client.get("/search/status").get_data(as_text=True)
    assert client.post_form("/search/status", {}).status_code == 302
    import time

    for _ in range(100):
        if not client.get("/search/status.json").json["rebuild"]["running"]:
            break
        time.sleep(0.05)
    assert client.get("/search/status.json").json["rebuild"]["written"] == 1
    assert login_as(Role.STAFF).get("/search/status").status_code == 403


def test_the_pager_links_the_first_last_and_nearby_pages_with_gaps_marked():
    from qms.search import Results

    def as_the_template_once_did(page: int, pages: int) -> list:  # the rule, written out number by number
        out = []
        for number in range(1, pages + 1):
            if number in (1, pages) or abs(number - page) <= 2:
                out.append(number)
            elif abs(number - page) == 3:
                out.append(None)
        return out

    for total in (0, 9, 10, 11, 55, 95, 5594):
        pages = max(1, -(-total // 10))
        for page in {1, 2, 3, 4, 5, pages // 2 or 1, pages - 3, pages - 1, pages} - {0, -1, -2}:
            window = Results(query="x", total=total, page=page, per_page=10).page_window()
            assert window == as_the_template_once_did(page, pages), (total, page)
    assert Results(query="x", total=5594, page=280).page_window() == [1, None, 278, 279, 280, 281, 282, None, 560]


def test_search_links_are_the_ones_url_for_makes(app):
    from flask import url_for

    from qms.core.search_routes import Params

    params = Params(q='戶籍 "門牌 整編" a+b&c=d', sort="date", filters={"kind": "handbook", "year": 2015,
                                                                   "keyword": "新住民/關懷 100%"})
    with app.test_request_context():
        for endpoint in ("search.index", "archive.index"):
            here = url_for(endpoint)
            for changes in ({}, {"page": 3}, {"kind": None, "page": None}, {"keyword": "歸化", "page": None},
                            {"q": "suggested", "page": None}, {"kind": None, "year": None, "keyword": None}):
                assert params.href(here, **changes) == url_for(endpoint, **params.args(**changes)), changes
        assert Params().href("/search/") == "/search/"


def test_facet_and_page_links_narrow_and_turn_the_page(login_as, db):
    actor = UserFactory(role=Role.QUALITY)
    for number in range(23):
        services.save_publication(None, {"title": f"手冊{number:02d}", "abstract": "戶籍登記",
                                         "kind": "handbook" if number % 2 else "brochure",
                                         "year": 2014 + number % 3}, actor)
    client = login_as(Role.STAFF, locale="en")
    body = client.get("/search/?q=戶籍").get_data(as_text=True)
    assert "23 results" in body
    assert 'href="/search/?q=%E6%88%B6%E7%B1%8D&amp;page=3"' in body and 'aria-current="page">1<' in body
    assert 'href="/search/?q=%E6%88%B6%E7%B1%8D&amp;kind=handbook"' in body
    third = client.get("/search/?q=%E6%88%B6%E7%B1%8D&page=3").get_data(as_text=True)
    assert third.count('<h2 class="h6 mb-1">') == 3 and 'aria-current="page">3<' in third
    narrowed = client.get("/search/?q=%E6%88%B6%E7%B1%8D&kind=handbook").get_data(as_text=True)
    assert "11 results" in narrowed and "Clear all filters" in narrowed
    assert 'href="/search/?q=%E6%88%B6%E7%B1%8D">Clear all filters</a>' in narrowed
