"""Evidence that points elsewhere: web links, links to other QMS records, and records cited from their own page."""
from sqlalchemy import select

from qms.evidence.models import Evidence
from qms.spine.access import Role
from tests.factories import AwardCycleFactory, UserFactory


def test_link_and_record_evidence(login_as, db, items):
    quality = login_as(Role.QUALITY)
    item, other = items["A.1"], items["B.1"]
    base = f"/evidence/assessment_item/{item.id}"
    response = quality.post_form(f"{base}/link", {"url": "javascript:alert(1)", "title": "壞連結"}, token_from="/")
    assert response.status_code == 400 and 'id="url-error"' in response.get_data(as_text=True)
    response = quality.post_form(f"{base}/link", {"url": "https://www.ris.gov.tw/", "title": "戶政司"},
                                 token_from="/")
    assert response.headers["Location"] == f"/checklist/items/{item.id}#evidence"
    response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{other.id}"}, token_from="/")
    assert response.status_code == 302
    response = quality.post_form(f"{base}/record", {"record": "user:1"}, token_from="/")  # may not be evidence
    assert response.status_code == 400
    response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{item.id}"}, token_from="/")
    assert response.status_code == 400  # not its own evidence
    assert quality.get(f"/evidence/no_such_type/{item.id}/link").status_code == 404
    kinds = sorted(e.kind.value for e in db.session.scalars(select(Evidence)))
    assert kinds == ["link", "record"]
    body = quality.get(f"/checklist/items/{item.id}").get_data(as_text=True)
    assert f'href="/checklist/items/{other.id}"' in body and "戶政司" in body


def test_initiative_stands_as_evidence_for_a_checklist_item(login_as, db):
    from qms.checklist import services as checklist
    from qms.initiatives import services as initiatives
    from tests.checklist.sample_data import SMALL_FRAMEWORK

    cycle = AwardCycleFactory(is_current=True)
    quality_user = UserFactory(role=Role.QUALITY)
    framework, _created = checklist.import_framework(SMALL_FRAMEWORK, "small.yaml", None)
    assessment = checklist.adopt(cycle, framework, quality_user)
    item = assessment.items[0]
    initiative = initiatives.create_initiative(cycle, {"title_zh": "臨櫃流程簡化", "status": "running"}, quality_user)
    client = login_as(Role.QUALITY)
    response = client.post_form(f"/evidence/cite/initiative/{initiative.id}",
                                {"subject": f"assessment_item:{item.id}"}, token_from="/")
    assert response.status_code == 302
    assert f'href="/checklist/items/{item.id}"' in client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert f'href="/initiatives/{initiative.id}"' in client.get(f"/checklist/items/{item.id}").get_data(as_text=True)
