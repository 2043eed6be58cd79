"""The core's reminder source: the current award cycle's submission deadline."""
import datetime as dt

import pytest

from qms.core.models import CycleStatus
from qms.extensions import db
from qms.spine.access import Role
from tests.conftest import collect_reminders
from tests.factories import AwardCycleFactory, UserFactory

pytestmark = pytest.mark.usefixtures("in_english")  # actions compared with their English wording

TODAY = dt.date(2026, 3, 10)
KEY = "core.dossier_deadline"


def collect(user=None, today=TODAY):
    return collect_reminders(KEY, user, today)


def test_the_deadline_concerns_the_quality_team_and_leadership(app):
    AwardCycleFactory(is_current=False, submission_deadline=TODAY + dt.timedelta(days=2))  # not the current one
    cycle = AwardCycleFactory(is_current=True, submission_deadline=TODAY + dt.timedelta(days=20))
    quality, leader = UserFactory(role=Role.QUALITY), UserFactory(role=Role.LEADER)
    [deadline] = collect(quality)
    assert deadline.record_type == "award_cycle" and deadline.record_id == cycle.id
    assert deadline.due == cycle.submission_deadline and deadline.state(TODAY) == "later"
    assert deadline.title == str(cycle) and str(deadline.action) == "Submit the application dossier"
    assert deadline.url == "/cycles" and deadline.roles == {Role.QUALITY, Role.LEADER}
    assert collect(leader) == [deadline] and collect() == [deadline]
    assert collect(UserFactory(role=Role.STAFF)) == []
    assert collect(today=cycle.submission_deadline - dt.timedelta(days=3))[0].state(
        cycle.submission_deadline - dt.timedelta(days=3)) == "week"


def test_a_missed_deadline_stays_overdue_for_thirty_days(app):
    cycle = AwardCycleFactory(is_current=True, submission_deadline=TODAY - dt.timedelta(days=30))
    assert collect()[0].state(TODAY) == "overdue"
    assert collect(today=TODAY + dt.timedelta(days=1)) == []
    cycle.submission_deadline = None
    db.session.commit()
    assert collect() == []


def test_a_submitted_cycle_is_done(app):
    cycle = AwardCycleFactory(is_current=True, submission_deadline=TODAY)
    assert len(collect()) == 1
    cycle.status = CycleStatus.SUBMITTED
    db.session.commit()
    assert collect() == []


def test_one_query(app, count_queries):
    for n in range(5):
        AwardCycleFactory(is_current=n == 4, submission_deadline=TODAY)
    with count_queries.block() as statements:
        assert len(collect()) == 1
    assert len(statements) == 1
