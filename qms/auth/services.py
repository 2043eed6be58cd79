"""Account rules: sign-in with lockout, user administration, passwords and language preference."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from qms.auth.models import LoginFailure, LoginSession, User, new_session_token
from qms.core import audit
from qms.core.models import utcnow
from qms.core.services import ServiceError, save_record
from qms.extensions import db
from qms.spine.access import Role

USER_FIELDS = ("display_name", "email", "role", "locale")


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # for one username from one address
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    address_max_failures: int = 20  # from one address, whatever the usernames: guesses spread over many names

    @property
    def horizon(self) -> dt.timedelta:
        """How long a failure can matter; older ones are deleted, which keeps the table bounded."""
        return self.window + self.lockout


MAX_FAILURE_ROWS = 100_000  # a hard cap on top of the horizon (failures from very many addresses at once)


def locked_until(failure_times: list[dt.datetime], policy: LockoutPolicy, max_failures: int | None = None
                 ) -> dt.datetime | None:
    """When the lockout earned by these failures ends, or None if they earn none.

    A lockout starts at any failure that is the max_failures-th within one window and lasts
    policy.lockout from then; the latest such start counts.
    """
    limit = max_failures or policy.max_failures
    times = sorted(failure_times)
    start = None
    for index in range(limit - 1, len(times)):
        if times[index] - times[index - limit + 1] <= policy.window:
            start = times[index]
    return start + policy.lockout if start is not None else None


def lockout_end(username: str, policy: LockoutPolicy, now: dt.datetime, remote_addr: str = ""
                ) -> dt.datetime | None:
    """The end of the lock on this username from this address: failures elsewhere never lock it here, so nobody
    can keep an account locked for its owner."""
    failures = list(db.session.scalars(
        select(LoginFailure.attempted_at).where(LoginFailure.username == username,
                                                LoginFailure.remote_addr == remote_addr[:64],
                                                LoginFailure.attempted_at >= now - policy.horizon)))
    end = locked_until(failures, policy)
    return end if end is not None and end > now else None


def address_lockout_end(remote_addr: str, policy: LockoutPolicy, now: dt.datetime) -> dt.datetime | None:
    failures = list(db.session.scalars(
        select(LoginFailure.attempted_at).where(LoginFailure.remote_addr == remote_addr[:64],
                                                LoginFailure.attempted_at >= now - policy.horizon)))
    end = locked_until(failures, policy, policy.address_max_failures)
    return end if end is not None and end > now else None


class LoginLocked(ServiceError):
    def __init__(self, until: dt.datetime, now: dt.datetime, address: bool = False):
        self.minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        if address:
            message = _("Too many failed sign-ins from this computer. Try again in %(minutes)d minutes.",
                        minutes=self.minutes)
        else:
            message = _("Too many failed sign-ins for this username. Try again in %(minutes)d minutes.",
                        minutes=self.minutes)
        super().__init__(message)


_dummy_hash: list[str] = []


def _check_without_user(password: str) -> None:
    """Spend the time a real password check takes, so an unknown username answers as slowly as a known one."""
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash(secrets.token_hex(16)))
    check_password_hash(_dummy_hash[0], password)


def _record_failure(username: str, remote_addr: str, now: dt.datetime, policy: LockoutPolicy) -> None:
    db.session.add(LoginFailure(username=username[:80], attempted_at=now, remote_addr=remote_addr[:64]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.attempted_at < now - policy.horizon))
    excess = (db.session.scalar(select(func.count()).select_from(LoginFailure)) or 0) - MAX_FAILURE_ROWS
    if excess > 0:
        oldest = select(LoginFailure.id).order_by(LoginFailure.attempted_at).limit(excess).scalar_subquery()
        db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(oldest)))
    db.session.commit()


def authenticate(username: str, password: str, policy: LockoutPolicy, remote_addr: str = "",
                 now: dt.datetime | None = None) -> User:
    """Return the user for these credentials, or raise ServiceError (LoginLocked while locked out)."""
    now = now or utcnow()
    username = username.strip()
    until = address_lockout_end(remote_addr, policy, now)
    if until is not None:
        raise LoginLocked(until, now, address=True)
    until = lockout_end(username, policy, now, remote_addr)
    if until is not None:
        raise LoginLocked(until, now)  # attempts while locked are not counted: the lock does not grow
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        _check_without_user(password)
    if user is None or not user.check_password(password) or not user.active:
        _record_failure(username, remote_addr, now, policy)
        until = lockout_end(username, policy, now, remote_addr)
        if until is not None:
            raise LoginLocked(until, now)
        until = address_lockout_end(remote_addr, policy, now)
        if until is not None:
            raise LoginLocked(until, now, address=True)
        if user is not None and user.active is False and user.check_password(password):
            raise ServiceError(_("This account has been deactivated. Ask an administrator."))
        raise ServiceError(_("Wrong username or password."))
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                  LoginFailure.remote_addr == remote_addr[:64]))
    user.last_login_at = now
    db.session.commit()
    return user


@dataclass
class SignInLock:
    username: str  # "" for a lock on the whole address
    remote_addr: str
    until: dt.datetime
    failures: int


def current_locks(policy: LockoutPolicy, now: dt.datetime | None = None) -> list[SignInLock]:
    """Usernames locked from an address, and addresses locked for every username, as of now."""
    now = now or utcnow()
    by_pair: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    by_address: dict[str, list[dt.datetime]] = defaultdict(list)
    for username, address, at in db.session.execute(
            select(LoginFailure.username, LoginFailure.remote_addr, LoginFailure.attempted_at)
            .where(LoginFailure.attempted_at >= now - policy.horizon)):
        by_pair[(username, address)].append(at)
        by_address[address].append(at)
    locks = []
    for address, times in by_address.items():
        until = locked_until(times, policy, policy.address_max_failures)
        if until is not None and until > now:
            locks.append(SignInLock("", address, until, len(times)))
    for (username, address), times in by_pair.items():
        until = locked_until(times, policy)
        if until is not None and until > now:
            locks.append(SignInLock(username, address, until, len(times)))
    return sorted(locks, key=lambda lock: (lock.username, lock.remote_addr))


SIGN_IN_LOCK = audit.name_entity("sign_in_lock", _l("Sign-in lock"),
                                 {"username": _l("Username"), "remote_addr": _l("Address")})


def unlock(username: str, remote_addr: str, actor) -> None:
    """Lift a lock: forget the failures of this username from this address (or, with no username, all of the
    address's failures)."""
    condition = LoginFailure.remote_addr == remote_addr[:64]
    if username:
        condition = condition & (LoginFailure.username == username)
    db.session.execute(delete(LoginFailure).where(condition))
    audit.record_event(audit.DELETE, None, actor, entity_type=SIGN_IN_LOCK,
                       summary=audit.SIGN_IN_UNLOCKED,
                       changes={"username": [username or "*", None], "remote_addr": [remote_addr, None]})
    db.session.commit()


# --- sessions: one row per signed-in browser ----------------------------------------------------

SESSION_KEY = "qms_session"  # the Flask session's key that holds this browser's token
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often
KEEP_ENDED = dt.timedelta(days=30)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, remote_addr: str = "", user_agent: str = "", now: dt.datetime | None = None) -> str:
    """A new server-side session for a browser that has just signed in; returns the token for its cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token), started_at=now, last_seen_at=now,
                                remote_addr=(remote_addr or "")[:64], user_agent=(user_agent or "")[:200]))
    db.session.execute(delete(LoginSession).where(LoginSession.ended_at < now - KEEP_ENDED))
    db.session.commit()
    return token


@functools.cache
def _session_query():
    """The session row and its user in one query, built once: building the statement and its joinedload option
    cost more than running it, on every signed-in request."""
    return (select(LoginSession).options(joinedload(LoginSession.user))
            .where(LoginSession.token_hash == bindparam("token_hash")))


def session_user(user_id: int, token: str | None, idle: dt.timedelta, now: dt.datetime | None = None) -> User | None:
    """The user of a live session: the token's row exists, belongs to the user, has not ended and has been used
    within `idle`; an idle session is ended here. None otherwise."""
    if not token:
        return None
    now = now or utcnow()
    row = db.session.scalars(_session_query(), {"token_hash": _token_hash(token)}).first()
    if row is None or row.ended_at is not None or row.user_id != user_id:
        return None
    if now - row.last_seen_at > idle:
        row.ended_at, row.ended_reason = now, "idle"
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row.user


def end_session(token: str | None, reason: str = "logout", now: dt.datetime | None = None) -> None:
    if token:
        db.session.execute(update(LoginSession).where(LoginSession.token_hash == _token_hash(token),
                                                      LoginSession.ended_at.is_(None))
                           .values(ended_at=now or utcnow(), ended_reason=reason))
        db.session.commit()


def _end_sessions_of(user: User, reason: str, keep_token: str | None = None) -> None:
    """Mark the user's live sessions ended (in the caller's transaction), all but the one of `keep_token`."""
    condition = (LoginSession.user_id == user.id) & LoginSession.ended_at.is_(None)
    if keep_token:
        condition = condition & (LoginSession.token_hash != _token_hash(keep_token))
    db.session.execute(update(LoginSession).where(condition).values(ended_at=utcnow(), ended_reason=reason))


def active_sessions(user: User, idle: dt.timedelta, now: dt.datetime | None = None) -> list[LoginSession]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
                                   LoginSession.last_seen_at >= now - idle)
        .order_by(LoginSession.last_seen_at.desc())))


def end_session_of(user: User, session_id: int, actor) -> None:
    """An admin ends one of a user's sessions."""
    row = db.session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id:
        raise ServiceError(_("This session does not exist or has already ended."))
    if row.ended_at is None:
        row.ended_at, row.ended_reason = utcnow(), "admin"
        audit.record_event(audit.UPDATE, user, actor, summary=audit.SESSION_ENDED)
        db.session.commit()


def end_all_sessions(user: User, actor) -> None:
    """An admin ends every session of a user (a lost phone, a shared computer)."""
    _end_sessions_of(user, "admin")
    user.session_token = new_session_token()
    audit.record_event(audit.UPDATE, user, actor, summary=audit.SESSIONS_ENDED)
    db.session.commit()


# --- administration ---------------------------------------------------------------------------

def get_by_username(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).first()


def list_users() -> list[User]:
    return list(db.session.scalars(users_query()))


def users_query():
    """Every account, active first, then by role and username (the users page, a page at a time)."""
    return select(User).order_by(User.active.desc(), User.role, User.username)


def active_users_by_role() -> dict[Role, int]:
    """Role -> active accounts, counted by the database (the dashboard)."""
    rows = db.session.execute(select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role))
    return {Role(role): count for role, count in rows}


MIN_PASSWORD_LENGTH = 12  # OWASP ASVS 2.1.1
MIN_PASSWORD_SCORE = 3  # zxcvbn: "safely unguessable"; common passwords, names and keyboard runs score lower


def check_password_rules(password: str, min_length: int = MIN_PASSWORD_LENGTH, user_inputs: tuple = ()) -> None:
    """At least `min_length` characters, and not a common password, a word with digits, a keyboard run, or the
    user's own name (zxcvbn's lists of common passwords, names and words, and its pattern matchers)."""
    from zxcvbn import zxcvbn

    if len(password) < min_length:
        raise ServiceError(_("A password needs at least %(count)d characters.", count=min_length), field="password")
    if zxcvbn(password[:200], user_inputs=[str(i) for i in user_inputs if i])["score"] < MIN_PASSWORD_SCORE:
        raise ServiceError(_("This password is too easy to guess: avoid common passwords, names, dates and "
                             "sequences such as 1234 or qwerty."), field="password")


def create_user(values: Mapping[str, Any], password: str, actor, min_length: int = MIN_PASSWORD_LENGTH) -> User:
    username = values["username"].strip()
    if get_by_username(username) is not None:
        raise ServiceError(_("This username is already taken."), field="username")
    check_password_rules(password, min_length, (username, values.get("display_name"), values.get("email")))
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
    return save_record(user, data, actor)


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
        _end_sessions_of(user, "deactivated")
    audit.record_event(audit.UPDATE, user, actor, changes=changes,
                       summary=audit.ACCOUNT_ACTIVATED if active else audit.ACCOUNT_DEACTIVATED)
    db.session.commit()
    return user


def reset_password(user: User, password: str, actor, min_length: int = MIN_PASSWORD_LENGTH) -> User:
    check_password_rules(password, min_length, (user.username, user.display_name, user.email))
    user.set_password(password)
    _end_sessions_of(user, "password")
    audit.record_event(audit.UPDATE, user, actor, changes={"password": [audit.SECRET, audit.SECRET]},
                       summary=audit.PASSWORD_RESET)
    db.session.commit()
    return user


def change_own_password(user: User, current_password: str, new_password: str,
                        min_length: int = MIN_PASSWORD_LENGTH, keep_token: str | None = None) -> User:
    """Change one's own password; every other session of the user ends (this one, `keep_token`, goes on)."""
    if not user.check_password(current_password):
        raise ServiceError(_("The current password is not correct."), field="current_password")
    check_password_rules(new_password, min_length, (user.username, user.display_name, user.email))
    user.set_password(new_password)
    _end_sessions_of(user, "password", keep_token)
    audit.record_event(audit.UPDATE, user, user, changes={"password": [audit.SECRET, audit.SECRET]},
                       summary=audit.PASSWORD_CHANGED)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> User:
    return save_record(user, {"locale": locale}, user)
