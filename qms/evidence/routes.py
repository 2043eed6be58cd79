"""Views to add, download and remove evidence of any record whose type allows it."""
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms import uploads
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


def _query() -> str:
    """The words typed in a record picker (carried in the POST too, so a refused choice shows the same list)."""
    return (request.values.get("q") or "").strip()[:200]


def record_picker(subject_type: str, subject_id: int, query: str, matches) -> dict:
    """What evidence/_picker.html needs to find a record to link as evidence of this subject."""
    here = url_for("evidence.add", subject_type=subject_type, subject_id=subject_id, kind="record")
    return {"field": "record", "query": query, "matches": matches, "find_url": here, "post_url": here,
            "matches_url": url_for("evidence.evidence_matches", subject_type=subject_type, subject_id=subject_id),
            "label": _("Find a QMS record"), "submit_label": _("Add record"), "extra_fields": ("expires_on",),
            "help": _("Type part of its title or a few of its words: publications, SPARK initiatives, drills, "
                      "corrective actions, benchmarking notes, survey rounds and checklist items you may read.")}


@bp.app_template_global()
def cite_picker(record_type: str, record_id: int, query: str = "", matches=()) -> dict:
    """What evidence/_picker.html needs to find the record that this one stands as evidence for (also called by
    evidence/_cited_by.html on the record's own page, where the list fills in as one types)."""
    here = url_for("evidence.cite", record_type=record_type, record_id=record_id)
    return {"field": "subject", "query": query, "matches": matches, "find_url": here, "post_url": here,
            "matches_url": url_for("evidence.subject_matches", record_type=record_type, record_id=record_id),
            "label": _("Find what this supports"), "submit_label": _("Link as evidence"), "extra_fields": (),
            "help": _("Type part of the title of a checklist item or another record you may add evidence to.")}


@bp.route("/<subject_type>/<int:subject_id>/<kind>", methods=["GET", "POST"])
@access.signed_in
@access.object_rule
def add(subject_type: str, subject_id: int, kind: str):
    if kind not in FORMS:
        abort(404)
    record_type, subject = _subject(subject_type, subject_id)
    form = FORMS[kind]()
    picker = None
    if kind == "record":
        query = _query()
        picker = record_picker(subject_type, subject_id, query, services.find_evidence(current_user, query, subject))

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
                     kind=kind, subject=subject, subject_title=record_type.title(subject), back=back, picker=picker)


@bp.route("/<subject_type>/<int:subject_id>/record/matches")
@access.signed_in
@access.object_rule
def evidence_matches(subject_type: str, subject_id: int):
    """The records matching what was typed, as the picker's list (an HTML fragment)."""
    _record_type, subject = _subject(subject_type, subject_id)
    query = _query()
    return render_template("evidence/_matches.html", picker={
        "field": "record", "query": query, "matches": services.find_evidence(current_user, query, subject)})


def _cited(record_type: str, record_id: int):
    cited_type = records.get(record_type)
    if cited_type is None or not cited_type.evidence:
        abort(404)
    record = db.get_or_404(cited_type.model, record_id)
    if not cited_type.readable(current_user):
        abort(403)
    return cited_type, record


@bp.route("/cite/<record_type>/<int:record_id>", methods=["GET", "POST"])
@access.signed_in
@access.object_rule
def cite(record_type: str, record_id: int):
    """Make this record evidence for another one (an initiative for a checklist item, say)."""
    cited_type, record = _cited(record_type, record_id)
    form = CiteForm()
    query = _query()
    back = (cited_type.url_for(record.id) or "/") + "#supports"
    return edit_view(form, save=lambda: services.cite(record, form.subject.data, current_user),
                     success=_("Linked as evidence."), redirect_to=back, template="evidence/cite.html",
                     record_title=cited_type.title(record), back=back,
                     picker=cite_picker(record_type, record_id, query,
                                        services.find_subjects(current_user, query, record)))


@bp.route("/cite/<record_type>/<int:record_id>/matches")
@access.signed_in
@access.object_rule
def subject_matches(record_type: str, record_id: int):
    """The records this one may be linked to as evidence, matching what was typed (an HTML fragment)."""
    _cited_type, record = _cited(record_type, record_id)
    query = _query()
    return render_template("evidence/_matches.html", picker={
        "field": "subject", "query": query, "matches": services.find_subjects(current_user, query, record)})


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
        return uploads.send(evidence.stored_name, mimetype=evidence.content_type, as_attachment=True,
                            download_name=uploads.download_name(evidence.original_name) or "file", max_age=0)
    except FileNotFoundError:
        current_app.logger.error("evidence %s: stored file %s is missing", evidence.id, evidence.stored_name)
        abort(404)
