"""Service writes: each leaves exactly one audit event in its transaction; rules hold."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from qms.core import services
from qms.core.models import AuditEvent, AwardCycle, CycleStatus
from qms.core.services import ServiceError
from tests.factories import AwardCycleFactory, UserFactory


def event_count(db):
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_create_cycle_writes_one_event_with_its_values(app, db):
    actor = UserFactory()
    cycle = services.create_cycle({"award_name": "政府服務獎", "year": 2026, "status": "preparing",
                                   "submission_deadline": dt.date(2026, 12, 31)}, actor)
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.entity_type, event.entity_id, event.actor_id) == ("create", "award_cycle",
                                                                                    cycle.id, actor.id)
    assert event.changes["year"] == [None, 2026]
    assert event.changes["submission_deadline"] == [None, "2026-12-31"]
    assert cycle.is_current  # the first cycle becomes current by itself


def test_update_without_change_writes_nothing(app, db):
    actor = UserFactory()
    cycle = services.create_cycle({"award_name": "A", "year": 2026, "status": "preparing"}, actor)
    services.update_cycle(cycle, {"award_name": "A", "year": 2026, "status": "preparing", "notes": ""}, actor)
    assert event_count(db) == 1
    services.update_cycle(cycle, {"status": "submitted"}, actor)
    assert event_count(db) == 2
    assert db.session.get(AwardCycle, cycle.id).status == CycleStatus.SUBMITTED


def test_only_one_cycle_is_current(app, db):
    actor = UserFactory()
    first = services.create_cycle({"award_name": "A", "year": 2025, "status": "preparing"}, actor)
    second = services.create_cycle({"award_name": "A", "year": 2026, "status": "preparing"}, actor)
    assert first.is_current and not second.is_current
    services.set_current_cycle(second, actor)
    assert db.session.scalar(select(func.count()).select_from(AwardCycle).where(AwardCycle.is_current)) == 1
    assert services.current_cycle() == second


def test_duplicate_cycle_refused(app, db):
    actor = UserFactory()
    services.create_cycle({"award_name": "A", "year": 2026, "status": "preparing"}, actor)
    with pytest.raises(ServiceError) as error:
        services.create_cycle({"award_name": "A", "year": 2026, "status": "preparing"}, actor)
    assert error.value.field == "year"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AwardCycle)) == 1


def test_current_cycle_cannot_be_deleted_but_others_can(app, db):
    actor = UserFactory()
    current = services.create_cycle({"award_name": "A", "year": 2025, "status": "preparing"}, actor)
    old = AwardCycleFactory(award_name="A", year=2020)
    with pytest.raises(ServiceError):
        services.delete_cycle(current, actor)
    services.delete_cycle(old, actor)
    deleted = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert deleted.entity_title == "A 2020" and deleted.changes["year"] == [2020, None]


def test_a_failed_write_leaves_no_audit_event(app, db, monkeypatch):
    actor = UserFactory()
    org = services.save_organization({"name": "X", "population": 10}, actor)
    before = event_count(db)

    def boom():
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", boom)
    with pytest.raises(RuntimeError):
        services.save_organization({"name": "Y"}, actor)
    monkeypatch.undo()
    db.session.rollback()
    assert event_count(db) == before
    assert db.session.get(type(org), org.id).name == "X"


def test_audit_description_uses_labels_in_the_readers_language(app, db):
    from flask_babel import force_locale

    from qms.core.audit import describe

    actor = UserFactory()
    cycle = services.create_cycle({"award_name": "A", "year": 2026, "status": "preparing"}, actor)
    services.update_cycle(cycle, {"status": "site_visit"}, actor)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    with app.test_request_context(), force_locale("zh_Hant_TW"):
        assert describe(event) == "狀態: 準備中 → 實地評審"
    with app.test_request_context(), force_locale("en"):
        assert describe(event) == "Status: Preparing → Site visit"
