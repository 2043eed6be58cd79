"""The core pages: dashboard, organization profile, award cycles and the audit trail."""
import datetime as dt
import re

from sqlalchemy import func, select

from qms.core.models import AuditEvent, AwardCycle, Organization
from qms.spine.access import Role
from tests.factories import AwardCycleFactory, OrganizationFactory


def test_dashboard_shows_current_cycle_and_countdown(login_as, app):
    deadline = dt.date.today() + dt.timedelta(days=40)
    AwardCycleFactory(award_name="政府服務獎", year=2027, submission_deadline=deadline, is_current=True)
    body = login_as(Role.STAFF).get("/").get_data(as_text=True)
    assert "政府服務獎" in body
    # 39, 40 or 41 depending on the hour in Taipei; never any other number
    assert any(f"還有 {n} 天" in body for n in (39, 40, 41))


def test_dashboard_without_cycle_invites_admin_to_create_one(login_as):
    body = login_as(Role.ADMIN).get("/").get_data(as_text=True)
    assert "尚未設定目前參獎年度" in body and "/cycles/new" in body
    assert "/cycles/new" not in login_as(Role.STAFF).get("/").get_data(as_text=True)


def test_organization_profile_shows_population_per_staff(login_as):
    OrganizationFactory(population=151354, staff_count=30)
    body = login_as(Role.LEADER).get("/organization").get_data(as_text=True)
    assert "5,045" in body and "民國104年5月31日" in body


def test_organization_edit_saves_and_audits(login_as, db):
    OrganizationFactory()
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/organization/edit", {"name": "桃園市蘆竹區戶政事務所", "motto": "尊重·專業·效率",
                                                      "area_km2": "75.5025", "population": "153283",
                                                      "households": "54593", "staff_count": "27",
                                                      "as_of": "2015-05-31"})
    assert response.status_code == 302
    org = db.session.scalars(select(Organization)).one()
    assert org.staff_count == 27 and str(org.area_km2) == "75.5025"
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert event.changes == {"staff_count": [30, 27], "area_km2": [None, "75.5025"]}


def test_organization_bad_input_shows_errors_beside_fields_and_changes_nothing(login_as, db):
    OrganizationFactory()
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/organization/edit", {"name": "", "population": "很多", "staff_count": "-3",
                                                      "as_of": "2015-13-45"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "此欄位必填" in body.split('id="name-error"', 1)[1][:100]
    assert 'id="population-error"' in body and 'id="as_of-error"' in body
    assert "請輸入 0 到 100000 之間的數字" in body.split('id="staff_count-error"', 1)[1][:100]
    assert 'aria-invalid="true"' in body
    assert db.session.scalars(select(Organization)).one().population == 153283
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_builtin_validator_messages_are_translated(login_as):
    OrganizationFactory()
    body = login_as(Role.ADMIN).post_form("/organization/edit", {"name": "X", "population": "abc"}
                                          ).get_data(as_text=True)
    error = body.split('id="population-error"', 1)[1][:120]
    assert "請輸入整數。" in error  # Traditional, from QMS's catalogue (WTForms' own would say 整数)
    assert "不小於" not in error  # one message per problem


def test_errors_in_english_for_an_english_user(login_as):
    OrganizationFactory()
    body = login_as(Role.ADMIN, locale="en").post_form("/organization/edit", {"name": ""}).get_data(as_text=True)
    assert "This field is required." in body.split('id="name-error"', 1)[1][:100]


def test_cycle_create_edit_and_make_current(login_as, db):
    admin = login_as(Role.ADMIN)
    old = AwardCycleFactory(award_name="政府服務品質獎", year=2015, is_current=True)
    response = admin.post_form("/cycles/new", {"award_name": "政府服務獎", "year": "2027",
                                               "submission_deadline": "2027-03-31", "status": "preparing"})
    assert response.status_code == 302
    new = db.session.scalars(select(AwardCycle).where(AwardCycle.year == 2027)).one()
    assert not new.is_current
    admin.post_form(f"/cycles/{new.id}/edit", {"award_name": "政府服務獎", "year": "2027", "status": "submitted",
                                                "notes": "已送件"})
    admin.post_form(f"/cycles/{new.id}/current")
    db.session.expire_all()
    assert new.status.value == "submitted" and new.is_current and not db.session.get(AwardCycle, old.id).is_current
    body = admin.get("/cycles").get_data(as_text=True)
    assert "已送件" in body and "民國116年3月31日" in body


def test_cycle_year_out_of_range_is_refused(login_as, db):
    admin = login_as(Role.ADMIN)
    body = admin.post_form("/cycles/new", {"award_name": "政府服務獎", "year": "104", "status": "preparing"}
                           ).get_data(as_text=True)
    assert "1990" in body.split('id="year-error"', 1)[1][:120]
    assert db.session.scalar(select(func.count()).select_from(AwardCycle)) == 0


def test_cycle_bad_status_is_refused(login_as, db):
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/cycles/new", {"award_name": "X", "year": "2027", "status": "won"})
    assert 'id="status-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AwardCycle)) == 0


def test_delete_cycle_refuses_current_and_removes_other(login_as, db):
    admin = login_as(Role.ADMIN)
    current = AwardCycleFactory(is_current=True)
    other = AwardCycleFactory()
    admin.post_form(f"/cycles/{current.id}/delete")
    admin.post_form(f"/cycles/{other.id}/delete")
    remaining = db.session.scalars(select(AwardCycle.id)).all()
    assert remaining == [current.id]


def test_unknown_ids_are_404_not_500(login_as):
    admin = login_as(Role.ADMIN)
    assert admin.get("/cycles/424242/edit").status_code == 404
    assert admin.post_form("/cycles/424242/current").status_code == 404
    assert admin.get("/no/such/page").status_code == 404
    assert "找不到這個頁面或紀錄" in admin.get("/cycles/424242/edit").get_data(as_text=True)


def test_audit_trail_filters(login_as, db):
    admin = login_as(Role.ADMIN)
    admin.post_form("/cycles/new", {"award_name": "政府服務獎", "year": "2027", "status": "preparing"})
    admin.post_form("/organization/edit", {"name": "蘆竹戶政"})
    quality = login_as(Role.QUALITY)
    body = quality.get("/audit").get_data(as_text=True)
    assert "共 2 筆事件" in body
    body = quality.get("/audit?entity_type=award_cycle").get_data(as_text=True)
    assert "共 1 筆事件" in body and "政府服務獎 2027" in body
    body = quality.get("/audit?text=蘆竹").get_data(as_text=True)
    assert "共 1 筆事件" in body
    body = quality.get(f"/audit?actor_id={quality.user.id}").get_data(as_text=True)
    assert "共 0 筆事件" in body
    today = dt.date.today()
    assert "共 2 筆事件" in quality.get(f"/audit?since={today - dt.timedelta(days=1)}").get_data(as_text=True)
    assert "共 0 筆事件" in quality.get(f"/audit?until={today - dt.timedelta(days=2)}").get_data(as_text=True)


def test_audit_trail_bad_filter_is_ignored_not_500(login_as):
    response = login_as(Role.QUALITY).get("/audit?since=yesterday&actor_id=abc&page=-4")
    assert response.status_code == 200


def test_audit_trail_query_count_does_not_grow_with_rows(login_as, db, app, count_queries):
    from tests.factories import UserFactory

    admin = login_as(Role.ADMIN)
    actor = UserFactory()

    def add_events(n):
        for i in range(n):
            db.session.add(AuditEvent(actor_id=actor.id, actor_name=str(actor), entity_type="user",
                                      entity_id=actor.id, entity_title="t", action="update", summary=f"s{i}",
                                      changes={"display_name": ["a", "b"]}))
        db.session.commit()

    add_events(3)
    few = count_queries(admin, "/audit")
    add_events(45)
    many = count_queries(admin, "/audit")
    assert few == many


def test_server_error_page_hides_the_trace(app, login_as):
    from flask import Blueprint

    from qms.spine import access

    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    @access.signed_in
    def page():
        raise RuntimeError("secret stack detail")

    app.register_blueprint(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = login_as(Role.STAFF).get("/broken")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret stack detail" not in body and "Traceback" not in body
    assert "伺服器發生錯誤" in body


def test_audit_trail_shows_lists_and_mappings_as_labelled_text(login_as, db):
    foreword = "本所秉持「尊重、專業、效率」的服務理念，" * 10  # 200 characters: shown shortened, whole on request
    db.session.add_all([
        AuditEvent(actor_name="品管小組", entity_type="dossier_version", entity_id=424242, entity_title="第 3 版",
                   action="create", summary="", changes={"number": [None, 3], "options": [None, {
                       "sections": ["cover", "contents"], "appended_evidence_ids": [], "locale": "zh_Hant_TW",
                       "page_limit": 40}]}),
        AuditEvent(actor_name="品管小組", entity_type="dossier", entity_id=424243, entity_title="參獎資料",
                   action="update", summary="", changes={"sections": [["cover"], ["cover", "contents"]],
                                                         "foreword": ["", foreword]}),
    ])
    db.session.commit()
    body = login_as(Role.QUALITY).get("/audit").get_data(as_text=True)
    assert "{'" not in body and "['" not in body and "'cover'" not in body  # no Python literals
    assert "<dt>選項:</dt> <dd>章節: 封面、目錄; 附於文末的佐證資料 PDF: —; 語言: 繁體中文; 頁數上限: 40</dd>" in body
    assert "<dt>章節:</dt> <dd>封面 → 封面、目錄</dd>" in body
    assert "<dt>首長序言:</dt> <dd>— → <details" in body  # the long value is shortened ...
    assert f"<summary>{foreword[:79]}…</summary>{foreword}</details>" in body  # ... with the whole of it at hand


def test_audit_trail_wraps_a_long_record_name(login_as, db):
    long_name = "LINE_pre_check_of_ID_card_renewal_" * 8  # 272 characters and nowhere to break a line
    db.session.add(AuditEvent(actor_name="品管小組", entity_type="initiative", entity_id=424242,
                              entity_title=long_name, action="delete", summary=long_name, changes={}))
    db.session.commit()
    body = login_as(Role.QUALITY).get("/audit").get_data(as_text=True)
    assert re.search(f'<td class="qms-wrap">(<span lang="en">)?{long_name}', body)
    with open("static/css/qms.css", encoding="utf-8") as css:
        rule = next(line for line in css if line.startswith(".qms-wrap "))
    assert "overflow-wrap: anywhere" in rule  # the cell breaks the name instead of widening the page


def test_audit_trail_names_what_is_not_a_record_type_in_the_readers_language(login_as, db):
    """Sign-in locks, the search index, background jobs and unit supervisors have no record type: their events
    read with labels, not internal names, and the type filter offers them."""
    from qms import jobs
    from qms.auth import services as auth_services
    from qms.core import audit
    from qms.core.search_jobs import SEARCH_INDEX
    from qms.drills import services as drills_services
    from tests.factories import UserFactory

    admin = login_as(Role.ADMIN)
    chief = UserFactory(role=Role.STAFF)
    drills_services.save_supervisor(None, {"unit": "第 1 櫃台", "user_id": chief.id}, admin.user)
    auth_services.unlock("staff", "192.0.2.7", admin.user)
    failed = jobs.Job(name="search.rebuild", arguments={}, status=jobs.JobStatus.FAILED)
    db.session.add(failed)
    db.session.commit()
    jobs.rerun(failed, admin.user)
    audit.record_event(audit.UPDATE, None, admin.user, entity_type=SEARCH_INDEX, summary="rebuilt")
    db.session.commit()
    quality = login_as(Role.QUALITY)
    body = quality.get("/audit").get_data(as_text=True)
    for label in ("單位主管", "登入鎖定", "背景工作", "搜尋索引"):
        assert f'<td class="qms-keep-words">{label}</td>' in body, label
    assert "<dt>單位:</dt> <dd>第 1 櫃台</dd>" in body and f"<dt>主管:</dt> <dd>{chief}</dd>" in body
    assert '<dt>帳號:</dt> <dd><span lang="en">staff</span> → —</dd>' in body
    assert "<dt>位址:</dt> <dd>192.0.2.7 → —</dd>" in body
    assert "<dt>狀態:</dt> <dd>失敗 → 已排入佇列</dd>" in body
    for internal in (">unit_supervisor<", ">sign_in_lock<", ">job<", ">search_index<", "remote addr", "user id"):
        assert internal not in body, internal
    assert '<option value="unit_supervisor">單位主管</option>' in body
    body = quality.get("/audit?entity_type=sign_in_lock").get_data(as_text=True)
    assert "共 1 筆事件" in body and "192.0.2.7" in body
