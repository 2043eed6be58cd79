"""The initiatives' dossier section and the demo's foreword show both figures: citizen hours and turnaround days."""
from sqlalchemy import select

from qms.dossier.models import Dossier
from qms.initiatives import services
from qms.spine.access import Role


def test_demo_dossier_shows_hours_and_case_days_with_formulas_and_the_foreword_agrees(login_as, db):
    from qms import demo

    demo.seed_demo()
    dossier = db.session.scalars(select(Dossier)).one()
    _count, total = services.cycle_totals(dossier.award_cycle_id)
    # by hand: 663,000 citizen minutes ÷ 60 = 11,050 h over 7 improvements; 6 × 820 + 90 × 60 = 10,320 case-days
    assert (total.improvements, total.hours_saved, total.case_days_saved) == (9, 11050, 10320)

    # the foreword quotes the presentation's claims as its own, beside QMS's figures from the data
    foreword = dossier.foreword
    assert "參獎簡報所載" in foreword and "19 項" in foreword and "122,658 小時" in foreword
    assert "登錄其中 9 項" in foreword and "11,050 小時" in foreword and "10,320 件日" in foreword
    assert "約 12 萬小時" not in foreword and "93,610" not in foreword

    body = login_as(Role.LEADER, locale="en").get(f"/dossiers/{dossier.id}/preview").get_data(as_text=True)
    section = body[body.index("SPARK initiatives</h1>"):]
    assert "Citizen hours saved per year 11,050" in " ".join(section.split())
    assert "Turnaround saved per year (case-days) 10,320" in " ".join(section.split())
    assert "(6 − 0) days × 820 cases = 4,920 case-days" in section
    assert "(90 − 0) days × 60 cases = 5,400 case-days" in section
    assert "(50 − 5) min × 300 cases = 225 h" in section
    assert "6 days → on the spot" in section and "90 days → on the spot" in section
    assert section.count('src="data:image/svg+xml;base64,') >= 2  # the hours chart and the case-days chart
    assert "8 working hours" not in section
