"""Items: who may edit what, the item page, the checklist page and the dashboard (evidence: tests/evidence)."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from qms.checklist import services
from qms.checklist.models import AssessmentItem, ItemStatus
from qms.core.models import AuditEvent
from qms.evidence.models import Evidence
from qms.spine.access import Role


def item_form(**overrides):
    data = {"status": "in_progress", "score": "60", "target_score": "80", "narrative": "做了什麼",
            "strengths": "", "opportunities": "", "owner_id": "", "due_date": ""}
    data.update(overrides)
    return data


def test_staff_edits_the_item_they_own_but_not_its_owner_or_due_date(login_as, db, items):
    staff = login_as(Role.STAFF)
    item = items["A.1"]
    services.update_item(item, {"owner_id": staff.user.id, "due_date": dt.date(2027, 1, 1)},
                         _quality(db))
    response = staff.post_form(f"/checklist/items/{item.id}", item_form(owner_id="", due_date="2030-01-01"),
                               token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.status, item.score, item.target_score) == (ItemStatus.IN_PROGRESS, 60, 80)
    assert item.owner_id == staff.user.id and item.due_date == dt.date(2027, 1, 1)
    event_row = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "assessment_item")
                                   .order_by(AuditEvent.id.desc())).first()
    assert event_row.actor_id == staff.user.id and event_row.changes["score"] == [None, 60]


def _quality(db):
    from tests.factories import UserFactory

    return UserFactory(role=Role.QUALITY)


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
def test_others_may_read_but_not_edit(login_as, db, items, role):
    client = login_as(role)
    item = items["A.1"]
    page = client.get(f"/checklist/items/{item.id}")
    assert page.status_code == 200 and 'name="status"' not in page.get_data(as_text=True)
    response = client.post_form(f"/checklist/items/{item.id}", item_form(), token_from="/")
    assert response.status_code == 403
    response = client.post_form(f"/evidence/assessment_item/{item.id}/link",
                                {"url": "https://example.org", "title": "x"}, token_from="/")
    assert response.status_code == 403
    assert client.get(f"/evidence/assessment_item/{item.id}/file").status_code == 403
    db.session.refresh(item)
    assert item.score is None and db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_quality_edits_any_item_including_owner(login_as, db, items):
    quality = login_as(Role.QUALITY)
    staff = login_as(Role.STAFF).user
    item = items["B.1"]
    response = quality.post_form(f"/checklist/items/{item.id}",
                                 item_form(owner_id=str(staff.id), due_date="2027-03-01", status="ready",
                                           score="85"), token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.owner_id == staff.id and item.status == ItemStatus.READY and item.score == 85


def test_score_off_the_scale_is_refused_beside_the_field(login_as, db, items):
    quality = login_as(Role.QUALITY)
    item = items["A.1"]
    response = quality.post_form(f"/checklist/items/{item.id}", item_form(score="63"),
                                 token_from=f"/checklist/items/{item.id}")
    assert response.status_code == 400 and 'id="score-error"' in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.score is None


def test_markdown_is_sanitized(login_as, db, items):
    item = items["A.1"]
    services.update_item(item, {"narrative": "**粗體** <script>alert(1)</script> [x](javascript:alert(1))"},
                         _quality(db))
    body = login_as(Role.LEADER).get(f"/checklist/items/{item.id}").get_data(as_text=True)
    assert "<strong>粗體</strong>" in body
    assert "<script>alert(1)" not in body and "javascript:alert" not in body


def test_checklist_page_and_dashboard_show_readiness(login_as, db, items):
    quality = _quality(db)
    services.update_item(items["A.1"], {"status": "ready", "score": 90}, quality)       # 40 pts → 90
    services.update_item(items["A.2"], {"status": "in_progress", "score": 80}, quality)  # 20 pts → 50
    services.update_item(items["B.1"], {"status": "in_review", "score": 100}, quality)   # 40 pts → 90
    # (40×90 + 20×50 + 40×90) / 100 = 82
    client = login_as(Role.LEADER, locale="en")
    page = client.get(f"/checklist/assessments/{items['A.1'].assessment_id}").get_data(as_text=True)
    assert ">82 %</p>" in page
    assert "data:image/svg+xml;base64," not in page  # two dimensions make no radar; the table says it all
    dashboard = client.get("/").get_data(as_text=True)
    assert "82 % ready" in dashboard and "1 of 3 items ready" in dashboard


def test_checklist_page_query_count_does_not_grow_with_items(app, login_as, db, count_queries):
    from tests.checklist.sample_data import make_assessment

    client = login_as(Role.QUALITY)
    small = make_assessment(items=4, evidence_per_item=1, year=2030)
    large = make_assessment(items=40, evidence_per_item=5, year=2031)
    client.get("/")  # the signed-in user is loaded once per test session here, not per page
    assert (count_queries(client, f"/checklist/assessments/{small.id}")
            == count_queries(client, f"/checklist/assessments/{large.id}") <= 8)


def test_a_cycle_with_an_assessment_cannot_be_deleted(login_as, db, assessment):
    from qms.core.models import AwardCycle

    admin = login_as(Role.ADMIN)
    other = services.assessments_of(assessment.award_cycle)[0].award_cycle
    other.is_current = False
    db.session.commit()
    admin.post_form(f"/cycles/{other.id}/delete")
    assert db.session.get(AwardCycle, other.id) is not None
    assert db.session.scalar(select(func.count()).select_from(AssessmentItem)) == 3


def test_dashboard_tells_staff_how_many_items_they_own_and_how_many_are_overdue(login_as, db, items):
    staff = login_as(Role.STAFF)
    quality = _quality(db)
    services.update_item(items["A.1"], {"owner_id": staff.user.id, "due_date": dt.date(2020, 1, 1)}, quality)
    services.update_item(items["B.1"], {"owner_id": staff.user.id, "due_date": dt.date(2099, 1, 1)}, quality)
    assert "2 項，其中 1 項逾期" in staff.get("/").get_data(as_text=True)
