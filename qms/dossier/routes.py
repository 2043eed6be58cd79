"""Pages of the application dossier: settings, HTML preview, versions (render, progress, download, final)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from qms.core.models import AwardCycle
from qms.core.services import ServiceError
from qms.dossier import jobs, services
from qms.dossier.forms import NewDossierForm, chosen_sections, fill_sections, section_form_class
from qms.dossier.models import Dossier, DossierVersion
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.jobs import JobStatus
from qms.spine import access
from qms.spine import sections as registry
from qms.spine.access import Role
from qms.views import edit_view, show_service_error

bp = Blueprint("dossier", __name__, url_prefix="/dossiers")

def paused_message() -> str:
    return _("Background work is paused: rendering starts when the job queue is back. The version waits "
             "in the list meanwhile.")


# Staff never see the dossier: it gathers every module's figures before leadership has released them.
EDITORS = (Role.LEADER, Role.QUALITY)


@bp.route("/")
@access.roles(*EDITORS)
def index():
    form = NewDossierForm(formdata=None)
    cycles = services.cycles_without_dossier()
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in cycles)
    return render_template("dossier/index.html", dossiers=services.list_dossiers(), form=form, cycles=cycles)


@bp.route("/new", methods=["POST"])
@access.roles(*EDITORS)
def create():
    form = NewDossierForm()
    cycles = services.cycles_without_dossier()
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in cycles)

    def save() -> Dossier:
        cycle = db.session.get(AwardCycle, int(form.award_cycle_id.data))
        return services.create_dossier(cycle, {"title": form.title.data}, current_user)

    return edit_view(form, save=save, success=_("Dossier created. Choose its sections and write the foreword."),
                     redirect_to=lambda dossier: url_for("dossier.edit", dossier_id=dossier.id),
                     template="dossier/index.html", status=400, dossiers=services.list_dossiers(), cycles=cycles)


def _version_of(dossier_id: int, version_id: int) -> DossierVersion:
    version = db.get_or_404(DossierVersion, version_id)
    if version.dossier_id != dossier_id:
        abort(404)
    return version


@bp.route("/<int:dossier_id>")
@access.roles(*EDITORS)
def detail(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    versions = services.versions_of(dossier)
    services.expire_stale(versions)
    finished = [v for v in versions if v.status.value == "done"]
    latest = finished[0] if finished else None
    working = next((v for v in versions if v.is_working), None)
    return render_template(
        "dossier/detail.html", dossier=dossier, versions=versions, working=working, latest=latest,
        final=services.final_version(versions), limit=services.limit_report(latest),
        section_labels={s.key: s.label for s in registry.all_sections()}, confirm_form=ConfirmForm(),
        can_finalize=current_user.has_role(Role.LEADER))


@bp.route("/<int:dossier_id>/edit", methods=["GET", "POST"])
@access.roles(*EDITORS)
def edit(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    form_class = section_form_class()
    submitted = request.method == "POST"
    form = form_class() if submitted else form_class(formdata=None, obj=dossier)
    evidence_files = services.appendable_evidence()
    form.appended_evidence_ids.choices = choices((e.id, str(e)) for e in evidence_files)
    if not submitted:
        fill_sections(form, dossier.sections)
        form.appended_evidence_ids.data = list(dossier.appended_evidence_ids or [])
    if submitted and form.validate_on_submit():
        values = {"title": form.title.data, "foreword": (form.foreword.data or "").strip(),
                  "page_limit": form.page_limit.data, "sections": chosen_sections(form),
                  "appended_evidence_ids": form.appended_evidence_ids.data or []}
        try:
            services.update_dossier(dossier, values, current_user)
        except ServiceError as error:
            if error.field == "sections":
                flash(error.message, "danger")
            else:
                show_service_error(form, error)
        else:
            flash(_("Dossier saved."), "success")
            return redirect(url_for("dossier.detail", dossier_id=dossier.id))
    return render_template("dossier/edit.html", dossier=dossier, form=form, sections=registry.all_sections()), \
        400 if submitted else 200


@bp.route("/<int:dossier_id>/preview")
@access.roles(*EDITORS)
def preview(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    final = services.final_version(services.versions_of(dossier))
    built = services.build(dossier, preview=True, draft=final is None)
    return built.html


@bp.route("/<int:dossier_id>/generate", methods=["POST"])
@access.roles(*EDITORS)
def generate(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = services.request_version(dossier, current_user, str(get_locale() or "zh_Hant_TW"))
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        job = jobs.start(version.id, current_user)
        if job.status == JobStatus.WAITING:
            flash(paused_message(), "warning")
        else:
            flash(_("Version %(number)s is being rendered; it appears in the list when it is ready.",
                    number=version.number), "info")
    return redirect(url_for("dossier.detail", dossier_id=dossier.id))


def job_message(version: DossierVersion) -> str:
    return _("Version %(number)s: %(status)s (%(progress)s %%).", number=version.number, status=version.status.label,
             progress=version.progress)


@bp.route("/<int:dossier_id>/versions/<int:version_id>/status")
@access.roles(*EDITORS)
def status(dossier_id: int, version_id: int):
    version = _version_of(dossier_id, version_id)
    return jsonify(status=version.status.value, progress=version.progress, stage=version.stage,
                   working=version.is_working, message=job_message(version))


@bp.route("/<int:dossier_id>/versions/<int:version_id>.pdf")
@access.roles(*EDITORS)
def download(dossier_id: int, version_id: int):
    version = _version_of(dossier_id, version_id)
    try:
        data = services.read_pdf(version)
    except (ServiceError, FileNotFoundError):
        abort(404)
    name = f"dossier-{version.dossier.award_cycle.year}-v{version.number}{'-final' if version.is_final else ''}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-SHA256": version.sha256})


@bp.route("/<int:dossier_id>/versions/<int:version_id>/final", methods=["POST"])
@access.roles(Role.LEADER)
def finalize(dossier_id: int, version_id: int):
    version = _version_of(dossier_id, version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.finalize(version, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        if jobs.start(version.id, current_user).status == JobStatus.WAITING:
            flash(paused_message(), "warning")
        flash(_("Version %(number)s is final: it is rendered once more without the draft watermark and "
                "then locked.", number=version.number), "success")
    return redirect(url_for("dossier.detail", dossier_id=dossier_id))
