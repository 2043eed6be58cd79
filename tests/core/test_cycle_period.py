"""An award cycle's reporting period: edited in the cycle form, refused when it ends before it starts or is half
given, shown in the list of cycles."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from qms.core import services
from qms.core.models import AwardCycle
from qms.core.services import ServiceError
from qms.spine.access import Role
from tests.factories import AwardCycleFactory

CYCLE = {"award_name": "政府服務品質獎", "year": 2015, "status": "preparing"}


def test_the_period_is_set_in_the_cycle_form_and_listed(login_as, db):
    admin = login_as(Role.ADMIN, locale="en")
    form = admin.get("/cycles/new").get_data(as_text=True)
    assert 'name="period_start"' in form and 'name="period_end"' in form
    response = admin.post_form("/cycles/new", {**CYCLE, "period_start": "2014-01-01", "period_end": "2015-05-31"})
    assert response.status_code == 302
    cycle = db.session.scalars(select(AwardCycle)).one()
    assert (cycle.period_start, cycle.period_end) == (dt.date(2014, 1, 1), dt.date(2015, 5, 31))
    listed = admin.get("/cycles").get_data(as_text=True)
    assert "1 January 2014" in listed and "31 May 2015" in listed
    admin.post_form(f"/cycles/{cycle.id}/edit", {**CYCLE, "period_start": "2014-02-01", "period_end": "2015-06-30"})
    db.session.expire_all()
    assert (cycle.period_start, cycle.period_end) == (dt.date(2014, 2, 1), dt.date(2015, 6, 30))


@pytest.mark.parametrize("period, field, message", [
    ({"period_start": "2015-06-01", "period_end": "2015-05-31"}, "period_end",
     "The reporting period must end on or after the day it starts."),
    ({"period_start": "2014-01-01", "period_end": ""}, "period_end",
     "Give both the first and the last day of the reporting period, or neither."),
    ({"period_start": "", "period_end": "2015-05-31"}, "period_start",
     "Give both the first and the last day of the reporting period, or neither."),
])
def test_a_bad_period_is_refused_beside_its_field_and_changes_nothing(login_as, db, period, field, message):
    admin = login_as(Role.ADMIN, locale="en")
    response = admin.post_form("/cycles/new", {**CYCLE, **period})
    body = response.get_data(as_text=True)
    assert message in body.split(f'id="{field}-error"', 1)[1][:200]
    assert db.session.scalar(select(func.count()).select_from(AwardCycle)) == 0

    cycle = AwardCycleFactory(period_start=dt.date(2014, 1, 1), period_end=dt.date(2015, 5, 31))
    response = admin.post_form(f"/cycles/{cycle.id}/edit", {**CYCLE, "year": str(cycle.year), **period})
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (cycle.period_start, cycle.period_end) == (dt.date(2014, 1, 1), dt.date(2015, 5, 31))


def test_a_one_day_period_and_no_period_are_allowed(db):
    cycle = services.create_cycle({**CYCLE, "period_start": dt.date(2015, 5, 31),
                                   "period_end": dt.date(2015, 5, 31)}, None)
    assert cycle.period_start == cycle.period_end
    services.update_cycle(cycle, {"period_start": None, "period_end": None}, None)
    assert cycle.period_start is None and cycle.period_end is None
    with pytest.raises(ServiceError):
        services.update_cycle(cycle, {"period_end": dt.date(2015, 5, 31)}, None)  # the start is still unset


def test_the_demo_cycle_reports_on_january_2014_to_may_2015():
    from qms.demo import AWARD_CYCLE

    assert (AWARD_CYCLE["period_start"], AWARD_CYCLE["period_end"]) == (dt.date(2014, 1, 1), dt.date(2015, 5, 31))
