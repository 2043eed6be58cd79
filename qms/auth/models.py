"""Accounts: users with one role each, and the failed sign-ins that drive the lockout."""
from __future__ import annotations

import datetime as dt
import secrets

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from qms.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from qms.extensions import db
from qms.spine.access import Role

LOCALE_LABELS = {"zh_Hant_TW": "繁體中文", "en": "English"}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        enum_column(Role)
    )
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(20), default="zh_Hant_TW")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Part of the login session id: rotating it (password change, reset, deactivation) ends every
    # open session of this user at its next request.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role == Role.ADMIN or self.role in roles

    def __str__(self) -> str:
        return self.display_name or self.username


class LoginFailure(db.Model):
    """One failed sign-in; kept in the database so the lockout holds across workers."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="", index=True)


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random token; the server keeps only its SHA-256, so ending the
    row (sign-out, idle timeout, password change, deactivation, an admin) ends that session wherever it is copied."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    ended_reason: Mapped[str] = mapped_column(String(20), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user = relationship("User")
