"""save_record and delete_record: every write leaves one audit event with what changed, and commits."""
from sqlalchemy import func, select

from qms.core.models import AuditEvent, AwardCycle, CycleStatus, Organization
from qms.core.services import delete_record, save_record
from tests.factories import UserFactory


def events(db) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_a_new_record_is_stored_with_a_create_event_listing_the_given_fields(app, db):
    actor = UserFactory()
    organization = save_record(Organization(), {"name": "新竹市東區戶政事務所", "population": 210000, "motto": ""},
                               actor, fields=("name", "population", "motto"))
    db.session.rollback()  # nothing left uncommitted to lose
    assert db.session.get(Organization, organization.id).population == 210000
    [event] = events(db)
    assert (event.action, event.entity_type, event.entity_id, event.actor_id) == (
        "create", "organization", organization.id, actor.id)
    assert event.changes == {"name": [None, "新竹市東區戶政事務所"], "population": [None, 210000]}


def test_without_fields_the_create_event_lists_the_values_given(app, db):
    cycle = save_record(AwardCycle(), {"award_name": "政府服務獎", "year": 2026, "status": CycleStatus.PREPARING},
                        UserFactory())
    [event] = events(db)
    assert event.entity_id == cycle.id
    assert event.changes == {"award_name": [None, "政府服務獎"], "year": [None, 2026], "status": [None, "preparing"]}


def test_an_update_event_lists_only_what_changed(app, db):
    actor = UserFactory()
    organization = save_record(Organization(), {"name": "A", "population": 100}, actor)
    save_record(organization, {"name": "A", "population": 120}, actor)
    db.session.rollback()
    assert db.session.get(Organization, organization.id).population == 120
    update = events(db)[-1]
    assert update.action == "update" and update.changes == {"population": [100, 120]}


def test_an_update_that_changes_nothing_writes_no_event(app, db):
    actor = UserFactory()
    organization = save_record(Organization(), {"name": "A", "population": 100}, actor)
    assert save_record(organization, {"name": "A", "population": 100}, actor) is organization
    assert [event.action for event in events(db)] == ["create"]


def test_delete_record_removes_it_with_an_event_naming_it(app, db):
    actor = UserFactory()
    organization = save_record(Organization(), {"name": "A"}, actor)
    organization_id = organization.id
    delete_record(organization, actor)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0
    deleted = events(db)[-1]
    assert (deleted.action, deleted.entity_id, deleted.summary, deleted.actor_id) == (
        "delete", organization_id, "A", actor.id)
