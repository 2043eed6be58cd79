"""Exports: text that a spreadsheet would run as a formula is neutralized, and no stored character breaks a file."""
import csv
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from qms import spreadsheets
from qms.drills import services
from qms.spine.access import Role
from tests.drills.test_drills import log
from tests.factories import UserFactory

ROWS = [["名稱", "數值"],
        ['=HYPERLINK("http://evil.example/","點我")', -5],
        ["+886-3-1234567", "-12.5"],
        ["@SUM(A1:A2)", 3.25],
        ["\t=1+1", "-1+2"],
        ["戶政\x00事務所\x07", dt.date(2015, 5, 31)]]


def test_xlsx_cells_are_text_not_formulas_and_numbers_stay_numbers():
    data = spreadsheets.write(ROWS, "xlsx")
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert cells["A2"].value == ROWS[1][0] and cells["A2"].data_type == "s" and cells["A2"].quotePrefix
    assert cells["B2"].value == -5 and cells["B2"].data_type == "n"
    assert cells["B3"].value == "-12.5" and not cells["B3"].quotePrefix  # a number written as text is left alone
    assert cells["A4"].quotePrefix and cells["B5"].quotePrefix and cells["A5"].quotePrefix
    assert cells["A6"].value == "戶政\ufffd事務所\ufffd"


@pytest.mark.parametrize("fmt", ["csv", "ods"])
def test_csv_and_ods_cells_starting_a_formula_get_an_apostrophe(fmt):
    data = spreadsheets.write(ROWS, fmt)
    rows = (list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) if fmt == "csv"
            else spreadsheets.read(data, fmt))
    assert rows[1][0] == "'" + ROWS[1][0]
    assert str(rows[1][1]) == "-5"
    assert rows[2] == ["'+886-3-1234567", "-12.5"]
    assert rows[3][0] == "'@SUM(A1:A2)"
    assert rows[4] == ["'\t=1+1", "'-1+2"]
    assert rows[5][0] == "戶政\ufffd事務所\ufffd"


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_a_drill_with_a_formula_and_a_control_character_still_exports(login_as, app, fmt):
    """Data saved before forms refused control characters (or through an import) must not break every export."""
    services.import_shipped()
    scorecard = services.latest_scorecard("counter-service")
    client = login_as(Role.QUALITY)
    actor = UserFactory(role=Role.QUALITY)
    log(scorecard, actor, unit='=HYPERLINK("http://evil.example/")')
    log(scorecard, actor, unit="第\x0b櫃台")
    response = client.get(f"/drills/export/drills.{fmt}")
    assert response.status_code == 200
    rows = (spreadsheets.read(response.data, fmt) if fmt != "xlsx"
            else [[c.value for c in row] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows()])
    units = {row[3] for row in rows[1:]}
    assert "第\ufffd櫃台" in units
    formula = '=HYPERLINK("http://evil.example/")'
    assert (formula if fmt == "xlsx" else "'" + formula) in units  # XLSX: a text cell with Excel's quote prefix


def test_imported_cells_lose_control_characters_and_keep_line_breaks():
    data = "名稱,數量,備註\n大園\x00戶政\x07,3,\"第一行\n第二行\"\n".encode()
    assert spreadsheets.read(data, "csv") == [["名稱", "數量", "備註"], ["大園戶政", "3", "第一行\n第二行"]]
