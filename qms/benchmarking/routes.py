"""Views of the benchmarking register: comparison table, organizations, metrics, values, notes, import/export."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, load_only
from werkzeug.wrappers import Response

from qms import import_jobs, spreadsheets
from qms.auth.models import User
from qms.auth.services import list_users
from qms.benchmarking import services
from qms.benchmarking.forms import CompareForm, ImportForm, MetricForm, NoteForm, PeerForm, ValueForm
from qms.benchmarking.models import BenchmarkMetric, BenchmarkNote, MetricValue, PeerOrganization
from qms.charts import data_uri, trend_lines
from qms.core.services import ServiceError
from qms.evidence import services as evidence
from qms.evidence.forms import CiteForm
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.i18n import is_chinese, localized
from qms.spine import access, clock
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, import_job_view, page_args, paged, show_service_error

bp = Blueprint("benchmarking", __name__, url_prefix="/benchmarking")


def name(record) -> str:
    return localized(record, "name")


shown = services.shown


def reason_text(reason: str) -> str:
    return {"zero": _("n/a: the denominator is zero"), "missing": _("n/a: a value is missing")}.get(reason, _("n/a"))


# --- the comparison ---------------------------------------------------------------------------

@bp.route("/")
@access.signed_in
def index():
    metrics = services.list_metrics()
    year_list = services.years()
    form = CompareForm(request.args)
    form.year.choices = choices((str(y), str(y)) for y in year_list)
    form.metrics.choices = choices((str(m.id), name(m)) for m in metrics)
    form.trend.choices = choices((str(m.id), name(m)) for m in metrics)
    form.validate()
    year = int(form.year.data) if form.year.data and form.year.data.isdigit() else services.default_year()
    form.year.data = str(year) if year else None
    chosen = [int(m) for m in (form.metrics.data or []) if str(m).isdigit()]
    comparison = services.compare(year, chosen or None) if year else None
    trend_metric = db.session.get(BenchmarkMetric, int(form.trend.data)) if (form.trend.data or "").isdigit() else None
    if trend_metric is None and metrics:
        trend_metric = next((m for m in metrics if m.derived), metrics[0])
        form.trend.data = str(trend_metric.id)
    trend, chart = [], None
    if trend_metric is not None and services.self_row() is not None:
        trend = services.trend(trend_metric)
        if trend:
            chart = data_uri(trend_lines([year_ for year_, _own, _median in trend],
                                         [(_("This office"), [own for _y, own, _m in trend])],
                                         unit=trend_metric.unit,
                                         reference=(_("Peer median"), [median for _y, _o, median in trend])))
    return render_template("benchmarking/index.html", form=form, comparison=comparison, year=year, name=name,
                           shown=shown, reason_text=reason_text, trend=trend, trend_metric=trend_metric, chart=chart,
                           chosen=chosen, import_form=ImportForm() if services.can_edit(current_user) else None)


@bp.route("/export.<fmt>")
@access.signed_in
def export(fmt: str):
    if fmt not in spreadsheets.FORMATS:
        abort(404)
    year = request.args.get("year", type=int)
    if year is None:
        abort(404)
    metric_ids = [int(m) for m in request.args.getlist("metrics") if m.isdigit()]
    comparison = services.compare(year, metric_ids or None)
    data = spreadsheets.write(services.export_rows(comparison, is_chinese()), fmt, sheet_name=str(year))
    return Response(data, mimetype=spreadsheets.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="benchmarking-{year}.{fmt}"'})


@import_jobs.importer("benchmarking.values", title=_l("Import values"),
                      success=lambda written: _("Imported: %(count)d values written.", count=written),
                      back=lambda params: (url_for("benchmarking.index"), _("Back to the comparison")))
def _import_values(table: list[list], params: dict, actor) -> int:
    return services.import_values(table, actor)


@bp.route("/import", methods=["POST"])
@access.roles(Role.QUALITY)
def import_values():
    return import_job_view(ImportForm(), "benchmarking.values", {}, title=_("Import values"),
                           back_url=url_for("benchmarking.index"), back_label=_("Back to the comparison"))


# --- organizations ----------------------------------------------------------------------------

@bp.route("/peers")
@access.signed_in
def peers():
    page = paged(services.peers_query())
    return render_template("benchmarking/peers.html", peers=page.items, page=page, page_args=page_args(), name=name,
                           can_edit=services.can_edit(current_user))


def _peer_values(form: PeerForm) -> dict:
    return {key: (form[key].data or "").strip() if key != "kind" else form[key].data for key in services.PEER_FIELDS}


def _save_peer(peer: PeerOrganization | None):
    form = PeerForm(obj=peer if request.method == "GET" else None)
    if request.method == "GET" and peer is not None:
        form.kind.data = peer.kind.value
    return edit_view(form, save=lambda: services.save_peer(peer, _peer_values(form), current_user),
                     success=lambda saved: _("Organization %(name)s saved.", name=localized(saved, "name")),
                     redirect_to=lambda saved: url_for("benchmarking.peer", peer_id=saved.id),
                     template="benchmarking/peer_form.html", peer=peer)


@bp.route("/peers/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_peer():
    return _save_peer(None)


@bp.route("/peers/<int:peer_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_peer(peer_id: int):
    return _save_peer(db.get_or_404(PeerOrganization, peer_id))


@bp.route("/peers/<int:peer_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_peer(peer_id: int):
    peer = db.get_or_404(PeerOrganization, peer_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_peer(peer, current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return redirect(url_for("benchmarking.peer", peer_id=peer.id))
        flash(_("Organization deleted."), "success")
    return redirect(url_for("benchmarking.peers"))


def _value_form(formdata=None) -> ValueForm:
    form = ValueForm(formdata=formdata) if formdata is not None else ValueForm(formdata=None)
    form.metric_id.choices = choices((str(m.id), name(m)) for m in services.list_metrics() if not m.derived)
    return form


@bp.route("/peers/<int:peer_id>", methods=["GET", "POST"])
@access.signed_in
def peer(peer_id: int):
    found = db.get_or_404(PeerOrganization, peer_id)
    form = None
    if services.can_edit(current_user):
        form = _value_form(request.form if request.method == "POST" else None)
    elif request.method == "POST":
        abort(403)
    if form is not None and form.validate_on_submit():
        metric = db.get_or_404(BenchmarkMetric, int(form.metric_id.data))
        try:
            services.save_value(found, metric, form.year.data, {"value": form.value.data, "source": (
                form.source.data or "").strip(), "source_date": form.source_date.data}, current_user)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Value saved."), "success")
            return redirect(url_for("benchmarking.peer", peer_id=found.id) + "#values")
    return render_template("benchmarking/peer.html", peer=found, values=services.values_of(found), form=form,
                           name=name, confirm_form=ConfirmForm()), 400 if form is not None and form.errors else 200


@bp.route("/values/<int:value_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_value(value_id: int):
    value = db.get_or_404(MetricValue, value_id)
    return confirm_view(action=lambda: services.delete_value(value, current_user), success=_("Value removed."),
                        redirect_to=url_for("benchmarking.peer", peer_id=value.peer_id) + "#values")


# --- metrics ----------------------------------------------------------------------------------

@bp.route("/metrics")
@access.signed_in
def metrics():
    return render_template("benchmarking/metrics.html", metrics=services.list_metrics(), name=name,
                           can_edit=services.can_edit(current_user))


def _metric_values(form: MetricForm) -> dict:
    return {"name_zh": form.name_zh.data, "name_en": (form.name_en.data or "").strip(),
            "unit": (form.unit.data or "").strip(), "direction": form.direction.data,
            "numerator_id": int(form.numerator_id.data) if form.numerator_id.data else None,
            "denominator_id": int(form.denominator_id.data) if form.denominator_id.data else None,
            "decimals": form.decimals.data or 0, "position": form.position.data or 0}


def _save_metric(metric: BenchmarkMetric | None):
    form = MetricForm(obj=metric if request.method == "GET" else None)
    options = choices([("", _("— (an entered metric)"))] + [(str(m.id), name(m)) for m in services.list_metrics()
                                                              if metric is None or m.id != metric.id])
    form.numerator_id.choices, form.denominator_id.choices = options, list(options)
    if request.method == "GET" and metric is not None:
        form.direction.data = metric.direction.value
        form.numerator_id.data = str(metric.numerator_id or "")
        form.denominator_id.data = str(metric.denominator_id or "")
    return edit_view(form, save=lambda: services.save_metric(metric, _metric_values(form), current_user),
                     success=_("Metric saved."), redirect_to=url_for("benchmarking.metrics"),
                     template="benchmarking/metric_form.html", metric=metric)


@bp.route("/metrics/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_metric():
    return _save_metric(None)


@bp.route("/metrics/<int:metric_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_metric(metric_id: int):
    return _save_metric(db.get_or_404(BenchmarkMetric, metric_id))


# --- notes ------------------------------------------------------------------------------------

@bp.route("/notes")
@access.signed_in
def notes():
    decision = request.args.get("decision") or None
    if decision not in (None, "adopt", "adapt", "not_for_us", "to_study"):
        decision = None
    # What a row shows, and no more: the notes' texts and the full peer and owner records stay unloaded.
    page = paged(services.notes_query(decision).options(
        load_only(BenchmarkNote.title, BenchmarkNote.peer_id, BenchmarkNote.visited_on, BenchmarkNote.decision,
                  BenchmarkNote.decision_owner_id),
        joinedload(BenchmarkNote.peer).load_only(PeerOrganization.name_zh, PeerOrganization.name_en),
        joinedload(BenchmarkNote.decision_owner).load_only(User.display_name)))
    return render_template("benchmarking/notes.html", notes=page.items, page=page, page_args=page_args(),
                           decision=decision,
                           can_edit=services.can_edit(current_user))


@bp.route("/notes/<int:note_id>")
@access.signed_in
def note(note_id: int):
    found = db.get_or_404(BenchmarkNote, note_id)
    entries = evidence.for_subject(found)
    cite_form = CiteForm() if evidence.may_cite(current_user, found) else None
    return render_template(
        "benchmarking/note.html", note=found, evidence=entries, evidence_links=evidence.links(entries),
        can_edit=services.can_edit(current_user), subject_type="benchmark_note", subject_id=found.id,
        today=clock.today(), deadline=None, cited_by=evidence.cited_by(found), cite_form=cite_form,
        record_type="benchmark_note", record_id=found.id, confirm_form=ConfirmForm(), name=name,
        start_initiative_url=url_for("initiatives.create", source=f"benchmark_note:{found.id}")
        if "initiatives.create" in current_app.view_functions else None)


def _note_values(form: NoteForm) -> dict:
    values = {key: form[key].data for key in services.NOTE_FIELDS}
    for key in ("peer_id", "decision_owner_id"):
        values[key] = int(values[key]) if values[key] else None
    for key in ("title", "practice", "why_it_works"):
        values[key] = (values[key] or "").strip()
    return values


def _save_note(note: BenchmarkNote | None):
    form = NoteForm(obj=note if request.method == "GET" else None)
    form.peer_id.choices = choices([("", "—")] + [(str(p.id), name(p)) for p in services.list_peers()
                                                   if not p.is_self])
    form.decision_owner_id.choices = choices([("", _("Nobody yet"))] + [(str(u.id), u.display_name)
                                                                        for u in list_users() if u.active])
    if request.method == "GET" and note is not None:
        form.peer_id.data = str(note.peer_id or "")
        form.decision_owner_id.data = str(note.decision_owner_id or "")
        form.decision.data = note.decision.value
    return edit_view(form, save=lambda: services.save_note(note, _note_values(form), current_user),
                     success=_("Benchmarking note saved."),
                     redirect_to=lambda saved: url_for("benchmarking.note", note_id=saved.id),
                     template="benchmarking/note_form.html", note=note)


@bp.route("/notes/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_note():
    return _save_note(None)


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_note(note_id: int):
    return _save_note(db.get_or_404(BenchmarkNote, note_id))


@bp.route("/notes/<int:note_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_note(note_id: int):
    found = db.get_or_404(BenchmarkNote, note_id)
    return confirm_view(action=lambda: services.delete_note(found, current_user),
                        success=_("Benchmarking note deleted."), redirect_to=url_for("benchmarking.notes"))
