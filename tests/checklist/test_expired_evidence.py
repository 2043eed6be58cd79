"""Expired evidence stops counting toward readiness: on the checklist page, the item page, the dashboard figures
and the readiness other features read through the record type."""
import datetime as dt

from qms.checklist import services, slides
from qms.checklist.models import ItemStatus
from qms.evidence import services as evidence
from qms.spine import clock
from qms.spine.access import Role
from tests.factories import UserFactory

TODAY = dt.date(2027, 3, 10)
TOMORROW = TODAY + dt.timedelta(days=1)
DAY_AFTER = TODAY + dt.timedelta(days=2)


def _ready(item, score, actor):
    services.update_item(item, {"status": ItemStatus.READY, "score": score}, actor)


def test_evidence_expiring_tomorrow_counts_today_and_not_the_day_after(login_as, db, items, assessment):
    actor = UserFactory(role=Role.QUALITY)
    a1 = items["A.1"]  # 40 of the 100 points; A.2 (20) and B.1 (40) are not started, so count 0
    _ready(a1, 80, actor)
    with clock.frozen(TODAY):
        evidence.add_link(a1, "https://example.org/cert", "證書", TOMORROW, actor)
    for day, item_value, overall, ready_items in ((TODAY, 80.0, 32.0, 1), (TOMORROW, 80.0, 32.0, 1),
                                                  (DAY_AFTER, 50.0, 20.0, 0)):
        # by hand: min(80, cap) × 40 / 100; the cap drops to 50 % (in progress) once the only evidence expired
        with clock.frozen(day):
            quality = login_as(Role.QUALITY)  # a fresh session on each frozen day
            view = services.checklist_view(assessment, clock.today())
            row = next(r for r in view.rows if r.item.id == a1.id)
            assert row.readiness == item_value, day
            assert view.figures.overall.readiness == overall, day
            assert view.figures.overall.ready_items == ready_items, day
            assert services.readiness_of([assessment])[assessment.id].readiness == overall, day
            assert slides.readiness_of_items([a1.id]) == {a1.id: item_value}, day
            assert row.evidence_count == (0 if day == DAY_AFTER else 1) and row.lapsed == (day == DAY_AFTER)
            item_page = quality.get(f"/checklist/items/{a1.id}").get_data(as_text=True)
            checklist_page = quality.get(f"/checklist/assessments/{assessment.id}").get_data(as_text=True)
        expired = day == DAY_AFTER
        assert ('id="item-readiness">80' in item_page) != expired
        assert ('id="item-readiness">50' in item_page) == expired
        assert ("Expired</span>" in item_page or "已過期</span>" in item_page) == expired
        assert ("Evidence expired" in checklist_page or "佐證資料已過期" in checklist_page) == expired


def test_a_record_link_expired_in_the_past_does_not_count(db, items, assessment):
    actor = UserFactory(role=Role.QUALITY)
    b1, a2 = items["B.1"], items["A.2"]  # B.1 weighs 40 of 100 points
    _ready(b1, 100, actor)
    with clock.frozen(TODAY):
        evidence.add_record(b1, f"assessment_item:{a2.id}", TODAY - dt.timedelta(days=30), actor)
        view = services.checklist_view(assessment, clock.today())
        row = next(r for r in view.rows if r.item.id == b1.id)
        assert (row.readiness, row.evidence_count, row.expired, row.lapsed) == (50.0, 0, 1, True)
        assert view.figures.overall.readiness == 20.0  # 50 × 40 / 100
        assert row in view.without_evidence
        evidence.add_link(b1, "https://example.org/new", "新證書", None, actor)  # renewed: counts in full again
        view = services.checklist_view(assessment, clock.today())
        assert view.figures.overall.readiness == 40.0


def test_the_readiness_rule_says_expired_evidence_no_longer_counts(login_as, db, assessment):
    client = login_as(Role.QUALITY)
    body = client.get(f"/checklist/assessments/{assessment.id}").get_data(as_text=True)
    assert 'id="expired-evidence-rule"' in body
    assert "evidence past its expiry date no longer supports its item" in body or "已過期的佐證資料" in body
