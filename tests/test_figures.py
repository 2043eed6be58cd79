"""Figures are rounded half away from zero, the same way on every page, export and PDF (qms.i18n.number/percent)."""
import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from qms import demo
from qms.i18n import number, percent, rounded
from qms.spine import clock
from qms.spine.access import Role


@pytest.mark.parametrize(("value", "places", "shown"), [
    (62.5, 0, "63"), (61.5, 0, "62"), (35.5, 0, "36"), (-0.5, 0, "-1"), (-5.5, 0, "-6"),
    (-0.4, 0, "0"), (0.145, 2, "0.15"), (Decimal("2.675"), 2, "2.68"), (62.25, 1, "62.3"),
    (1234567.5, 0, "1,234,568"), (None, 0, "—"), (float("nan"), 1, "—"), (float("inf"), 0, "—"),
])
def test_numbers_round_half_away_from_zero(value, places, shown):
    assert number(value, places) == shown


def test_percentages_round_the_same_way():
    assert (percent(62.5), percent(61.5), percent(-0.5), percent(None)) == ("63 %", "62 %", "-1 %", "—")
    assert percent(35.55, 1) == "35.6 %"
    assert rounded(-0.4) == 0 and str(rounded(-0.4)) == "0"  # never "-0"


def test_the_dashboard_shows_five_of_eight_satisfied_as_63_percent(login_as, db):
    from qms.surveys import services

    kiosk, _token = services.issue_kiosk_token("第 1 櫃台", None)
    with clock.frozen(dt.datetime(2026, 10, 28, 10, 0)):
        for n in range(8):  # 5 satisfied of 8: 62.5 %, which half-to-even showed as 62 %
            services.cast_vote(kiosk, n < 5, now=clock.utcnow() - dt.timedelta(minutes=2 * n))
        body = login_as(Role.QUALITY).get("/").get_data(as_text=True)
    assert "63 % (5/8)" in body and "62 % (5/8)" not in body


def test_a_peer_median_of_35_5_shows_its_half_and_the_gap_to_it(login_as):
    demo.seed_demo()
    body = login_as(Role.LEADER, locale="en").get("/benchmarking/?year=2014").get_data(as_text=True)
    table = BeautifulSoup(body, "html.parser").find("table")
    headers = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    staff = next(i for i, text in enumerate(headers) if text.startswith("Staff")) - 1  # the row header takes a th

    def row(label):
        cells = next(tr for tr in table.find("tfoot").find_all("tr") if tr.th.get_text(strip=True) == label)
        return cells.find_all("td")[staff].get_text(strip=True)

    # The peers' staff are 33, 35, 36 and 53: the median is 35.5; the office's 30 is 5.5 ahead of it.
    assert row("Peer median") == "35.5"
    assert row("This office: gap to peer median") == "-5.5"
    assert row("Best") == "30"
