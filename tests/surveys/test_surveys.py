"""Surveys through services and pages: exclusions, import errors, the digest round, kiosk votes and cases."""
import datetime as dt
from io import BytesIO

import numpy as np
import pytest
from sqlalchemy import func, select

from qms import jobs, spreadsheets
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
    assert counts == {"rows": 4, "valid": 2, "not_a_number": 0, "out_of_range": 1, "too_many_blanks": 1,
                      "straight_lining": 0}
    survey_round.exclude_straight_lining = True
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "b.csv", None)
    assert counts["straight_lining"] == 1 and counts["valid"] == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 4  # replaced, not added


@pytest.mark.parametrize("problem", ["missing_column", "not_whole", "no_valid"])
def test_bad_files_import_nothing(survey, survey_round, db, problem):
    n = len(survey.questions)
    rows = [[4] * (n - 1) + [""], [5] * (n - 1) + [""]]
    table = table_for(survey, rows)
    mapping = services.guess_mapping(survey, table[0])
    if problem == "missing_column":
        del mapping["B2"]
    elif problem == "not_whole":
        table[2][0] = "3.5"
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
    assert response.status_code == 302  # to the import's page: the import runs as a job
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert response.headers["Location"].endswith(f"/surveys/rounds/{survey_round.id}/imports/{job_id}")
    assert services.round_stats(survey_round).valid == 37
    assert list((tmp_path / "imports").iterdir()) == []  # the uploaded file is not kept
    job = jobs.get(job_id)
    assert job.status == jobs.JobStatus.DONE and job.created_by_id is not None
    assert job.result["imported"] is True and job.result["counts"]["rows"] == 40
    assert job.result["counts"]["valid"] == 37
    assert job.progress_total == 40  # the rows were reported as they were read
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "alert-success" in page.get_data(as_text=True)
    assert "已匯入 40 份問卷，有效樣本 37 份。" in page.get_data(as_text=True)


def upload_and_import(client, survey_round, table):
    response = client.post_form(f"/surveys/rounds/{survey_round.id}/upload",
                                {"file": (BytesIO(spreadsheets.write(table, "csv")), "r.csv")},
                                content_type="multipart/form-data", token_from=f"/surveys/rounds/{survey_round.id}")
    stored = response.get_data(as_text=True).split('name="upload" type="hidden" value="', 1)[1].split('"', 1)[0]
    form = {"upload": stored, "source_name": "r.csv"}
    form.update({f"map_{code}": str(i) for i, code in enumerate(table[0])})
    return client.post_form(f"/surveys/rounds/{survey_round.id}/import", form, token_from="/")


def test_a_refused_import_job_shows_every_problem_in_the_language_of_who_asked(login_as, survey, survey_round, db,
                                                                               tmp_path, app):
    app.instance_path = str(tmp_path)
    client = login_as(Role.QUALITY, locale="en")
    table = table_for(survey, [answers_row(survey, A1=5), answers_row(survey, A1="2.5"),
                               answers_row(survey, B2="3.5")])
    response = upload_and_import(client, survey_round, table)
    assert response.status_code == 302
    job = jobs.get(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.status == jobs.JobStatus.DONE and job.result["imported"] is False
    assert [row for row, _message in job.result["problems"]] == [3, 4]
    assert "is not a whole number" in job.result["problems"][0][1]  # English: the user's language, not the default
    page = client.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing was imported: 2 problems." in body
    assert "A1: 2.5 is not a whole number." in body and "<td>4</td>" in body
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert list((tmp_path / "imports").iterdir()) == []
    with pytest.raises(ServiceError):  # "run again" cannot: the file went with the first run
        failed = jobs.Job(name="surveys.import", arguments=job.arguments, status=jobs.JobStatus.FAILED)
        db.session.add(failed)
        db.session.commit()
        jobs.rerun(failed, UserFactory(role=Role.QUALITY))


def test_an_import_page_shows_progress_while_the_job_waits_and_belongs_to_its_round(login_as, survey, survey_round,
                                                                                   db):
    other = services.save_round(survey, None, {"label": "R2", "handed_out": 10, "returned": 9,
                                               "max_blank_share": 0.5}, None)
    job = jobs.Job(name="surveys.import", arguments={"round_id": survey_round.id}, status=jobs.JobStatus.RUNNING,
                   progress_done=400, progress_total=1000)
    db.session.add(job)
    db.session.commit()
    client = login_as(Role.QUALITY, locale="en")
    page = client.get(f"/surveys/rounds/{survey_round.id}/imports/{job.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "400 of 1000 rows checked" in body
    assert f'data-poll-url="/surveys/rounds/{survey_round.id}/imports/{job.id}.json"' in body
    assert '<progress max="1000" value="400"' in body
    assert client.get(f"/surveys/rounds/{survey_round.id}/imports/{job.id}.json").get_json() == {
        "running": True, "done": 400, "total": 1000}
    assert client.get(f"/surveys/rounds/{other.id}/imports/{job.id}").status_code == 404  # another round's job
    assert f'href="/surveys/rounds/{survey_round.id}/imports/{job.id}"' in client.get(  # the round points to it
        f"/surveys/rounds/{survey_round.id}").get_data(as_text=True)
    assert "/imports/" not in client.get(f"/surveys/rounds/{other.id}").get_data(as_text=True)
    assert client.get(f"/surveys/rounds/{survey_round.id}/imports/{job.id + 1}").status_code == 404
    job.status = jobs.JobStatus.WAITING
    db.session.commit()
    assert "Background work is paused" in client.get(f"/surveys/rounds/{survey_round.id}/imports/{job.id}").get_data(
        as_text=True)
    job.status, job.error = jobs.JobStatus.FAILED, "timed out"
    db.session.commit()
    body = client.get(f"/surveys/rounds/{survey_round.id}/imports/{job.id}").get_data(as_text=True)
    assert "The import failed; nothing was imported." in body and "timed out" in body
    assert "/imports/" not in client.get(f"/surveys/rounds/{survey_round.id}").get_data(as_text=True)  # ended


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
    assert client.get(f"/kiosk/{token}").status_code == 410  # gone: a revoked address, told apart from a wrong one
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


def answers_row(survey, **answers):
    """A form answering 4 to every rating question except the ones given (by code), the free text blank."""
    return [answers.get(q.code, "" if q.kind.value == "text" else 4) for q in survey.questions]


def test_a_non_numeric_answer_excludes_its_response_not_the_file(login_as, survey, survey_round, db):
    table = table_for(survey, [answers_row(survey, A1=5), answers_row(survey, B2="n/a"),
                               answers_row(survey, C1="無意見", D1="不知道"), answers_row(survey, Q1=3)])
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "a.csv", None)
    assert (counts["rows"], counts["valid"], counts["not_a_number"]) == (4, 2, 2)
    stored = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.row_number)).all()
    assert [r.excluded_reason for r in stored] == ["", "not_a_number", "not_a_number", ""]
    assert services.round_stats(survey_round).excluded == {"not_a_number": 2}
    body = login_as(Role.LEADER, locale="en").get(f"/surveys/rounds/{survey_round.id}").get_data(as_text=True)
    assert "− not a number</th><td class=\"text-end\">2</td>" in body


@pytest.mark.parametrize("cell", ["n/a", "N/A", "ｎ／ａ", " 無意見 ", 9, 9.0, "9", "９"])
def test_no_answer_codes_read_as_blanks(survey, survey_round, db, cell):
    table = table_for(survey, [answers_row(survey, A1=5), answers_row(survey, B2=cell)])
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "a.csv", None,
                                       no_answer=["n/a", "無意見", "9"])
    assert (counts["valid"], counts["not_a_number"], counts["out_of_range"]) == (2, 0, 0)
    second = db.session.scalars(select(SurveyResponse).where(SurveyResponse.row_number == 3)).one()
    assert second.answers["B2"] is None and second.answers["B1"] == 4
    item = next(item for question, item in services.round_stats(survey_round).items if question.code == "B2")
    assert item.n == 1  # the no-answer is a blank, left out of the item's figures


def test_without_no_answer_codes_the_same_cells_are_not_numbers_or_off_the_scale(survey, survey_round, db):
    table = table_for(survey, [answers_row(survey, A1=5), answers_row(survey, B2="n/a"), answers_row(survey, B2=9)])
    counts = services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "a.csv", None)
    assert (counts["valid"], counts["not_a_number"], counts["out_of_range"]) == (1, 1, 1)


# Dimension B (B1, B2, B3, none reverse-scored) on five forms; the fifth leaves B2 blank, so B's alpha stands on the
# first four. By hand: item variances 5/3, 2.75/3, 4.75/3 (sum 12.5/3); row sums 14, 11, 8, 7 have variance 10;
# alpha = 3/2 · (1 − (12.5/3)/10) = 0.875, on n = 4 complete responses. Dimension A is complete on all five.
B_ANSWERS = [(5, 4, 5), (4, 4, 3), (3, 2, 3), (2, 3, 2), (4, "", 4)]
A_ANSWERS = [(5, 4, 1), (4, 4, 2), (3, 3, 3), (2, 2, 4), (4, 5, 2)]


@pytest.fixture
def alpha_round(survey, survey_round):
    rows = [answers_row(survey, A1=a1, A2=a2, A3=a3, B1=b1, B2=b2, B3=b3)
            for (a1, a2, a3), (b1, b2, b3) in zip(A_ANSWERS, B_ANSWERS, strict=True)]
    table = table_for(survey, rows)
    services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "alpha.csv", None)
    return survey_round


def test_each_dimensions_alpha_states_its_complete_responses(alpha_round, db):
    result = services.round_stats(alpha_round)
    by_code = {group.dimension.code: group.reliability for group in result.dimensions}
    assert result.valid == 5
    assert by_code["B"].complete_n == 4 and by_code["B"].alpha.value == pytest.approx(0.875, abs=1e-12)
    assert by_code["A"].complete_n == 5
    assert result.overall.reliability.complete_n == 4


def test_the_page_export_and_dossier_show_the_n_of_alpha(login_as, alpha_round, db, app):
    from types import SimpleNamespace

    from flask import render_template

    body = login_as(Role.LEADER, locale="en").get(f"/surveys/rounds/{alpha_round.id}").get_data(as_text=True)
    assert "Complete responses (n of α)" in body
    row = body.split("B Professionalism</th>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]]
    assert cells[5:7] == ["4", "0.875"]  # items, answers, mean, SD, satisfied, complete n, alpha
    with login_as(Role.LEADER).get(f"/surveys/rounds/{alpha_round.id}/export.xlsx") as response:
        table = spreadsheets.read(response.data, "xlsx")
    header = next(r for r in table if r and r[0] == "構面" and "α" in r)
    professionalism = next(r for r in table if r and r[0] == "專業能力")
    assert professionalism[header.index("α") - 1] == 4
    assert professionalism[header.index("α")] == pytest.approx(0.875)
    with app.test_request_context():
        html = render_template("pdf/dossier/surveys.html", section=SimpleNamespace(label="surveys"),
                               v={"results": [services.round_stats(alpha_round)], "charts": []})
    professionalism = html.split("B 專業能力</td>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">0.875</td>\n<td class="num">4</td>' in professionalism


def test_the_definitions_no_answer_codes_are_kept_and_used_by_the_page_import(login_as, survey, survey_round, db,
                                                                              tmp_path, app):
    assert {"n/a", "無意見", "9"} <= set(survey.no_answer)
    app.instance_path = str(tmp_path)
    client = login_as(Role.QUALITY)
    table = table_for(survey, [answers_row(survey, A1=5), answers_row(survey, B2="無意見")])
    assert upload_and_import(client, survey_round, table).status_code == 302
    stats = services.round_stats(survey_round)
    assert stats.valid == 2 and stats.excluded == {}
