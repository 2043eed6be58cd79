"""Views for signing in and out, own password and language, and user administration."""
import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from qms.auth import services
from qms.auth.forms import (
    ChangePasswordForm,
    LocaleForm,
    LoginForm,
    ResetPasswordForm,
    UnlockForm,
    UserCreateForm,
    UserEditForm,
)
from qms.auth.models import User
from qms.core.services import ServiceError
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.spine import access
from qms.spine.access import Role
from qms.urls import safe_next
from qms.views import confirm_view, edit_view, label_names, page_args, paged, show_service_error

bp = Blueprint("auth", __name__)


def lockout_policy() -> services.LockoutPolicy:
    config = current_app.config
    return services.LockoutPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        window=dt.timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        lockout=dt.timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"]),
        address_max_failures=config["LOGIN_ADDRESS_MAX_FAILURES"],
    )


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


@bp.route("/login", methods=["GET", "POST"])
@access.public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, lockout_policy(),
                                         remote_addr=request.remote_addr or "")
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            session[services.SESSION_KEY] = services.start_session(
                user, request.remote_addr or "", request.headers.get("User-Agent", ""))
            login_user(user)
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access.signed_in
def logout():
    services.end_session(session.get(services.SESSION_KEY))
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/locale", methods=["POST"])
@access.public
def set_locale():
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
    return redirect(safe_next(form.next.data))


@bp.route("/account/password", methods=["GET", "POST"])
@access.signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data,
                                         current_app.config["PASSWORD_MIN_LENGTH"],
                                         keep_token=session.get(services.SESSION_KEY))
        except ServiceError as error:
            field = "new_password" if error.field == "password" else error.field
            show_service_error(form, ServiceError(error.message, field))
        else:
            login_user(current_user._get_current_object())  # keep this session; the new token ends the others
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/change_password.html", form=form)


# --- user administration ----------------------------------------------------------------------

@bp.route("/users")
@access.roles(Role.ADMIN)
def users():
    page = paged(services.users_query())
    return render_template("auth/users.html", users=page.items, page=page, page_args=page_args(),
                           role_names=label_names(Role))


@bp.route("/users/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def create_user():
    form = UserCreateForm()
    return edit_view(form, save=lambda: services.create_user(form.data, form.password.data, current_user,
                                                             current_app.config["PASSWORD_MIN_LENGTH"]),
                     success=lambda user: _("User %(name)s created.", name=user.username),
                     redirect_to=url_for("auth.users"), template="auth/user_form.html", status=200, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    return edit_view(form, save=lambda: services.update_user(user, form.data, current_user),
                     success=lambda saved: _("User %(name)s saved.", name=saved.username),
                     redirect_to=url_for("auth.users"), template="auth/user_form.html", status=200, user=user,
                     reset_form=ResetPasswordForm(), confirm_form=ConfirmForm(),
                     sessions=services.active_sessions(user, idle_limit()))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@access.roles(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            services.reset_password(user, reset_form.password.data, current_user,
                                    current_app.config["PASSWORD_MIN_LENGTH"])
        except ServiceError as error:
            show_service_error(reset_form, error)
        else:
            flash(_("The password of %(name)s has been reset.", name=user.username), "success")
            return redirect(url_for("auth.users"))
    form = UserEditForm(obj=user)
    return render_template("auth/user_form.html", form=form, user=user, reset_form=reset_form,
                           confirm_form=ConfirmForm(), sessions=services.active_sessions(user, idle_limit())), 400


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@access.roles(Role.ADMIN)
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)

    def success(_result) -> str:
        message = _("%(name)s can sign in again.") if user.active else _("%(name)s can no longer sign in.")
        return message % {"name": user.username}

    return confirm_view(action=lambda: services.set_active(user, not user.active, current_user), success=success,
                        redirect_to=url_for("auth.users"))


# --- sessions and sign-in locks ----------------------------------------------------------------

@bp.route("/users/<int:user_id>/sessions/<int:session_id>/end", methods=["POST"])
@access.roles(Role.ADMIN)
def end_session(user_id: int, session_id: int):
    user = db.get_or_404(User, user_id)
    return confirm_view(action=lambda: services.end_session_of(user, session_id, current_user),
                        success=_("The session has been ended."),
                        redirect_to=url_for("auth.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@access.roles(Role.ADMIN)
def end_all_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    return confirm_view(action=lambda: services.end_all_sessions(user, current_user),
                        success=_("Every session of %(name)s has been ended.", name=user.username),
                        redirect_to=url_for("auth.edit_user", user_id=user.id))


@bp.route("/users/locks")
@access.roles(Role.ADMIN)
def locks():
    return render_template("auth/locks.html", locks=services.current_locks(lockout_policy()), form=UnlockForm())


@bp.route("/users/locks/unlock", methods=["POST"])
@access.roles(Role.ADMIN)
def unlock():
    form = UnlockForm()
    return confirm_view(action=lambda: services.unlock(form.username.data or "", form.remote_addr.data or "",
                                                       current_user),
                        success=_("The sign-in lock has been lifted."), redirect_to=url_for("auth.locks"),
                        form=form)
