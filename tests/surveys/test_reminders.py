"""The surveys' reminder sources: follow-up cases to answer, rounds whose responses are still to import."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qms.extensions import db
from qms.spine import clock, reminders
from qms.spine.access import Role
from qms.surveys import services
from qms.surveys.models import FollowUpCase, Survey, SurveyRound, Vote
from tests.conftest import collect_reminders
from tests.factories import UserFactory

UTC = dt.timezone.utc
TODAY = dt.date(2026, 3, 10)
CASES, ROUNDS = "surveys.follow_up_open", "surveys.round"


def collect(key, user=None, today=TODAY):
    return collect_reminders(key, user, today)


@pytest.fixture
def kiosk(quality):
    return services.issue_kiosk_token("一樓櫃台", quality)[0]


def open_case(kiosk, day: dt.date, reason="等太久") -> FollowUpCase:
    with clock.frozen(day):
        vote = services.cast_vote(kiosk, False, reason)
    return db.session.query(FollowUpCase).filter_by(vote_id=vote.id).one()


def test_an_open_case_is_due_a_week_after_it_opened(kiosk, quality, staff):
    case = open_case(kiosk, TODAY - dt.timedelta(days=2))
    services.update_case(case, {"owner_id": staff.id}, quality)
    [due] = collect(CASES, staff)
    assert due.due == TODAY + dt.timedelta(days=5) and due.state(TODAY) == "week" and due.stage == "due"
    assert due.owner_id == staff.id and due.roles == frozenset() and "等太久" in due.title
    assert str(due.action) == "回覆民眾" and due.url.endswith(f"/cases/{case.id}")
    [late] = collect(CASES, staff, today=TODAY + dt.timedelta(days=6))
    assert late.state(TODAY + dt.timedelta(days=6)) == "overdue"
    assert collect(CASES, quality) == []  # owned by someone else: not the quality team's any more


def test_the_days_come_from_the_configuration(app, kiosk):
    app.config["QMS_FOLLOW_UP_DAYS"] = 3
    open_case(kiosk, TODAY)
    assert collect(CASES)[0].due == TODAY + dt.timedelta(days=3)


def test_a_case_nobody_owns_is_the_quality_teams(kiosk, quality, staff):
    open_case(kiosk, TODAY)
    [unassigned] = collect(CASES, quality)
    assert unassigned.owner_id is None and unassigned.roles == {Role.QUALITY} and unassigned.stage == "unassigned"
    assert collect(CASES, staff) == []


def test_a_closed_case_is_done(kiosk, quality):
    case = open_case(kiosk, TODAY - dt.timedelta(days=10))
    services.update_case(case, {"owner_id": quality.id}, quality)
    assert collect(CASES, quality)[0].state(TODAY) == "overdue"
    services.update_case(case, {"response_to_citizen": "已致電說明", "closed_on": TODAY}, quality)
    assert collect(CASES) == []


def test_a_reassigned_case_follows_its_owner(kiosk, quality, staff):
    other = UserFactory(role=Role.STAFF)
    case = open_case(kiosk, TODAY)
    services.update_case(case, {"owner_id": staff.id}, quality)
    services.update_case(case, {"owner_id": other.id}, quality)
    assert collect(CASES, staff) == [] and [o.owner_id for o in collect(CASES, other)] == [other.id]


def round_of(label, period_end, imported=False) -> SurveyRound:
    survey = db.session.query(Survey).first() or Survey(title_zh="臨櫃服務滿意度調查", title_en="Counter survey")
    survey_round = SurveyRound(survey=survey, label=label, period_start=dt.date(2026, 3, 1), period_end=period_end,
                               imported_at=dt.datetime(2026, 3, 1, tzinfo=UTC) if imported else None)
    db.session.add(survey_round)
    db.session.commit()
    return survey_round


def test_rounds_to_import(quality, staff):
    due = round_of("115 年第 1 期", TODAY + dt.timedelta(days=3))
    round_of("115 年第 2 期", None)  # no closing date: nothing to remind
    round_of("114 年", TODAY - dt.timedelta(days=30), imported=True)
    [found] = collect(ROUNDS, quality)
    assert found.record_id == due.id and found.state(TODAY) == "week" and found.roles == {Role.QUALITY}
    assert found.title == "臨櫃服務滿意度調查 115 年第 1 期"
    assert collect(ROUNDS, quality, today=TODAY + dt.timedelta(days=4))[0].state(TODAY + dt.timedelta(days=4)) \
        == "overdue"
    assert collect(ROUNDS, staff) == []
    assert reminders.get(ROUNDS).cycle_calendar
    due.imported_at = dt.datetime(2026, 3, 11, tzinfo=UTC)
    db.session.commit()
    assert collect(ROUNDS) == []


def test_a_users_lists_are_what_concerns_them(kiosk, quality, staff):
    services.update_case(open_case(kiosk, TODAY), {"owner_id": staff.id}, quality)
    open_case(kiosk, TODAY - dt.timedelta(days=1))
    round_of("115 年第 1 期", TODAY)
    for key in (CASES, ROUNDS):
        everything = collect(key)
        for user in (quality, staff, UserFactory(role=Role.LEADER)):
            assert collect(key, user) == [o for o in everything if o.concerns(user)], (key, user.role)


def test_fixed_number_of_queries(kiosk, quality, count_queries):
    owner_id, kiosk_id = UserFactory(role=Role.STAFF).id, kiosk.id  # plain ids survive expunge_all()
    people = [SimpleNamespace(id=owner_id, role=Role.STAFF), SimpleNamespace(id=quality.id, role=Role.QUALITY), None]

    def queries(count):
        for n in range(count):
            vote = Vote(kiosk_id=kiosk_id, satisfied=False, reason=f"原因 {n}",
                        cast_at=dt.datetime(2026, 3, 1, tzinfo=UTC))
            db.session.add(vote)
            db.session.flush()
            db.session.add_all([FollowUpCase(vote_id=vote.id, owner_id=owner_id if n % 2 else None)])
            round_of(f"期 {n}", TODAY)
        db.session.commit()
        db.session.expunge_all()
        counts = []
        for user in people:
            with count_queries.block() as statements:
                found = [o for key in (CASES, ROUNDS) for o in collect(key, user)]
            assert found
            counts.append(len(statements))
        return counts

    assert queries(5) == queries(45) == [1, 2, 2]  # 5, then 50 of each: one query a source


def test_the_owner_of_a_case_may_open_and_answer_it_and_no_other_staff(kiosk, quality, login_as):
    """My work sends a case's owner to the case page: staff who own a case open it there; other staff get 403."""
    owner_client, other_client = login_as(Role.STAFF), login_as(Role.STAFF)
    case = open_case(kiosk, TODAY)
    services.update_case(case, {"owner_id": owner_client.user.id}, quality)
    url = f"/surveys/cases/{case.id}"
    assert owner_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 403
    answer = owner_client.post_form(url, {"owner_id": str(owner_client.user.id),
                                          "response_to_citizen": "已致電說明並致歉", "improvement": "",
                                          "closed_on": TODAY.isoformat()})
    assert answer.status_code == 302
    db.session.refresh(case)
    assert case.response_to_citizen == "已致電說明並致歉" and case.closed_on == TODAY
    assert other_client.post_form(url, {"response_to_citizen": "x"}, token_from="/").status_code == 403
