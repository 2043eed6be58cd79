"""The shapes most views share: a form saved through a service, a confirmed action such as a delete, and an
uploaded spreadsheet run through an importer."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import filetype
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from werkzeug.wrappers import Response

from qms import import_jobs, spreadsheets, uploads
from qms.core.services import ServiceError
from qms.extensions import db
from qms.forms import ConfirmForm

# A message or address known before the service runs, or one built from what the service returned.
AfterSave = str | Callable[[Any], str]


def paged(query, per_page: int | None = None) -> Pagination:
    """One page of a list's rows (the `page` query argument), `PAGE_SIZE` at most: a list costs the same whatever
    the table holds. Shown with the `pagination` macro of `_macros/tables.html`, which takes `page_args()`."""
    size = per_page or current_app.config["PAGE_SIZE"]
    return db.paginate(query, per_page=size, max_per_page=size, error_out=False)


def page_args() -> dict[str, str]:
    """The list's query arguments (filters, sort) but the page: the page links carry them."""
    return {key: value for key, value in request.args.items() if key != "page" and value}


_ID_SLOT = 918273645546372819  # an id no table reaches: marks where a row's id goes in the address built once


def id_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """url_for(endpoint, **{key: id}, **values) for a list's rows at the cost of one url_for: the address is built
    once around a marker, and each row puts its id in its place (url_for costs about 11 µs a call, a tenth of
    a row). For endpoints whose `key` is an int in the path, as every record's page is."""
    head, marker, tail = url_for(endpoint, **{key: _ID_SLOT}, **values).partition(str(_ID_SLOT))
    if not marker:
        raise ValueError(f"{endpoint} does not put {key} in its address")
    return lambda record_id: f"{head}{int(record_id)}{tail}"


def label_names(enum) -> dict:
    """An enum's labels translated once for a list page (a lazy label costs a translation lookup each row)."""
    return {member: str(label) for member, label in enum.labels().items()}


def show_service_error(form, error: ServiceError) -> None:
    """Put a rule's refusal beside its field when it names one, else above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def _after(value: AfterSave, result: Any) -> str:
    return value(result) if callable(value) else value


def edit_view(form, *, save: Callable[[], Any], success: AfterSave, redirect_to: AfterSave, template: str,
              status: int | None = None, **context):
    """Save a valid submitted form through `save`, flash `success` and redirect; else show the form again.

    A ServiceError from `save` rolls the session back and shows its message beside its field (or above the form).
    `success` and `redirect_to` may be functions of what `save` returned (the saved record, say).
    The form page is rendered with `form` and `context`; its status is `status` when given, else 400 when the
    form shows errors and 200 when not.
    """
    if form.validate_on_submit():
        try:
            saved = save()
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_after(success, saved), "success")
            return redirect(_after(redirect_to, saved))
    page = render_template(template, form=form, **context)
    return page, status if status is not None else (400 if form.errors else 200)


def confirm_view(*, action: Callable[[], Any], success: AfterSave, redirect_to: str,
                 refused_to: str | None = None, form=None) -> Response:
    """Run `action` when the confirmation (its CSRF token) is valid, flash `success`, and redirect to `redirect_to`.

    A ServiceError from `action` rolls the session back and is flashed instead. An invalid confirmation changes
    nothing and redirects to `refused_to` (by default `redirect_to`). `form` replaces the empty ConfirmForm when
    the button carries values (validated the same way).
    """
    if not (form or ConfirmForm()).validate_on_submit():
        return redirect(refused_to or redirect_to)
    try:
        done = action()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_after(success, done), "success")
    return redirect(redirect_to)


def _sheet_refusal(data: bytes, fmt: str) -> str | None:
    """Why an uploaded sheet is refused before it is queued (size, extension, content), or None. The rows
    themselves are read and checked in the import's job."""
    if fmt not in spreadsheets.FORMATS:
        return _("Upload an XLSX, ODS or CSV file.")
    if not data:
        return _("The file is empty.")
    if len(data) > uploads.max_bytes():
        return _("The file is larger than the limit of %(limit)s.", limit=uploads.human_size(uploads.max_bytes()))
    looks_right = (b"\x00" not in data[:65536] if fmt == "csv"
                   else (guessed := filetype.guess(data)) is not None and guessed.extension == fmt)
    return None if looks_right else _("This file could not be read as %(format)s.", format=fmt.upper())


def import_job_view(form, importer: str, params: Mapping[str, Any], *, title: str, back_url: str,
                    back_label: str):
    """Queue the form's uploaded spreadsheet for the import registered as `importer` (qms.import_jobs) and go to
    the import's page, which follows the job and then shows what was written or every problem by row.

    A refused form or file (size, type, content) answers 400 with the import report, and nothing is queued."""
    message = None
    if form.validate_on_submit():
        upload = form.file.data
        fmt = (upload.filename or "").rsplit(".", 1)[-1].lower()
        data = upload.read(uploads.max_bytes() + 1)
        message = _sheet_refusal(data, fmt)
        if message is None:
            try:
                job = import_jobs.start(importer, params, data, fmt, current_user)
            except ServiceError as error:  # StorageError: the disk is full or read-only
                message = error.message
            else:
                return redirect(url_for("jobs.import_page", job_id=job.id))
    else:
        message = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    return render_template("import_report.html", title=title, message=message, problems=[],
                           back_url=back_url, back_label=back_label), 400
