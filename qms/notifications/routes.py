"""Pages of the daily loop: My work, the team's overdue list, the inbox, one's settings and the reminder schedule."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from qms.extensions import db
from qms.forms import ConfirmForm
from qms.notifications import jobs, services
from qms.notifications.forms import PreferenceForm, ScheduleForm
from qms.notifications.models import Notification
from qms.spine import access, clock
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, page_args, paged

bp = Blueprint("notifications", __name__)
GROUP_LIMIT = 50  # rows shown in each group of My work (the quality team's can be long); the count says how many

def _state_labels() -> dict[str, str]:
    return {"overdue": _("Overdue"), "week": _("Due this week"), "later": _("Later")}


@bp.route("/me")
@access.signed_in
def my_work():
    today = clock.today()
    groups = services.my_work(current_user, today)
    return render_template("notifications/my_work.html", groups=groups, states=_state_labels(), today=today,
                           source_labels=services.source_labels(), total=sum(map(len, groups.values())),
                           group_limit=GROUP_LIMIT)


@bp.route("/me/team")
@access.roles(Role.QUALITY)
def team():
    today = clock.today()
    groups = services.team_overdue(today, _("Unassigned"))
    return render_template("notifications/team.html", groups=groups, today=today,
                           source_labels=services.source_labels())


@bp.route("/inbox")
@access.signed_in
def inbox():
    page = paged(services.inbox_query(current_user))
    return render_template("notifications/inbox.html", page=page, args=page_args(), confirm_form=ConfirmForm())


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@access.signed_in
@access.object_rule
def mark_read(notification_id: int):
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(403)
    return confirm_view(action=lambda: services.mark_read(notification, current_user),
                        success=_("Marked as read."), redirect_to=url_for("notifications.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
@access.signed_in
def mark_all_read():
    return confirm_view(action=lambda: services.mark_all_read(current_user),
                        success=lambda marked: ngettext("%(num)d notification marked as read.",
                                                         "%(num)d notifications marked as read.", marked),
                        redirect_to=url_for("notifications.inbox"))


@bp.route("/me/settings", methods=["GET", "POST"])
@access.signed_in
def settings():
    digest, immediate_mail = services.preference_values(current_user)
    form = PreferenceForm(data={"digest": str(digest), "immediate_mail": immediate_mail})
    return edit_view(form, save=lambda: services.update_preference(
                         current_user, form.digest.data, form.immediate_mail.data, current_user),
                     success=_("Your notification settings are saved."),
                     redirect_to=url_for("notifications.settings"), template="notifications/settings.html")


@bp.route("/admin/reminders", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def schedule():
    row = services.schedule()
    form = ScheduleForm(data={"digest_hour": row.digest_hour, "weekly_day": str(row.weekly_day)})
    db.session.commit()  # the schedule row, made the first time

    def save():
        return services.update_schedule(form.digest_hour.data, int(form.weekly_day.data), current_user)

    return edit_view(form, save=save, success=_("The reminder schedule is saved."),
                     redirect_to=url_for("notifications.schedule"), template="notifications/schedule.html",
                     schedule=row, last_job=jobs.latest(), confirm_form=ConfirmForm())


@bp.route("/admin/reminders/run", methods=["POST"])
@access.roles(Role.ADMIN)
def run_scan():
    return confirm_view(action=lambda: jobs.run_now(current_user), success=_("The reminder scan is queued."),
                        redirect_to=url_for("notifications.schedule"))
