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
