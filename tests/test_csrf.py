"""State-changing requests without a CSRF token are refused and change nothing."""
from sqlalchemy import func, select

from qms.core.models import AuditEvent, Organization
from qms.spine.access import Role


def test_post_without_token_is_refused_and_changes_nothing(login_as, db):
    from tests.factories import OrganizationFactory

    OrganizationFactory()
    client = login_as(Role.ADMIN)
    response = client.post("/organization/edit", data={"name": "被竄改", "population": "1"})
    assert response.status_code == 400
    assert "被竄改" not in response.get_data(as_text=True)
    assert db.session.scalar(select(Organization.name)) == "桃園市蘆竹區戶政事務所"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_post_with_a_wrong_token_is_refused(login_as, db):
    client = login_as(Role.ADMIN)
    response = client.post("/cycles/new", data={"csrf_token": "forged", "award_name": "X", "year": "2030",
                                                 "status": "preparing"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_post_with_token_goes_through(login_as, db):
    client = login_as(Role.ADMIN)
    response = client.post_form("/cycles/new", {"award_name": "政府服務獎", "year": "2027", "status": "preparing"})
    assert response.status_code == 302


def test_logout_needs_a_token(login_as):
    client = login_as(Role.STAFF)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
