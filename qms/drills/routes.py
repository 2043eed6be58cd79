"""Views of the mystery-shopper drills: log, scorecards, scenarios, corrective actions, schedule, reports."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload, load_only
from werkzeug.wrappers import Response

from qms import pdf, spreadsheets
from qms.auth.models import User
from qms.auth.services import list_users
from qms.charts import data_uri, horizontal_bar, trend_lines
from qms.core.services import ServiceError
from qms.drills import scoring, services
from qms.drills.forms import (
    ActionForm,
    BandsForm,
    PlanForm,
    ScenarioForm,
    SupervisorForm,
    VerifyForm,
    drill_form_class,
)
from qms.drills.models import (
    CHANNEL_LABELS,
    ActionStatus,
    Channel,
    CorrectiveAction,
    Drill,
    Scenario,
    Scorecard,
    UnitSupervisor,
)
from qms.evidence import services as evidence
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.i18n import clause_separator, is_chinese, localized, number
from qms.spine import access, clock
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, label_names, page_args, paged, show_service_error
from qms.yamlfiles import DataFileError

bp = Blueprint("drills", __name__, url_prefix="/drills")


def text(record, zh="name_zh", en="name_en") -> str:
    return localized(record, zh.removesuffix("_zh"))


def rating_label(drill: Drill) -> str:
    return services.band_label(drill.scorecard, drill.rating, is_chinese())


def list_rating_label():
    """rating_label for a list page: each scorecard's band looked up once, not once a row."""
    chinese, labels = is_chinese(), {}

    def label(drill: Drill) -> str:
        key = (drill.scorecard_id, drill.rating)
        if key not in labels:
            labels[key] = services.band_label(drill.scorecard, drill.rating, chinese)
        return labels[key]
    return label


def to_utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=clock.zone()).astimezone(dt.timezone.utc)


# --- the drill log ----------------------------------------------------------------------------

# What a row of the drill log shows, and no more: loading every column of each drill, its scenario and its
# scorecard (with their texts) cost more than drawing the row. The scorecard is read once a (scorecard, rating)
# for the rating's label, from the identity map when current_scorecards() has loaded it.
LIST_LOAD = (load_only(Drill.occurred_at, Drill.channel, Drill.unit_observed, Drill.scenario_id, Drill.scorecard_id,
                       Drill.total_pct, Drill.rating, Drill.critical_failed, Drill.redrill_on),
             joinedload(Drill.scenario).load_only(Scenario.title_zh, Scenario.title_en),
             lazyload(Drill.scorecard), lazyload(Drill.shopper), lazyload(Drill.author))


@bp.route("/")
@access.signed_in
def index():
    channel = request.args.get("channel") or None
    channel = channel if channel in {c.value for c in Channel} else None
    month = request.args.get("month") or None
    if month and not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()
                      and 1 <= int(month[5:]) <= 12):
        month = None
    failed_only = request.args.get("failed") == "1"
    query = services.drills_query(services.DrillFilters(channel=channel, month=month, failed_only=failed_only))
    page = paged(query.options(*LIST_LOAD))
    return render_template("drills/index.html", drills=page.items, page=page, page_args=page_args(),
                           channel=channel, month=month, failed_only=failed_only,
                           rating_label=list_rating_label(), scorecards=services.current_scorecards(), text=text,
                           channel_labels=CHANNEL_LABELS, channel_names=label_names(Channel))


def _drill_form(scorecard: Scorecard, drill: Drill | None, submitted: bool):
    form_class = drill_form_class(services.criteria_of(scorecard))
    form = form_class() if submitted else form_class(formdata=None, obj=drill)
    form.scenario_id.choices = choices([("", "—")] + [(str(s.id), f"{text(s, 'title_zh', 'title_en')}")
                                                       for s in services.list_scenarios(active_only=True)
                                                       if s.channel == scorecard.channel or
                                                       (drill and s.id == drill.scenario_id)])
    form.shopper_id.choices = choices([("", _("An outside shopper"))] + [
        (str(u.id), u.display_name) for u in list_users() if u.active])
    if not submitted:
        if drill is None:
            form.channel.data = scorecard.channel.value
            form.shopper_id.data = str(current_user.id)
            form.occurred_at.data = clock.now().replace(second=0, microsecond=0, tzinfo=None)
            if (scenario_id := request.args.get("scenario", "")).isdigit():
                form.scenario_id.data = scenario_id
        else:
            form.channel.data = drill.channel.value
            form.scenario_id.data = str(drill.scenario_id or "")
            form.shopper_id.data = str(drill.shopper_id or "")
            form.occurred_at.data = drill.occurred_at.astimezone(clock.zone()).replace(tzinfo=None)
            for score in drill.scores:
                form[f"score_{score.criterion_id}"].data = (services.NOT_APPLICABLE if score.value is None
                                                            else f"{score.value:g}")
                form[f"remark_{score.criterion_id}"].data = score.remark
    if not services.can_see_staff_names(current_user):
        del form.staff_names
    return form


def _drill_values(form, scorecard: Scorecard) -> dict:
    values = {"occurred_at": to_utc(form.occurred_at.data), "channel": form.channel.data,
              "scenario_id": int(form.scenario_id.data) if form.scenario_id.data else None,
              "scorecard_id": scorecard.id,
              "shopper_id": int(form.shopper_id.data) if form.shopper_id.data else None,
              "shopper_name": (form.shopper_name.data or "").strip(),
              "unit_observed": form.unit_observed.data.strip(), "waiting_minutes": form.waiting_minutes.data,
              "handling_minutes": form.handling_minutes.data, "comments": (form.comments.data or "").strip()}
    if "staff_names" in form:
        values["staff_names"] = (form.staff_names.data or "").strip()
    return values


def _drill_scores(form, scorecard: Scorecard) -> dict:
    return {c.id: (form[f"score_{c.id}"].data, form[f"remark_{c.id}"].data) for c in services.criteria_of(scorecard)}


def _save(scorecard: Scorecard, drill: Drill | None):
    form = _drill_form(scorecard, drill, request.method == "POST")
    sections = [(section, [(c, form[f"score_{c.id}"], form[f"remark_{c.id}"]) for c in section.criteria])
                for section in scorecard.sections]
    # For the running total (static/js/drill-score.js): each band's minimum and its label in the reader's language.
    bands = [{"min": float(band["min"]), "label": services.band_label(scorecard, band["key"], is_chinese())}
             for band in scorecard.bands]
    return edit_view(form, save=lambda: services.save_drill(drill, _drill_values(form, scorecard),
                                                            _drill_scores(form, scorecard), current_user),
                     success=lambda saved: _("Drill saved: %(total)s %%, %(rating)s.",
                                             total=number(saved.total_pct or 0, 1), rating=rating_label(saved)),
                     redirect_to=lambda saved: url_for("drills.detail", drill_id=saved.id),
                     template="drills/form.html", scorecard=scorecard, drill=drill, sections=sections, text=text,
                     bands=bands, failed_label=services.band_label(scorecard, scoring.FAILED, is_chinese()))


@bp.route("/new/<int:scorecard_id>", methods=["GET", "POST"])
@access.roles(Role.QUALITY, Role.STAFF)
def create(scorecard_id: int):
    return _save(db.get_or_404(Scorecard, scorecard_id), None)


@bp.route("/<int:drill_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY, Role.STAFF)
@access.object_rule
def edit(drill_id: int):
    drill = db.get_or_404(Drill, drill_id)
    if not services.can_edit_drill(current_user, drill):
        abort(403)
    return _save(drill.scorecard, drill)


def _detail_context(drill: Drill) -> dict:
    result = services.result_of(drill)
    criteria = {c.id: c for c in services.criteria_of(drill.scorecard)}
    scores = {s.criterion_id: s for s in drill.scores}
    actions = list(db.session.scalars(db.select(CorrectiveAction).where(CorrectiveAction.drill_id == drill.id)))
    return dict(drill=drill, result=result, criteria=criteria, scores=scores, actions=actions, text=text,
                rating_label=rating_label(drill), show_staff=services.can_see_staff_names(current_user),
                critical_missed=[criteria[cid] for cid in result.critical_missed])


@bp.route("/<int:drill_id>")
@access.signed_in
def detail(drill_id: int):
    drill = db.get_or_404(Drill, drill_id)
    entries = evidence.for_subject(drill)
    return render_template("drills/detail.html", **_detail_context(drill), evidence=entries,
                           evidence_links=evidence.links(entries), can_edit=services.can_edit_drill(current_user,
                                                                                                   drill),
                           subject_type="drill", subject_id=drill.id, today=clock.today(), deadline=None,
                           confirm_form=ConfirmForm(), is_quality=services.is_quality(current_user))


@bp.route("/<int:drill_id>/review", methods=["POST"])
@access.roles(Role.QUALITY)
def review(drill_id: int):
    drill = db.get_or_404(Drill, drill_id)
    return confirm_view(action=lambda: services.review(drill, current_user),
                        success=_("Drill reviewed; its author can no longer change it."),
                        redirect_to=url_for("drills.detail", drill_id=drill.id))


@bp.route("/<int:drill_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete(drill_id: int):
    drill = db.get_or_404(Drill, drill_id)
    return confirm_view(action=lambda: services.delete_drill(drill, current_user), success=_("Drill deleted."),
                        redirect_to=url_for("drills.index"))


@bp.route("/<int:drill_id>.pdf")
@access.signed_in
def drill_pdf(drill_id: int):
    drill = db.get_or_404(Drill, drill_id)
    html = render_template("pdf/drill.html", **_detail_context(drill))
    return Response(pdf.render(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="drill-{drill.id}.pdf"'})


# --- corrective actions -----------------------------------------------------------------------

@bp.route("/actions")
@access.signed_in
def actions():
    status = request.args.get("status") or "open"
    if status not in ("open", "unassigned", "all", *(s.value for s in ActionStatus)):
        status = "open"
    query = services.actions_query(None if status == "all" else status)
    # The list shows the title, the owner's name, the due date and the status: the drill (with its own joins),
    # the other people and the texts stay unloaded.
    page = paged(query.options(
        load_only(CorrectiveAction.title, CorrectiveAction.owner_id, CorrectiveAction.due_date,
                  CorrectiveAction.status),
        joinedload(CorrectiveAction.owner).load_only(User.display_name),
        lazyload(CorrectiveAction.drill), lazyload(CorrectiveAction.done_by), lazyload(CorrectiveAction.verified_by)))
    found = page.items
    today = clock.today()
    return render_template("drills/actions.html", actions=found, page=page, page_args=page_args(), status=status,
                           today=today,
                           overdue={a.id for a in found if services.is_overdue(a, today)},
                           can_create=services.is_quality(current_user), status_names=label_names(ActionStatus))


def _user_choices(empty_label: str) -> list:
    return choices([("", empty_label)] + [(str(u.id), u.display_name) for u in list_users() if u.active])


# --- unit supervisors: who owns the actions a failed drill of a unit proposes ---------------------

def _supervisor_form(supervisor: UnitSupervisor | None) -> SupervisorForm:
    form = SupervisorForm() if request.method == "POST" else SupervisorForm(formdata=None, obj=supervisor)
    form.user_id.choices = _user_choices(_("Choose a user"))
    if request.method != "POST" and supervisor is not None:
        form.user_id.data = str(supervisor.user_id or "")
    return form


def _supervisor_values(form: SupervisorForm) -> dict:
    user_id = form.user_id.data
    return {"unit": form.unit.data or "", "user_id": int(user_id) if str(user_id or "").isdigit() else None}


@bp.route("/supervisors", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def supervisors():
    form = _supervisor_form(None)
    return edit_view(form, save=lambda: services.save_supervisor(None, _supervisor_values(form), current_user),
                     success=_("Unit supervisor saved."), redirect_to=url_for("drills.supervisors"),
                     template="drills/supervisors.html", supervisors=services.list_supervisors(),
                     supervisor=None)


@bp.route("/supervisors/<int:supervisor_id>", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def supervisor(supervisor_id: int):
    found = db.get_or_404(UnitSupervisor, supervisor_id)
    form = _supervisor_form(found)
    return edit_view(form, save=lambda: services.save_supervisor(found, _supervisor_values(form), current_user),
                     success=_("Unit supervisor saved."), redirect_to=url_for("drills.supervisors"),
                     template="drills/supervisor_form.html", supervisor=found)


@bp.route("/supervisors/<int:supervisor_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_supervisor(supervisor_id: int):
    found = db.get_or_404(UnitSupervisor, supervisor_id)
    return confirm_view(action=lambda: services.delete_supervisor(found, current_user),
                        success=_("Unit supervisor removed."), redirect_to=url_for("drills.supervisors"))


def _action_form(action: CorrectiveAction | None, submitted: bool) -> ActionForm:
    form = ActionForm() if submitted else ActionForm(formdata=None, obj=action)
    form.owner_id.choices = choices([("", _("Nobody yet"))] + [(str(u.id), u.display_name)
                                                                for u in list_users() if u.active])
    if not submitted and action is not None:
        form.owner_id.data = str(action.owner_id or "")
    return form


def _action_values(form: ActionForm) -> dict:
    return {"title": form.title.data.strip(), "owner_id": int(form.owner_id.data) if form.owner_id.data else None,
            "due_date": form.due_date.data, "root_cause": (form.root_cause.data or "").strip(),
            "action_taken": (form.action_taken.data or "").strip()}


@bp.route("/actions/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_action():
    drill = db.session.get(Drill, request.args.get("drill", type=int) or 0)
    form = _action_form(None, request.method == "POST")
    return edit_view(form, save=lambda: services.create_action(_action_values(form), current_user, drill),
                     success=_("Corrective action raised."),
                     redirect_to=lambda action: url_for("drills.action", action_id=action.id),
                     template="drills/action_form.html", drill=drill)


def can_work_on(action: CorrectiveAction) -> bool:
    return services.is_quality(current_user) or action.owner_id == current_user.id


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@access.signed_in
def action(action_id: int):
    found = db.get_or_404(CorrectiveAction, action_id)
    if request.method == "POST" and not can_work_on(found):
        abort(403)
    form = _action_form(found, request.method == "POST")
    return edit_view(form, save=lambda: services.update_action(found, _action_values(form), current_user),
                     success=_("Corrective action saved."), redirect_to=url_for("drills.action", action_id=found.id),
                     template="drills/action.html", action=found, verify_form=VerifyForm(formdata=None),
                     confirm_form=ConfirmForm(), can_work=can_work_on(found),
                     can_verify=services.is_quality(current_user) and found.done_by_id != current_user.id,
                     overdue=services.is_overdue(found, clock.today()))


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@access.signed_in
def action_done(action_id: int):
    found = db.get_or_404(CorrectiveAction, action_id)
    if not can_work_on(found):
        abort(403)
    return confirm_view(action=lambda: services.mark_done(found, current_user),
                        success=_("Marked done; someone else now verifies that it worked."),
                        redirect_to=url_for("drills.action", action_id=found.id))


@bp.route("/actions/<int:action_id>/verify", methods=["POST"])
@access.roles(Role.QUALITY)
def verify(action_id: int):
    found = db.get_or_404(CorrectiveAction, action_id)
    form = VerifyForm()
    if form.validate_on_submit():
        try:
            services.verify(found, current_user, form.effective.data == "yes", form.effectiveness_check.data)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Verified: the action is closed.") if found.status == ActionStatus.VERIFIED
                  else _("Not effective: the action is reopened."), "success")
            return redirect(url_for("drills.action", action_id=found.id))
    return render_template("drills/action.html", action=found, form=_action_form(found, False), verify_form=form,
                           confirm_form=ConfirmForm(), can_work=can_work_on(found), can_verify=True,
                           overdue=services.is_overdue(found, clock.today())), 400


# --- scorecards and scenarios -----------------------------------------------------------------

@bp.route("/scorecards")
@access.signed_in
def scorecards():
    return render_template("drills/scorecards.html", scorecards=services.all_scorecards(), text=text,
                           used={s.id for s in services.all_scorecards() if services.is_used(s)})


@bp.route("/scorecards/<int:scorecard_id>", methods=["GET", "POST"])
@access.signed_in
def scorecard(scorecard_id: int):
    found = db.get_or_404(Scorecard, scorecard_id)
    form = None
    if services.is_quality(current_user):
        form = BandsForm() if request.method == "POST" else BandsForm(formdata=None)
        bands = sorted(found.bands, key=lambda b: -b["min"])
        if request.method == "GET":
            for field, band in zip(("excellent", "good", "fair"), bands, strict=False):
                form[field].data = int(band["min"])
        if form.validate_on_submit():
            new_bands = [dict(band) for band in bands]
            for field, band in zip(("excellent", "good", "fair"), new_bands, strict=False):
                band["min"] = float(form[field].data)
            saved = services.update_bands(found, new_bands, current_user)
            flash(_("Rating bands saved.") if saved.id == found.id else
                  _("Drills already use this scorecard, so the new bands make version %(version)d.",
                    version=saved.version), "success")
            return redirect(url_for("drills.scorecard", scorecard_id=saved.id))
    elif request.method == "POST":
        abort(403)
    return render_template("drills/scorecard.html", scorecard=found, form=form, text=text,
                           used=services.is_used(found)), 400 if form is not None and form.errors else 200


@bp.route("/scorecards/upload", methods=["POST"])
@access.roles(Role.QUALITY)
def upload_scorecard():
    upload = request.files.get("file")
    if not ConfirmForm().validate_on_submit() or upload is None or not upload.filename:
        flash(_("Choose a file."), "danger")
        return redirect(url_for("drills.scorecards"))
    try:
        found, created = services.import_scorecard(upload.read(1024 * 1024).decode("utf-8"), current_user)
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text."), "danger")
    except DataFileError as error:
        db.session.rollback()
        problems = clause_separator().join(str(p) for p in error.problems)
        flash(_("Nothing was imported. Problems found:") + " " + problems, "danger")
    else:
        flash(_("Scorecard saved as version %(version)d.", version=found.version) if created
              else _("This scorecard already has exactly this content; nothing changed."), "success")
        return redirect(url_for("drills.scorecard", scorecard_id=found.id))
    return redirect(url_for("drills.scorecards"))


@bp.route("/scenarios")
@access.signed_in
def scenarios():
    return render_template("drills/scenarios.html", scenarios=services.list_scenarios(), text=text,
                           channel_labels=CHANNEL_LABELS, can_edit=services.is_quality(current_user),
                           scorecards={s.channel: s for s in services.current_scorecards()})


def _scenario_values(form: ScenarioForm) -> dict:
    values = {k: form[k].data for k in services.SCENARIO_FIELDS}
    for key in ("title_zh", "title_en", "request", "expected"):
        values[key] = (values[key] or "").strip()
    return values


def _save_scenario(scenario: Scenario | None):
    form = ScenarioForm(obj=scenario if request.method == "GET" else None)
    if request.method == "GET" and scenario is not None:
        form.channel.data = scenario.channel.value
    return edit_view(form, save=lambda: services.save_scenario(scenario, _scenario_values(form), current_user),
                     success=_("Scenario saved."), redirect_to=url_for("drills.scenarios"),
                     template="drills/scenario_form.html", scenario=scenario)


@bp.route("/scenarios/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_scenario():
    return _save_scenario(None)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_scenario(scenario_id: int):
    return _save_scenario(db.get_or_404(Scenario, scenario_id))


# --- schedule and reports ---------------------------------------------------------------------

@bp.route("/schedule", methods=["GET", "POST"])
@access.signed_in
def schedule():
    today = clock.today()
    year = request.args.get("year", type=int) or today.year
    form = None
    if services.is_quality(current_user):
        form = PlanForm() if request.method == "POST" else PlanForm(formdata=None, year=year, month=today.month)
        if form.validate_on_submit():
            try:
                services.set_plan(form.year.data, form.month.data, form.channel.data, form.planned.data,
                                  current_user)
            except ServiceError as error:
                db.session.rollback()
                show_service_error(form, error)
            else:
                flash(_("Plan saved."), "success")
                return redirect(url_for("drills.schedule", year=form.year.data))
    elif request.method == "POST":
        abort(403)
    return render_template("drills/schedule.html", rows=services.schedule(year, today, clock.zone()), year=year,
                           form=form, redrills=services.redrills_due(today), today=today,
                           channel_labels=CHANNEL_LABELS), 400 if form is not None and form.errors else 200


@bp.route("/reports")
@access.signed_in
def reports():
    data = services.report(clock.today(), clock.zone())
    month_chart = section_chart = channel_chart = None
    if data.by_channel:
        channel_chart = data_uri(horizontal_bar([str(c.label) for c, _avg, _n in data.by_channel],
                                                [avg for _c, avg, _n in data.by_channel], unit="%"))
    if data.by_month:
        month_chart = data_uri(trend_lines([m for m, _avg, _n in data.by_month],
                                           [(_("Average score (%)"), [avg for _m, avg, _n in data.by_month])],
                                           unit="%"))
    if data.by_section:
        section_chart = data_uri(horizontal_bar([f"{code} {name}" for code, name, _p in data.by_section],
                                                [pct for _c, _n, pct in data.by_section], unit="%"))
    return render_template("drills/reports.html", data=data, month_chart=month_chart, section_chart=section_chart,
                           channel_chart=channel_chart, channel_labels=CHANNEL_LABELS)


@bp.route("/export/<what>.<fmt>")
@access.signed_in
def export(what: str, fmt: str):
    if fmt not in spreadsheets.FORMATS or what not in ("drills", "actions"):
        abort(404)
    zone: ZoneInfo = clock.zone()
    if what == "drills":
        show_staff = services.can_see_staff_names(current_user)
        rows = [[_("Date and time"), _("Channel"), _("Scenario"), _("Counter or unit observed")]
                + ([_("Staff observed")] if show_staff else [])
                + [_("Scorecard"), _("Total (%)"), _("Rating"), _("Waiting time (minutes)"),
                   _("Handling time (minutes)"), _("Re-drill on")]]
        for drill in services.list_drills():
            rows.append([drill.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), drill.channel.label,
                         localized(drill.scenario, "title") if drill.scenario else "", drill.unit_observed]
                        + ([drill.staff_names] if show_staff else [])
                        + [str(drill.scorecard), float(drill.total_pct) if drill.total_pct is not None else None,
                           rating_label(drill), float(drill.waiting_minutes) if drill.waiting_minutes else None,
                           float(drill.handling_minutes) if drill.handling_minutes else None, drill.redrill_on])
    else:
        rows = [[_("Corrective action"), _("Status"), _("Owner"), _("Due date"), _("Root cause"), _("Action taken"),
                 _("Effectiveness check")]]
        for item in services.list_actions():
            rows.append([item.title, item.status.label, item.owner.display_name if item.owner else "",
                         item.due_date, item.root_cause, item.action_taken, item.effectiveness_check])
    data = spreadsheets.write(rows, fmt, sheet_name=what)
    return Response(data, mimetype=spreadsheets.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{what}.{fmt}"'})


