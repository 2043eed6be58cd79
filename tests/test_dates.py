"""One date style: ROC dates in Chinese (the AD date at hand in <time>), day month year in English, always a year."""
import datetime as dt
import re

import pytest
from flask_babel import force_locale

from qms import demo
from qms.i18n import date_html, date_text, datetime_text, month_text
from qms.spine import clock
from qms.spine.access import Role
from tests.language import visible_text

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
YEARLESS_DAY = re.compile(r"(?<![\d-])\d{2}-\d{2}(?![\d-])")


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def test_one_date_style_per_language(request_context):
    day = dt.date(2026, 12, 2)
    moment = dt.datetime(2026, 12, 2, 6, 5, tzinfo=dt.timezone.utc)  # 14:05 in Taipei
    with force_locale("zh_Hant_TW"):
        assert date_text(day) == "民國115年12月2日"
        assert date_html(day) == '<time datetime="2026-12-02" title="2026-12-02">民國115年12月2日</time>'
        assert datetime_text(moment) == "民國115年12月2日 14:05"
        assert month_text(2026, 12) == "民國115年12月"
    with force_locale("en"):
        assert date_text(day) == "2 December 2026"
        assert date_html(day) == '<time datetime="2026-12-02">2 December 2026</time>'
        assert datetime_text(moment) == "2 December 2026, 14:05"
        assert month_text(2026, 12) == "December 2026"
        assert date_text(dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone.utc)) == "2 December 2026"  # Taipei day
        assert date_text(None) == "" and date_html(None) == ""


def test_the_dashboard_names_each_week_with_its_year(login_as):
    from qms.surveys import services

    kiosk, _token = services.issue_kiosk_token("第 1 櫃台", None)
    with clock.frozen(dt.datetime(2026, 10, 28, 10, 0)):
        services.cast_vote(kiosk, True)
        body = login_as(Role.QUALITY).get("/").get_data(as_text=True)
        english = login_as(Role.QUALITY, locale="en").get("/").get_data(as_text=True)
    assert "民國115年10月26日" in body  # the Monday of the vote's week, not "10-26"
    assert "26 October 2026" in english
    text = visible_text(body, spoken=False)  # the AD date is meant to be in the <time>'s title
    assert not YEARLESS_DAY.search(text), YEARLESS_DAY.findall(text)


def test_a_drill_shows_one_date_style_and_no_iso_dates(login_as):
    from qms.drills import services

    demo.seed_demo()
    drill = next(d for d in services.list_drills() if d.redrill_on)
    chinese = login_as(Role.QUALITY).get(f"/drills/{drill.id}").get_data(as_text=True)
    english = login_as(Role.QUALITY, locale="en").get(f"/drills/{drill.id}").get_data(as_text=True)
    local = drill.occurred_at.astimezone(clock.zone())
    assert f"民國{local.year - 1911}年{local.month}月{local.day}日 {local:%H:%M}" in chinese
    assert f'<time datetime="{drill.redrill_on.isoformat()}"' in chinese
    assert f"{local.day} {local:%B %Y}, {local:%H:%M}" in english
    for body in (chinese, english):
        text = visible_text(body, spoken=False)  # the AD date is meant to be in the <time>'s title
        assert not ISO_DAY.search(text) and not YEARLESS_DAY.search(text), ISO_DAY.findall(text)


def test_a_drill_pdf_dates_as_the_page_does(login_as):
    from qms.drills import services

    demo.seed_demo()
    drill = next(d for d in services.list_drills() if d.redrill_on)
    response = login_as(Role.QUALITY).get(f"/drills/{drill.id}.pdf")
    assert response.status_code == 200
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "民國" in text and not ISO_DAY.search(text), ISO_DAY.findall(text)
