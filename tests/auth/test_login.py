"""Signing in and out: credentials, lockout, deactivation, safe redirects, session hygiene."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from qms.auth import services
from qms.auth.models import LoginFailure
from qms.core.models import utcnow
from qms.core.services import ServiceError
from qms.spine.access import Role
from tests.factories import TEST_PASSWORD, UserFactory

POLICY = services.LockoutPolicy()
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


def minutes(n):
    return dt.timedelta(minutes=n)


# --- the lockout rule as a plain function ------------------------------------------------------

def test_four_failures_do_not_lock():
    assert services.locked_until([T0 + minutes(i) for i in range(4)], POLICY) is None


def test_five_failures_within_fifteen_minutes_lock_for_fifteen_minutes_from_the_fifth():
    failures = [T0, T0 + minutes(3), T0 + minutes(6), T0 + minutes(9), T0 + minutes(14)]
    assert services.locked_until(failures, POLICY) == T0 + minutes(14) + minutes(15)


def test_five_failures_spread_over_more_than_fifteen_minutes_do_not_lock():
    failures = [T0 + minutes(4 * i) for i in range(5)]  # first to fifth: 16 minutes
    assert services.locked_until(failures, POLICY) is None


def test_the_latest_lock_counts():
    failures = [T0 + minutes(i) for i in range(5)] + [T0 + minutes(40 + i) for i in range(5)]
    assert services.locked_until(failures, POLICY) == T0 + minutes(44) + minutes(15)


# --- through the service, with the clock given ---------------------------------------------------

def test_lockout_refuses_even_the_right_password_then_lifts(app, db):
    user = UserFactory(username="chen")
    for i in range(5):
        with pytest.raises(ServiceError):
            services.authenticate("chen", "wrong-password!", POLICY, now=T0 + minutes(i))
    with pytest.raises(services.LoginLocked) as locked:
        services.authenticate("chen", TEST_PASSWORD, POLICY, now=T0 + minutes(10))
    assert locked.value.minutes == 9  # locked at minute 4 for 15 minutes
    # attempts while locked are not counted, so the lock does not grow
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5
    assert services.authenticate("chen", TEST_PASSWORD, POLICY, now=T0 + minutes(19, )) == user
    # a successful sign-in clears the failures
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_lockout_is_per_username(app, db):
    UserFactory(username="lin")
    for i in range(5):
        with pytest.raises(ServiceError):
            services.authenticate("wang", "x" * 12, POLICY, now=T0 + minutes(i))
    assert services.authenticate("lin", TEST_PASSWORD, POLICY, now=T0 + minutes(5)).username == "lin"


# --- through the pages ---------------------------------------------------------------------------

def sign_in(client, username, password, next_url=None):
    path = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post_form(path, {"username": username, "password": password,
                                   "next": next_url or ""}, token_from="/login")


def test_sign_in_records_last_login_and_shows_dashboard(client, db):
    user = UserFactory(username="wu", display_name="吳小姐")
    response = sign_in(client, "wu", TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert "吳小姐" in client.get("/").get_data(as_text=True)


def test_wrong_password_shows_message_in_chinese(client):
    UserFactory(username="wu")
    response = sign_in(client, "wu", "wrong-password")
    assert response.status_code == 200
    assert "帳號或密碼錯誤" in response.get_data(as_text=True)


def test_locked_out_message_through_the_page(client):
    UserFactory(username="wu")
    for _ in range(5):
        sign_in(client, "wu", "wrong-password")
    body = sign_in(client, "wu", TEST_PASSWORD).get_data(as_text=True)
    assert "登入失敗次數過多" in body and "15 分鐘" in body
    assert client.get("/").status_code == 302  # still not signed in


@pytest.mark.parametrize("target,expected", [
    ("/cycles", "/cycles"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_is_followed_only_within_the_site(client, target, expected):
    UserFactory(username="wu")
    response = sign_in(client, "wu", TEST_PASSWORD, next_url=target)
    assert response.headers["Location"] == expected


def test_anonymous_visit_redirects_to_login_with_next(client):
    response = client.get("/cycles")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_deactivated_user_cannot_sign_in(client):
    UserFactory(username="old", active=False)
    body = sign_in(client, "old", TEST_PASSWORD).get_data(as_text=True)
    assert "此帳號已停用" in body
    assert client.get("/").status_code == 302


def test_deactivation_ends_open_sessions_at_next_request(app, login_as, db):
    staff = login_as(Role.STAFF)
    assert staff.get("/").status_code == 200
    admin = login_as(Role.ADMIN)
    assert admin.post_form(f"/users/{staff.user.id}/active").status_code == 302
    response = staff.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_the_session(login_as):
    client = login_as(Role.LEADER)
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client):
    UserFactory(username="wu")
    response = sign_in(client, "wu", TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failed_logins_are_stored_in_the_database(client, db):
    sign_in(client, "nobody", "wrong-password")
    assert db.session.scalar(select(LoginFailure.username)) == "nobody"
    assert db.session.scalar(select(LoginFailure.attempted_at)) <= utcnow()
