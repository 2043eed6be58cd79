"""The dossier keeps to its award cycle's reporting period and says what it left out; radar charts carry
captions; the benchmarking table's headers; the cover title never ends on one lone character."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from qms import create_app, storage
from qms.dossier import services
from qms.dossier.models import Dossier
from qms.extensions import db
from qms.spine.access import Role
from qms.spine.sections import GatherContext
from tests.conftest import QMSClient, make_config, wipe_rows
from tests.factories import TEST_PASSWORD, UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")
UNRELATED_ROUND = "115年臨櫃滿意度（無關期次）"
OLD_PUBLICATION = "民國九十八年戶政年報"
# Every section but the initiatives (another module's; its own tests cover it): quicker to lay out.
SECTIONS = ["cover", "contents", "foreword", "profile", "self_assessment", "benchmarking", "drills", "surveys",
            "publications", "evidence_index"]


def section_html(html: str, key: str) -> str:
    """The markup of one dossier section (empty when the section is left out)."""
    match = re.search(rf'<section class="dossier-section section-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture(scope="module")
def period_case(migrated_database):
    """The demo (its cycle reports on 2014-01-01…2015-05-31) plus records outside that period: a drill held in
    December 2026 (cited as evidence by a checklist item, with a PDF appended to the dossier), a survey round of
    2026 and a publication of 2009."""
    from qms import demo
    from qms.archive.models import Publication
    from qms.checklist import services as checklist
    from qms.drills.models import Drill
    from qms.evidence import services as evidence
    from qms.surveys import demo as surveys_demo
    from qms.surveys import services as surveys
    from tests.dossier.test_pdf import a_pdf

    app = create_app(make_config(migrated_database))
    app.test_client_class = QMSClient
    with app.app_context():
        demo.seed_demo()
        quality = UserFactory(role=Role.QUALITY, username="period-quality")
        UserFactory(role=Role.LEADER, username="period-leader-en", locale="en")
        UserFactory(role=Role.LEADER, username="period-leader-zh", locale="zh_Hant_TW")
        late = db.session.scalars(select(Drill).order_by(Drill.occurred_at.desc())).first()
        late.occurred_at = dt.datetime(2026, 12, 2, 10, 0, tzinfo=TAIPEI).astimezone(dt.timezone.utc)
        db.session.commit()
        survey = surveys.list_rounds()[0].survey
        unrelated = surveys.save_round(survey, None, {
            "label": UNRELATED_ROUND, "period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 11, 30),
            "handed_out": 80, "returned": 60, "max_blank_share": 0.5, "exclude_straight_lining": False}, quality)
        table = surveys_demo.demo_table(survey, rows=60, invalid_blank=0, invalid_range=0, seed=7)
        surveys.import_responses(unrelated, table, surveys.guess_mapping(survey, table[0]), "2026.csv", quality)
        db.session.add(Publication(title=OLD_PUBLICATION, year=2009))
        db.session.commit()
        dossier = db.session.scalars(select(Dossier)).one()
        item = checklist.assessments_of(dossier.award_cycle)[0].items[0]
        evidence.add_record(item, f"drill:{late.id}", None, quality)
        appended = evidence.add_file(late, a_pdf("二〇二六年演練紀錄"), "drill-2026.pdf", "115年演練紀錄", None,
                                     quality)
        services.update_dossier(dossier, {"sections": SECTIONS, "appended_evidence_ids": [appended.id]}, quality)
        english = app.test_client()
        english.post_form("/login", {"username": "period-leader-en", "password": TEST_PASSWORD})
        chinese = app.test_client()
        chinese.post_form("/login", {"username": "period-leader-zh", "password": TEST_PASSWORD})
        preview_en = english.get(f"/dossiers/{dossier.id}/preview").get_data(as_text=True)
        preview_zh = chinese.get(f"/dossiers/{dossier.id}/preview").get_data(as_text=True)
        version = services.request_version(dossier, None, "en")
        services.render_version(version.id)
        db.session.refresh(version)
        assert version.status.value == "done", version.error
        stored = {"options": dict(version.options), "warnings": list(version.warnings)}
        detail = english.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
        case = {"preview": preview_en, "preview_zh": preview_zh, "version": stored, "detail": detail,
                "drill": str(late), "html": storage.read("dossiers", services.html_name(version))}
        db.session.remove()
    yield case
    wipe_rows(app)


def test_sections_take_only_what_falls_in_the_period(period_case):
    html = period_case["preview"]
    drills = section_html(html, "drills")
    assert "Drills 1 ·" in drills  # the March 2015 drill; the one moved to December 2026 is left out
    assert "2015" in drills and "2026" not in drills
    surveys = section_html(html, "surveys")
    assert "103年1–8月" in surveys and UNRELATED_ROUND not in surveys
    publications = section_html(html, "publications")
    assert "姓名學迷失輔正之研究" in publications and OLD_PUBLICATION not in publications
    drill_title = period_case["drill"]
    assert drill_title not in section_html(html, "self_assessment")
    assert drill_title not in section_html(html, "evidence_index")
    assert "115年演練紀錄" not in html  # the appended file of the 2026 drill


def test_the_preview_states_the_period_and_what_each_section_left_out(period_case):
    html = period_case["preview"]
    period = html.split('id="dossier-period"', 1)[1].split("</p>", 1)[0]
    assert "1 January 2014" in period and "31 May 2015" in period
    notes = re.findall(r'<li class="left-out">(.*?)</li>', html)
    assert "Mystery-shopper drills: 1 drill dated outside the period left out." in notes
    assert "Satisfaction surveys: 1 survey round outside the period left out." in notes
    assert "Publications: 1 publication of a year outside the period left out." in notes
    assert any(note.startswith("Self-assessment by award framework: 1 piece of evidence linking to a record "
                               "outside the period") for note in notes), notes
    assert any("1 appended file of a record outside the period" in note for note in notes), notes


def test_the_version_keeps_what_it_left_out_and_its_detail_page_shows_it(period_case):
    options = period_case["version"]["options"]
    assert options["period"] == ["2014-01-01", "2015-05-31"]
    assert "Mystery-shopper drills: 1 drill dated outside the period left out." in options["left_out"]
    assert options["appended"] == []  # the 2026 drill's file is not appended, nor will the final version append it
    detail = period_case["detail"]
    left_out = detail.split('id="left-out"', 1)[1].split("</div>", 1)[0]
    assert "1 survey round outside the period" in left_out
    assert "1 January 2014" in detail.split('id="dossier-period"', 1)[1].split("</p>", 1)[0]


def test_the_cover_states_the_period(period_case):
    cover = section_html(period_case["preview"], "cover")
    assert "Reporting period: 1 January 2014 – 31 May 2015" in cover


def test_radar_charts_have_captions(period_case):
    html = period_case["preview"]
    figures = re.findall(r'<figure class="chart">(.*?)</figure>', html, re.S)
    radars = [figure for figure in figures if "radar chart" in figure]
    assert len(radars) >= 2  # the survey's and the self-assessment's
    for figure in radars:
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S)
        assert caption and caption.group(1).startswith("Figure: "), figure[-300:]
    surveys = section_html(html, "surveys")
    caption = re.search(r"<figcaption>(.*?)</figcaption>", surveys, re.S).group(1)
    assert "103年1–8月" in caption and UNRELATED_ROUND not in caption
    assert "0 % at the centre to 100 % at the edge" in caption


def test_benchmarking_table_headers(period_case):
    table = section_html(period_case["preview_zh"], "benchmarking")
    header = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    first = re.search(r'<th scope="col">(.*?)</th>', header).group(1)
    assert first == "機關"
    assert "機關概況" not in table  # the organization profile's name is not a column of this table
    assert "每人服務人口數" in header


# --- the period, unit by unit -----------------------------------------------------------------

def context_for(start: dt.date | None, end: dt.date | None, cycle_id: int = 1) -> GatherContext:
    cycle = SimpleNamespace(id=cycle_id, period_start=start, period_end=end)
    return GatherContext(dossier=None, cycle=cycle, organization=None, chinese=True)


def test_in_period_by_date_moment_year_and_span(app):
    context = context_for(dt.date(2014, 1, 1), dt.date(2015, 5, 31))
    assert context.in_period(dt.date(2014, 1, 1)) and context.in_period(dt.date(2015, 5, 31))
    assert not context.in_period(dt.date(2013, 12, 31)) and not context.in_period(dt.date(2015, 6, 1))
    # A moment is placed by its day in the office's zone: 17:30 UTC on 31 May is 1 June in Taipei.
    assert not context.in_period(dt.datetime(2015, 5, 31, 17, 30, tzinfo=dt.timezone.utc))
    assert context.in_period(dt.datetime(2013, 12, 31, 16, 30, tzinfo=dt.timezone.utc))
    assert context.in_period(2015) and context.in_period(2014) and not context.in_period(2016)
    assert context.in_period((dt.date(2015, 5, 1), dt.date(2015, 8, 31)))  # overlaps the period
    assert not context.in_period((dt.date(2015, 6, 1), dt.date(2015, 8, 31)))
    assert context.in_period((None, dt.date(2014, 3, 1))) and not context.in_period((dt.date(2026, 1, 1), None))
    assert context.in_period(None) and context.in_period((None, None))  # undated: kept
    first, after = context.moments
    assert first == dt.datetime(2013, 12, 31, 16, 0, tzinfo=dt.timezone.utc)
    assert after == dt.datetime(2015, 5, 31, 16, 0, tzinfo=dt.timezone.utc)


def test_a_cycle_without_a_period_takes_everything(app):
    context = context_for(None, None)
    assert context.period is None and context.moments is None
    assert context.in_period(dt.date(1999, 1, 1)) and context.in_period(2026)


def test_left_out_notes_add_up_per_section_and_kind(app):
    context = context_for(dt.date(2014, 1, 1), dt.date(2015, 5, 31))

    def describe(count):
        return f"{count} things"

    context.section_key = "drills"
    context.left_out(1, describe)
    context.left_out(2, describe)
    context.left_out(0, describe)
    context.left_out(1, describe, section_key="surveys")
    assert context.left_outs == {("drills", describe): 3, ("surveys", describe): 1}


def test_covers_places_records_by_cycle_or_by_date(app, db):
    from qms.spine import records

    class Dated:
        def __init__(self, when):
            self.when = when

    class PerCycle:
        def __init__(self, award_cycle_id):
            self.award_cycle_id = award_cycle_id

    records.register(records.RecordType("test_dated", Dated, "dated", when=lambda r: r.when))
    records.register(records.RecordType("test_per_cycle", PerCycle, "per cycle"))
    context = context_for(dt.date(2014, 1, 1), dt.date(2015, 5, 31), cycle_id=7)
    assert context.covers(Dated(dt.date(2015, 1, 1))) and not context.covers(Dated(dt.date(2026, 12, 2)))
    assert context.covers(Dated(None))
    assert context.covers(PerCycle(7)) and not context.covers(PerCycle(8))
    assert context.covers(object())  # not a registered record: nothing to judge it by


# --- the cover title --------------------------------------------------------------------------

def cover_title_lines(app, title: str) -> list[str]:
    """The lines WeasyPrint lays the cover title out on, as printed."""
    from flask import render_template
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from qms import pdf
    from qms.dossier.builtin import cover

    context = GatherContext(dossier=SimpleNamespace(title=title), cycle=SimpleNamespace(
        award_name="政府服務品質獎", year=2015, submission_deadline=None, period_start=None, period_end=None),
        organization=None, chinese=True)
    with app.test_request_context("/"):
        body = render_template("pdf/dossier/cover.html", v=cover(context), static_url=pdf.static_url)
    html = ('<html lang="zh-Hant-TW"><head><link rel="stylesheet" href="qms-static:css/dossier.css"></head>'
            f'<body><main><section class="dossier-section section-cover">{body}</section></main></body></html>')
    page = HTML(string=html, url_fetcher=pdf.url_fetcher(), base_url=None).render().pages[0]
    heading = next(box for box in page._page_box.descendants() if getattr(box, "element_tag", None) == "h1")
    return ["".join(text.text for text in line.descendants() if isinstance(text, boxes.TextBox))
            for line in heading.children if isinstance(line, boxes.LineBox)]


@pytest.mark.parametrize("title", ["政府服務品質獎參獎資料（第一線服務機關）",
                                   "政府服務品質獎第一線機關參獎申請書資料",
                                   "政府服務品質獎參獎資料"])
def test_the_cover_title_never_leaves_one_character_alone(app, title):
    lines = cover_title_lines(app, title)
    assert "".join(lines) == title
    letters = [ch for ch in lines[-1] if ch.isalnum()]
    assert len(letters) >= 2, lines


def test_title_parts_keep_a_bracketed_ending_or_the_last_characters_together():
    from qms.dossier.builtin import title_parts

    assert title_parts("政府服務品質獎參獎資料（第一線服務機關）") == ("政府服務品質獎參獎資料", "（第一線服務機關）")
    assert title_parts(" 參獎資料 ") == ("參", "獎資料")
    assert title_parts("資料") == ("", "資料")


def test_short_pdfs_are_tagged_too(app):
    import io

    from pypdf import PdfReader

    from qms import pdf

    root = PdfReader(io.BytesIO(pdf.render('<html lang="zh-Hant-TW"><head><title>演練報告</title></head>'
                                           '<body><h1>演練報告</h1><p>內容</p></body></html>'))).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True and "/StructTreeRoot" in root


def test_drill_figures_and_corrective_actions_keep_to_the_period(app, db):
    from qms.drills import demo as drills_demo
    from qms.drills import services as drills
    from qms.drills.models import Drill
    from qms.spine import clock

    quality, staff = UserFactory(role=Role.QUALITY), UserFactory(role=Role.STAFF)
    drills_demo.seed(quality, staff)
    march, april = db.session.scalars(select(Drill).order_by(Drill.occurred_at)).all()
    april.occurred_at = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.timezone.utc)
    db.session.commit()
    drills.create_action({"title": "三月演練改善"}, quality, drill=march)
    drills.create_action({"title": "一一五年演練改善"}, quality, drill=april)
    with clock.frozen(dt.datetime(2015, 3, 20, 12, 0)):
        drills.create_action({"title": "臨櫃動線調整"}, quality)  # raised without a drill, in the period
    between = context_for(dt.date(2014, 1, 1), dt.date(2015, 5, 31)).moments
    assert [a.title for a in drills.actions_between(*between)] == ["三月演練改善", "臨櫃動線調整"]
    assert drills.count_drills_outside(*between) == 1
    report = drills.report(dt.date(2015, 6, 1), TAIPEI, between=between)
    assert [(month, count) for month, _average, count in report.by_month] == [("2015-03", 1)]
    assert report.open_actions == 2
    everything = drills.report(dt.date(2015, 6, 1), TAIPEI)
    assert [month for month, _average, _count in everything.by_month] == ["2015-03", "2026-12"]
    assert everything.open_actions == 6  # with the three the weak April drill proposed when it was saved
