"""Views for the dashboard, organization profile, award cycles and the audit trail."""
import datetime as dt
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from qms.core import audit, services
from qms.core.forms import AuditFilterForm, AwardCycleForm, OrganizationForm
from qms.core.models import AwardCycle
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.spine import access, clock, records
from qms.spine.access import Role
from qms.spine.navigation import cards_for
from qms.views import confirm_view, edit_view

bp = Blueprint("core", __name__)


@bp.route("/")
@access.signed_in
def dashboard():
    cycle = services.current_cycle()
    return render_template("core/dashboard.html", cycle=cycle,
                           days_left=services.days_until(cycle.submission_deadline if cycle else None,
                                                         clock.today()),
                           cards=cards_for(current_user, cycle))


@bp.route("/favicon.ico")
@access.public
def favicon():
    """The seal (static/img/qms-seal.svg, drawn as an icon) for browsers that ask for /favicon.ico by habit.
    Sent as bytes, not a file handle: 14 KB, and no handle is left open when a client drops the answer."""
    icon = (Path(current_app.static_folder) / "img" / "qms-seal.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public, response.cache_control.max_age = True, 7 * 24 * 3600
    return response


# --- organization -----------------------------------------------------------------------------

@bp.route("/organization")
@access.signed_in
def organization():
    org = services.get_organization()
    return render_template("core/organization.html", organization=org,
                           population_per_staff=services.population_per_staff(
                               org.population if org else None, org.staff_count if org else None))


@bp.route("/organization/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_organization():
    org = services.get_organization()
    form = OrganizationForm(obj=org)
    return edit_view(form, save=lambda: services.save_organization(form.data, current_user),
                     success=_("Organization profile saved."), redirect_to=url_for("core.organization"),
                     template="core/organization_form.html", status=200)


# --- award cycles -----------------------------------------------------------------------------

@bp.route("/cycles")
@access.signed_in
def cycles():
    return render_template("core/cycles.html", cycles=services.list_cycles(), confirm_form=ConfirmForm())


def _cycle_values(form: AwardCycleForm) -> dict:
    values = dict(form.data)
    values["award_name"] = values["award_name"].strip()
    values["notes"] = values.get("notes") or ""
    return values


@bp.route("/cycles/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def create_cycle():
    form = AwardCycleForm()
    return edit_view(form, save=lambda: services.create_cycle(_cycle_values(form), current_user),
                     success=lambda cycle: _("Award cycle %(name)s created.", name=str(cycle)),
                     redirect_to=url_for("core.cycles"), template="core/cycle_form.html", status=200, cycle=None)


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_cycle(cycle_id: int):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = AwardCycleForm(obj=cycle)
    return edit_view(form, save=lambda: services.update_cycle(cycle, _cycle_values(form), current_user),
                     success=lambda saved: _("Award cycle %(name)s saved.", name=str(saved)),
                     redirect_to=url_for("core.cycles"), template="core/cycle_form.html", status=200, cycle=cycle,
                     confirm_form=ConfirmForm())


@bp.route("/cycles/<int:cycle_id>/current", methods=["POST"])
@access.roles(Role.ADMIN)
def set_current_cycle(cycle_id: int):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return confirm_view(action=lambda: services.set_current_cycle(cycle, current_user),
                        success=_("%(name)s is now the current award cycle.", name=str(cycle)),
                        redirect_to=url_for("core.cycles"))


@bp.route("/cycles/<int:cycle_id>/delete", methods=["POST"])
@access.roles(Role.ADMIN)
def delete_cycle(cycle_id: int):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return confirm_view(action=lambda: services.delete_cycle(cycle, current_user),
                        success=_("Award cycle %(name)s deleted.", name=str(cycle)),
                        redirect_to=url_for("core.cycles"))


# --- audit trail ------------------------------------------------------------------------------

@bp.route("/audit")
@access.roles(Role.QUALITY)
def audit_trail():
    form = AuditFilterForm(request.args)
    form.entity_type.choices = choices([("", _("All"))] + audit.entity_choices())
    form.action.choices = choices([("", _("All"))] + list(audit.ACTION_LABELS.items()))
    form.actor_id.choices = choices([("", _("Anyone"))] + [(str(u.id), str(u)) for u in _people()])
    filters = {}
    if form.validate():
        filters = dict(entity_type=form.entity_type.data or None, action=form.action.data or None,
                       actor_id=int(form.actor_id.data) if form.actor_id.data else None,
                       text=(form.text.data or "").strip() or None)
        if form.since.data:
            filters["since"] = clock.start_of_day(form.since.data)
        if form.until.data:
            filters["until"] = clock.start_of_day(form.until.data + dt.timedelta(days=1))
    page = db.paginate(services.audit_query(**filters), per_page=current_app.config["AUDIT_PAGE_SIZE"],
                       error_out=False)
    loaded = records.load_many((event.entity_type, event.entity_id) for event in page.items)
    rows = []
    for event in page.items:
        record_type = records.get(event.entity_type)
        record = loaded.get((event.entity_type, event.entity_id))
        link = None
        if record is not None and record_type is not None and record_type.readable(current_user):
            link = record_type.url_for(event.entity_id)
        rows.append(dict(
            event=event,
            type_label=audit.entity_label(event.entity_type),
            title=record_type.title(record) if record is not None and record_type else event.entity_title,
            link=link,
            action_label=str(audit.ACTION_LABELS.get(event.action, event.action)),
            description=audit.describe_changes(event),
            actor=audit.actor_label(event),
        ))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("core/audit.html", form=form, page=page, rows=rows, filter_args=args)


def _people() -> list:
    """Every user, active first, for the audit trail's actor filter (through the registry: core builds below auth)."""
    user_type = records.get("user")
    if user_type is None:
        return []
    people = db.session.scalars(select(user_type.model)).all()
    return sorted(people, key=lambda u: (not u.active, u.role, u.username))
