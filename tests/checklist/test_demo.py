"""The demo gives the 2015 cycle the self-check list and the Government Service Award, in a realistic mix."""
from collections import Counter

from sqlalchemy import select

from qms import demo
from qms.checklist import services
from qms.checklist.models import Framework
from qms.core.services import current_cycle


def test_demo_cycle_has_both_self_assessments(app, db):
    demo.seed_demo()
    cycle = current_cycle()
    assessments = services.assessments_of(cycle)
    assert [a.framework.key for a in assessments] == ["luzhu-self-check", "gov-service-award"]
    statuses = Counter(item.status.value for a in assessments for item in a.items)
    assert set(statuses) == {"not_started", "in_progress", "in_review", "ready"}
    assert all(item.owner_id for a in assessments for item in a.items)
    figures = services.readiness_of(assessments)
    assert 0 < figures[assessments[0].id].readiness < 100
    # all four shipped frameworks are there to adopt
    assert {f.key for f in db.session.scalars(select(Framework))} == {
        "luzhu-self-check", "gov-service-award", "baldrige", "efqm-2020"}


def test_demo_checklist_page_shows_the_radar(login_as, db):
    from qms.spine.access import Role

    demo.seed_demo()
    gsa = services.assessments_of(current_cycle())[1]
    body = login_as(Role.LEADER).get(f"/checklist/assessments/{gsa.id}").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in body and "待補強清單" in body


def test_dimension_names_are_whole_beside_the_radar_and_titled_in_it(login_as, db):
    import base64
    import re

    from qms.spine.access import Role

    demo.seed_demo()
    self_check = services.assessments_of(current_cycle())[0]
    body = login_as(Role.LEADER).get(f"/checklist/assessments/{self_check.id}").get_data(as_text=True)
    assert "1 文件格式統一與環境整備" in body and "1 文件格式統一與環…" not in body  # the table says it whole
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body).group(1)).decode()
    assert "<title>1 文件格式統一與環境整備</title>" in svg  # the radar may wrap it, the full text stays
