"""Views of SPARK initiatives: list and filters, detail with improvements and metrics, summary, import/export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from qms import import_jobs, pdf, spreadsheets
from qms.auth.services import list_users
from qms.charts import data_uri, line
from qms.core.models import AwardCycle
from qms.core.services import ServiceError, current_cycle, get_organization, list_cycles
from qms.evidence import services as evidence
from qms.evidence.forms import CiteForm
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.i18n import localized
from qms.initiatives import savings, services
from qms.initiatives.charts import savings_charts
from qms.initiatives.forms import CoreForm, FilterForm, ImportForm, ImprovementForm, InitiativeForm, MetricForm
from qms.initiatives.models import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    Initiative,
    OutcomeMetric,
    ProcessImprovement,
    SparkCore,
)
from qms.spine import access, clock, records
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, import_job_view, page_args, paged

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")


def title(initiative: Initiative) -> str:
    return localized(initiative, "title")


def core_name(core: SparkCore | None) -> str:
    if core is None:
        return _("No core")
    return localized(core, "name")


def _selected_cycle_id() -> int | None:
    raw = request.args.get("cycle")
    if raw is None:
        cycle = current_cycle()
        return cycle.id if cycle else None
    return int(raw) if raw.isdigit() else None


# --- list, summary ----------------------------------------------------------------------------

@bp.route("/")
@access.signed_in
def index():
    form = FilterForm(request.args)
    cycle_id = _selected_cycle_id()
    form.cycle.choices = choices([("", _("All cycles"))] + [(str(c.id), str(c)) for c in list_cycles()])
    form.cycle.data = str(cycle_id or "")
    form.core.choices = choices([("", _("All"))] + [(str(c.id), core_name(c)) for c in services.list_cores()])
    form.status.choices = choices([("", _("All"))] + list(STATUS_LABELS.items()))
    form.channel.choices = choices([("", _("All"))] + list(CHANNEL_LABELS.items()))
    form.tag.choices = choices([("", _("All"))] + [(t, t) for t in services.all_tags(cycle_id)])
    form.sort.choices = choices([("title", _("Title")), ("start_date", _("Start date")), ("status", _("Status")),
                                 ("hours_saved", _("Citizen hours saved")),
                                 ("case_days_saved", _("Turnaround saved"))])
    filters = services.Filters(cycle_id=cycle_id)
    if form.validate():
        filters = services.Filters(
            cycle_id=cycle_id, core_id=int(form.core.data) if form.core.data else None,
            status=form.status.data or None, channel=form.channel.data or None, tag=form.tag.data or None,
            first_in_nation=bool(form.first_in_nation.data), sort=form.sort.data or "title")
    page = paged(services.initiatives_query(filters))
    totals = services.totals_by_initiative(initiative.id for initiative in page.items)
    # Labels translated once for the page, not once a row.
    channel_names = {value: str(label) for value, label in CHANNEL_LABELS.items()}
    status_names = {status: str(label) for status, label in STATUS_LABELS.items()}
    rows = [(initiative, totals.get(initiative.id) or savings.Total(), status_names[initiative.status],
             [channel_names.get(channel, channel) for channel in initiative.channels])
            for initiative in page.items]
    return render_template("initiatives/index.html", form=form, rows=rows, page=page, page_args=page_args(),
                           title=title, core_name=core_name,
                           cycle_id=cycle_id, import_form=_import_form() if services.can_edit(current_user) else None)


@bp.route("/summary")
@access.signed_in
def summary():
    cycle_id = _selected_cycle_id()
    data = services.summary(cycle_id)
    hours_chart, days_chart = savings_charts(data.by_initiative, title)
    return render_template("initiatives/summary.html", data=data, hours_chart=hours_chart, days_chart=days_chart,
                           title=title, core_name=core_name,
                           cycle=db.session.get(AwardCycle, cycle_id) if cycle_id else None, cycles=list_cycles())


@bp.route("/export.<fmt>")
@access.signed_in
def export(fmt: str):
    if fmt not in spreadsheets.FORMATS:
        abort(404)
    cycle_id = _selected_cycle_id()
    if cycle_id is None:
        abort(404)
    cycle = db.get_or_404(AwardCycle, cycle_id)
    data = spreadsheets.write(services.export_rows(cycle.id), fmt, sheet_name="SPARK")
    return Response(data, mimetype=spreadsheets.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="spark-{cycle.year}.{fmt}"'})


def _import_form(submitted: bool = False) -> ImportForm:
    form = ImportForm() if submitted else ImportForm(formdata=None)  # a submitted form reads request.files too
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in list_cycles())
    if not submitted and (cycle := current_cycle()):
        form.award_cycle_id.data = str(cycle.id)
    return form


@import_jobs.importer(
    "initiatives.improvements", title=_l("Import process improvements"),
    success=lambda done: _("Imported. New initiatives: %(created)d; new process improvements: %(added)d; changed: "
                           "%(changed)d.", created=done[0], added=done[1], changed=done[2]),
    back=lambda params: (url_for("initiatives.index", cycle=params["cycle_id"]), _("Back to the initiatives")))
def _import_improvements(table: list[list], params: dict, actor) -> tuple[int, int, int]:
    cycle = db.session.get(AwardCycle, params["cycle_id"])
    if cycle is None:
        raise ServiceError(_("This award cycle no longer exists."))
    return services.import_improvements(cycle, table, actor)


@bp.route("/import", methods=["POST"])
@access.roles(Role.QUALITY)
def import_improvements():
    form = _import_form(submitted=True)
    cycle_id = int(form.award_cycle_id.data) if (form.award_cycle_id.data or "").isdigit() else None
    return import_job_view(form, "initiatives.improvements", {"cycle_id": cycle_id},
                           title=_("Import process improvements"), back_url=url_for("initiatives.index"),
                           back_label=_("Back to the initiatives"))


# --- one initiative ---------------------------------------------------------------------------

def _initiative_form(initiative: Initiative | None, formdata=None) -> InitiativeForm:
    form = InitiativeForm(formdata=formdata, obj=initiative if formdata is None else None)
    form.core_id.choices = choices([("", _("No core"))] + [(str(c.id), core_name(c))
                                                            for c in services.list_cores(active_only=True)])
    form.owner_id.choices = choices([("", _("Nobody yet"))] + [(str(u.id), f"{u.display_name} ({u.username})")
                                                                for u in list_users() if u.active])
    if formdata is None and initiative is not None:
        form.core_id.data = str(initiative.core_id or "")
        form.owner_id.data = str(initiative.owner_id or "")
        form.status.data = initiative.status.value
        form.channels.data = list(initiative.channels or [])
        form.tags.data = ", ".join(initiative.tags or [])
    return form


def _initiative_values(form: InitiativeForm) -> dict:
    values = {name: form[name].data for name in services.INITIATIVE_FIELDS}
    for key in ("core_id", "owner_id"):
        values[key] = int(values[key]) if values[key] else None
    for key in ("title_en", "summary", "problem", "what_changed", "team", "first_in_nation_note", "partners"):
        values[key] = (values[key] or "").strip()
    values["title_zh"] = values["title_zh"].strip()
    return values


@bp.route("/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create():
    cycle = current_cycle()
    if cycle is None:
        flash(_("Create an award cycle first."), "danger")
        return redirect(url_for("core.cycles"))
    form = _initiative_form(None, request.form if request.method == "POST" else None)
    # Started from another record (a benchmarking note, say): prefill from it and cite it as evidence.
    source_reference = request.values.get("source", "")
    source = evidence.resolve(source_reference, current_user) if source_reference else None
    if source is not None and request.method == "GET":
        source_type = records.type_of(source)
        form.title_zh.data = source_type.title(source)
        form.summary.data = source_type.summary(source) if source_type.summary else ""

    def save() -> Initiative:
        initiative = services.create_initiative(cycle, _initiative_values(form), current_user)
        if source is not None:
            evidence.add_record(initiative, source_reference, None, current_user)
        return initiative

    return edit_view(form, save=save,
                     success=lambda saved: _("Initiative %(title)s created.", title=localized(saved, "title")),
                     redirect_to=lambda saved: url_for("initiatives.detail", initiative_id=saved.id),
                     template="initiatives/form.html", status=200, initiative=None, cycle=cycle, source=source,
                     source_reference=source_reference if source is not None else "")


@bp.route("/<int:initiative_id>")
@access.signed_in
def detail(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    rows = [(p, savings.of(p)) for p in initiative.improvements]
    charts = []
    for (name, unit), points in services.metric_series(initiative).items():
        svg = line([(m.observed_on, m.value) for m in points], title=name, unit=unit) if len(points) > 1 else None
        charts.append((name, unit, points, data_uri(svg) if svg else None))
    entries = evidence.for_subject(initiative)
    cite_form = CiteForm() if evidence.may_cite(current_user, initiative) else None
    return render_template(
        "initiatives/detail.html", initiative=initiative, rows=rows, total=services.initiative_total(initiative),
        charts=charts, title=title, core_name=core_name, can_edit=services.can_edit(current_user),
        improvement_form=ImprovementForm(formdata=None), metric_form=MetricForm(formdata=None),
        confirm_form=ConfirmForm(), evidence=entries, evidence_links=evidence.links(entries),
        subject_type="initiative", subject_id=initiative.id, today=clock.today(), deadline=None,
        cited_by=evidence.cited_by(initiative), cite_form=cite_form, record_type="initiative",
        record_id=initiative.id, channel_labels=CHANNEL_LABELS, unit_labels=UNIT_LABELS)


@bp.route("/<int:initiative_id>.pdf")
@access.signed_in
def initiative_pdf(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    rows = [(p, savings.of(p)) for p in initiative.improvements]
    charts = []
    for (name, unit), points in services.metric_series(initiative).items():
        if len(points) > 1:
            charts.append((name, unit, points, data_uri(line([(m.observed_on, m.value) for m in points], title=name,
                                                              unit=unit))))
    organization = get_organization()
    html = render_template("pdf/initiative.html", initiative=initiative, rows=rows, charts=charts, title=title,
                           core_name=core_name, total=services.initiative_total(initiative),
                           organization=organization, static_url=pdf.static_url,
                           page_css=pdf.page_css(organization.name if organization else "", title(initiative)))
    return Response(pdf.render(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="initiative-{initiative.id}.pdf"'})


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    form = _initiative_form(initiative, request.form if request.method == "POST" else None)
    return edit_view(form, save=lambda: services.update_initiative(initiative, _initiative_values(form), current_user),
                     success=lambda saved: _("Initiative %(title)s saved.", title=localized(saved, "title")),
                     redirect_to=url_for("initiatives.detail", initiative_id=initiative.id),
                     template="initiatives/form.html", status=200, initiative=initiative,
                     cycle=initiative.award_cycle)


@bp.route("/<int:initiative_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    return confirm_view(action=lambda: services.delete_initiative(initiative, current_user),
                        success=_("The initiative has been deleted."), redirect_to=url_for("initiatives.index"))


# --- improvements and metrics -----------------------------------------------------------------

def _improvement_values(form: ImprovementForm) -> dict:
    values = {name: form[name].data for name in services.IMPROVEMENT_FIELDS}
    if not form.time_spent_given():  # the unit selects keep their default; no time given means not recorded
        values["before_unit"] = values["after_unit"] = None
    for side in ("before", "after"):
        if values[f"{side}_unit"] == "on_the_spot":
            values[f"{side}_value"] = 0
    values["period_note"] = (values["period_note"] or "").strip()
    return values


@bp.route("/<int:initiative_id>/improvements/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def add_improvement(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    form = ImprovementForm()
    if request.method == "GET" and initiative.start_date:
        form.year.data = initiative.start_date.year
    return edit_view(form, save=lambda: services.add_improvement(initiative, _improvement_values(form), current_user),
                     success=_("Process improvement added."),
                     redirect_to=url_for("initiatives.detail", initiative_id=initiative.id) + "#improvements",
                     template="initiatives/improvement_form.html", initiative=initiative, improvement=None,
                     title=title)


@bp.route("/improvements/<int:improvement_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_improvement(improvement_id: int):
    improvement = db.get_or_404(ProcessImprovement, improvement_id)
    form = ImprovementForm(obj=improvement if request.method == "GET" else None)
    if request.method == "GET":
        form.before_unit.data = improvement.before_unit.value if improvement.before_unit else ""
        form.after_unit.data = improvement.after_unit.value if improvement.after_unit else ""
    back = url_for("initiatives.detail", initiative_id=improvement.initiative_id) + "#improvements"
    return edit_view(form, save=lambda: services.update_improvement(improvement, _improvement_values(form),
                                                                    current_user),
                     success=_("Process improvement saved."), redirect_to=back,
                     template="initiatives/improvement_form.html", initiative=improvement.initiative,
                     improvement=improvement, title=title)


@bp.route("/improvements/<int:improvement_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_improvement(improvement_id: int):
    improvement = db.get_or_404(ProcessImprovement, improvement_id)
    back = url_for("initiatives.detail", initiative_id=improvement.initiative_id) + "#improvements"
    return confirm_view(action=lambda: services.delete_improvement(improvement, current_user),
                        success=_("Process improvement removed."), redirect_to=back)


def _metric_values(form: MetricForm) -> dict:
    return {"name": form.name.data.strip(), "unit": (form.unit.data or "").strip(),
            "observed_on": form.observed_on.data, "value": form.value.data}


@bp.route("/<int:initiative_id>/metrics", methods=["POST"])
@access.roles(Role.QUALITY)
def add_metric(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    form = MetricForm()
    return edit_view(form, save=lambda: services.add_metric(initiative, _metric_values(form), current_user),
                     success=_("Outcome recorded."),
                     redirect_to=url_for("initiatives.detail", initiative_id=initiative.id) + "#metrics",
                     template="initiatives/metric_form.html", status=400, initiative=initiative, title=title)


@bp.route("/metrics/<int:metric_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_metric(metric_id: int):
    metric = db.get_or_404(OutcomeMetric, metric_id)
    return confirm_view(action=lambda: services.delete_metric(metric, current_user), success=_("Outcome removed."),
                        redirect_to=url_for("initiatives.detail", initiative_id=metric.initiative_id) + "#metrics")


# --- SPARK cores ------------------------------------------------------------------------------

def _core_values(form: CoreForm) -> dict:
    return {"name_zh": form.name_zh.data.strip(), "name_en": (form.name_en.data or "").strip(),
            "position": form.position.data or 0, "active": form.active.data}


@bp.route("/cores", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def cores():
    form = CoreForm()
    return edit_view(form, save=lambda: services.save_core(None, _core_values(form), current_user),
                     success=_("SPARK core added."), redirect_to=url_for("initiatives.cores"),
                     template="initiatives/cores.html", cores=services.list_cores(), confirm_form=ConfirmForm())


@bp.route("/cores/<int:core_id>/active", methods=["POST"])
@access.roles(Role.QUALITY)
def toggle_core(core_id: int):
    core = db.get_or_404(SparkCore, core_id)
    if ConfirmForm().validate_on_submit():
        services.save_core(core, {"name_zh": core.name_zh, "active": not core.active}, current_user)
    return redirect(url_for("initiatives.cores"))
