"""Sessions end on the server: a copied cookie stops working after sign-out, an idle timeout, a password
change, deactivation or an admin ending it; admins see a user's open sessions."""
import datetime as dt

from sqlalchemy import select

from qms.auth import services
from qms.auth.models import LoginSession
from qms.spine import clock
from qms.spine.access import Role
from tests.factories import TEST_PASSWORD


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (what a thief would hold)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_stops_working_after_sign_out(app, login_as):
    client = login_as(Role.QUALITY)
    thief = copy_of(app, client)
    assert thief.get("/").status_code == 200
    assert client.post_form("/logout").status_code == 302
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_idle_session_ends(app, login_as, db):
    app.config["SESSION_IDLE_MINUTES"] = 60
    client = login_as(Role.STAFF)
    started = db.session.scalars(select(LoginSession)).one().last_seen_at
    with clock.frozen(started + dt.timedelta(minutes=59)):
        assert client.get("/").status_code == 200  # used: the hour starts again
    with clock.frozen(started + dt.timedelta(minutes=118)):
        assert client.get("/").status_code == 200
    with clock.frozen(started + dt.timedelta(minutes=180)):
        assert client.get("/").status_code == 302
    db.session.expire_all()
    row = db.session.scalars(select(LoginSession)).one()
    assert row.ended_reason == "idle" and row.ended_at is not None


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, login_as, db):
    client = login_as(Role.STAFF)
    other = app.test_client()
    other.post_form("/login", {"username": client.user.username, "password": TEST_PASSWORD})
    thief = copy_of(app, other)
    response = client.post_form("/account/password", {"current_password": TEST_PASSWORD,
                                                       "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302 and thief.get("/").status_code == 302
    reasons = sorted(r.ended_reason for r in db.session.scalars(select(LoginSession)))
    assert reasons == ["", "password"]


def test_an_admin_sees_and_ends_a_users_sessions(app, login_as, db):
    staff = login_as(Role.STAFF)
    admin = login_as(Role.ADMIN)
    page = admin.get(f"/users/{staff.user.id}/edit").get_data(as_text=True)
    assert "127.0.0.1" in page and "Werkzeug" in page  # address and browser of the open session
    row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == staff.user.id)).one()
    response = admin.post_form(f"/users/{staff.user.id}/sessions/{row.id}/end")
    assert response.status_code == 302
    assert staff.get("/").status_code == 302
    assert admin.get("/").status_code == 200
    assert "127.0.0.1" not in admin.get(f"/users/{staff.user.id}/edit").get_data(as_text=True)


def test_an_admin_ends_every_session_of_a_user(app, login_as, db):
    staff = login_as(Role.STAFF)
    second = app.test_client()
    second.post_form("/login", {"username": staff.user.username, "password": TEST_PASSWORD})
    admin = login_as(Role.ADMIN)
    assert admin.post_form(f"/users/{staff.user.id}/sessions/end").status_code == 302
    assert staff.get("/").status_code == 302 and second.get("/").status_code == 302
    assert services.active_sessions(staff.user, dt.timedelta(hours=8)) == []


def test_ending_another_users_session_through_the_wrong_user_is_refused(app, login_as, db):
    staff = login_as(Role.STAFF)
    leader = login_as(Role.LEADER)
    admin = login_as(Role.ADMIN)
    row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == staff.user.id)).one()
    admin.post_form(f"/users/{leader.user.id}/sessions/{row.id}/end")
    assert staff.get("/").status_code == 200


def test_deactivation_ends_the_sessions_rows(app, login_as, db):
    staff = login_as(Role.STAFF)
    admin = login_as(Role.ADMIN)
    admin.post_form(f"/users/{staff.user.id}/active")
    db.session.expire_all()
    row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == staff.user.id)).one()
    assert row.ended_reason == "deactivated"


def test_the_cookie_holds_a_token_the_database_does_not(app, login_as, db):
    client = login_as(Role.STAFF)
    with client.session_transaction() as session:
        token = session[services.SESSION_KEY]
    stored = db.session.scalars(select(LoginSession.token_hash)).one()
    assert token not in stored and len(stored) == 64
