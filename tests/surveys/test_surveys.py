"""Surveys through services and pages: exclusions, import errors, the digest round, kiosk votes and cases."""
import datetime as dt
from io import BytesIO

import numpy as np
import pytest
from sqlalchemy import func, select

from qms import spreadsheets
from qms.core.services import ServiceError
from qms.spine.access import Role
from qms.surveys import demo as surveys_demo
from qms.surveys import services
from qms.surveys import statistics as stats
from qms.surveys.models import FollowUpCase, SurveyResponse, Vote
from tests.factories import UserFactory


@pytest.fixture
def survey(app):
    return services.import_shipped()[0]


@pytest.fixture
def survey_round(survey):
    return services.save_round(survey, None, {"label": "R1", "handed_out": 100, "returned": 90,
                                              "max_blank_share": 0.5}, None)


def test_exclusion_rules():
    assert services.classify([1, 5, 3], 5, 0.5, False) == ""
    assert services.classify([1, 6, 3], 5, 0.5, False) == "out_of_range"
    assert services.classify([1, None, None], 5, 0.5, False) == "too_many_blanks"   # 2/3 blank > 0.5
    assert services.classify([1, None, 3, 4], 5, 0.5, False) == ""                  # 1/4 blank
    assert services.classify([4, 4, 4, 4], 5, 0.5, False) == ""
    assert services.classify([4, 4, 4, 4], 5, 0.5, True) == "straight_lining"
    assert services.classify([4, 4, None], 5, 0.5, True) == ""                       # too few answers to judge


def table_for(survey, rows):
    return [[q.code for q in survey.questions]] + rows


def test_import_counts_exclusions_and_replaces(survey, survey_round, db):
    questions = survey.questions
    good = [3] * (len(questions) - 1) + ["好"]
    varied = [(i % 5) + 1 for i in range(len(questions) - 1)] + [""]
    table = table_for(survey, [good, varied, [9] + good[1:], [""] * (len(questions) - 2) + [1, ""]])
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "a.csv", None)
    assert counts == {"rows": 4, "valid": 2, "out_of_range": 1, "too_many_blanks": 1, "straight_lining": 0}
    survey_round.exclude_straight_lining = True
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "b.csv", None)
    assert counts["straight_lining"] == 1 and counts["valid"] == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 4  # replaced, not added


@pytest.mark.parametrize("problem", ["missing_column", "not_a_number", "no_valid"])
def test_bad_files_import_nothing(survey, survey_round, db, problem):
    n = len(survey.questions)
    rows = [[4] * (n - 1) + [""], [5] * (n - 1) + [""]]
    table = table_for(survey, rows)
    mapping = services.guess_mapping(survey, table[0])
    if problem == "missing_column":
        del mapping["B2"]
    elif problem == "not_a_number":
        table[2][0] = "很好"
    else:
        table = table_for(survey, [[9] * (n - 1) + [""]])
    with pytest.raises(services.ImportRejected):
        services.import_responses(survey_round, table, mapping, "bad.csv", None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_the_digest_round(login_as, db):
    surveys_demo.seed(UserFactory(role=Role.QUALITY))
    survey_round = services.list_rounds()[0]
    result = services.round_stats(survey_round)
    assert (result.handed_out, result.returned, result.valid) == (2032, 1786, 1760)
    assert result.excluded == {"too_many_blanks": 20, "out_of_range": 6}
    assert round(result.response_rate, 2) == round(1786 / 2032 * 100, 2)
    assert round(result.margin_half.value * 100, 2) == 2.34
    body = login_as(Role.LEADER, locale="en").get(f"/surveys/rounds/{survey_round.id}").get_data(as_text=True)
    assert "± 2.34 %" in body and "The report printed ± 2.0 %" in body and "90.7 %" in body
    assert 'src="data:image/svg+xml;base64,' in body


def test_round_statistics_match_an_independent_computation(survey, survey_round, db):
    table = surveys_demo.demo_table(survey, rows=300, invalid_blank=0, invalid_range=0, seed=7)
    services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "s.csv", None)
    result = services.round_stats(survey_round)
    codes = [q.code for q in survey.questions if q.kind.value == "likert"]
    reverse = {q.code for q in survey.questions if q.reverse}
    header = table[0]
    matrix = np.array([[6 - row[header.index(c)] if c in reverse else row[header.index(c)] for c in codes]
                       for row in table[1:]], dtype=float)
    variances = matrix.var(axis=0, ddof=1).sum()
    total = matrix.sum(axis=1).var(ddof=1)
    k = len(codes)
    expected_alpha = k / (k - 1) * (1 - variances / total)
    assert abs(result.overall.reliability.alpha.value - expected_alpha) < 1e-9
    first = next(item for question, item in result.items if question.code == "A3")  # reverse-scored
    column = matrix[:, codes.index("A3")]
    assert abs(first.mean - column.mean()) < 1e-9
    assert abs(first.top_two_pct - (column >= 4).mean() * 100) < 1e-9


def test_export_round_statistics(login_as, db):
    surveys_demo.seed(UserFactory(role=Role.QUALITY))
    survey_round = services.list_rounds()[0]
    with login_as(Role.LEADER).get(f"/surveys/rounds/{survey_round.id}/export.xlsx") as response:
        table = spreadsheets.read(response.data, "xlsx")
    assert any(row and row[0] == "有效樣本" and row[1] == 1760 for row in table)


def test_upload_map_and_import_through_the_pages(login_as, survey, survey_round, db, tmp_path, app):
    app.instance_path = str(tmp_path)
    client = login_as(Role.QUALITY)
    table = surveys_demo.demo_table(survey, rows=40, invalid_blank=2, invalid_range=1)
    response = client.post_form(f"/surveys/rounds/{survey_round.id}/upload",
                                {"file": (BytesIO(spreadsheets.write(table, "csv")), "r.csv")},
                                content_type="multipart/form-data", token_from=f"/surveys/rounds/{survey_round.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="map_A1"' in body
    stored = body.split('name="upload" type="hidden" value="', 1)[1].split('"', 1)[0]
    form = {"upload": stored, "source_name": "r.csv"}
    form.update({f"map_{q.code}": str(i) for i, q in enumerate(survey.questions)})
    response = client.post_form(f"/surveys/rounds/{survey_round.id}/import", form, token_from="/")
    assert response.status_code == 302
    assert services.round_stats(survey_round).valid == 37
    assert list((tmp_path / "imports").iterdir()) == []  # the uploaded file is not kept


def test_kiosk_votes_cases_and_rate_limit(app, client, db):
    admin = UserFactory(role=Role.ADMIN)
    kiosk, token = services.issue_kiosk_token("3 號櫃台", admin)
    assert client.get(f"/kiosk/{token}").status_code == 200          # no sign-in needed
    assert client.get("/kiosk/not-a-token").status_code == 404
    response = client.post_form(f"/kiosk/{token}", {"satisfied": "0", "reason": "等太久", "contact": "0912"},
                                token_from=f"/kiosk/{token}")
    assert response.status_code == 200 and "謝謝" in response.get_data(as_text=True)
    case = db.session.scalars(select(FollowUpCase)).one()
    assert case.vote.reason == "等太久" and not case.vote.satisfied
    now = dt.datetime.now(dt.timezone.utc)
    for _ in range(services.VOTES_PER_MINUTE - 1):
        services.cast_vote(kiosk, True, now=now)
    with pytest.raises(services.RateLimited):
        services.cast_vote(kiosk, True, now=now)
    assert client.post_form(f"/kiosk/{token}", {"satisfied": "1"}, token_from=f"/kiosk/{token}").status_code == 429
    services.revoke_kiosk(kiosk, admin)
    assert client.get(f"/kiosk/{token}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Vote)) == services.VOTES_PER_MINUTE


def test_closing_a_case_needs_a_response(db):
    kiosk, _token = services.issue_kiosk_token("k", None)
    services.cast_vote(kiosk, False, "態度不佳")
    case = db.session.scalars(select(FollowUpCase)).one()
    with pytest.raises(ServiceError):
        services.update_case(case, {"closed_on": dt.date(2026, 1, 2)}, None)
    services.update_case(case, {"response_to_citizen": "已致電致歉", "improvement": "加強訓練",
                                "closed_on": dt.date(2026, 1, 2)}, None)
    assert services.list_cases(open_only=True) == []


def test_weekly_share_and_dashboard(login_as, db):
    from zoneinfo import ZoneInfo

    kiosk, _token = services.issue_kiosk_token("k", None)
    now = dt.datetime.now(dt.timezone.utc)
    for satisfied in (True, True, True, False):
        services.cast_vote(kiosk, satisfied, now=now)
    today = now.astimezone(ZoneInfo("Asia/Taipei")).date()
    rows = services.weekly_satisfaction(today, 6, ZoneInfo("Asia/Taipei"))
    assert rows[-1][1:] == (3, 4) and len(rows) == 6
    body = login_as(Role.QUALITY).get("/").get_data(as_text=True)
    assert "75 % (3/4)" in body


def test_roles(login_as, db):
    staff = login_as(Role.STAFF)
    assert staff.get("/surveys/cases").status_code == 403
    assert staff.get("/surveys/kiosks").status_code == 403
    assert login_as(Role.QUALITY).get("/surveys/kiosks").status_code == 403
    assert login_as(Role.ADMIN).get("/surveys/kiosks").status_code == 200


def test_margin_of_error_reference():
    # the digest's round: 1.96·√(0.25/1760)
    assert abs(stats.margin_of_error(1760).value - 1.959963984540054 * (0.25 / 1760) ** 0.5) < 1e-12
