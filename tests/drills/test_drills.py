"""Drills through services and pages: versions, roles, corrective actions, schedule, reports, PDF."""
import datetime as dt
from decimal import Decimal as D
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms.core.services import ServiceError
from qms.drills import services
from qms.drills.models import ActionStatus, CorrectiveAction, Drill, Scorecard
from qms.spine.access import Role
from tests.factories import UserFactory

UTC = dt.timezone.utc


@pytest.fixture
def counter(app):
    services.import_shipped()
    return services.latest_scorecard("counter-service")


def all_yes(scorecard, **overrides):
    values = {}
    for criterion in services.criteria_of(scorecard):
        value = {"yes_no": 1, "one_to_five": 5}.get(criterion.scale.value, criterion.max_points)
        values[criterion.id] = (overrides.get(criterion.code, value), "")
    return values


def log(scorecard, actor, when=None, unit="第 1 櫃台", **overrides):
    return services.save_drill(None, {
        "occurred_at": when or dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "channel": scorecard.channel.value,
        "scorecard_id": scorecard.id, "unit_observed": unit, "staff_names": "王小明"},
        all_yes(scorecard, **overrides), actor)


def test_shipped_scorecards(counter):
    keys = {s.key: s for s in services.current_scorecards()}
    assert set(keys) == {"counter-service", "telephone-courtesy", "online-replies"}
    phone = keys["telephone-courtesy"]
    assert [(s.code, sum(c.weight for c in s.criteria)) for s in phone.sections] == [("S", 45), ("U", 55)]
    assert {c.code for c in services.criteria_of(counter) if c.critical} == {"B1", "B2"}


def test_a_failing_drill_proposes_actions_and_a_redrill(counter, db):
    staff = UserFactory(role=Role.STAFF)
    drill = log(counter, staff, A2=0, B2=0, C1=2)
    assert drill.critical_failed and drill.rating == "failed"
    assert drill.total_pct == D(100 - 5 - 15 - 6)          # C1 2/5 of 10 = 4, so 6 lost
    assert drill.redrill_on == dt.date(2026, 3, 16)         # 14 days later
    titles = sorted(a.title[:2] for a in db.session.scalars(select(CorrectiveAction)))
    assert titles == ["A2", "B2", "C1"]


def test_a_passing_drill_needs_no_redrill(counter):
    assert log(counter, UserFactory(role=Role.STAFF)).redrill_on is None


def test_a_drill_in_the_future_or_off_scale_is_refused(counter, db):
    staff = UserFactory(role=Role.STAFF)
    with pytest.raises(ServiceError) as error:
        log(counter, staff, when=dt.datetime.now(UTC) + dt.timedelta(hours=1))
    assert error.value.field == "occurred_at"
    with pytest.raises(ServiceError) as error:
        log(counter, staff, C1=7)
    db.session.rollback()
    assert error.value.field.startswith("score_")
    assert db.session.scalar(select(func.count()).select_from(Drill)) == 0


def test_a_used_scorecard_changes_by_new_version(counter, db):
    quality = UserFactory(role=Role.QUALITY)
    drill = log(counter, quality)
    bands = [dict(b) for b in counter.bands]
    bands[0]["min"] = 95.0
    newer = services.update_bands(counter, bands, quality)
    assert newer.id != counter.id and newer.version == 2 and newer.bands[0]["min"] == 95
    db.session.refresh(counter)
    assert counter.bands[0]["min"] == 90 and drill.scorecard_id == counter.id  # the old drill keeps v1
    assert services.latest_scorecard("counter-service").id == newer.id
    unused = services.update_bands(newer, [dict(b, min=b["min"]) for b in newer.bands], quality)
    assert unused.id == newer.id  # nobody scored with v2 yet: changed in place


def test_editing_a_used_scorecard_file_keeps_old_drills_weights(counter, db):
    quality = UserFactory(role=Role.QUALITY)
    drill = log(counter, quality, A1=0)
    old_total = drill.total_pct
    greeting = "text: {zh_Hant_TW: 主動問候"
    edited = counter.source_text.replace(f"weight: 5, {greeting}", f"weight: 50, {greeting}")
    newer, created = services.import_scorecard(edited, quality)
    assert created and newer.version == 2
    db.session.refresh(drill)
    assert drill.total_pct == old_total and services.result_of(drill).possible == 100


def test_actions_need_their_fields_and_another_user_to_verify(counter, db):
    staff, quality = UserFactory(role=Role.STAFF), UserFactory(role=Role.QUALITY)
    log(counter, staff, A2=0)
    action = db.session.scalars(select(CorrectiveAction)).one()
    with pytest.raises(ServiceError) as error:
        services.mark_done(action, staff)
    assert error.value.field == "root_cause"
    services.update_action(action, {"owner_id": staff.id, "root_cause": "尖峰人力不足",
                                    "action_taken": "尖峰時段增開櫃台"}, quality)
    services.mark_done(action, staff)
    with pytest.raises(ServiceError):
        services.verify(action, staff, True, "自己確認")  # the doer may not verify
    with pytest.raises(ServiceError):
        services.verify(action, quality, True, "  ")     # a check must be described
    services.verify(action, quality, False, "複查仍等候 15 分鐘")
    assert action.status == ActionStatus.REOPENED
    services.mark_done(action, staff)
    services.verify(action, quality, True, "複查等候 6 分鐘")
    assert action.status == ActionStatus.VERIFIED and action.verified_by_id == quality.id


def test_staff_names_are_for_quality_and_admin_only(login_as, counter, db):
    client = login_as(Role.STAFF)
    drill = log(counter, client.user)
    body = client.get(f"/drills/{drill.id}").get_data(as_text=True)
    assert "王小明" not in body and "受測同仁" not in body
    with client.get("/drills/export/drills.csv") as response:
        assert "王小明".encode() not in response.data
    assert "王小明" in login_as(Role.QUALITY).get(f"/drills/{drill.id}").get_data(as_text=True)
    # staff editing their own drill never wipe the names they cannot see
    form = client.get(f"/drills/{drill.id}/edit").get_data(as_text=True)
    assert 'name="staff_names"' not in form


def test_staff_edit_their_own_drill_until_reviewed(login_as, counter, db):
    author = login_as(Role.STAFF)
    other = login_as(Role.STAFF)
    drill = log(counter, author.user)
    assert author.get(f"/drills/{drill.id}/edit").status_code == 200
    assert other.get(f"/drills/{drill.id}/edit").status_code == 403
    services.review(drill, UserFactory(role=Role.QUALITY))
    assert author.get(f"/drills/{drill.id}/edit").status_code == 403
    assert login_as(Role.LEADER).get(f"/drills/new/{counter.id}").status_code == 403


def test_logging_through_the_page_with_a_bad_score(login_as, counter, db):
    client = login_as(Role.STAFF)
    criteria = services.criteria_of(counter)
    form = {"occurred_at": "2026-03-02T10:00", "channel": "counter", "unit_observed": "第 2 櫃台",
            "shopper_id": str(client.user.id)}
    form.update({f"score_{c.id}": "1" if c.scale.value == "yes_no" else "5" for c in criteria})
    form[f"score_{criteria[0].id}"] = "9"
    response = client.post_form(f"/drills/new/{counter.id}", form, token_from=f"/drills/new/{counter.id}")
    assert response.status_code == 400 and f'id="score_{criteria[0].id}-error"' in response.get_data(as_text=True)
    form[f"score_{criteria[0].id}"] = "1"
    response = client.post_form(f"/drills/new/{counter.id}", form, token_from=f"/drills/new/{counter.id}")
    assert response.status_code == 302
    drill = db.session.scalars(select(Drill)).one()
    assert drill.total_pct == 100 and drill.occurred_at == dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Taipei


def test_schedule_counts_done_and_overdue(counter, db):
    from zoneinfo import ZoneInfo

    quality = UserFactory(role=Role.QUALITY)
    services.set_plan(2026, 3, "counter", 2, quality)
    services.set_plan(2026, 4, "counter", 1, quality)
    log(counter, quality, when=dt.datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 1 April in Taipei
    rows = {(r.month, r.channel.value): r for r in services.schedule(2026, dt.date(2026, 5, 1),
                                                                    ZoneInfo("Asia/Taipei"))}
    assert (rows[(3, "counter")].done, rows[(3, "counter")].overdue) == (0, True)
    assert (rows[(4, "counter")].done, rows[(4, "counter")].overdue) == (1, False)


def test_reports(counter, db):
    from zoneinfo import ZoneInfo

    quality = UserFactory(role=Role.QUALITY)
    log(counter, quality, when=dt.datetime(2026, 1, 5, 2, tzinfo=UTC), A2=0)       # 95
    log(counter, quality, when=dt.datetime(2026, 1, 20, 2, tzinfo=UTC), A2=0, A3=0)  # 85
    log(counter, quality, when=dt.datetime(2026, 2, 3, 2, tzinfo=UTC))             # 100
    data = services.report(dt.date(2026, 3, 1), ZoneInfo("Asia/Taipei"))
    assert data.by_month == [("2026-01", 90.0, 2), ("2026-02", 100.0, 1)]
    assert data.most_missed[0][0] == "A2" and data.most_missed[0][2] == 2
    assert data.open_actions == 3


def test_one_page_pdf(login_as, counter, db):
    from pypdf import PdfReader

    client = login_as(Role.QUALITY)
    drill = log(counter, client.user, B2=0)
    with client.get(f"/drills/{drill.id}.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "臨櫃服務評分表" in text and "B2" in text and "王小明" in text
    with login_as(Role.STAFF).get(f"/drills/{drill.id}.pdf") as response:
        assert "王小明" not in PdfReader(BytesIO(response.data)).pages[0].extract_text()


def test_demo_drills(app, db):
    from qms import demo

    demo.seed_demo()
    drills = db.session.scalars(select(Drill).order_by(Drill.occurred_at)).all()
    assert [d.critical_failed for d in drills] == [False, True]
    assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 3


def test_reports_page_draws_month_channel_and_section_charts(login_as, counter, db):
    quality = login_as(Role.QUALITY)
    log(counter, quality.user, A2=0)
    body = quality.get("/drills/reports").get_data(as_text=True)
    assert body.count('src="data:image/svg+xml;base64,') == 3


def test_every_criterion_is_scored_or_not_applicable_with_a_reason(counter, db):
    staff = UserFactory(role=Role.STAFF)
    by_code = {c.code: c for c in services.criteria_of(counter)}
    scores = all_yes(counter)
    scores[by_code["A1"].id] = ("", "")                          # left unscored
    scores.pop(by_code["A2"].id)                                 # not sent at all
    scores[by_code["D2"].id] = (services.NOT_APPLICABLE, "  ")   # not applicable, but no reason
    values = {"occurred_at": dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "channel": "counter",
              "scorecard_id": counter.id, "unit_observed": "第 1 櫃台"}
    with pytest.raises(services.ScoresRefused) as error:
        services.save_drill(None, values, scores, staff)
    db.session.rollback()
    assert set(error.value.problems) == {f"score_{by_code['A1'].id}", f"score_{by_code['A2'].id}",
                                         f"remark_{by_code['D2'].id}"}
    assert db.session.scalar(select(func.count()).select_from(Drill)) == 0
    assert db.session.scalar(select(func.count()).select_from(CorrectiveAction)) == 0

    scores[by_code["A1"].id] = (1, "")
    scores[by_code["A2"].id] = (0, "")
    scores[by_code["D2"].id] = (services.NOT_APPLICABLE, "本所無障礙坡道整修中")
    drill = services.save_drill(None, values, scores, staff)
    stored = {s.criterion_id: s for s in drill.scores}[by_code["D2"].id]
    assert stored.value is None and stored.remark == "本所無障礙坡道整修中"
    assert services.result_of(drill).total_pct == D(90) / D(95) * 100 and services.result_of(drill).possible == 95
    assert drill.total_pct == D("94.74") and drill.rating == "excellent" and drill.redrill_on is None


def test_a_drill_with_nothing_applicable_is_refused(counter, db):
    everything_na = {c.id: (services.NOT_APPLICABLE, "未能入場") for c in services.criteria_of(counter)}
    with pytest.raises(ServiceError) as error:
        services.save_drill(None, {"occurred_at": dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "channel": "counter",
                                   "scorecard_id": counter.id, "unit_observed": "第 1 櫃台"},
                            everything_na, UserFactory(role=Role.STAFF))
    db.session.rollback()
    assert error.value.field is None
    assert db.session.scalar(select(func.count()).select_from(Drill)) == 0


def test_the_form_starts_unscored_and_refuses_each_criterion_left_so(login_as, counter, db):
    client = login_as(Role.STAFF)
    criteria = services.criteria_of(counter)
    page = client.get(f"/drills/new/{counter.id}").get_data(as_text=True)
    first = criteria[0]
    select_html = page[page.rindex("<select", 0, page.index(f'id="score_{first.id}"')):]
    select_html = select_html[:select_html.index("</select>")]
    # a blank "choose" option first (and nothing chosen), then the scale, then an explicit "not applicable"
    assert select_html.split("<option", 2)[1].startswith(' value="">') and "selected" not in select_html
    assert f'value="{services.NOT_APPLICABLE}"' in select_html
    assert 'data-weight="5.00"' in select_html and 'data-scale="yes_no"' in select_html
    assert 'aria-live="polite"' in page and "js/drill-score.js" in page and "data-bands=" in page

    form = {"occurred_at": "2026-03-02T10:00", "channel": "counter", "unit_observed": "第 2 櫃台",
            "shopper_id": str(client.user.id)}
    form.update({f"score_{c.id}": "1" if c.scale.value == "yes_no" else "5" for c in criteria[2:]})
    form[f"score_{criteria[1].id}"] = services.NOT_APPLICABLE       # without a reason
    response = client.post_form(f"/drills/new/{counter.id}", form, token_from=f"/drills/new/{counter.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="score_{criteria[0].id}-error"' in body and f'id="remark_{criteria[1].id}-error"' in body
    assert f'id="score_{criteria[2].id}-error"' not in body
    assert db.session.scalar(select(func.count()).select_from(Drill)) == 0

    form[f"score_{criteria[0].id}"] = "0"
    form[f"remark_{criteria[1].id}"] = "現場無須等候"
    response = client.post_form(f"/drills/new/{counter.id}", form, token_from=f"/drills/new/{counter.id}")
    assert response.status_code == 302
    drill = db.session.scalars(select(Drill)).one()
    assert drill.total_pct == D("94.74")                            # 90 ÷ 95: A1 (5) missed, A2 (5) not applicable
    # editing shows the criterion as marked not applicable, not as unscored
    edit = client.get(f"/drills/{drill.id}/edit").get_data(as_text=True)
    a2 = edit[edit.index(f'id="score_{criteria[1].id}"'):]  # the options follow the id
    assert f'<option selected value="{services.NOT_APPLICABLE}">' in a2[:a2.index("</select>")]
