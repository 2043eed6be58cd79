"""Views to add, download and remove evidence of any record whose type allows it."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user

from qms import uploads
from qms.auth.routes import show_service_error
from qms.core.services import ServiceError
from qms.evidence import services
from qms.evidence.forms import FORMS, CiteForm
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.spine import access, records

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _subject(subject_type: str, subject_id: int):
    record_type = records.get(subject_type)
    if record_type is None or record_type.can_edit is None:
        abort(404)
    subject = db.get_or_404(record_type.model, subject_id)
    if not record_type.can_edit(current_user, subject):
        abort(403)
    return record_type, subject


def back_to(record_type, subject) -> str:
    return (record_type.url_for(subject.id) or "/") + "#evidence"


@bp.route("/<subject_type>/<int:subject_id>/<kind>", methods=["GET", "POST"])
@access.signed_in
@access.object_rule
def add(subject_type: str, subject_id: int, kind: str):
    if kind not in FORMS:
        abort(404)
    record_type, subject = _subject(subject_type, subject_id)
    form = FORMS[kind]()
    if kind == "record":
        form.set_record_choices(services.record_choices(current_user))
    if form.validate_on_submit():
        try:
            if kind == "file":
                upload = form.file.data
                services.add_file(subject, upload.read(uploads.max_bytes() + 1), upload.filename or "",
                                  (form.title.data or "").strip(), form.expires_on.data, current_user)
            elif kind == "link":
                services.add_link(subject, form.url.data.strip(), form.title.data.strip(), form.expires_on.data,
                                  current_user)
            else:
                services.add_record(subject, form.record.data, form.expires_on.data, current_user)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Evidence added."), "success")
            return redirect(back_to(record_type, subject))
    return render_template("evidence/add.html", form=form, kind=kind, subject=subject,
                           subject_title=record_type.title(subject), back=back_to(record_type, subject)), \
        400 if form.errors else 200


@bp.route("/cite/<record_type>/<int:record_id>", methods=["POST"])
@access.signed_in
def cite(record_type: str, record_id: int):
    """Make this record evidence for another one (an initiative for a checklist item, say)."""
    cited_type = records.get(record_type)
    if cited_type is None or not cited_type.evidence:
        abort(404)
    record = db.get_or_404(cited_type.model, record_id)
    if not cited_type.readable(current_user):
        abort(403)
    form = CiteForm()
    form.set_subject_choices(services.subject_choices(current_user, exclude_type=record_type))
    back = cited_type.url_for(record.id) or "/"
    if form.validate_on_submit():
        try:
            services.cite(record, form.subject.data, current_user)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("Linked as evidence."), "success")
    else:
        flash(_("Choose what this supports."), "danger")
    return redirect(back + "#supports")


@bp.route("/<int:evidence_id>/delete", methods=["POST"])
@access.signed_in
def delete(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    record_type, subject = _subject(evidence.subject_type, evidence.subject_id)
    if ConfirmForm().validate_on_submit():
        services.delete(evidence, current_user)
        flash(_("Evidence removed."), "success")
    return redirect(back_to(record_type, subject))


@bp.route("/<int:evidence_id>/download")
@access.signed_in
def download(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    record_type = records.get(evidence.subject_type)
    if evidence.kind != EvidenceKind.FILE or record_type is None:
        abort(404)
    if not record_type.readable(current_user):
        abort(403)
    try:
        path = uploads.path_of(evidence.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        current_app.logger.error("evidence %s: stored file %s is missing", evidence.id, evidence.stored_name)
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.original_name,
                     max_age=0)
