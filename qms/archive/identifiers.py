"""ISBN and GPN: checked and normalized (python-stdnum for ISBN check digits; GPN has no published check rule)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError


class IdentifierError(ValueError):
    """The message key says what is wrong: "isbn_length", "isbn_check", "isbn_chars", "gpn"."""


@dataclass(frozen=True)
class ISBN:
    isbn13: str
    isbn10: str | None  # set when the number was given as an ISBN-10

    def formatted(self) -> str:
        return stdnum_isbn.format(self.isbn13)

    def formatted10(self) -> str | None:
        return stdnum_isbn.format(self.isbn10) if self.isbn10 else None


def parse_isbn(value: str) -> ISBN:
    compact = re.sub(r"[\s\-‐‑–]", "", value or "").upper()
    if compact.startswith("ISBN"):
        compact = compact[4:].lstrip(":")
    if not re.fullmatch(r"\d{9}[\dX]|\d{13}", compact):
        raise IdentifierError("isbn_length" if re.fullmatch(r"[\dX]+", compact) else "isbn_chars")
    try:
        stdnum_isbn.validate(compact)
    except ValidationError:
        raise IdentifierError("isbn_check") from None
    if len(compact) == 10:
        return ISBN(isbn13=stdnum_isbn.to_isbn13(compact), isbn10=compact)
    return ISBN(isbn13=compact, isbn10=None)


def format_isbn(isbn13: str | None) -> str:
    if not isbn13:
        return ""
    try:
        return stdnum_isbn.format(isbn13)
    except Exception:  # a stored value that predates validation: show it as it is
        return isbn13


def parse_gpn(value: str) -> str:
    """Taiwan's Government Publication Number: 10 digits (hyphens and spaces dropped). No check digit is
    published, so none is invented."""
    compact = re.sub(r"[\s\-]", "", value or "")
    if not re.fullmatch(r"\d{10}", compact):
        raise IdentifierError("gpn")
    return compact
