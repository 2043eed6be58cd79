"""A failed drill's corrective actions come with a next step: the missed criterion, the drill's remark, an owner
(the unit's supervisor, else the configured default) and a due date; the quality team keeps the supervisors."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from qms.core.models import AuditEvent
from qms.core.services import ServiceError
from qms.drills import services
from qms.drills.models import CorrectiveAction, UnitSupervisor
from qms.spine.access import Role
from tests.factories import UserFactory

UTC = dt.timezone.utc
DRILL_AT = dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 March in Taipei


@pytest.fixture
def counter(app):
    services.import_shipped()
    return services.latest_scorecard("counter-service")


def log_failed(scorecard, actor, unit: str, missed: str = "A2", remark: str = "未起身招呼民眾"):
    scores = {}
    for criterion in services.criteria_of(scorecard):
        value = {"yes_no": 1, "one_to_five": 5}.get(criterion.scale.value, criterion.max_points)
        scores[criterion.id] = (0, remark) if criterion.code == missed else (value, "")
    return services.save_drill(None, {"occurred_at": DRILL_AT, "channel": scorecard.channel.value,
                                      "scorecard_id": scorecard.id, "unit_observed": unit}, scores, actor)


def test_the_units_supervisor_owns_the_proposed_action_due_in_fourteen_days(counter, db):
    quality = UserFactory(role=Role.QUALITY)
    chief = UserFactory(role=Role.STAFF)
    services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": chief.id}, quality)
    drill = log_failed(counter, quality, "第 1 櫃台")
    action = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.drill_id == drill.id)).one()
    criterion = next(c for c in services.criteria_of(counter) if c.code == "A2")
    assert action.owner_id == chief.id
    assert action.due_date == dt.date(2026, 3, 16) == dt.date(2026, 3, 2) + dt.timedelta(days=services.ACTION_DAYS)
    assert action.title.startswith("A2 ") and criterion.text_zh in action.title
    assert action.finding == "未起身招呼民眾"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "corrective_action")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes["owner_id"] == [None, chief.id] and event.changes["finding"] == [None, "未起身招呼民眾"]


def test_a_unit_without_supervisor_gives_an_unassigned_action_the_filter_lists(counter, db, login_as):
    quality_user = UserFactory(role=Role.QUALITY)
    chief = UserFactory(role=Role.STAFF)
    services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": chief.id}, quality_user)
    log_failed(counter, quality_user, "第 1 櫃台", missed="A2")
    log_failed(counter, quality_user, "第 9 櫃台", missed="B2", remark="等候過久")
    unassigned = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.owner_id.is_(None))).one()
    assert unassigned.title.startswith("B2 ") and unassigned.finding == "等候過久"
    assert [a.id for a in db.session.scalars(services.actions_query("unassigned"))] == [unassigned.id]
    client = login_as(Role.QUALITY)
    body = client.get("/drills/actions?status=unassigned").get_data(as_text=True)
    assert f'href="/drills/actions/{unassigned.id}"' in body
    assert re.findall(r'href="/drills/actions/(\d+)"', body) == [str(unassigned.id)]  # not the assigned one
    assert "等候過久" in client.get(f"/drills/actions/{unassigned.id}").get_data(as_text=True)


def test_the_configured_default_owner_stands_in_for_a_missing_supervisor(counter, db, app):
    quality = UserFactory(role=Role.QUALITY)
    fallback = UserFactory(role=Role.QUALITY)
    app.config[services.DEFAULT_OWNER_SETTING] = fallback.username
    try:
        drill = log_failed(counter, quality, "第 5 櫃台")
    finally:
        app.config.pop(services.DEFAULT_OWNER_SETTING)
    action = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.drill_id == drill.id)).one()
    assert action.owner_id == fallback.id


def test_the_supervisor_page_is_for_the_quality_team(login_as, db):
    staff = login_as(Role.STAFF)
    assert staff.get("/drills/supervisors").status_code == 403
    response = staff.post_form("/drills/supervisors", {"unit": "第 1 櫃台", "user_id": str(staff.user.id)},
                               token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(UnitSupervisor)) == 0


def test_the_quality_team_adds_changes_and_removes_supervisors_audited(login_as, db):
    quality = login_as(Role.QUALITY)
    chief, deputy = UserFactory(role=Role.STAFF), UserFactory(role=Role.STAFF)
    response = quality.post_form("/drills/supervisors", {"unit": " 第 1 櫃台 ", "user_id": str(chief.id)},
                                 token_from="/drills/supervisors")
    assert response.status_code == 302
    row = db.session.scalars(select(UnitSupervisor)).one()
    assert (row.unit, row.user_id) == ("第 1 櫃台", chief.id)
    assert chief.display_name in quality.get("/drills/supervisors").get_data(as_text=True)
    response = quality.post_form(f"/drills/supervisors/{row.id}", {"unit": "第 1 櫃台", "user_id": str(deputy.id)},
                                 token_from=f"/drills/supervisors/{row.id}")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.user_id == deputy.id
    response = quality.post_form(f"/drills/supervisors/{row.id}/delete", {}, token_from="/drills/supervisors")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(UnitSupervisor)) == 0
    events = select(AuditEvent).where(AuditEvent.entity_type == "unit_supervisor").order_by(AuditEvent.id)
    actions = [e.action for e in db.session.scalars(events)]
    assert actions == ["create", "update", "delete"]


@pytest.mark.parametrize("unit, user, field", [
    ("", "chief", "unit"),                 # empty unit
    ("   ", "chief", "unit"),              # only spaces
    ("第 1\x07櫃台", "chief", "unit"),      # a control character
    ("第 1 櫃台", "99999", "user_id"),      # unknown user
    ("第 1 櫃台", "", "user_id"),           # nobody chosen
])
def test_the_supervisor_form_refuses_bad_input_beside_the_field(login_as, db, unit, user, field):
    quality = login_as(Role.QUALITY)
    chief = UserFactory(role=Role.STAFF)
    response = quality.post_form("/drills/supervisors", {"unit": unit, "user_id": str(chief.id) if user == "chief"
                                                         else user}, token_from="/drills/supervisors")
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(UnitSupervisor)) == 0


def test_the_service_refuses_an_unknown_user_and_a_second_entry_for_a_unit(db):
    quality = UserFactory(role=Role.QUALITY)
    with pytest.raises(ServiceError) as error:
        services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": 99999}, quality)
    assert error.value.field == "user_id"
    services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": quality.id}, quality)
    with pytest.raises(ServiceError) as error:
        services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": quality.id}, quality)
    assert error.value.field == "unit"


def test_the_unassigned_list_takes_the_same_queries_whatever_its_length(counter, db, login_as, count_queries):
    quality_user = UserFactory(role=Role.QUALITY)
    log_failed(counter, quality_user, "第 9 櫃台")
    client = login_as(Role.QUALITY)
    few = count_queries(client, "/drills/actions?status=unassigned")
    for unit in ("第 7 櫃台", "第 8 櫃台", "第 6 櫃台"):
        log_failed(counter, quality_user, unit, missed="B2")
    assert count_queries(client, "/drills/actions?status=unassigned") == few
