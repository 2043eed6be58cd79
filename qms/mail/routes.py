"""Pages of mail and calendars: the admins' mail page (test mail, outbox), a user's calendar addresses, the feeds."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core.services import ServiceError
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.mail import services, transport
from qms.mail.forms import CalendarForm, TestMailForm
from qms.mail.models import CalendarKind, CalendarToken, MailStatus
from qms.spine import access
from qms.spine.access import Role
from qms.views import edit_view, page_args, paged

bp = Blueprint("mail", __name__)


def _admin_context() -> dict:
    failed_only = request.args.get("status") == MailStatus.FAILED.value
    return {"page": paged(services.outbox_query(failed_only)), "failed_only": failed_only, "args": page_args(),
            "smtp_configured": transport.configured()}


@bp.route("/admin/mail")
@access.roles(Role.ADMIN)
def admin():
    return render_template("mail/admin.html", form=TestMailForm(formdata=None), **_admin_context())


@bp.route("/admin/mail/test", methods=["POST"])
@access.roles(Role.ADMIN)
def send_test():
    form = TestMailForm()
    return edit_view(form, save=lambda: services.queue_test(form.address.data, current_user),
                     success=lambda message: _("A test mail to %(address)s is queued; its line in the outbox "
                                               "shows how it went.", address=message.to_address),
                     redirect_to=url_for("mail.admin"), template="mail/admin.html", **_admin_context())


def _calendar_page(new_url: str | None = None, new_kind: CalendarKind | None = None, status: int = 200):
    tokens = {row.kind: row for row in services.active_tokens(current_user)}
    kinds = [kind for kind in CalendarKind if services.may_have(current_user, kind)]
    return render_template("mail/calendar.html", tokens=tokens, kinds=kinds, new_url=new_url,
                           new_kind=new_kind), status


@bp.route("/me/calendar")
@access.signed_in
def calendar():
    return _calendar_page()


@bp.route("/me/calendar/new", methods=["POST"])
@access.signed_in
def create_calendar():
    form = CalendarForm()
    if not form.validate_on_submit():
        flash(_("This form has expired or was not sent from QMS. Reload the page and try again."), "danger")
        return redirect(url_for("mail.calendar"))
    try:
        row, token = services.create_token(current_user, form.kind.data)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("mail.calendar"))
    # The address is shown on this answer only: QMS keeps just its fingerprint (SHA-256).
    return _calendar_page(new_url=transport.absolute(url_for("mail.feed", token=token)), new_kind=row.kind)


@bp.route("/me/calendar/<int:token_id>/revoke", methods=["POST"])
@access.signed_in
@access.object_rule
def revoke_calendar(token_id: int):
    row = db.get_or_404(CalendarToken, token_id)
    if row.user_id != current_user.id:
        abort(404)  # another user's address: not even its existence is told
    if ConfirmForm().validate_on_submit():
        services.revoke_token(row, current_user)
        flash(_("The calendar address no longer works. Calendars subscribed to it stop updating."), "success")
    return redirect(url_for("mail.calendar"))


@bp.route("/calendar/<token>.ics")
@access.public
def feed(token: str):
    row = services.token_row(token)
    if row is None:
        abort(404)
    response = Response(services.calendar_feed(row), content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline; filename=qms.ics"
    return response
