"""The shared import pipeline: columns found by name in either language, every row's problems, all rows or none."""
import datetime as dt

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from qms import imports
from qms.core.models import AwardCycle
from qms.core.services import ImportRejected
from tests.factories import AwardCycleFactory

MISSING = "a Name column is needed"


def labels():
    return {"name": _("Name"), "year": _("Year")}


def names():
    return imports.column_names(("name", "year"), labels)


def locate(table):
    return imports.locate_columns(table, names(), required=("name",), missing=MISSING)


def parse_cycle(row: imports.Row) -> tuple[str, int]:
    """A test parser: refuses a row without a name at once, and notes a bad year and a too-long name both."""
    name = row.text("name")
    if not name:
        raise imports.RowProblem("no name")
    if len(name) > 5:
        row.problem(f"name {name} is too long")
    year = row.text("year")
    if not year.isdigit():
        row.problem(f"year {year or '—'} is not a year")
    return name, int(year) if year.isdigit() else 0


def cycle_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AwardCycle))


def test_columns_are_found_by_key_or_label_in_either_language_and_the_first_of_a_name_counts(app):
    with force_locale("en"):  # a Chinese header is recognised whatever the reader's language
        assert locate([["Notes", " NAME ", "年度", "name"]]) == {"name": 1, "year": 2}
        assert locate([["Year", "名稱"]]) == {"year": 0, "name": 1}


@pytest.mark.parametrize("table, row, message", [
    ([], 1, "The file has no rows."),
    ([["Year", "Notes"], ["A", "2020"]], 1, MISSING),
])
def test_a_file_without_the_needed_header_is_refused_as_a_whole(app, table, row, message):
    with force_locale("en"), pytest.raises(ImportRejected) as refused:
        locate(table)
    assert [(p.row, p.message) for p in refused.value.problems] == [(row, message)]


def test_problems_are_collected_from_every_row_with_their_row_numbers(app):
    table = [["name", "year"],
             ["ok", "2020"],
             ["", "2020"],             # refused at once: its year is not read
             ["toolong", "soon"],      # two problems noted on one row
             ["fine"],                 # the row ends early: no year
             ["good", "2021"]]
    applied = []
    with pytest.raises(ImportRejected) as refused:
        imports.import_rows(table, locate(table), parse_cycle, applied.append)
    assert [(p.row, p.message) for p in refused.value.problems] == [
        (3, "no name"), (4, "name toolong is too long"), (4, "year soon is not a year"), (5, "year — is not a year")]
    assert applied == []


def test_one_bad_row_applies_nothing_and_good_rows_apply_together_and_are_committed(app, db):
    def add_cycles(planned):
        for name, year in planned:
            db.session.add(AwardCycleFactory.build(award_name=name, year=year))
        return len(planned)

    bad = [["name", "year"], ["A", "2030"], ["B", "later"], ["C", "2032"]]
    with pytest.raises(ImportRejected) as refused:
        imports.import_rows(bad, locate(bad), parse_cycle, add_cycles)
    assert [p.row for p in refused.value.problems] == [3]
    db.session.rollback()
    assert cycle_count(db) == 0

    good = [["name", "year"], ["A", "2030"], ["C", "2032"]]
    assert imports.import_rows(good, locate(good), parse_cycle, add_cycles) == 2
    db.session.rollback()  # what was applied was committed: a rollback now takes nothing back
    assert sorted(db.session.scalars(select(AwardCycle.year))) == [2030, 2032]


def test_reading_stops_after_max_problems_and_reports_that_many(app):
    table = [["name"]] + [[""]] * 10
    with pytest.raises(ImportRejected) as refused:
        imports.import_rows(table, locate(table), parse_cycle, list, max_problems=3)
    assert [p.row for p in refused.value.problems] == [2, 3, 4]


def test_parse_date_reads_date_cells_and_iso_text():
    assert imports.parse_date(dt.datetime(2027, 3, 15, 9, 30)) == dt.date(2027, 3, 15)
    assert imports.parse_date(" 2027-03-15 ") == dt.date(2027, 3, 15)
    assert imports.parse_date("") is None and imports.parse_date(None) is None
    with pytest.raises(ValueError):
        imports.parse_date("15/03/2027")
