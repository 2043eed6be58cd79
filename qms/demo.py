"""The demo data set: the Luzhu household-registration office as its 2015 award presentation shows it.

Facts from ../shared/seed/DIGEST.md. The staff figure is the 2014 establishment (30) used in the
presentation's benchmarking table; the award cycle's deadline is not in the source and is illustrative.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from qms.archive import demo as archive_demo
from qms.auth import services as accounts
from qms.auth.models import User
from qms.benchmarking import demo as benchmarking_demo
from qms.briefing import demo as briefing_demo
from qms.checklist import demo as checklist_demo
from qms.checklist import services as checklist_services
from qms.core import services as core
from qms.core.models import AwardCycle, Organization
from qms.dossier import demo as dossier_demo
from qms.drills import demo as drills_demo
from qms.evidence import services as evidence
from qms.extensions import db
from qms.initiatives import demo as initiatives_demo
from qms.initiatives import services as initiatives_services
from qms.spine.access import Role
from qms.surveys import demo as surveys_demo

ORGANIZATION = {
    "name": "桃園市蘆竹區戶政事務所",
    "name_en": "Luzhu District Household Registration Office, Taoyuan City",
    "motto": "尊重·專業·效率",
    "area_km2": Decimal("75.5025"),
    "population": 153283,
    "households": 54593,
    "staff_count": 30,
    "as_of": dt.date(2015, 5, 31),
}

AWARD_CYCLE = {
    "award_name": "政府服務品質獎",
    "year": 2015,
    "submission_deadline": dt.date(2015, 7, 31),
    "period_start": dt.date(2014, 1, 1),  # the source's figures run from January 2014 to the end of May 2015
    "period_end": dt.date(2015, 5, 31),
    "briefing_minutes": 20,  # the site visit's briefing slot (illustrative: the source gives no time)
    "status": "preparing",
    "notes": "第七屆政府服務品質獎：第一線服務機關。",
}

# (username, display name, role, password): demo accounts only, printed by `make run`.
USERS = [
    ("admin", "系統管理者", Role.ADMIN, "admin-demo-2015"),
    ("quality", "品管小組 林組長", Role.QUALITY, "quality-demo-2015"),
    ("staff", "戶籍員 陳小姐", Role.STAFF, "staff-demo-2015"),
    ("leader", "主任 王主任", Role.LEADER, "leader-demo-2015"),
]


class NonDemoData(Exception):
    """The database holds records that the demo set did not make."""


def non_demo_records() -> list[str]:
    """What in the database is not demo data (empty when the database is empty or holds only demo data)."""
    found = []
    demo_usernames = {username for username, *_ in USERS}
    others = db.session.scalars(select(User.username).where(User.username.not_in(demo_usernames))).all()
    if others:
        found.append(f"users: {', '.join(sorted(others))}")
    orgs = db.session.scalars(select(Organization.name).where(Organization.name != ORGANIZATION["name"])).all()
    if orgs:
        found.append(f"organizations: {', '.join(orgs)}")
    cycles = db.session.scalar(select(func.count()).select_from(AwardCycle).where(
        (AwardCycle.award_name != AWARD_CYCLE["award_name"]) | (AwardCycle.year != AWARD_CYCLE["year"])))
    if cycles:
        found.append(f"award cycles: {cycles}")
    return found


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User)) and core.get_organization() is None


def seed_demo(force: bool = False) -> list[str]:
    """Load the demo set through the services; return what was created. Running it again changes nothing."""
    problems = non_demo_records()
    if problems and not force:
        raise NonDemoData("; ".join(problems))
    created: list[str] = []
    if core.get_organization() is None:
        core.save_organization(ORGANIZATION, actor=None)
        created.append(f"organization {ORGANIZATION['name']}")
    exists = db.session.scalar(select(func.count()).select_from(AwardCycle).where(
        AwardCycle.award_name == AWARD_CYCLE["award_name"], AwardCycle.year == AWARD_CYCLE["year"]))
    if not exists:
        cycle = core.create_cycle(AWARD_CYCLE, actor=None, make_current=core.current_cycle() is None)
        created.append(f"award cycle {cycle}")
    for username, display_name, role, password in USERS:
        if accounts.get_by_username(username) is None:
            accounts.create_user({"username": username, "display_name": display_name, "role": role,
                                  "email": f"{username}@luzhu-demo.example.org"}, password, actor=None)
            created.append(f"user {username} ({role.value})")
    cycle = db.session.scalars(select(AwardCycle).where(AwardCycle.award_name == AWARD_CYCLE["award_name"],
                                                        AwardCycle.year == AWARD_CYCLE["year"])).one()
    users = {username: accounts.get_by_username(username) for username, *_rest in USERS}
    created += checklist_demo.seed(cycle, users)
    if surveys_demo.seed(users["quality"]):
        created.append("satisfaction survey round")
    if drills_demo.seed(users["quality"], users["staff"]):
        created.append("mystery-shopper drills")
    if benchmarking_demo.seed(users["quality"]):
        created.append("benchmarking register")
    initiatives = initiatives_demo.seed(cycle, users["quality"])
    if initiatives:
        created.append(f"{len(initiatives)} SPARK initiatives")
        _link_demo_evidence(cycle, initiatives, users["quality"])
    publications = archive_demo.seed(users["quality"])
    if publications:
        created.append(f"{publications} publications")
    _count, improvements = initiatives_services.cycle_totals(cycle.id)  # the foreword states QMS's own totals
    if dossier_demo.seed(cycle, users["leader"], improvements.improvements, improvements.hours_saved,
                         improvements.case_days_saved):
        created.append("application dossier")
    created += briefing_demo.seed(cycle, users)
    return created


def _link_demo_evidence(cycle, initiatives, actor) -> None:
    """The demo's initiatives stand as evidence for the checklist items they support."""
    gsa = next((a for a in checklist_services.assessments_of(cycle) if a.framework.key == "gov-service-award"), None)
    if gsa is None:
        return
    items = {item.node.code: item for item in gsa.items}
    evidence.add_record(items["4.1"], f"initiative:{initiatives['naturalization'].id}", None, actor)
    evidence.add_record(items["1.1"], f"initiative:{initiatives['counter'].id}", None, actor)
    evidence.add_record(items["2.1"], f"initiative:{initiatives['online'].id}", None, actor)
