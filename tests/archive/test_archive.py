"""The archive's pages and services: identifiers on the form, uploads, no-text files, permissions, /library."""
import io

import pytest
from sqlalchemy import func, select

from qms import storage, uploads
from qms.archive import services
from qms.archive.models import Publication, PublicationFile, TextStatus
from qms.core.models import AuditEvent
from qms.core.services import ServiceError
from qms.spine.access import Role
from tests.archive import files
from tests.factories import OrganizationFactory, UserFactory

FORM = {"title": "姓名學迷失輔正之研究", "kind": "research_report", "language": "zh-Hant", "year": "2014",
        "isbn": "978-986-02-7092-1", "gpn": "3810000238", "keywords": "姓名學、更改姓名", "subjects": "",
        "holdings": "中央研究院人文社會科學聯合圖書館 | 783.1 8467\n國立交通大學圖書館"}


def test_quality_creates_a_publication_with_identifiers_and_holdings(login_as, db):
    client = login_as(Role.QUALITY)
    response = client.post_form("/archive/new", FORM)
    assert response.status_code == 302
    publication = db.session.scalars(select(Publication)).one()
    assert publication.isbn == "9789860270921" and publication.gpn == "3810000238"
    assert [(h.library, h.call_number) for h in publication.holdings] == [
        ("中央研究院人文社會科學聯合圖書館", "783.1 8467"), ("國立交通大學圖書館", "")]
    assert publication.keywords == ["姓名學", "更改姓名"]
    page = client.get(f"/archive/{publication.id}").get_data(as_text=True)
    assert "978-986-02-7092-1" in page and "民國 103" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.entity_type == "publication")) == 1


@pytest.mark.parametrize("field,value,message", [
    ("isbn", "978-986-02-7092-2", "檢查碼不正確"), ("isbn", "12345", "10 或 13 位"),
    ("gpn", "381000023", "10 位數字"), ("year", "3000", "1900"), ("title", "", "必填"),
])
def test_bad_fields_are_refused_beside_the_field_and_change_nothing(login_as, db, field, value, message):
    client = login_as(Role.QUALITY)
    response = client.post_form("/archive/new", {**FORM, field: value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and f'id="{field}-error"' in body
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_duplicate_isbn_and_gpn_are_refused(login_as, db):
    client = login_as(Role.QUALITY)
    assert client.post_form("/archive/new", FORM).status_code == 302
    response = client.post_form("/archive/new", {**FORM, "gpn": "", "isbn": "9789860270921"})
    assert response.status_code == 400 and "已有其他出版品使用此 ISBN" in response.get_data(as_text=True)
    response = client.post_form("/archive/new", {**FORM, "isbn": "", "gpn": "381-000-0238"})
    assert response.status_code == 400 and "已有其他出版品使用此 GPN" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 1


def test_isbn10_is_stored_as_isbn13_and_shown_with_both(app, db):
    actor = UserFactory(role=Role.QUALITY)
    publication = services.save_publication(None, {"title": "T", "isbn": "0-306-40615-2"}, actor)
    assert publication.isbn == "9780306406157" and publication.isbn10 == "0306406152"
    with pytest.raises(ServiceError) as error:
        services.save_publication(None, {"title": "U", "isbn": "9780306406157"}, actor)
    assert error.value.field == "isbn"


def test_staff_and_leaders_read_but_do_not_edit(login_as, db):
    actor = UserFactory(role=Role.QUALITY)
    publication = services.save_publication(None, {"title": "手冊"}, actor)
    for role in (Role.STAFF, Role.LEADER):
        client = login_as(role)
        assert client.get(f"/archive/{publication.id}").status_code == 200
        assert client.get("/archive/new").status_code == 403
        assert client.post_form(f"/archive/{publication.id}/delete", {}, token_from="/").status_code == 403


def test_upload_a_pdf_and_find_it_by_a_word_of_its_body(login_as, db):
    client = login_as(Role.QUALITY)
    client.post_form("/archive/new", {**FORM, "isbn": "", "gpn": ""})
    publication = db.session.scalars(select(Publication)).one()
    data = files.pdf_with_text("本研究分析新生兒從母姓比例逐年上升的原因。")
    response = client.post_form(f"/archive/{publication.id}/files",
                                {"file": (io.BytesIO(data), "study.pdf"), "public": "y"}, token_from="/",
                                content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalars(select(PublicationFile)).one()
    assert stored.text_status == TextStatus.OK and "從母姓" in stored.text
    assert uploads.read(stored.stored_name) == data
    page = client.get("/archive/?q=從母姓").get_data(as_text=True)
    assert "姓名學迷失輔正之研究" in page and "<mark>從母姓</mark>" in page or "<mark>" in page
    download = client.get(f"/archive/files/{stored.id}")
    assert download.status_code == 200 and download.data == data
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_a_scanned_pdf_is_kept_marked_no_text_and_listed(login_as, db):
    client = login_as(Role.QUALITY)
    actor = UserFactory(role=Role.QUALITY)
    publication = services.save_publication(None, {"title": "掃描本"}, actor)
    response = client.post_form(f"/archive/{publication.id}/files",
                                {"file": (io.BytesIO(files.pdf_without_text()), "scan.pdf")}, token_from="/",
                                content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalars(select(PublicationFile)).one()
    assert stored.text_status == TextStatus.NO_TEXT
    attention = client.get("/archive/attention").get_data(as_text=True)
    assert "scan.pdf" in attention and "掃描本" in attention


def test_a_refused_upload_stores_nothing(login_as, db):
    client = login_as(Role.QUALITY)
    actor = UserFactory(role=Role.QUALITY)
    publication = services.save_publication(None, {"title": "T"}, actor)
    before = set(storage.names("uploads"))
    response = client.post_form(f"/archive/{publication.id}/files",
                                {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "evil.pdf")}, token_from="/",
                                content_type="multipart/form-data")
    assert response.status_code == 400 and "不符" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PublicationFile)) == 0
    assert set(storage.names("uploads")) == before


def test_a_failed_database_write_leaves_no_file(app, db, monkeypatch):
    actor = UserFactory(role=Role.QUALITY)
    publication = services.save_publication(None, {"title": "T"}, actor)
    before = set(storage.names("uploads"))

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(services.audit, "record_event", fail)
    with pytest.raises(RuntimeError):
        services.add_file(publication, b"plain text file body", "a.txt", False, actor)
    assert set(storage.names("uploads")) == before


def test_the_public_catalogue_shows_only_public_publications_and_files(app, client, login_as, db):
    OrganizationFactory()
    actor = UserFactory(role=Role.QUALITY)
    public = services.save_publication(None, {"title": "公開手冊", "abstract": "戶籍", "public": True}, actor)
    internal = services.save_publication(None, {"title": "內部手冊", "abstract": "戶籍", "public": False}, actor)
    open_file = services.add_file(public, "公開檔案內文：門牌整編".encode(), "open.txt", True, actor)
    closed_file = services.add_file(public, "內部檔案內文：門牌整編".encode(), "closed.txt", False, actor)
    assert client.get("/library/").status_code == 404  # closed until an admin opens it
    admin = login_as(Role.ADMIN)
    assert admin.post_form("/archive/catalogue", {"open": "1"}, token_from="/").status_code == 302
    assert services.catalogue_open()
    listing = client.get("/library/?q=戶籍").get_data(as_text=True)
    assert "公開手冊" in listing and "內部手冊" not in listing
    assert client.get(f"/library/{public.id}").status_code == 200
    assert client.get(f"/library/{internal.id}").status_code == 404
    response = client.get(f"/library/files/{open_file.id}")
    assert response.status_code == 200 and "門牌整編".encode() in response.data
    response.close()
    assert client.get(f"/library/files/{closed_file.id}").status_code == 404
    assert "closed.txt" not in client.get(f"/library/{public.id}").get_data(as_text=True)
    # nothing else is open to visitors
    assert client.get(f"/archive/{public.id}").status_code == 302
    assert client.get("/search/?q=戶籍").status_code == 302


def test_search_and_archive_pages_run_a_bounded_number_of_queries(login_as, db, count_queries):
    actor = UserFactory(role=Role.QUALITY)
    client = login_as(Role.QUALITY)

    def count(path):
        client.get(path)  # warm up (the user reload after the commits)
        return count_queries(client, path)

    def add(n, start):
        made = []
        for i in range(start, start + n):
            publication = services.save_publication(None, {"title": f"手冊{i}", "abstract": "戶籍登記須知",
                                                           "keywords": [f"詞{i}"]}, actor)
            services.add_file(publication, f"檔案內文 戶籍 {i}".encode(), f"f{i}.txt", False, actor)
            made.append(publication.id)
        return made

    first_id = add(2, 0)[0]
    paths = ("/archive/", "/archive/?q=戶籍", "/search/?q=戶籍", f"/archive/{first_id}")
    first = {path: count(path) for path in paths}
    add(25, 2)
    after = {path: count(path) for path in first}
    assert after == first
