"""Uploaded files: size-limited, type-checked by content, stored (qms.storage, area "uploads") with random names."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import filetype
from flask import current_app
from flask_babel import gettext as _

from qms import storage
from qms.core.services import ServiceError

AREA = "uploads"

# extension -> the content type filetype must detect for it; office formats are checked as what they are.
ALLOWED = {
    "pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "gif": "gif", "webp": "webp",
    "docx": "docx", "xlsx": "xlsx", "pptx": "pptx", "odt": "odt", "ods": "ods", "odp": "odp",
    "doc": "doc", "xls": "xls", "ppt": "ppt",
}
# Plain text and HTML have no magic number: they are checked as text (decodable, no NUL bytes) and only
# accepted where a caller asks for them (the publications archive), never as evidence files.
TEXT_TYPES = {"txt": "txt", "html": "html", "htm": "html"}
MIME = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain", "html": "text/html",
}
IMAGES = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
_HTML_START = re.compile(rb"<\s*(!doctype\s+html|html|head|body|p|div|h[1-6]|article|section|table)\b", re.I)


def decode_text(data: bytes) -> str | None:
    """The text of a plain-text upload in whatever encoding it came (UTF-8, Big5, ...), or None if it is not text."""
    if b"\x00" in data[:65536]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _is_text_kind(data: bytes, kind: str) -> bool:
    if filetype.guess(data) is not None or decode_text(data) is None:
        return False
    return kind == "txt" or bool(_HTML_START.search(data[:4096]))


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def max_bytes() -> int:
    return int(current_app.config.get("QMS_MAX_FILE_BYTES", 10 * 1024 * 1024))


def human_size(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def check(data: bytes, original_name: str, accept: frozenset | set | None = None) -> str:
    """The canonical type of an upload, or ServiceError if its size, extension or content is refused.

    ``accept`` names the extensions a caller takes (default: every office and image format, no text types)."""
    if not data:
        raise ServiceError(_("The file is empty."), field="file")
    if len(data) > max_bytes():
        raise ServiceError(_("The file is larger than the limit of %(limit)s.", limit=human_size(max_bytes())),
                           field="file")
    extension = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    accepted = set(accept) if accept is not None else set(ALLOWED)
    expected = (ALLOWED | TEXT_TYPES).get(extension) if extension in accepted else None
    if expected is None:
        raise ServiceError(_("Files of this type are not accepted. Accepted: %(types)s.",
                             types=", ".join(sorted(accepted))), field="file")
    if extension in TEXT_TYPES:
        if not _is_text_kind(data, expected):
            raise ServiceError(_("The content of this file does not match its .%(ext)s extension.", ext=extension),
                               field="file")
        return expected
    detected = filetype.guess(data)
    if detected is None or detected.extension != expected:
        raise ServiceError(_("The content of this file does not match its .%(ext)s extension.", ext=extension),
                           field="file")
    return expected


def store(data: bytes, original_name: str, accept: frozenset | set | None = None) -> StoredFile:
    """Check and write the file; the caller removes it again (discard) if its database write fails."""
    kind = check(data, original_name, accept)
    stored_name = storage.write(AREA, data)  # StorageError (disk full, read-only) leaves no file behind
    safe_name = download_name(original_name) or f"file.{kind}"
    return StoredFile(stored_name=stored_name, original_name=safe_name, content_type=MIME[kind], size=len(data))


def download_name(original_name: str) -> str:
    """A file's name fit to keep and to send back in Content-Disposition: no folders, no control characters
    (a CR/LF or NUL in a header is refused by the server), at most 255 characters."""
    name = os.path.basename((original_name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", name).strip()
    return name[:255]


def read(stored_name: str) -> bytes:
    """The bytes of a stored upload; FileNotFoundError if there is none."""
    return storage.read(AREA, stored_name)


def exists(stored_name: str) -> bool:
    return storage.exists(AREA, stored_name)


def send(stored_name: str, **send_file_kwargs):
    """A download response for a stored upload; FileNotFoundError if there is none."""
    return storage.send(AREA, stored_name, **send_file_kwargs)


def discard(stored_name: str) -> None:
    storage.delete(AREA, stored_name)
