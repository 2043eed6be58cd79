"""The sign-in throttle cannot be turned into a weapon: failures lock a username only from the address that
made them, an address guessing many usernames waits, the failure table stays bounded, admins lift locks, and
an unknown username answers as slowly as a known one."""
import datetime as dt
import statistics
import time

import pytest
from sqlalchemy import func, select

from qms.auth import services
from qms.auth.models import LoginFailure
from qms.core.services import ServiceError
from qms.spine.access import Role
from tests.factories import TEST_PASSWORD, UserFactory

POLICY = services.LockoutPolicy(max_failures=5, window=dt.timedelta(minutes=15), lockout=dt.timedelta(minutes=15),
                                address_max_failures=20)
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)


def fail(username, address, at):
    with pytest.raises(ServiceError):
        services.authenticate(username, "wrong-password!", POLICY, remote_addr=address, now=at)


def test_someone_elses_failures_do_not_lock_the_owner_out(app, db):
    UserFactory(username="admin1")
    for i in range(10):
        try:
            services.authenticate("admin1", "guess", POLICY, remote_addr="198.51.100.7",
                                  now=T0 + dt.timedelta(seconds=i))
        except ServiceError:
            pass
    with pytest.raises(services.LoginLocked):
        services.authenticate("admin1", TEST_PASSWORD, POLICY, remote_addr="198.51.100.7",
                              now=T0 + dt.timedelta(minutes=1))
    owner = services.authenticate("admin1", TEST_PASSWORD, POLICY, remote_addr="192.0.2.10",
                                  now=T0 + dt.timedelta(minutes=1))
    assert owner.username == "admin1"


def test_guesses_spread_over_many_usernames_make_the_address_wait(app, db):
    for i in range(20):
        fail(f"user{i}", "198.51.100.8", T0 + dt.timedelta(seconds=i))
    UserFactory(username="lin")
    with pytest.raises(services.LoginLocked) as locked:
        services.authenticate("lin", TEST_PASSWORD, POLICY, remote_addr="198.51.100.8",
                              now=T0 + dt.timedelta(minutes=1))
    assert "computer" in str(locked.value.message) or "電腦" in str(locked.value.message)
    assert services.authenticate("lin", TEST_PASSWORD, POLICY, remote_addr="192.0.2.11",
                                 now=T0 + dt.timedelta(minutes=1)).username == "lin"


def test_old_failures_are_deleted(app, db):
    for i in range(3):
        fail("wang", "192.0.2.1", T0 + dt.timedelta(minutes=i))
    fail("wang", "192.0.2.1", T0 + dt.timedelta(hours=2))
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_an_admin_sees_and_lifts_locks(app, db, login_as):
    for i in range(5):
        fail("chen", "127.0.0.1", services.utcnow() - dt.timedelta(seconds=10 - i))
    admin = login_as(Role.ADMIN)
    page = admin.get("/users/locks").get_data(as_text=True)
    assert "chen" in page and "127.0.0.1" in page
    response = admin.post_form("/users/locks/unlock", {"username": "chen", "remote_addr": "127.0.0.1"},
                               token_from="/users/locks")
    assert response.status_code == 302
    assert services.current_locks(POLICY) == []
    assert "chen" not in admin.get("/users/locks").get_data(as_text=True)


def test_unknown_and_known_usernames_answer_in_the_same_time(app, db):
    UserFactory(username="known")

    def median_seconds(username: str) -> float:
        times = []
        for i in range(7):
            started = time.perf_counter()
            with pytest.raises(ServiceError):
                services.authenticate(username, "wrong-password!", POLICY, remote_addr=f"203.0.113.{i}")
            times.append(time.perf_counter() - started)
            db.session.execute(LoginFailure.__table__.delete())
        return statistics.median(times)

    known, unknown = median_seconds("known"), median_seconds("nobody-here")
    assert unknown > known * 0.6, (known, unknown)  # before: ~35 ms against ~200 ms
