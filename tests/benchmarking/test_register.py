"""The register through its services and pages: the digest's table exactly, derived metrics, import, roles."""
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qms import spreadsheets
from qms.benchmarking import demo as benchmarking_demo
from qms.benchmarking import services
from qms.benchmarking.models import MetricValue
from qms.core.services import ServiceError
from qms.spine.access import Role
from tests.factories import UserFactory
from tests.import_pages import follow_import


@pytest.fixture
def register(app):
    actor = UserFactory(role=Role.QUALITY)
    benchmarking_demo.seed(actor)
    metrics = {m.name_en: m for m in services.list_metrics()}
    return actor, metrics


def by_name(comparison, metric):
    return {peer.name_zh: comparison.cells[(peer.id, metric.id)] for peer in comparison.peers}


def test_the_digest_table_comes_out_exactly(register):
    _actor, metrics = register
    comparison = services.compare(2014)
    per_staff = by_name(comparison, metrics["Population per staff"])
    expected = {"桃園市蘆竹區戶政事務所": (5045, 1), "新北市淡水區戶政事務所": (4817, 2),
                "高雄市小港區戶政事務所": (4462, 3), "臺中市北區戶政事務所": (4096, 4),
                "臺北市中正區戶政事務所": (3083, 5)}
    assert {name: (round(cell.value), cell.rank) for name, cell in per_staff.items()} == expected
    column = next(c for c in comparison.columns if c.metric.name_en == "Population per staff")
    assert round(column.peer_median) == 4279 and round(column.self_gap_to_median) == -766
    assert column.self_gap_to_best == 0
    staff = by_name(comparison, metrics["Staff"])
    assert staff["桃園市蘆竹區戶政事務所"].rank == 1  # fewest staff, lower is better


def test_zero_or_missing_denominator_shows_na_with_reason(login_as, register):
    actor, metrics = register
    office = services.self_row()
    services.save_value(office, metrics["Staff"], 2016, {"value": 0}, actor)
    services.save_value(office, metrics["Population"], 2016, {"value": 1000}, actor)
    cell = by_name(services.compare(2016), metrics["Population per staff"])["桃園市蘆竹區戶政事務所"]
    assert cell.value is None and cell.reason == "zero" and cell.rank is None
    body = login_as(Role.LEADER, locale="en").get("/benchmarking/?year=2016").get_data(as_text=True)
    assert "n/a: the denominator is zero" in body and "n/a: a value is missing" in body
    assert "inf" not in body.lower().replace("info", "")


def test_adding_a_peer_changes_the_ranks(login_as, db, register):
    actor, metrics = register
    client = login_as(Role.QUALITY)
    response = client.post_form("/benchmarking/peers/new", {"name_zh": "新竹市東區戶政事務所", "city": "新竹市",
                                                            "kind": "household_registration"},
                                token_from="/benchmarking/peers/new")
    assert response.status_code == 302
    peer_url = response.headers["Location"]
    for metric, value in (("Staff", "25"), ("Population", "140000")):
        response = client.post_form(peer_url, {"metric_id": str(metrics[metric].id), "year": "2014", "value": value},
                                    token_from=peer_url)
        assert response.status_code == 302
    per_staff = by_name(services.compare(2014), metrics["Population per staff"])
    assert per_staff["新竹市東區戶政事務所"].rank == 1  # 5,600 per staff
    assert per_staff["桃園市蘆竹區戶政事務所"].rank == 2


def test_the_dashboard_card_ranks_among_the_organizations_with_values(login_as, db, register):
    """compare(valued_only=True), which the dashboard's card uses, leaves out organizations without a value that
    year and gives the office the same ranks, medians and gaps as the full comparison."""
    actor, metrics = register
    for name in ("新竹市東區戶政事務所", "嘉義市西區戶政事務所"):  # entered, but without figures
        services.save_peer(None, {"name_zh": name, "city": name[:3], "kind": "household_registration"}, actor)
    full, valued = services.compare(2014), services.compare(2014, valued_only=True)
    assert {peer.name_zh for peer in full.peers} - {peer.name_zh for peer in valued.peers} == {
        "新竹市東區戶政事務所", "嘉義市西區戶政事務所"}
    office = services.self_row()
    for column, column_valued in zip(full.columns, valued.columns, strict=True):
        metric = column.metric
        assert full.cells[(office.id, metric.id)] == valued.cells[(office.id, metric.id)]
        assert (column.ranked, column.best, column.peer_median, column.self_gap_to_median) == (
            column_valued.ranked, column_valued.best, column_valued.peer_median, column_valued.self_gap_to_median)
    per_staff = next(c for c in valued.columns if c.metric.name_en == "Population per staff")
    assert per_staff.ranked == 5 and valued.cells[(office.id, metrics["Population per staff"].id)].rank == 1
    response = login_as(Role.LEADER).get("/")
    assert "5 個機關中排名第 1" in response.get_data(as_text=True)


def test_derived_metrics_cannot_be_entered_or_loop(register):
    actor, metrics = register
    with pytest.raises(ServiceError):
        services.save_value(services.self_row(), metrics["Population per staff"], 2014, {"value": 1}, actor)
    with pytest.raises(ServiceError):  # population = population per staff ÷ staff would loop
        services.save_metric(metrics["Population per staff"], {
            "name_zh": "每人服務人口數", "numerator_id": metrics["Population per staff"].id,
            "denominator_id": metrics["Staff"].id}, actor)
    with pytest.raises(ServiceError):  # only one part given
        services.save_metric(None, {"name_zh": "半個", "numerator_id": metrics["Staff"].id}, actor)


def test_the_office_stays(register):
    actor, _metrics = register
    with pytest.raises(ServiceError):
        services.delete_peer(services.self_row(), actor)
    assert services.compare(2014, peer_ids=[-1]).peers == [services.self_row()]


def test_import_long_and_wide(login_as, db, register):
    _actor, metrics = register
    long_rows = [["機關", "指標", "年度", "數值", "來源"],
                 ["新北市淡水區戶政事務所", "員額數", 2015, 34, "統計"],
                 ["新北市淡水區戶政事務所", "人口數", 2015, 160000, "統計"]]
    wide_rows = [["Office or organization", "Year", "Staff", "Population"],
                 ["臺中市北區戶政事務所", 2015, 36, 148000]]
    client = login_as(Role.QUALITY)
    for rows, fmt, written in ((long_rows, "xlsx", 2), (wide_rows, "csv", 2)):
        response = client.post_form("/benchmarking/import", {"file": (BytesIO(spreadsheets.write(rows, fmt)),
                                                                       f"v.{fmt}")},
                                    content_type="multipart/form-data", token_from="/benchmarking/")
        job, page = follow_import(client, response)
        assert job.result == {"imported": True, "message": f"匯入完成：寫入 {written} 筆數值。"}
        assert f"匯入完成：寫入 {written} 筆數值。" in page and 'href="/benchmarking/"' in page
    per_staff = by_name(services.compare(2015), metrics["Population per staff"])
    assert round(per_staff["新北市淡水區戶政事務所"].value) == 4706  # 160,000 ÷ 34
    assert round(per_staff["臺中市北區戶政事務所"].value) == 4111  # 148,000 ÷ 36


def test_import_with_bad_rows_imports_nothing(login_as, db, register):
    rows = [["Office or organization", "Metric", "Year", "Value"],
            ["新北市淡水區戶政事務所", "員額數", 2016, 34],
            ["不存在的戶所", "員額數", 2016, 1],
            ["新北市淡水區戶政事務所", "不存在的指標", 2016, 1],
            ["新北市淡水區戶政事務所", "人口數", "", 1],
            ["新北市淡水區戶政事務所", "每人服務人口數", 2016, 1],
            ["新北市淡水區戶政事務所", "人口數", 2016, "很多"]]
    before = db.session.scalar(select(func.count()).select_from(MetricValue))
    client = login_as(Role.QUALITY, locale="en")
    response = client.post_form(
        "/benchmarking/import", {"file": (BytesIO(spreadsheets.write(rows, "csv")), "v.csv")},
        content_type="multipart/form-data", token_from="/benchmarking/")
    job, body = follow_import(client, response)
    assert job.result["imported"] is False and "Nothing was imported: 5 problems." in body
    for row, text in [(3, "Unknown organization"), (4, "Unknown metric"), (5, "year is missing"),
                      (6, "is derived"), (7, "must be a number")]:
        assert f"<td>{row}</td><td>" in body and text in body, (row, text)
    assert "<td>2</td>" not in body
    assert db.session.scalar(select(func.count()).select_from(MetricValue)) == before


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
def test_others_read_but_cannot_change(login_as, db, register, role):
    client = login_as(role)
    assert "5,045" in client.get("/benchmarking/?year=2014").get_data(as_text=True)
    office = services.self_row()
    assert client.post_form(f"/benchmarking/peers/{office.id}", {"year": "2014"}, token_from="/").status_code == 403
    assert client.get("/benchmarking/peers/new").status_code == 403


def test_export_table(login_as, register):
    with login_as(Role.LEADER).get("/benchmarking/export.csv?year=2014") as response:
        table = spreadsheets.read(response.data, "csv")
    luzhu = next(row for row in table if row[0] == "桃園市蘆竹區戶政事務所")
    assert luzhu[-2:] == ["5045", "1"]


def test_note_starts_an_initiative_and_can_be_checklist_evidence(login_as, db, register):
    from qms.benchmarking.models import BenchmarkNote
    from qms.initiatives.models import Initiative
    from tests.factories import AwardCycleFactory

    AwardCycleFactory(is_current=True)
    note = db.session.scalars(select(BenchmarkNote)).one()
    client = login_as(Role.QUALITY)
    page = client.get(f"/benchmarking/notes/{note.id}").get_data(as_text=True)
    assert f"/initiatives/new?source=benchmark_note:{note.id}" in page
    form = client.get(f"/initiatives/new?source=benchmark_note:{note.id}").get_data(as_text=True)
    assert note.title in form
    response = client.post_form(f"/initiatives/new?source=benchmark_note:{note.id}",
                                {"title_zh": "叫號預約整合", "status": "idea"}, token_from="/")
    assert response.status_code == 302
    initiative = db.session.scalars(select(Initiative)).one()
    page = client.get(f"/benchmarking/notes/{note.id}").get_data(as_text=True)
    assert f'href="/initiatives/{initiative.id}"' in page  # the initiative cites the note


def test_decision_filter_and_note_validation(login_as, db, register):
    client = login_as(Role.QUALITY)
    response = client.post_form("/benchmarking/notes/new", {"title": "", "decision": "adopt"},
                                token_from="/benchmarking/notes/new")
    assert response.status_code == 400 and 'id="title-error"' in response.get_data(as_text=True)
    client.post_form("/benchmarking/notes/new", {"title": "線上預約", "decision": "adopt"},
                     token_from="/benchmarking/notes/new")
    body = client.get("/benchmarking/notes?decision=adopt").get_data(as_text=True)
    assert "線上預約" in body and "（示範）" not in body


def test_comparison_query_count_does_not_grow_with_organizations(login_as, db, register, count_queries):
    actor, metrics = register
    client = login_as(Role.LEADER)
    client.get("/")

    def count():
        client.get("/benchmarking/?year=2014")  # the first request after a commit reloads the signed-in user
        return count_queries(client, "/benchmarking/?year=2014")

    few = count()
    for n in range(8):
        peer = services.save_peer(None, {"name_zh": f"測試戶所 {n}", "kind": "household_registration"}, actor)
        services.save_value(peer, metrics["Staff"], 2014, {"value": 20 + n}, actor)
        services.save_value(peer, metrics["Population"], 2014, {"value": 100000}, actor)
    assert count() == few
