"""Tiny uploads must not cost unbounded memory: spreadsheet dimension and cell bombs, zip bombs."""
import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from qms import spreadsheets


def xlsx_claiming(dimension: str) -> bytes:
    """A two-cell workbook whose sheet claims to span `dimension` (1.4 KB that once expanded cell by cell)."""
    workbook = Workbook()
    workbook.active["A1"], workbook.active["B2"] = "代碼", 1
    plain = io.BytesIO()
    workbook.save(plain)
    source, bomb = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
            target.writestr(member, data)
    return bomb.getvalue()


def test_a_sheet_claiming_a_million_rows_costs_what_it_holds():
    bomb = xlsx_claiming("A1:XFD1048576")
    assert len(bomb) < 6000
    tracemalloc.start()
    try:
        rows = spreadsheets.read(xlsx_claiming("A1:CV100000"), "xlsx")  # 10 million claimed cells
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [["代碼"], [None, 1]]
    assert peak < 20 * 1024 * 1024
    assert spreadsheets.read(bomb, "xlsx") == rows


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_more_cells_than_the_limit_are_refused(fmt):
    data = spreadsheets.write([["a", "b", "c"]] + [[n, n, n] for n in range(400)], fmt)
    assert len(spreadsheets.read(data, fmt, limit=2000)) == 401
    with pytest.raises(spreadsheets.TooLarge):
        spreadsheets.read(data, fmt, limit=1000)


def test_an_upload_over_the_limit_gets_a_message(app):
    app.config["QMS_MAX_SHEET_CELLS"] = 100
    data = spreadsheets.write([[n] * 20 for n in range(10)], "csv")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(spreadsheets.SpreadsheetError, match="more than 100 cells"):
            spreadsheets.read_upload(FileStorage(io.BytesIO(data), "big.csv"), 10**6)


def test_a_zip_bomb_is_refused_before_it_unpacks():
    from tests.hardening.test_sweep import zip_bomb

    bomb = zip_bomb("xl/sharedStrings.xml", spreadsheets.MAX_UNPACKED_BYTES + 1)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(spreadsheets.TooLarge):
        spreadsheets.read(bomb, "xlsx")


def test_a_yaml_alias_bomb_is_refused_at_once():
    import time

    from qms import yamlfiles
    from tests.hardening.test_sweep import hostile_files

    bomb = dict(hostile_files())["alias.yaml"].decode()
    assert len(bomb) < 600
    started = time.perf_counter()
    with pytest.raises(yamlfiles.DataFileError) as refused:
        yamlfiles.load(bomb)
    assert time.perf_counter() - started < 1
    assert refused.value.problems[0].line == 1 and "&" in refused.value.problems[0].message
    with pytest.raises(yamlfiles.DataFileError):
        yamlfiles.load("a: 1\nb: *missing\n")
    assert yamlfiles.load("a: 1\nb: [x, y]\n")["b"] == ["x", "y"]
