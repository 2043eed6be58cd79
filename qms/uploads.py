"""Uploaded files: size-limited, type-checked by content, stored under instance/uploads with random names."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _

from qms.core.services import ServiceError

# extension -> the content type filetype must detect for it; office formats are checked as what they are.
ALLOWED = {
    "pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "gif": "gif", "webp": "webp",
    "docx": "docx", "xlsx": "xlsx", "pptx": "pptx", "odt": "odt", "ods": "ods", "odp": "odp",
    "doc": "doc", "xls": "xls", "ppt": "ppt",
}
MIME = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
}


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(current_app.config.get("QMS_MAX_FILE_BYTES", 10 * 1024 * 1024))


def human_size(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def check(data: bytes, original_name: str) -> str:
    """The canonical type of an upload, or ServiceError if its size, extension or content is refused."""
    if not data:
        raise ServiceError(_("The file is empty."), field="file")
    if len(data) > max_bytes():
        raise ServiceError(_("The file is larger than the limit of %(limit)s.", limit=human_size(max_bytes())),
                           field="file")
    extension = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    expected = ALLOWED.get(extension)
    if expected is None:
        raise ServiceError(_("Files of this type are not accepted. Accepted: %(types)s.",
                             types=", ".join(sorted(ALLOWED))), field="file")
    detected = filetype.guess(data)
    if detected is None or detected.extension != expected:
        raise ServiceError(_("The content of this file does not match its .%(ext)s extension.", ext=extension),
                           field="file")
    return expected


def store(data: bytes, original_name: str) -> StoredFile:
    """Check and write the file; the caller removes it again (discard) if its database write fails."""
    kind = check(data, original_name)
    stored_name = secrets.token_hex(16)
    path = upload_dir() / stored_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    safe_name = os.path.basename(original_name.replace("\\", "/"))[:255] or f"file.{kind}"
    return StoredFile(stored_name=stored_name, original_name=safe_name, content_type=MIME[kind], size=len(data))


def path_of(stored_name: str) -> Path:
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise FileNotFoundError(stored_name)
    return upload_dir() / stored_name


def discard(stored_name: str) -> None:
    try:
        path_of(stored_name).unlink()
    except FileNotFoundError:
        pass
