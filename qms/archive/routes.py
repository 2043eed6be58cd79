"""Views of the publications archive (/archive, for signed-in users) and the public catalogue (/library)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms import search, uploads
from qms.archive import services
from qms.archive.forms import CoverForm, FileForm, PublicationForm, parse_holdings, split_terms
from qms.archive.models import KIND_LABELS, LANGUAGE_LABELS, Publication, PublicationFile
from qms.core.search_routes import Params, facet_label, params_from, run
from qms.core.services import ServiceError
from qms.evidence import services as evidence
from qms.evidence.forms import CiteForm
from qms.extensions import db
from qms.forms import ConfirmForm
from qms.i18n import list_separator
from qms.spine import access
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, show_service_error

bp = Blueprint("archive", __name__, url_prefix="/archive")
library_bp = Blueprint("library", __name__, url_prefix="/library")
ARCHIVE_FACETS = ("kind", "year", "keyword")


def _search(params: Params, access_terms: list[str]) -> search.Results:
    return run(params, access_terms, types=["publication"], facets=ARCHIVE_FACETS)


def _download(file: PublicationFile):
    # Always an attachment, and HTML as plain text: an uploaded page never runs in QMS's origin.
    mimetype = "text/plain" if file.content_type == "text/html" else file.content_type
    try:
        response = uploads.send(file.stored_name, mimetype=mimetype, as_attachment=True,
                                download_name=uploads.download_name(file.original_name) or "file")
    except FileNotFoundError:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _cover(publication: Publication):
    if not publication.cover_name:
        abort(404)
    try:
        response = uploads.send(publication.cover_name, mimetype=publication.cover_type or "application/octet-stream",
                                max_age=3600)
    except FileNotFoundError:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the archive (signed-in users) ----------------------------------------------------------------

@bp.route("/")
@access.signed_in
def index():
    params = params_from(request.args)
    results = _search(params, search.user_access_terms(current_user))
    can_edit = services.can_edit(current_user)
    return render_template("archive/index.html", params=params, results=results, facet_label=facet_label,
                           endpoint="archive.index", can_edit=can_edit,
                           hit_url=lambda hit: url_for("archive.publication", publication_id=hit.record_id),
                           attention=services.count_without_text() if can_edit else 0,
                           catalogue_open=services.catalogue_open(), confirm_form=ConfirmForm())


def _publication_page(found: Publication, file_form: FileForm | None = None, status: int = 200):
    can_edit = services.can_edit(current_user)
    cite_form = CiteForm() if evidence.may_cite(current_user, found) else None
    similar = search.more_like(f"publication:{found.id}", access=search.user_access_terms(current_user),
                               types=["publication"])
    return render_template(
        "archive/publication.html", publication=found, can_edit=can_edit, similar=similar,
        file_form=(file_form or FileForm()) if can_edit else None, cover_form=CoverForm() if can_edit else None,
        confirm_form=ConfirmForm(), cited_by=evidence.cited_by(found), cite_form=cite_form,
        record_type="publication", record_id=found.id, kind_labels=KIND_LABELS, language_labels=LANGUAGE_LABELS,
        public_view=False), status


@bp.route("/<int:publication_id>")
@access.signed_in
def publication(publication_id: int):
    return _publication_page(services.get(publication_id) or abort(404))


def _values(form: PublicationForm) -> dict:
    values = {key: form[key].data for key in ("title", "subtitle", "kind", "authors", "publisher", "year", "edition",
                                              "language", "gpn", "isbn", "series", "pages", "abstract", "public")}
    for key in ("title", "subtitle", "authors", "publisher", "edition", "gpn", "isbn", "series", "abstract"):
        values[key] = (values[key] or "").strip()
    values["keywords"] = split_terms(form.keywords.data)
    values["subjects"] = split_terms(form.subjects.data)
    values["public"] = bool(values["public"])
    return values


def _save(publication: Publication | None):
    form = PublicationForm(obj=publication if request.method == "GET" else None)
    if request.method == "GET" and publication is not None:
        form.kind.data = publication.kind.value
        form.keywords.data = list_separator().join(publication.keywords)
        form.subjects.data = list_separator().join(publication.subjects)
        form.holdings.data = "\n".join(f"{h.library} | {h.call_number}" if h.call_number else h.library
                                       for h in publication.holdings)
        form.isbn.data = publication.isbn10 or publication.isbn or ""
        form.gpn.data = publication.gpn or ""
    return edit_view(form, save=lambda: services.save_publication(publication, _values(form), current_user,
                                                                  holdings=parse_holdings(form.holdings.data)),
                     success=lambda saved: _("Publication %(title)s saved.", title=saved.title),
                     redirect_to=lambda saved: url_for("archive.publication", publication_id=saved.id),
                     template="archive/form.html", publication=publication)


@bp.route("/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create():
    return _save(None)


@bp.route("/<int:publication_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit(publication_id: int):
    return _save(services.get(publication_id) or abort(404))


@bp.route("/<int:publication_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete(publication_id: int):
    found = services.get(publication_id) or abort(404)
    return confirm_view(action=lambda: services.delete_publication(found, current_user),
                        success=_("Publication deleted."), redirect_to=url_for("archive.index"),
                        refused_to=url_for("archive.publication", publication_id=found.id))


@bp.route("/<int:publication_id>/files", methods=["POST"])
@access.roles(Role.QUALITY)
def upload(publication_id: int):
    found = services.get(publication_id) or abort(404)
    form = FileForm()
    if form.validate_on_submit():
        try:
            added = services.add_file(found, form.file.data.read(), form.file.data.filename or "", form.public.data,
                                      current_user)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            if added.text_status.value == "ok":
                flash(_("File %(name)s added; its text is searchable.", name=added.original_name), "success")
            else:
                flash(_("File %(name)s added, but no text could be read from it (a scan?). It is listed for "
                        "attention.", name=added.original_name), "info")
            return redirect(url_for("archive.publication", publication_id=found.id) + "#files")
    return _publication_page(found, file_form=form, status=400)


@bp.route("/files/<int:file_id>")
@access.signed_in
def download(file_id: int):
    return _download(db.get_or_404(PublicationFile, file_id))


@bp.route("/files/<int:file_id>/public", methods=["POST"])
@access.roles(Role.QUALITY)
def file_public(file_id: int):
    file = db.get_or_404(PublicationFile, file_id)
    return confirm_view(action=lambda: services.set_file_public(file, request.form.get("public") == "1", current_user),
                        success=_("File %(name)s updated.", name=file.original_name),
                        redirect_to=url_for("archive.publication", publication_id=file.publication_id) + "#files")


@bp.route("/files/<int:file_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_file(file_id: int):
    file = db.get_or_404(PublicationFile, file_id)
    return confirm_view(action=lambda: services.delete_file(file, current_user), success=_("File removed."),
                        redirect_to=url_for("archive.publication", publication_id=file.publication_id) + "#files")


@bp.route("/<int:publication_id>/cover")
@access.signed_in
def cover(publication_id: int):
    return _cover(db.get_or_404(Publication, publication_id))


@bp.route("/<int:publication_id>/cover", methods=["POST"])
@access.roles(Role.QUALITY)
def upload_cover(publication_id: int):
    found = services.get(publication_id) or abort(404)
    form = CoverForm()
    if form.validate_on_submit():
        try:
            services.set_cover(found, form.file.data.read(), form.file.data.filename or "", current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Cover saved."), "success")
    else:
        flash("; ".join(str(e) for e in form.file.errors) or _("Choose a file."), "danger")
    return redirect(url_for("archive.publication", publication_id=found.id))


@bp.route("/<int:publication_id>/cover/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_cover(publication_id: int):
    found = services.get(publication_id) or abort(404)
    return confirm_view(action=lambda: services.remove_cover(found, current_user), success=_("Cover removed."),
                        redirect_to=url_for("archive.publication", publication_id=found.id))


@bp.route("/attention")
@access.roles(Role.QUALITY)
def attention():
    return render_template("archive/attention.html", files=services.files_without_text())


@bp.route("/catalogue", methods=["POST"])
@access.roles(Role.ADMIN)
def catalogue():
    def success(_done) -> str:
        return (_("The public catalogue is open to visitors.") if services.catalogue_open()
                else _("The public catalogue is closed."))

    return confirm_view(action=lambda: services.set_catalogue(request.form.get("open") == "1", current_user),
                        success=success, redirect_to=url_for("archive.index"))


# --- the public catalogue (anonymous visitors, when an admin has opened it) -----------------------

def _require_catalogue() -> None:
    if not services.catalogue_open():
        abort(404)


@library_bp.route("/")
@access.public
def library_index():
    _require_catalogue()
    params = params_from(request.args)
    results = _search(params, search.user_access_terms(None))
    return render_template("archive/library.html", params=params, results=results, facet_label=facet_label,
                           endpoint="library.library_index",
                           hit_url=lambda hit: url_for("library.library_publication", publication_id=hit.record_id))


@library_bp.route("/<int:publication_id>")
@access.public
def library_publication(publication_id: int):
    _require_catalogue()
    found = services.get(publication_id, public_only=True) or abort(404)
    return render_template("archive/publication.html", publication=found, public_view=True, can_edit=False,
                           kind_labels=KIND_LABELS, language_labels=LANGUAGE_LABELS, similar=[],
                           files=[f for f in found.files if f.public])


@library_bp.route("/files/<int:file_id>")
@access.public
def library_download(file_id: int):
    _require_catalogue()
    file = db.get_or_404(PublicationFile, file_id)
    if not (file.public and file.publication.public):
        abort(404)
    return _download(file)


@library_bp.route("/<int:publication_id>/cover")
@access.public
def library_cover(publication_id: int):
    _require_catalogue()
    found = services.get(publication_id, public_only=True) or abort(404)
    return _cover(found)
