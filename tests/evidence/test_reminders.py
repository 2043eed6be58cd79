"""The evidence reminder source: evidence expiring within 30 days or expired, for whoever answers for its record."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qms.checklist import services as checklist
from qms.drills import services as drills
from qms.evidence import services
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.spine import records
from qms.spine.access import Role
from tests.conftest import collect_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")  # actions compared with their English wording

TODAY = dt.date(2026, 3, 10)
KEY = "evidence.expiring"


def collect(user=None, today=TODAY):
    return collect_reminders(KEY, user, today)


def link(subject, expires_on, actor, title="ISO 9001 證書"):
    return services.add_link(subject, "https://example.org/iso", title, expires_on, actor)


def own(item, owner, actor):
    checklist.update_item(item, {"owner_id": owner.id if owner else None}, actor)


def test_expiring_evidence_goes_to_the_records_owner(app, items, quality, staff):
    own(items["A.1"], staff, quality)
    soon = link(items["A.1"], TODAY + dt.timedelta(days=5), quality)
    later = link(items["A.1"], TODAY + dt.timedelta(days=30), quality, title="員工訓練紀錄")
    link(items["A.1"], TODAY + dt.timedelta(days=31), quality, title="場地合約")  # beyond 30 days
    link(items["A.1"], None, quality, title="服務流程圖")  # never expires
    found = {o.record_id: o for o in collect(staff)}
    assert {k: o.state(TODAY) for k, o in found.items()} == {soon.id: "week", later.id: "later"}
    obligation = found[soon.id]
    assert obligation.record_type == "evidence" and obligation.stage == "expiring" and obligation.owner_id == staff.id
    assert obligation.due == soon.expires_on and str(obligation.action) == "Renew the evidence"
    item_title = records.get("assessment_item").title(items["A.1"])
    assert obligation.title == f"ISO 9001 證書 · {item_title}"
    with app.test_request_context("/"):
        assert obligation.url == records.get("assessment_item").url_for(items["A.1"].id)
    assert collect(quality) == []  # who added it does not answer for it: the item's owner does


def test_expired_evidence_stays_overdue_until_renewed_or_removed(items, quality, staff):
    own(items["A.2"], staff, quality)
    old = link(items["A.2"], TODAY - dt.timedelta(days=40), quality)
    [expired] = collect(staff)
    assert expired.record_id == old.id and expired.state(TODAY) == "overdue"
    link(items["A.2"], TODAY - dt.timedelta(days=50), quality)  # an even older copy renews nothing
    link(items["A.2"], TODAY + dt.timedelta(days=365), quality, title="其他證書")  # other evidence: not a renewal
    assert old.id in {o.record_id for o in collect(staff)}
    renewal = link(items["A.2"], TODAY + dt.timedelta(days=365), quality)
    assert old.id not in {o.record_id for o in collect(staff)}
    services.delete(renewal, quality)
    assert old.id in {o.record_id for o in collect(staff)}
    services.delete(old, quality)
    assert old.id not in {o.record_id for o in collect(staff)}


def test_a_new_owner_gets_the_reminder(items, quality, staff):
    other = UserFactory(role=Role.STAFF)
    own(items["B.1"], staff, quality)
    link(items["B.1"], TODAY, quality)
    assert len(collect(staff)) == 1
    own(items["B.1"], other, quality)
    assert collect(staff) == [] and [o.owner_id for o in collect(other)] == [other.id]


def test_without_an_owner_whoever_added_it_then_the_quality_team(items, quality, staff):
    evidence = link(items["A.1"], TODAY, staff)  # the item has no owner
    assert [o.owner_id for o in collect(staff)] == [staff.id]
    evidence.added_by_id = None
    db.session.commit()
    [nobodys] = collect(quality)
    assert nobodys.owner_id is None and nobodys.roles == {Role.QUALITY}
    assert collect(staff) == []


def test_a_type_without_an_owner_hook_and_a_record_gone(app, quality, staff):
    from qms.surveys.models import Survey, SurveyRound

    survey_round = SurveyRound(survey=Survey(title_zh="滿意度調查"), label="115 年")
    db.session.add(survey_round)
    db.session.commit()
    link(survey_round, TODAY, staff)
    db.session.add(Evidence(subject_type="assessment_item", subject_id=987654, kind=EvidenceKind.LINK,
                            title="孤兒", url="https://example.org", expires_on=TODAY))
    db.session.add(Evidence(subject_type="no_such_type", subject_id=1, kind=EvidenceKind.LINK,
                            title="未知", url="https://example.org", expires_on=TODAY))
    db.session.commit()
    [found] = collect()
    assert found.owner_id == staff.id and "滿意度調查 115 年" in found.title


def test_owner_hooks_of_the_record_types(app, items, quality, staff):
    own(items["A.1"], staff, quality)
    action = drills.create_action({"title": "改善", "owner_id": staff.id}, quality)
    assert records.get("assessment_item").owner([items["A.1"].id]) == {items["A.1"].id: staff.id}
    assert records.get("corrective_action").owner([action.id, 99999]) == {action.id: staff.id}
    for name in ("initiative", "follow_up_case", "briefing_task"):
        assert records.get(name).owner([]) == {} and records.get(name).owner([99999]) == {}


def test_a_users_list_is_what_concerns_them(items, quality, staff):
    own(items["A.1"], staff, quality)
    link(items["A.1"], TODAY, quality)
    link(items["A.2"], TODAY, quality)
    evidence = link(items["B.1"], TODAY, quality)
    evidence.added_by_id = None
    db.session.commit()
    everything = collect()
    assert len(everything) == 3
    for user in (quality, staff, UserFactory(role=Role.LEADER)):
        assert collect(user) == [o for o in everything if o.concerns(user)]


def test_fixed_number_of_queries(items, quality, count_queries):
    owner_id, quality_id = UserFactory(role=Role.STAFF).id, quality.id  # plain ids survive expunge_all()
    people = [SimpleNamespace(id=owner_id, role=Role.STAFF), SimpleNamespace(id=quality_id, role=Role.QUALITY), None]
    own(items["A.1"], SimpleNamespace(id=owner_id), quality)
    item_ids = [item.id for item in items.values()]
    action_ids = [drills.create_action({"title": f"改善 {n}", "owner_id": owner_id}, quality).id for n in range(50)]

    def queries(count):
        for n in range(count):
            db.session.add_all([
                Evidence(subject_type="assessment_item", subject_id=item_ids[n % 3], kind=EvidenceKind.LINK,
                         title=f"佐證 {n}", url="https://example.org", expires_on=TODAY, added_by_id=quality_id),
                Evidence(subject_type="corrective_action", subject_id=action_ids[n], kind=EvidenceKind.LINK,
                         title=f"照片 {n}", url="https://example.org", expires_on=TODAY)])
        db.session.commit()
        db.session.expunge_all()
        counts = []
        for user in people:
            with count_queries.block() as statements:
                assert collect(user)
            counts.append(len(statements))
        return counts

    # One for the evidence, then per record type one to load the records and one for their owners, and the
    # items' titles read their assessment (one query an assessment, whatever the number of items).
    assert queries(5) == queries(45) == [6, 6, 6]
