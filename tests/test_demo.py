"""The demo data: the Luzhu office, idempotent, and careful with real data."""
from decimal import Decimal

from sqlalchemy import func, select

from qms import demo
from qms.auth.models import User
from qms.core.models import AuditEvent, AwardCycle, Organization
from qms.spine.access import Role
from tests.factories import UserFactory


def snapshot(db):
    rows = {}
    for model in (User, Organization, AwardCycle, AuditEvent):
        rows[model.__name__] = db.session.scalar(select(func.count()).select_from(model))
    return rows


def test_seed_loads_the_luzhu_office(runner, db):
    result = runner.invoke(args=["qms", "seed-demo"])
    assert result.exit_code == 0, result.output
    org = db.session.scalars(select(Organization)).one()
    assert (org.name, org.motto, org.population, org.households) == ("桃園市蘆竹區戶政事務所", "尊重·專業·效率",
                                                                     153283, 54593)
    assert org.area_km2 == Decimal("75.5025")
    cycle = db.session.scalars(select(AwardCycle)).one()
    assert cycle.year == 2015 and cycle.is_current
    roles = {user.username: user.role for user in db.session.scalars(select(User))}
    assert roles == {"admin": Role.ADMIN, "quality": Role.QUALITY, "staff": Role.STAFF, "leader": Role.LEADER}
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    assert admin.check_password("admin-demo-2015")


def test_seed_twice_changes_nothing(runner, db):
    runner.invoke(args=["qms", "seed-demo"])
    before = snapshot(db)
    result = runner.invoke(args=["qms", "seed-demo"])
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert snapshot(db) == before


def test_seed_refuses_a_database_with_other_data_unless_forced(runner, db):
    UserFactory(username="real.person")
    result = runner.invoke(args=["qms", "seed-demo"])
    assert result.exit_code != 0 and "real.person" in result.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0
    result = runner.invoke(args=["qms", "seed-demo", "--force"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1


def test_if_empty_skips_a_used_database(runner, db):
    UserFactory(username="real.person")
    result = runner.invoke(args=["qms", "seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_every_demo_write_left_an_audit_event(runner, db):
    runner.invoke(args=["qms", "seed-demo"])
    from collections import Counter

    from qms.archive import demo as archive_demo
    from qms.benchmarking import demo as benchmarking_demo
    from qms.briefing import demo as briefing_demo
    from qms.checklist import demo as checklist_demo
    from qms.drills import demo as drills_demo
    from qms.initiatives import demo as initiatives_demo

    events = db.session.scalars(select(AuditEvent)).all()
    counts = Counter((e.entity_type, e.action) for e in events)
    assert counts == {
        ("organization", "create"): 1, ("award_cycle", "create"): 1, ("user", "create"): len(demo.USERS),
        ("framework", "create"): 4, ("assessment", "create"): 2,
        ("assessment_item", "update"): len(checklist_demo.SELF_CHECK) + len(checklist_demo.GOV_SERVICE_AWARD),
        ("evidence", "create"): 3 + 3,  # checklist cross-links, then initiatives cited by checklist items
        ("spark_core", "create"): len(initiatives_demo.CORES),
        ("initiative", "create"): len(initiatives_demo.INITIATIVES),
        ("process_improvement", "create"): sum(len(rows) for rows in initiatives_demo.IMPROVEMENTS.values()),
        ("outcome_metric", "create"): 2 * len(initiatives_demo.LINE_METRICS),
        ("peer_organization", "create"): 1 + len(benchmarking_demo.PEERS),
        ("benchmark_metric", "create"): 3,
        ("metric_value", "create"): 2 * len(benchmarking_demo.TABLE_2014) + 2,
        ("benchmark_note", "create"): 1,
        ("scorecard", "create"): 3, ("scenario", "create"): len(drills_demo.SCENARIOS),
        ("drill_plan", "create"): 24, ("drill", "create"): 2,
        ("survey", "create"): 1, ("survey_round", "create"): 1,
        ("survey_round", "update"): 1,  # its responses imported
        ("corrective_action", "create"): 3,  # the weak drill missed A2, B2 and C1 (C2 at 3/5 is not missed)
        ("publication", "create"): len(archive_demo.PUBLICATIONS),
        ("publication", "update"): sum(1 for p in archive_demo.PUBLICATIONS if "file" in p),  # a file each
        ("organization", "update"): 1,  # the public catalogue opened
        ("dossier", "create"): 1,  # the 2015 application, ready to generate
        ("briefing_deck", "create"): 1, ("briefing_slide", "create"): len(briefing_demo.SLIDES),
        ("briefing_question", "create"): len(briefing_demo.QUESTIONS),
    }
    core = [e for e in events if e.entity_type in ("organization", "award_cycle", "user")]
    assert all(e.actor_id is None for e in core)
