"""Initiatives through the pages: roles, bad input, filters, totals, audit, import/export round trip."""
import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import spreadsheets
from qms.core.models import AuditEvent
from qms.initiatives import services
from qms.initiatives.models import Initiative, OutcomeMetric, ProcessImprovement
from qms.spine.access import Role
from tests.factories import AwardCycleFactory, UserFactory
from tests.import_pages import follow_import


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
    # a wait of days is turnaround, not time the citizen spends (it used to count as 8 working hours a day)
    ({"before_value": "6", "before_unit": "days", "after_value": "", "after_unit": "on_the_spot"}, "before_unit"),
    ({"before_value": "5", "before_unit": "minutes", "after_value": "1", "after_unit": "minutes",
      "turnaround_before_days": "6"}, "turnaround_after_days"),
    ({"before_value": "", "before_unit": "minutes", "after_value": "", "after_unit": "minutes",
      "turnaround_before_days": "-1", "turnaround_after_days": "0"}, "turnaround_before_days"),
    ({"before_value": "", "before_unit": "minutes", "after_value": "", "after_unit": "minutes"}, "before_value"),
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
    client = login_as(Role.QUALITY, locale="en")
    new = f"/initiatives/{initiative.id}/improvements/new"
    # turnaround only: the time-spent units keep their default, no time is given, so none is recorded
    response = client.post_form(new, {
        "service": "英文謄本", "before_value": "", "before_unit": "minutes", "after_value": "", "after_unit": "minutes",
        "turnaround_before_days": "6", "turnaround_after_days": "0", "yearly_cases": "820", "year": "2014"},
        token_from="/")
    assert response.status_code == 302
    response = client.post_form(new, {
        "service": "戶籍謄本", "before_value": "20", "before_unit": "minutes", "after_value": "", "after_unit":
        "on_the_spot", "yearly_cases": "600", "year": "2014"}, token_from="/")
    assert response.status_code == 302
    improvement(initiative, quality_user, "改名查詢", 50, "minutes", 5, "minutes", 300)
    english, counter = sorted(initiative.improvements, key=lambda p: p.id)[:2]
    assert (english.before_unit, english.turnaround_before_days, english.turnaround_after_days) == (None, 6, 0)
    assert (counter.after_unit, counter.after_value, counter.turnaround_before_days) == ("on_the_spot", 0, None)
    body = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    # hours: 600 × (20 − 0) ÷ 60 = 200.0 h; 300 × (50 − 5) ÷ 60 = 225.0 h; total 425.0 h.
    # turnaround: 820 × (6 − 0) = 4,920.0 case-days, never turned into hours (it was 820 × 2,880 ÷ 60 = 39,360 h)
    assert "200.0" in body and "225.0" in body and "425.0" in body and "4,920.0" in body
    assert "(20 − 0) min × 600 cases = 200 h" in body and "(50 − 5) min × 300 cases = 225 h" in body
    assert "(6 − 0) days × 820 cases = 4,920 case-days" in body
    assert "6 days → on the spot" in body and "39,360" not in body


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
    services.add_improvement(a, {"service": "s2", "turnaround_before_days": 1, "turnaround_after_days": 0,
                                 "yearly_cases": 30, "year": 2015}, quality_user)  # 1 × 30 = 30 case-days, no hours
    improvement(b, quality_user, "s3", 10, "minutes", 4, "minutes", 100, year=2015)  # 10 h
    data = services.summary(cycle.id)
    assert data.grand.hours_saved == 460 and data.grand.case_days_saved == 30
    assert {(c.name_zh if c else None): (t.hours_saved, t.case_days_saved) for c, t in data.by_core} == {
        "一次臨櫃，萬事OK": (450, 30), None: (10, 0)}
    assert {year: (t.hours_saved, t.case_days_saved) for year, t in data.by_year} == {2014: (450, 0),
                                                                                      2015: (10, 30)}
    body = login_as(Role.LEADER, locale="en").get(f"/initiatives/summary?cycle={cycle.id}").get_data(as_text=True)
    assert "460 citizen hours saved per year" in body and "30 case-days of turnaround saved per year" in body
    assert body.count('src="data:image/svg+xml;base64,') == 2  # one chart per figure, never one axis for both
    assert "8 working hours" not in body


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
    services.add_improvement(a, {"service": "英文謄本", "turnaround_before_days": 6, "turnaround_after_days": 0,
                                 "yearly_cases": 820, "year": 2014}, quality_user)
    improvement(a, quality_user, "專人大宗謄本", 30, "minutes", 10, "minutes", 2400, stamps_before=3, stamps_after=1,
                period_note="1–8 月")
    improvement(a, quality_user, "戶籍謄本", 30, "minutes", 5, "minutes", 1200, turnaround_before_days=3,
                turnaround_after_days="0.5")
    client = login_as(Role.QUALITY)
    with client.get(f"/initiatives/export.{fmt}?cycle={cycle.id}") as response:
        assert response.status_code == 200
        data = response.data
    empty = AwardCycleFactory()
    response = client.post_form("/initiatives/import", {"award_cycle_id": str(empty.id),
                                                         "file": (BytesIO(data), f"spark.{fmt}")},
                                content_type="multipart/form-data", token_from="/initiatives/")
    job, page = follow_import(client, response)
    assert job.result == {"imported": True,
                          "message": "匯入完成：新增 2 項創新服務、3 項流程簡化，更新 0 項。"}, job.result
    assert f'href="/initiatives/?cycle={empty.id}"' in page

    def snapshot(cycle_id):
        result = []
        for i in services.list_initiatives(services.Filters(cycle_id=cycle_id)):
            result.append((i.title_zh, i.title_en, i.core_id, i.status, i.first_in_nation, i.channels, i.tags,
                           i.start_date, [(p.service, p.before_value, p.before_unit, p.after_value, p.after_unit,
                                           p.turnaround_before_days, p.turnaround_after_days, p.stamps_before,
                                           p.stamps_after, p.yearly_cases, p.year, p.period_note)
                                          for p in i.improvements]))
        return result

    assert snapshot(empty.id) == snapshot(cycle.id)
    assert len(snapshot(empty.id)) == 2
    assert [p[5:7] for p in snapshot(empty.id)[1][8]] == [(6, 0), (None, None), (3, Decimal("0.5"))]


def test_importing_an_export_again_adds_nothing_twice_and_takes_corrected_figures(login_as, db, cycle,
                                                                                  quality_user):
    a = make(cycle, quality_user, "臨櫃流程簡化")
    improvement(a, quality_user, "戶籍謄本", 30, "minutes", 5, "minutes", 1200, period_note="1–8 月")
    improvement(a, quality_user, "戶籍謄本", 30, "minutes", 8, "minutes", 600, period_note="9–12 月")
    client = login_as(Role.QUALITY, locale="en")
    with client.get(f"/initiatives/export.csv?cycle={cycle.id}") as response:
        header, *rows = spreadsheets.read(response.data, "csv")

    def upload(rows):
        response = client.post_form("/initiatives/import", {
            "award_cycle_id": str(cycle.id),
            "file": (BytesIO(spreadsheets.write([header, *rows], "csv")), "spark.csv")},
            content_type="multipart/form-data", token_from="/initiatives/")
        job, _page = follow_import(client, response)
        return job.result["message"]

    def stored():
        db.session.expire_all()
        return sorted((p.period_note, p.yearly_cases, p.after_value) for p in db.session.scalars(
            select(ProcessImprovement)))

    before = stored()
    assert upload(rows) == "Imported. New initiatives: 0; new process improvements: 0; changed: 0."
    assert stored() == before  # the same two measurements, not four
    cases = header.index("Cases per year")
    rows[1][cases] = "650"  # a corrected figure for 9–12 月
    extra = list(rows[0])
    extra[header.index("Period measured")] = "全年"  # another period of the same service: a new measurement
    assert upload([*rows, extra]) == "Imported. New initiatives: 0; new process improvements: 1; changed: 1."
    assert stored() == [("1–8 月", 1200, 5), ("9–12 月", 650, 8), ("全年", 1200, 5)]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "process_improvement",
                                                         AuditEvent.action == "update")).all()
    assert [event.changes for event in events] == [{"yearly_cases": [600, 650]}]


def test_export_shows_both_figures_with_their_formulas(login_as, db, cycle, quality_user):
    a = make(cycle, quality_user, "臨櫃流程簡化")
    services.add_improvement(a, {"service": "英文謄本", "turnaround_before_days": 6, "turnaround_after_days": 0,
                                 "yearly_cases": 820, "year": 2014}, quality_user)
    improvement(a, quality_user, "戶籍謄本", 30, "minutes", 5, "minutes", 1200, turnaround_before_days=3,
                turnaround_after_days="0.5")
    with login_as(Role.QUALITY, locale="en").get(f"/initiatives/export.csv?cycle={cycle.id}") as response:
        header, *rows = spreadsheets.read(response.data, "csv")
    column = {name: index for index, name in enumerate(header)}
    figures = [(row[column["Citizen hours saved per year"]], row[column["Hours saved: formula"]],
                row[column["Turnaround saved per year (case-days)"]], row[column["Turnaround saved: formula"]])
               for row in rows]
    # 英文謄本: 6 × 820 = 4,920 case-days, no hours; 戶籍謄本: 25 × 1,200 ÷ 60 = 500 h and 2.5 × 1,200 = 3,000
    assert [tuple(str(cell or "") for cell in row) for row in figures] == [
        ("", "", "4920.0", "(6 − 0) days × 820 cases = 4,920 case-days"),
        ("500.0", "(30 − 5) min × 1,200 cases = 500 h", "3000.0", "(3 − 0.5) days × 1,200 cases = 3,000 case-days")]


def test_import_with_bad_rows_imports_nothing(login_as, db, cycle):
    rows = [list(services.COLUMNS),
            ["甲", "", "", "running", "no", "counter", "", "", "改名查詢", "50", "minutes", "5", "minutes", "", "",
             "300", "2014", ""],
            ["乙", "", "不存在的核心", "running", "no", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["丙", "", "", "running", "no", "fax", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["丁", "", "", "running", "no", "", "", "", "x", "-5", "minutes", "1", "minutes", "", "", "3", "2014", ""],
            ["戊", "", "", "running", "no", "", "", "", "y", "5", "weeks", "1", "minutes", "", "", "3", "2014", ""],
            ["", "", "", "", "", "", "", "", "z", "5", "minutes", "1", "minutes", "", "", "3", "2014", ""]]
    client = login_as(Role.QUALITY, locale="en")
    response = client.post_form(
        "/initiatives/import", {"award_cycle_id": str(cycle.id),
                                "file": (BytesIO(spreadsheets.write(rows, "csv")), "bad.csv")},
        content_type="multipart/form-data", token_from="/initiatives/")
    job, body = follow_import(client, response)
    assert job.result["imported"] is False
    for row in (3, 4, 5, 6, 7):
        assert f"<td>{row}</td>" in body, row
    assert "<td>2</td>" not in body
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_import_refuses_days_as_time_spent_and_reads_turnaround(login_as, db, cycle):
    def row(**cells):
        return [cells.get(column, "") for column in services.COLUMNS]

    base = {"title_zh": "甲", "status": "running", "yearly_cases": "820", "year": "2014"}
    old_style = [list(services.COLUMNS),
                 row(**base, service="英文謄本", before_value="6", before_unit="days", after_unit="on_the_spot"),
                 row(**base, service="國籍歸化測試", before_value="90", before_unit="天", after_unit="隨到隨辦"),
                 row(**base, service="半邊", turnaround_before_days="6"),
                 row(**base, service="無時間")]
    client = login_as(Role.QUALITY, locale="en")

    def upload(rows):
        return client.post_form("/initiatives/import", {
            "award_cycle_id": str(cycle.id), "file": (BytesIO(spreadsheets.write(rows, "csv")), "spark.csv")},
            content_type="multipart/form-data", token_from="/initiatives/")

    _job, body = follow_import(client, upload(old_style))
    assert body.count("time spent is in minutes or hours; enter a wait of days in the turnaround columns") == 2
    assert "Give the turnaround both before and after, or neither." in body
    assert "Record the citizen&#39;s time spent, the turnaround, or both." in body
    assert db.session.scalar(select(func.count()).select_from(ProcessImprovement)) == 0
    response = upload([list(services.COLUMNS),
                       row(**base, service="英文謄本", turnaround_before_days="6", turnaround_after_days="0")])
    job, _page = follow_import(client, response)
    assert job.result["imported"] is True
    imported = db.session.scalars(select(ProcessImprovement)).one()
    assert (imported.before_unit, imported.before_value, imported.turnaround_before_days,
            imported.turnaround_after_days) == (None, None, 6, 0)


def test_demo_loads_the_nine_pairs_and_the_dashboard_shows_the_total(login_as, db):
    from qms import demo
    from qms.initiatives import demo as initiatives_demo
    from qms.initiatives.savings import of

    demo.seed_demo()
    pairs = {p.service: p for p in db.session.scalars(select(ProcessImprovement))}
    assert len(pairs) == 9
    # the source's "6日→隨到隨辦" and "90日→隨到隨考" are turnaround, with no citizen time given
    assert of(pairs["英文謄本"]).days_saved_per_case == 6 and of(pairs["英文謄本"]).hours_saved_per_year is None
    assert of(pairs["國籍歸化測試"]).days_saved_per_case == 90 and pairs["國籍歸化測試"].before_unit is None
    assert of(pairs["規費電腦化"]).minutes_saved_per_case == 4 and pairs["規費電腦化"].turnaround_before_days is None
    hours = sum(of(p).hours_saved_per_year or 0 for p in pairs.values())
    case_days = sum(of(p).case_days_saved_per_year or 0 for p in pairs.values())
    by_hand_hours = sum((m[0] - m[1]) * cases for rows in initiatives_demo.IMPROVEMENTS.values()
                        for _s, m, _d, cases in rows if m) / Decimal(60)
    by_hand_days = sum((d[0] - d[1]) * cases for rows in initiatives_demo.IMPROVEMENTS.values()
                       for _s, _m, d, cases in rows if d)
    # 663,000 min ÷ 60 = 11,050 h (it was 93,610 h with the two waits at 8 h a day); 4,920 + 5,400 = 10,320
    assert (hours, case_days) == (by_hand_hours, by_hand_days) == (11050, 10320)
    body = login_as(Role.LEADER).get("/").get_data(as_text=True)
    assert "11,050" in body and "10,320" in body and "93,610" not in body


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
