"""Initiatives through the pages: roles, bad input, filters, totals, audit, import/export round trip."""
import datetime as dt
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import spreadsheets
from qms.core.models import AuditEvent
from qms.initiatives import services
from qms.initiatives.models import Initiative, OutcomeMetric, ProcessImprovement
from qms.spine.access import Role
from tests.factories import AwardCycleFactory, UserFactory


@pytest.fixture
def cycle(app):
    return AwardCycleFactory(is_current=True)


@pytest.fixture
def quality_user(app):
    return UserFactory(role=Role.QUALITY)


@pytest.fixture
def core(app, quality_user):
    return services.save_core(None, {"name_zh": "一次臨櫃，萬事OK", "name_en": "One visit", "position": 1,
                                     "active": True}, quality_user)


def make(cycle, actor, title, **values):
    return services.create_initiative(cycle, {"title_zh": title, "status": "running", **values}, actor)


def improvement(initiative, actor, service, before, before_unit, after, after_unit, cases, year=2014, **extra):
    return services.add_improvement(initiative, {
        "service": service, "before_value": before, "before_unit": before_unit, "after_value": after,
        "after_unit": after_unit, "yearly_cases": cases, "year": year, **extra}, actor)


def test_quality_creates_an_initiative_with_first_in_nation_source(login_as, db, cycle, core):
    client = login_as(Role.QUALITY)
    form = {"title_zh": "LINE 預檢換證", "status": "running", "core_id": str(core.id), "first_in_nation": "y",
            "first_in_nation_note": "", "channels": ["line", "online"], "tags": "數位, 行政區域調整"}
    response = client.post_form("/initiatives/new", form, token_from="/initiatives/new")
    assert response.status_code == 200 and 'id="first_in_nation_note-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
    form["first_in_nation_note"] = "104 年參獎簡報"
    response = client.post_form("/initiatives/new", form, token_from="/initiatives/new")
    assert response.status_code == 302
    initiative = db.session.scalars(select(Initiative)).one()
    assert initiative.channels == ["line", "online"] and initiative.tags == ["數位", "行政區域調整"]
    assert initiative.award_cycle_id == cycle.id and initiative.first_in_nation


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
def test_others_read_but_cannot_write(login_as, db, cycle, quality_user, role):
    initiative = make(cycle, quality_user, "臨櫃流程簡化")
    client = login_as(role)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "臨櫃流程簡化" in page and "/improvements/new" not in page
    assert client.post_form(f"/initiatives/{initiative.id}/improvements/new", {"service": "x"},
                            token_from="/").status_code == 403
    assert client.post_form(f"/initiatives/{initiative.id}/edit", {"title_zh": "改"}, token_from="/").status_code == 403


@pytest.mark.parametrize("form,field", [
    ({"before_value": "-5", "before_unit": "minutes", "after_value": "1", "after_unit": "minutes"}, "before_value"),
    ({"before_value": "50", "before_unit": "minutes", "after_value": "1", "after_unit": "weeks"}, "after_unit"),
    ({"before_value": "50", "before_unit": "minutes", "after_value": "", "after_unit": "minutes"}, "after_value"),
    ({"service": "", "before_value": "5", "before_unit": "minutes", "after_value": "1", "after_unit": "minutes"},
     "service"),
    ({"before_value": "5", "before_unit": "minutes", "after_value": "1", "after_unit": "minutes",
      "yearly_cases": "-10"}, "yearly_cases"),
])
def test_bad_improvements_are_refused_beside_the_field(login_as, db, cycle, quality_user, form, field):
    initiative = make(cycle, quality_user, "臨櫃流程簡化")
    data = {"service": "改名查詢", "yearly_cases": "300", "year": "2014", **form}
    response = login_as(Role.QUALITY).post_form(f"/initiatives/{initiative.id}/improvements/new", data,
                                                token_from="/")
    assert response.status_code == 400 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProcessImprovement)) == 0


def test_on_the_spot_needs_no_time_and_totals_show_with_formula(login_as, db, cycle, quality_user):
    initiative = make(cycle, quality_user, "臨櫃流程簡化")
    client = login_as(Role.QUALITY)
    response = client.post_form(f"/initiatives/{initiative.id}/improvements/new", {
        "service": "英文謄本", "before_value": "6", "before_unit": "days", "after_value": "", "after_unit":
        "on_the_spot", "yearly_cases": "820", "year": "2014"}, token_from="/")
    assert response.status_code == 302
    improvement(initiative, quality_user, "改名查詢", 50, "minutes", 5, "minutes", 300)
    body = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    # 820 × 2,880 ÷ 60 = 39,360.0 h; 300 × 45 ÷ 60 = 225.0 h; total 39,585.0 h
    assert "39,360.0" in body and "225.0" in body and "39,585.0" in body
    assert "= 820 × (2,880 分鐘 − 0 分鐘) ÷ 60" in body


def test_filters_and_sorting(login_as, db, cycle, quality_user, core):
    a = make(cycle, quality_user, "甲 臨櫃", core_id=core.id, channels=["counter"], tags=["便民"])
    b = make(cycle, quality_user, "乙 線上", channels=["online"], first_in_nation=True, first_in_nation_note="x",
             status="piloting")
    make(AwardCycleFactory(), quality_user, "丙 別的年度")
    improvement(a, quality_user, "s", 10, "minutes", 5, "minutes", 12)      # 1 h
    improvement(b, quality_user, "t", 1, "hours", 0, "on_the_spot", 60)     # 60 h
    titles = lambda **f: [i.title_zh for i in services.list_initiatives(services.Filters(cycle_id=cycle.id, **f))]  # noqa: E731
    assert titles() == ["乙 線上", "甲 臨櫃"]  # by title (Unicode order)
    assert titles(core_id=core.id) == ["甲 臨櫃"]
    assert titles(channel="online") == ["乙 線上"] and titles(tag="便民") == ["甲 臨櫃"]
    assert titles(first_in_nation=True) == ["乙 線上"] and titles(status="running") == ["甲 臨櫃"]
    assert titles(sort="hours_saved") == ["乙 線上", "甲 臨櫃"]
    body = login_as(Role.LEADER).get(f"/initiatives/?cycle={cycle.id}&channel=counter").get_data(as_text=True)
    assert "甲 臨櫃" in body and "乙 線上" not in body and "丙 別的年度" not in body


def test_summary_totals_per_core_and_year(login_as, db, cycle, quality_user, core):
    a = make(cycle, quality_user, "甲", core_id=core.id)
    b = make(cycle, quality_user, "乙")
    improvement(a, quality_user, "s1", 50, "minutes", 5, "minutes", 600, year=2014)  # 450 h
    improvement(a, quality_user, "s2", 1, "days", 0, "on_the_spot", 30, year=2015)   # 240 h
    improvement(b, quality_user, "s3", 10, "minutes", 4, "minutes", 100, year=2015)  # 10 h
    data = services.summary(cycle.id)
    assert data.grand.hours_saved == 700
    assert {(c.name_zh if c else None): t.hours_saved for c, t in data.by_core} == {"一次臨櫃，萬事OK": 690,
                                                                                    None: 10}
    assert {year: t.hours_saved for year, t in data.by_year} == {2014: 450, 2015: 250}
    body = login_as(Role.LEADER).get(f"/initiatives/summary?cycle={cycle.id}").get_data(as_text=True)
    assert "700" in body and 'src="data:image/svg+xml;base64,' in body


def test_metrics_and_their_chart(login_as, db, cycle, quality_user):
    initiative = make(cycle, quality_user, "LINE 預檢換證")
    client = login_as(Role.QUALITY)
    for day, value in (("2014-07-01", "0"), ("2014-12-31", "237")):
        assert client.post_form(f"/initiatives/{initiative.id}/metrics", {
            "name": "LINE 好友", "unit": "人", "observed_on": day, "value": value}, token_from="/").status_code == 302
    body = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "LINE 好友" in body and 'src="data:image/svg+xml;base64,' in body
    assert db.session.scalar(select(func.count()).select_from(OutcomeMetric)) == 2


def test_every_change_is_audited(db, cycle, quality_user):
    initiative = make(cycle, quality_user, "甲")
    row = improvement(initiative, quality_user, "s", 10, "minutes", 5, "minutes", 12)
    services.update_improvement(row, {"service": "s", "before_value": 20, "before_unit": "minutes",
                                      "after_value": 5, "after_unit": "minutes", "yearly_cases": 12,
                                      "year": 2014}, quality_user)
    services.add_metric(initiative, {"name": "m", "observed_on": dt.date(2015, 1, 1), "value": 3}, quality_user)
    services.update_initiative(initiative, {"title_zh": "甲", "status": "retired"}, quality_user)
    services.delete_initiative(initiative, quality_user)
    events = [(e.entity_type, e.action) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
              if e.entity_type in ("initiative", "process_improvement", "outcome_metric")]
    assert events == [("initiative", "create"), ("process_improvement", "create"), ("process_improvement", "update"),
                      ("outcome_metric", "create"), ("initiative", "update"), ("process_improvement", "delete"),
                      ("outcome_metric", "delete"), ("initiative", "delete")]


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_export_then_import_into_an_empty_cycle_gives_the_same_records(login_as, db, cycle, quality_user, core,
                                                                       fmt):
    a = make(cycle, quality_user, "臨櫃流程簡化", title_en="Counter", core_id=core.id, channels=["counter"],
             tags=["流程簡化"], start_date=dt.date(2014, 1, 1))
    make(cycle, quality_user, "外籍配偶歸化主動關懷", first_in_nation=True, first_in_nation_note="x",
         channels=["phone", "outreach"])
    improvement(a, quality_user, "英文謄本", 6, "days", 0, "on_the_spot", 820)
    improvement(a, quality_user, "專人大宗謄本", 30, "minutes", 10, "minutes", 2400, stamps_before=3, stamps_after=1,
                period_note="1–8 月")
    client = login_as(Role.QUALITY)
    with client.get(f"/initiatives/export.{fmt}?cycle={cycle.id}") as response:
        assert response.status_code == 200
        data = response.data
    empty = AwardCycleFactory()
    response = client.post_form("/initiatives/import", {"award_cycle_id": str(empty.id),
                                                         "file": (BytesIO(data), f"spark.{fmt}")},
                                content_type="multipart/form-data", token_from="/initiatives/")
    assert response.status_code == 302, response.get_data(as_text=True)

    def snapshot(cycle_id):
        result = []
        for i in services.list_initiatives(services.Filters(cycle_id=cycle_id)):
            result.append((i.title_zh, i.title_en, i.core_id, i.status, i.first_in_nation, i.channels, i.tags,
                           i.start_date, [(p.service, p.before_value, p.before_unit, p.after_value, p.after_unit,
                                           p.stamps_before, p.stamps_after, p.yearly_cases, p.year, p.period_note)
                                          for p in i.improvements]))
        return result

    assert snapshot(empty.id) == snapshot(cycle.id)
    assert len(snapshot(empty.id)) == 2


def test_import_with_bad_rows_imports_nothing(login_as, db, cycle):
    rows = [list(services.COLUMNS),
            ["甲", "", "", "running", "no", "counter", "", "", "改名查詢", "50", "minutes", "5", "minutes", "", "",
             "300", "2014", ""],
            ["乙", "", "不存在的核心", "running", "no", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["丙", "", "", "running", "no", "fax", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["丁", "", "", "running", "no", "", "", "", "x", "-5", "minutes", "1", "minutes", "", "", "3", "2014", ""],
            ["戊", "", "", "running", "no", "", "", "", "y", "5", "weeks", "1", "minutes", "", "", "3", "2014", ""],
            ["", "", "", "", "", "", "", "", "z", "5", "minutes", "1", "minutes", "", "", "3", "2014", ""]]
    response = login_as(Role.QUALITY, locale="en").post_form(
        "/initiatives/import", {"award_cycle_id": str(cycle.id),
                                "file": (BytesIO(spreadsheets.write(rows, "csv")), "bad.csv")},
        content_type="multipart/form-data", token_from="/initiatives/")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for row in (3, 4, 5, 6, 7):
        assert f"<td>{row}</td>" in body, row
    assert "<td>2</td>" not in body
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_demo_loads_the_nine_pairs_and_the_dashboard_shows_the_total(login_as, db):
    from qms import demo
    from qms.initiatives import demo as initiatives_demo
    from qms.initiatives.savings import of

    demo.seed_demo()
    pairs = {p.service: p for p in db.session.scalars(select(ProcessImprovement))}
    assert len(pairs) == 9
    assert of(pairs["英文謄本"]).minutes_saved_per_case == 2880      # 6 days of 8 h → on the spot
    assert of(pairs["國籍歸化測試"]).minutes_saved_per_case == 43200  # 90 days → test on arrival
    assert of(pairs["規費電腦化"]).minutes_saved_per_case == 4
    expected = sum(of(p).hours_saved_per_year for p in pairs.values())
    by_hand = sum((b * {"days": 480, "minutes": 1}[bu] - a) * cases / 60 for rows in
                  initiatives_demo.IMPROVEMENTS.values() for _s, b, bu, a, _au, cases in rows)
    assert expected == by_hand
    body = login_as(Role.LEADER).get("/").get_data(as_text=True)
    assert f"{expected:,.0f}" in body


def test_list_and_summary_query_counts_do_not_grow_with_initiatives(login_as, db, cycle, quality_user,
                                                                    count_queries):
    client = login_as(Role.LEADER)
    client.get("/")

    def grow(n):
        for k in range(n):
            initiative = make(cycle, quality_user, f"創新 {k}-{n}", tags=[f"t{k}"])
            improvement(initiative, quality_user, "s", 10, "minutes", 5, "minutes", 12)

    grow(2)
    pages = (f"/initiatives/?cycle={cycle.id}", f"/initiatives/summary?cycle={cycle.id}")
    few = [count_queries(client, page) for page in pages]
    grow(10)
    assert [count_queries(client, page) for page in pages] == few
