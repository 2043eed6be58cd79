"""The evidence picker: records are found by typing (any type the user may read), never the record itself nor one
the user may not read, with and without JavaScript; the server refuses what the picker would not offer."""
import dataclasses
import re

import pytest
from sqlalchemy import func, select

from qms.evidence import services as evidence
from qms.evidence.models import Evidence
from qms.spine import records
from qms.spine.access import Role
from tests.factories import UserFactory

RADIO = re.compile(r'type="radio" name="(\w+)" id="[\w-]+" value="([\w:]+)"')


def offered(body: str, field: str = "record") -> set[str]:
    return {value for name, value in RADIO.findall(body) if name == field}


@pytest.fixture
def quality_user(app):
    return UserFactory(role=Role.QUALITY)


@pytest.fixture
def initiative(assessment, quality_user):
    from qms.initiatives import services as initiatives

    values = {"title_zh": "跨機關通報免附謄本", "status": "running"}
    return initiatives.create_initiative(assessment.award_cycle, values, quality_user)


@pytest.fixture
def publication(app, quality_user):
    from qms.archive import services as archive

    return archive.save_publication(None, {"title": "Naturalization counter handbook", "kind": "handbook"},
                                    quality_user)


def test_the_record_page_lists_nothing_until_one_types_then_finds_any_type(login_as, items, initiative,
                                                                           publication):
    client = login_as(Role.QUALITY, locale="en")
    base = f"/evidence/assessment_item/{items['A.1'].id}/record"
    page = client.get(base).get_data(as_text=True)
    assert "<select" not in page and not offered(page)  # no list of every record
    assert 'type="search"' in page and 'name="q"' in page and "record-picker.js" in page
    # part of a Chinese title, the start of an English word, and a checklist item: each type the user may read
    assert offered(client.get(base, query_string={"q": "跨機"}).get_data(as_text=True)) == {
        f"initiative:{initiative.id}"}
    assert offered(client.get(base, query_string={"q": "naturaliz"}).get_data(as_text=True)) == {
        f"publication:{publication.id}"}
    found = offered(client.get(base, query_string={"q": "項目"}).get_data(as_text=True))
    assert found == {f"assessment_item:{items['A.2'].id}", f"assessment_item:{items['B.1'].id}"}  # never A.1 itself
    assert "No record matches “不存在的字”" in client.get(base, query_string={"q": "不存在的字"}).get_data(as_text=True)


def test_the_list_as_one_types_is_a_fragment_with_a_status(login_as, items, initiative):
    client = login_as(Role.QUALITY, locale="en")
    response = client.get(f"/evidence/assessment_item/{items['A.1'].id}/record/matches", query_string={"q": "通報"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert offered(body) == {f"initiative:{initiative.id}"}
    assert 'data-picker-status="1 record found."' in body
    # the fragment is refused to whoever may not add evidence to the subject
    staff = login_as(Role.STAFF)
    assert staff.get(f"/evidence/assessment_item/{items['A.1'].id}/record/matches?q=x").status_code == 403


def test_never_a_record_the_user_may_not_read_offered_or_linked(login_as, db, monkeypatch, items, publication):
    owner = login_as(Role.STAFF)
    items["A.1"].owner_id = owner.user.id
    db.session.commit()
    closed = dataclasses.replace(records.get("publication"), readable_by=frozenset({Role.QUALITY}))
    monkeypatch.setitem(records._registry, "publication", closed)
    base = f"/evidence/assessment_item/{items['A.1'].id}/record"
    assert not offered(owner.get(base, query_string={"q": "naturalization"}).get_data(as_text=True))
    response = owner.post_form(base, {"record": f"publication:{publication.id}"}, token_from="/")
    assert response.status_code == 400 and "請選擇一筆 QMS 紀錄" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    # the quality team may read it: offered and linked
    quality = login_as(Role.QUALITY)
    assert offered(quality.get(base, query_string={"q": "naturalization"}).get_data(as_text=True)) == {
        f"publication:{publication.id}"}
    assert quality.post_form(base, {"record": f"publication:{publication.id}", "q": "naturalization"},
                             token_from="/").status_code == 302


def test_a_refused_choice_shows_the_same_list_again(login_as, items, initiative):
    client = login_as(Role.QUALITY)
    base = f"/evidence/assessment_item/{items['A.1'].id}/record"
    response = client.post_form(base, {"q": "通報"}, token_from="/")  # nothing chosen
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="record-error"' in body
    assert offered(body) == {f"initiative:{initiative.id}"} and 'value="通報"' in body


def test_a_survey_round_the_index_does_not_hold_is_found_by_its_title(login_as, items):
    from qms.surveys import services as surveys

    survey = surveys.import_shipped()[0]
    survey_round = surveys.save_round(survey, None, {"label": "第三期", "handed_out": 100, "returned": 90,
                                                     "max_blank_share": 0.5}, None)
    client = login_as(Role.QUALITY)
    body = client.get(f"/evidence/assessment_item/{items['A.1'].id}/record?q=第三期").get_data(as_text=True)
    assert offered(body) == {f"survey_round:{survey_round.id}"}


def test_the_cited_record_page_finds_what_it_supports_by_typing(login_as, db, items, initiative):
    client = login_as(Role.QUALITY)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "<select" not in page.split('id="supports"')[1] and not offered(page, "subject")
    assert 'id="subject-q"' in page and "/evidence/cite/initiative/" in page
    cite = f"/evidence/cite/initiative/{initiative.id}"
    assert offered(client.get(cite, query_string={"q": "甲一"}).get_data(as_text=True), "subject") == {
        f"assessment_item:{items['A.1'].id}"}
    fragment = client.get(f"{cite}/matches", query_string={"q": "通報"}).get_data(as_text=True)
    assert not offered(fragment, "subject")  # never the initiative itself
    assert client.post_form(cite, {"subject": f"initiative:{initiative.id}"}, token_from="/").status_code == 400
    response = client.post_form(cite, {"subject": f"assessment_item:{items['A.1'].id}"}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"].endswith("#supports")


def test_only_records_the_user_may_add_evidence_to_are_offered_to_cite(login_as, db, items, initiative):
    staff = login_as(Role.STAFF)
    items["B.1"].owner_id = staff.user.id
    db.session.commit()
    cite = f"/evidence/cite/initiative/{initiative.id}"
    assert offered(staff.get(cite, query_string={"q": "項目"}).get_data(as_text=True), "subject") == {
        f"assessment_item:{items['B.1'].id}"}
    response = staff.post_form(cite, {"subject": f"assessment_item:{items['A.1'].id}"}, token_from="/")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    # a leader may add evidence to nothing: no picker on the page
    leader = login_as(Role.LEADER)
    assert 'id="subject-q"' not in leader.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert evidence.may_cite(staff.user, initiative) and not evidence.may_cite(leader.user, initiative)
