"""Account rules: sign-in with lockout, user administration, passwords and language preference."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from qms.auth.models import LoginFailure, User, new_session_token
from qms.core import audit
from qms.core.models import utcnow
from qms.core.services import ServiceError
from qms.extensions import db
from qms.spine.access import Role

USER_FIELDS = ("display_name", "email", "role", "locale")


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)


def locked_until(failure_times: list[dt.datetime], policy: LockoutPolicy) -> dt.datetime | None:
    """When the lockout earned by these failures ends, or None if they earn none.

    A lockout starts at any failure that is the max_failures-th within one window and lasts
    policy.lockout from then; the latest such start counts.
    """
    times = sorted(failure_times)
    start = None
    for index in range(policy.max_failures - 1, len(times)):
        if times[index] - times[index - policy.max_failures + 1] <= policy.window:
            start = times[index]
    return start + policy.lockout if start is not None else None


def lockout_end(username: str, policy: LockoutPolicy, now: dt.datetime) -> dt.datetime | None:
    horizon = now - policy.window - policy.lockout
    failures = list(db.session.scalars(
        select(LoginFailure.attempted_at).where(LoginFailure.username == username,
                                                LoginFailure.attempted_at >= horizon)))
    end = locked_until(failures, policy)
    return end if end is not None and end > now else None


class LoginLocked(ServiceError):
    def __init__(self, until: dt.datetime, now: dt.datetime):
        self.minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        super().__init__(_("Too many failed sign-ins for this username. Try again in %(minutes)d minutes.",
                           minutes=self.minutes))


def authenticate(username: str, password: str, policy: LockoutPolicy, remote_addr: str = "",
                 now: dt.datetime | None = None) -> User:
    """Return the user for these credentials, or raise ServiceError (LoginLocked while locked out)."""
    now = now or utcnow()
    username = username.strip()
    until = lockout_end(username, policy, now)
    if until is not None:
        raise LoginLocked(until, now)  # attempts while locked are not counted: the lock does not grow
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.check_password(password) or not user.active:
        db.session.add(LoginFailure(username=username[:80], attempted_at=now, remote_addr=remote_addr[:64]))
        db.session.commit()
        until = lockout_end(username, policy, now)
        if until is not None:
            raise LoginLocked(until, now)
        if user is not None and user.active is False and user.check_password(password):
            raise ServiceError(_("This account has been deactivated. Ask an administrator."))
        raise ServiceError(_("Wrong username or password."))
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = now
    db.session.commit()
    return user


# --- administration ---------------------------------------------------------------------------

def get_by_username(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).first()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.username)))


def check_password_rules(password: str, min_length: int = 10) -> None:
    if len(password) < min_length:
        raise ServiceError(_("A password needs at least %(count)d characters.", count=min_length), field="password")


def create_user(values: Mapping[str, Any], password: str, actor, min_length: int = 10) -> User:
    username = values["username"].strip()
    if get_by_username(username) is not None:
        raise ServiceError(_("This username is already taken."), field="username")
    check_password_rules(password, min_length)
    user = User(username=username, display_name=values.get("display_name") or username,
                email=values.get("email") or "", role=Role(values["role"]),
                locale=values.get("locale") or "zh_Hant_TW", active=values.get("active", True))
    user.set_password(password)
    db.session.add(user)
    audit.record_event(audit.CREATE, user, actor, changes=audit.created(user, ("username",) + USER_FIELDS))
    db.session.commit()
    return user


def _admins_left_after(user: User, new_role: Role | None, new_active: bool) -> int:
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id))
    stays_admin = (new_role or user.role) == Role.ADMIN and new_active
    return others + (1 if stays_admin else 0)


def update_user(user: User, values: Mapping[str, Any], actor) -> User:
    data = {key: values[key] for key in USER_FIELDS if key in values}
    if "role" in data:
        data["role"] = Role(data["role"])
        if _admins_left_after(user, data["role"], user.active) == 0:
            raise ServiceError(_("QMS needs at least one active admin."), field="role")
    changes = audit.apply_changes(user, data)
    if changes:
        audit.record_event(audit.UPDATE, user, actor, changes=changes)
        db.session.commit()
    return user


def set_active(user: User, active: bool, actor) -> User:
    if user.active == active:
        return user
    if not active and actor is not None and actor.id == user.id:
        raise ServiceError(_("You cannot deactivate your own account."))
    if not active and _admins_left_after(user, None, False) == 0:
        raise ServiceError(_("QMS needs at least one active admin."))
    changes = audit.apply_changes(user, {"active": active})
    if not active:
        user.session_token = new_session_token()  # ends the user's open sessions at their next request
    audit.record_event(audit.UPDATE, user, actor, changes=changes,
                       summary=audit.ACCOUNT_ACTIVATED if active else audit.ACCOUNT_DEACTIVATED)
    db.session.commit()
    return user


def reset_password(user: User, password: str, actor, min_length: int = 10) -> User:
    check_password_rules(password, min_length)
    user.set_password(password)
    audit.record_event(audit.UPDATE, user, actor, changes={"password": [audit.SECRET, audit.SECRET]},
                       summary=audit.PASSWORD_RESET)
    db.session.commit()
    return user


def change_own_password(user: User, current_password: str, new_password: str, min_length: int = 10) -> User:
    if not user.check_password(current_password):
        raise ServiceError(_("The current password is not correct."), field="current_password")
    check_password_rules(new_password, min_length)
    user.set_password(new_password)
    audit.record_event(audit.UPDATE, user, user, changes={"password": [audit.SECRET, audit.SECRET]},
                       summary=audit.PASSWORD_CHANGED)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> User:
    changes = audit.apply_changes(user, {"locale": locale})
    if changes:
        audit.record_event(audit.UPDATE, user, user, changes=changes)
        db.session.commit()
    return user
