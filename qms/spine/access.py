"""Access rules: the roles, every view's declaration of who may use it, and the one hook that enforces it.

A view without a declaration is refused to everyone (deny by default), and the access-matrix test
fails on it, so a route added later cannot slip through unprotected.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.spine.enums import LabelledEnum


class Role(LabelledEnum):
    ADMIN = "admin", _l("Admin")
    QUALITY = "quality", _l("Quality team")
    STAFF = "staff", _l("Staff")
    LEADER = "leader", _l("Leadership")

    @property
    def description(self) -> str:
        return str(ROLE_DESCRIPTIONS[self])


ROLE_LABELS = Role.labels()
ROLE_DESCRIPTIONS = {
    Role.ADMIN: _l("Manages users, the organization profile and award cycles; can do everything."),
    Role.QUALITY: _l("Creates and edits all award content and tracks readiness."),
    Role.STAFF: _l("Reads award content, logs mystery-shopper drills and updates the items they own."),
    Role.LEADER: _l("Reads everything and exports the application dossier."),
}

PUBLIC = "public"
EVERY_ROLE = frozenset(Role)
ACCESS_ATTRIBUTE = "_qms_access"


def _declare(policy) -> Callable:
    def decorator(view):
        setattr(view, ACCESS_ATTRIBUTE, policy)
        return view
    return decorator


def public(view):
    """Open to anyone, signed in or not (sign-in page, language switch)."""
    return _declare(PUBLIC)(view)


def signed_in(view):
    """Any active user, whatever the role."""
    return _declare(EVERY_ROLE)(view)


def roles(*allowed: Role) -> Callable:
    """Only these roles; admin may always."""
    return _declare(frozenset(allowed) | {Role.ADMIN})


def object_rule(view):
    """Marks a view that, beyond its role rule, refuses (403) users without a right to the record itself."""
    view._qms_object_rule = True
    return view


def has_object_rule(view) -> bool:
    return getattr(view, "_qms_object_rule", False)


def policy_of(view) -> object:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def is_static_endpoint(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def enforce_access():
    endpoint = request.endpoint
    if endpoint is None or is_static_endpoint(endpoint):
        return None  # unknown URLs fall through to 404; static files are public
    policy = policy_of(current_app.view_functions[endpoint])
    if policy is None:
        current_app.logger.error("view %s declares no access rule; refused", endpoint)
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in policy:
        abort(403)
    return None


def register_access(app: Flask) -> None:
    app.before_request(enforce_access)
