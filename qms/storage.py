"""Stored files (evidence, publications, survey imports, dossier versions): every read and write goes through here.

Files live under one root, QMS_FILES_DIR (default: the instance folder), in areas: "uploads", "dossiers",
"imports", "briefing". Names are random (hex, with an optional suffix) and validated, so no caller can reach outside the
root. The interface (write, write_named, read, open, size, exists, delete, names, send) is what an object store
would implement later; this one keeps files on a local (possibly shared) file system. A write is atomic: a
private temporary file, fsync, then a rename, so a reader never sees half a file and a full disk leaves none.
"""
from __future__ import annotations

import errno
import logging
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import current_app, send_file
from flask_babel import gettext as _

from qms.core.services import ServiceError

AREAS = ("uploads", "dossiers", "imports", "briefing", "outbox")
# A stored name: 16-64 hex digits, an optional "-word" and at most two short lower-case extensions
# (".xlsx", ".html.gz", "-notes.pdf"): no separators, no "..", nothing that leaves the area's folder.
SUFFIX = re.compile(r"(?:-[a-z0-9]{1,16})?(?:\.[a-z0-9]{1,8}){0,2}")
NAME = re.compile(r"[0-9a-f]{16,64}" + SUFFIX.pattern)
_TEMP_PREFIX = ".tmp-"
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}

logger = logging.getLogger("qms.storage")


class StorageError(ServiceError):
    """A file could not be written (disk full, read-only storage...): nothing was stored; the message says why."""

    def __init__(self, error: OSError):
        if error.errno in _FULL:
            message = _("The file could not be stored: the server's disk is full. Nothing was saved; "
                        "please tell the system administrator.")
        elif error.errno in _READ_ONLY:
            message = _("The file could not be stored: the server's file storage is read-only. Nothing was saved; "
                        "please tell the system administrator.")
        else:
            message = _("The file could not be stored because of a server problem. Nothing was saved; "
                        "please tell the system administrator.")
        super().__init__(message, field="file")
        self.errno = error.errno


def root() -> Path:
    """The files root: QMS_FILES_DIR, else the instance folder (read at each call: tests move it)."""
    configured = current_app.config.get("QMS_FILES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path)


def valid_name(name: str) -> bool:
    return isinstance(name, str) and NAME.fullmatch(name) is not None


def _area_dir(area: str, create: bool = False) -> Path:
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    path = root() / area
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)  # made before QMS kept its files private
    return path


def _path(area: str, name: str) -> Path:
    if not valid_name(name):
        raise FileNotFoundError(f"{area}/{name!r}")
    return _area_dir(area) / name


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still atomic
    finally:
        os.close(fd)


def _atomic_write(area: str, name: str, data: bytes) -> None:
    """Write data to area/name all at once; on any failure remove the temporary file and raise StorageError."""
    temp = None
    try:
        folder = _area_dir(area, create=True)
        target = _path(area, name)
        temp = folder / f"{_TEMP_PREFIX}{secrets.token_hex(8)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
        temp = None
        _fsync_dir(folder)
    except FileNotFoundError:
        raise
    except OSError as error:
        logger.error("could not store %s/%s: %s", area, name, error)
        raise StorageError(error) from error
    finally:
        if temp is not None:
            try:
                temp.unlink()
            except OSError:
                pass


def write(area: str, data: bytes, suffix: str = "") -> str:
    """Store data under a new random name (ending in suffix, e.g. ".xlsx") and return that name."""
    if SUFFIX.fullmatch(suffix) is None:
        raise ValueError(f"bad suffix {suffix!r}")
    name = secrets.token_hex(16) + suffix
    _atomic_write(area, name, data)
    return name


def write_named(area: str, name: str, data: bytes) -> None:
    """Store (or replace, atomically) data under a name the caller chose (a random one it keeps, e.g. a dossier's)."""
    if not valid_name(name):
        raise ValueError(f"bad stored name {name!r}")
    _atomic_write(area, name, data)


def read(area: str, name: str) -> bytes:
    return _path(area, name).read_bytes()


def open(area: str, name: str) -> BinaryIO:  # noqa: A001 (the interface's word)
    """The stored file opened for reading, for streaming; the caller closes it."""
    return _path(area, name).open("rb")


def size(area: str, name: str) -> int:
    return _path(area, name).stat().st_size


def exists(area: str, name: str) -> bool:
    try:
        return _path(area, name).is_file()
    except FileNotFoundError:
        return False


def delete(area: str, name: str) -> None:
    """Remove a stored file; a missing one (or an invalid name) is no error."""
    try:
        _path(area, name).unlink()
    except FileNotFoundError:
        pass


def names(area: str) -> Iterator[str]:
    """The names stored in an area (temporary files of unfinished writes are not stored files)."""
    folder = _area_dir(area)
    if not folder.is_dir():
        return
    for entry in sorted(os.listdir(folder)):
        if valid_name(entry) and (folder / entry).is_file():
            yield entry


def send(area: str, name: str, **send_file_kwargs):
    """A response sending the stored file (send_file's keywords: mimetype, as_attachment, download_name...);
    FileNotFoundError when there is no such file."""
    path = _path(area, name)
    if not path.is_file():
        raise FileNotFoundError(f"{area}/{name}")
    return send_file(path, **send_file_kwargs)
