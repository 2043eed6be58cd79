"""Evidence that expires: any kind may carry an expiry date, checked on entry, and is shown as expired once past."""
import datetime as dt

from sqlalchemy import func, select

from qms.checklist.models import ItemStatus
from qms.evidence import services as evidence
from qms.evidence.models import Evidence, EvidenceKind
from qms.spine import clock
from qms.spine.access import Role
from tests.factories import UserFactory

TODAY = dt.date(2027, 3, 10)


def test_every_kind_of_evidence_may_carry_an_expiry_date(login_as, db, items):
    item, other = items["A.1"], items["B.1"]
    base = f"/evidence/assessment_item/{item.id}"
    with clock.frozen(TODAY):
        quality = login_as(Role.QUALITY)  # signed in on the frozen day, so the session is fresh then
        response = quality.post_form(f"{base}/link", {"url": "https://www.ris.gov.tw/", "title": "證書",
                                                      "expires_on": "2027-06-30"}, token_from="/")
        assert response.status_code == 302
        response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{other.id}",
                                                        "expires_on": "2027-03-09"}, token_from="/")
        assert response.status_code == 302
        found = {e.kind: e.expires_on for e in db.session.scalars(select(Evidence))}
        assert found == {EvidenceKind.LINK: dt.date(2027, 6, 30), EvidenceKind.RECORD: dt.date(2027, 3, 9)}
        body = quality.get(f"/checklist/items/{item.id}").get_data(as_text=True)
    assert body.count("text-bg-danger\">Expired<") + body.count("已過期") >= 1


def test_an_impossible_or_absurd_expiry_date_is_refused_beside_the_field(login_as, db, items):
    base = f"/evidence/assessment_item/{items['A.1'].id}"
    with clock.frozen(TODAY):
        quality = login_as(Role.QUALITY)
        for bad in ("2027-02-30", "0207-05-01", "2207-05-01"):
            response = quality.post_form(f"{base}/link", {"url": "https://example.org/", "title": "x",
                                                          "expires_on": bad}, token_from="/")
            assert response.status_code == 400, bad
            assert 'id="expires_on-error"' in response.get_data(as_text=True), bad
        response = quality.post_form(f"{base}/record", {"record": f"assessment_item:{items['B.1'].id}",
                                                        "expires_on": "1899-12-31"}, token_from="/")
        assert response.status_code == 400 and 'id="expires_on-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_is_current_counts_the_expiry_day_itself():
    assert evidence.is_current(None, TODAY)
    assert evidence.is_current(TODAY, TODAY)
    assert not evidence.is_current(TODAY - dt.timedelta(days=1), TODAY)


def test_lapsed_subjects_are_found_by_the_database(db, items):
    actor = UserFactory(role=Role.QUALITY)
    a1, a2, b1 = items["A.1"], items["A.2"], items["B.1"]
    with clock.frozen(TODAY):
        evidence.add_link(a1, "https://example.org/a", "old", dt.date(2027, 3, 1), actor)
        evidence.add_link(a2, "https://example.org/b", "old", dt.date(2027, 3, 1), actor)
        evidence.add_link(a2, "https://example.org/c", "kept", None, actor)
        evidence.add_link(b1, "https://example.org/d", "today", TODAY, actor)
        lapsed = set(db.session.scalars(evidence.lapsed_subjects("assessment_item", TODAY)))
    assert lapsed == {a1.id}  # A.2 still has current evidence; B.1's expires at the end of today
    assert a1.status == ItemStatus.NOT_STARTED  # nothing else about the item changed


def test_the_dossier_cites_only_current_evidence_and_says_what_it_left_out(db, items):
    """Expired evidence stops supporting its item, in the dossier too: not cited, and counted in the notes."""
    from types import SimpleNamespace

    from qms.evidence.dossier import cite_evidence
    from qms.spine.sections import GatherContext

    quality = UserFactory(role=Role.QUALITY)
    item = items["A.1"]
    current = evidence.add_link(item, "https://example.gov.tw/a", "有效的佐證", dt.date(2027, 3, 10), quality)
    evidence.add_link(item, "https://example.gov.tw/b", "過期的佐證", dt.date(2027, 3, 9), quality)
    context = GatherContext(dossier=SimpleNamespace(id=1), cycle=SimpleNamespace(), organization=None,
                            chinese=False, section_key="self_assessment")
    with clock.frozen(TODAY):
        cited = cite_evidence(context, "assessment_item", {item.id: "p. 1"})
    assert [entry.id for entry, *_rest in cited[item.id]] == [current.id]  # valid through its expiry date
    (((section, describe), count),) = context.left_outs.items()
    assert section == "self_assessment" and count == 1
    from flask_babel import force_locale

    with force_locale("en"):
        assert describe(count) == "1 piece of evidence past its expiry date"
    with force_locale("zh_Hant_TW"):
        assert describe(count) == "1 件佐證資料已過期"
