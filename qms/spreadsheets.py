"""Tables in and out of XLSX (openpyxl), ODS (pyexcel-ods3) and CSV, as lists of rows."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence

from qms.text import strip_control_characters

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv; charset=utf-8",
}


class SpreadsheetError(ValueError):
    pass


# Characters an XLSX/ODS file (XML 1.0) cannot hold; a stored one is shown as U+FFFD rather than breaking the export.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A text cell starting with one of these is read as a formula by spreadsheet programs (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")


def is_formula_like(text: str) -> bool:
    """Text a spreadsheet would evaluate; a number written as text ("-5", "+3.2") is left as it is."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def _text_cell(value: str, quote: bool = True) -> str:
    """A text value fit for a cell: unstorable characters replaced; with `quote`, a leading formula character
    neutralized by the apostrophe that spreadsheet programs read as "this is text"."""
    value = _NOT_IN_XML.sub("\ufffd", value)
    return "'" + value if quote and is_formula_like(value) else value


def write(rows: Sequence[Sequence], fmt: str, sheet_name: str = "Sheet1",
          widths: Sequence[float] | None = None) -> bytes:
    """rows[0] is the header row. Dates stay dates in XLSX/ODS; CSV gets ISO dates and a BOM for Excel.
    `widths` gives the columns' widths in characters, in order (XLSX only: ODS and CSV files here carry none)."""
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = sheet_name[:31]
        for row in rows:
            sheet.append([_text_cell(v, quote=False) if isinstance(v, str) else v for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    # A text cell, marked so that editing it in Excel keeps it text (no visible apostrophe).
                    cell.data_type, cell.quotePrefix = "s", True
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for number, width in enumerate(widths or (), start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    if fmt == "ods":
        from pyexcel_ods3 import save_data

        buffer = io.BytesIO()
        save_data(buffer, {sheet_name: [["" if v is None else _text_cell(v) if isinstance(v, str) else v
                                         for v in row] for row in rows]})
        return buffer.getvalue()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date)
                             else _text_cell(v) if isinstance(v, str) else v for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    raise SpreadsheetError(fmt)


class TooLarge(SpreadsheetError):
    """The sheet holds (or claims to hold) more cells, or unpacks to more bytes, than QMS reads."""


DEFAULT_MAX_CELLS = 500_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX/ODS whose parts unpack to more than this is a zip bomb


def max_cells() -> int:
    from flask import current_app, has_app_context

    return current_app.config.get("QMS_MAX_SHEET_CELLS", DEFAULT_MAX_CELLS) if has_app_context() else DEFAULT_MAX_CELLS


def _bounded(rows, limit: int):
    """Rows as lists, counting cells as they stream in; stops (TooLarge) as soon as the count passes `limit`."""
    cells = 0
    for row in rows:
        row = list(row)
        cells += len(row)
        if cells > limit:
            raise TooLarge(str(limit))
        yield row


def _check_unpacked_size(data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise TooLarge("unpacked size")


def read(data: bytes, fmt: str, limit: int | None = None) -> list[list]:
    """All rows of the first sheet, header included, with empty trailing cells trimmed. Reads at most `limit`
    cells (QMS_MAX_SHEET_CELLS), streaming: a sheet that claims a million rows costs only what it really holds."""
    limit = limit or max_cells()
    try:
        if fmt == "xlsx":
            from openpyxl import load_workbook

            _check_unpacked_size(data)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the sheet's own <dimension> may claim A1:XFD1048576: ignore it
                rows = list(_bounded(sheet.iter_rows(values_only=True), limit))
            finally:
                workbook.close()
        elif fmt == "ods":
            from pyexcel_ods3 import get_data

            _check_unpacked_size(data)
            sheets = get_data(io.BytesIO(data), row_limit=limit + 1)
            rows = list(_bounded(next(iter(sheets.values()), []), limit))
        elif fmt == "csv":
            text = data.decode("utf-8-sig")
            rows = list(_bounded(csv.reader(io.StringIO(text)), limit))
        else:
            raise SpreadsheetError(fmt)
    except SpreadsheetError:
        raise
    except Exception as error:  # every reader has its own errors for a broken file
        raise SpreadsheetError(str(error)) from error
    return [_trim([strip_control_characters(cell) if isinstance(cell, str) else cell for cell in row])
            for row in rows if any(cell not in (None, "") for cell in row)]


def _trim(row: list) -> list:
    while row and row[-1] in (None, ""):
        row.pop()
    return row


def too_large_message() -> str:
    from flask_babel import gettext as _

    cells = f"{max_cells():,}"
    return _("This file holds more than %(cells)s cells; split it into smaller files.", cells=cells)


def read_upload(upload, max_bytes: int) -> list[list]:
    """The rows of an uploaded XLSX/ODS/CSV file; SpreadsheetError carries a message fit for the user."""
    from flask_babel import gettext as _

    fmt = (upload.filename or "").rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise SpreadsheetError(_("Upload an XLSX, ODS or CSV file."))
    try:
        return read(upload.read(max_bytes + 1), fmt)
    except TooLarge:
        raise SpreadsheetError(too_large_message()) from None
    except SpreadsheetError:
        raise SpreadsheetError(_("This file could not be read as %(format)s.", format=fmt.upper())) from None
