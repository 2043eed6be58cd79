"""Views to add, download and remove evidence of any record whose type allows it."""
from flask import Blueprint, abort, current_app, flash, redirect, send_file
from flask_babel import gettext as _
from flask_login import current_user

from qms import uploads
from qms.core.services import ServiceError
from qms.evidence import services
from qms.evidence.forms import FORMS, CiteForm
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.spine import access, records
from qms.views import confirm_view, edit_view

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

    def save() -> Evidence:
        if kind == "file":
            upload = form.file.data
            return services.add_file(subject, upload.read(uploads.max_bytes() + 1), upload.filename or "",
                                     (form.title.data or "").strip(), form.expires_on.data, current_user)
        if kind == "link":
            return services.add_link(subject, form.url.data.strip(), form.title.data.strip(), form.expires_on.data,
                                     current_user)
        return services.add_record(subject, form.record.data, form.expires_on.data, current_user)

    back = back_to(record_type, subject)
    return edit_view(form, save=save, success=_("Evidence added."), redirect_to=back, template="evidence/add.html",
                     kind=kind, subject=subject, subject_title=record_type.title(subject), back=back)


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
    return confirm_view(action=lambda: services.delete(evidence, current_user), success=_("Evidence removed."),
                        redirect_to=back_to(record_type, subject))


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
    return send_file(path, mimetype=evidence.content_type, as_attachment=True,
                     download_name=uploads.download_name(evidence.original_name) or "file", max_age=0)
