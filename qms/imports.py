"""The one pipeline of a spreadsheet import: find the columns by name, parse every row, apply all rows or none."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from qms import jobs
from qms.core.services import ImportProblem, ImportRejected
from qms.extensions import db

Parsed = TypeVar("Parsed")
PROGRESS_EVERY = 200  # rows between two progress reports (a job's progress row is written at most twice a second)
Result = TypeVar("Result")


class RowProblem(Exception):
    """Raised by a row parser when a row cannot be imported; the rest of that row is not read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    """One row of the file as a row parser reads it: its cells by column key, and the problems noted so far."""

    number: int  # the file's row number (1 is the header)
    cells: Sequence
    columns: Mapping[str, int]  # column key -> index
    problems: list[str] = field(default_factory=list)

    def at(self, index: int | None) -> Any:
        """The cell at index; None past the end of the row (sheets trim empty trailing cells)."""
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def cell(self, key: str) -> Any:
        """The cell in the column of this key; None when the file has no such column."""
        return self.at(self.columns.get(key))

    def text(self, key: str) -> str:
        return str(self.cell(key) or "").strip()

    def problem(self, message: str) -> None:
        """Note a problem and read on, so that one pass reports every problem of the row."""
        self.problems.append(message)


def column_names(keys: Iterable[str], labels: Callable[[], Mapping[str, str]]) -> dict[str, str]:
    """Header text in lower case -> column key: the key itself, or its label in any language of the app (a file
    may come from a person working in either)."""
    names = {key: key for key in keys}
    for locale in current_app.config["QMS_LOCALES"]:
        with force_locale(locale):
            names.update({str(label).strip().lower(): key for key, label in labels().items()})
    return names


def locate_columns(table: Sequence[Sequence], names: Mapping[str, str], required: Iterable[str],
                   missing: str) -> dict[str, int]:
    """Column key -> index, read from the header (the first row); of two columns with one name, the first counts.

    An empty file, or one without every required column, is refused as a whole; `missing` says what is needed.
    """
    if not table:
        raise ImportRejected([ImportProblem(1, _("The file has no rows."))])
    columns: dict[str, int] = {}
    for index, cell in enumerate(table[0]):
        key = names.get(str(cell or "").strip().lower())
        if key and key not in columns:
            columns[key] = index
    if any(key not in columns for key in required):
        raise ImportRejected([ImportProblem(1, missing)])
    return columns


def import_rows(table: Sequence[Sequence], columns: Mapping[str, int], parse_row: Callable[[Row], Parsed],
                apply: Callable[[list[Parsed]], Result], *, max_problems: int | None = None) -> Result:
    """Parse every row after the header; then apply them all and commit, or, when any row has a problem, none.

    parse_row returns what apply needs of one row: it raises RowProblem to refuse the row at once, or notes
    problems with Row.problem and reads on. ImportRejected carries every problem with its row number (the first
    max_problems of them: reading stops once there are more).
    """
    problems: list[ImportProblem] = []
    planned: list[Parsed] = []
    rows = len(table) - 1
    for number, cells in enumerate(table[1:], start=2):
        if number % PROGRESS_EVERY == 0:
            jobs.progress(number - 2, rows)  # in a job, its page shows how far the reading got; else nothing
        row = Row(number, cells, columns)
        try:
            parsed = parse_row(row)
        except RowProblem as problem:
            row.problem(problem.message)
        if row.problems:
            problems += [ImportProblem(number, message) for message in row.problems]
        else:
            planned.append(parsed)
        if max_problems is not None and len(problems) > max_problems:
            break
    if problems:
        raise ImportRejected(problems[:max_problems])
    jobs.progress(rows, rows)
    result = apply(planned)
    db.session.commit()
    return result


def parse_date(value) -> dt.date | None:
    """A date from a date cell or ISO text (YYYY-MM-DD); None when blank, ValueError when it is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())
