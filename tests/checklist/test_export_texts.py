"""The checklist export carries each item's narrative, strengths and opportunities, in columns wide enough to read."""
import io

import pytest
from openpyxl import load_workbook

from qms import spreadsheets
from qms.checklist import services
from qms.spine.access import Role
from tests.factories import UserFactory

TEXTS = {"narrative": "每月辦理禮儀訓練，並以秘密客查核成效。", "strengths": "=HYPERLINK 不會變成公式",
         "opportunities": "加強電話禮貌"}


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_the_export_carries_the_item_texts(login_as, items, fmt):
    services.update_item(items["A.1"], TEXTS, UserFactory(role=Role.QUALITY))
    client = login_as(Role.QUALITY)
    with client.get(f"/checklist/assessments/{items['A.1'].assessment_id}/export.{fmt}") as response:
        table = spreadsheets.read(response.data, fmt)
    header = table[0]
    assert header[-3:] == ["說明內容", "優點", "改善建議"]
    row = next(r for r in table if str(r[0]) == "A.1")
    assert [row[header.index(name)].lstrip("'") for name in header[-3:]] == list(TEXTS.values())


def test_the_xlsx_export_sets_column_widths(login_as, items):
    client = login_as(Role.QUALITY)
    with client.get(f"/checklist/assessments/{items['A.1'].assessment_id}/export.xlsx") as response:
        sheet = load_workbook(io.BytesIO(response.data)).active
    width = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert width["說明內容"] >= 50 and width["優點"] >= 30 and width["改善建議"] >= 30
    assert width["代碼"] < width["評核項目"] < width["說明內容"]


def test_write_leaves_widths_alone_unless_given():
    plain = load_workbook(io.BytesIO(spreadsheets.write([["a", "b"]], "xlsx"))).active
    assert "B" not in plain.column_dimensions or plain.column_dimensions["B"].width in (None, 13.0)
    sized = load_workbook(io.BytesIO(spreadsheets.write([["a", "b"]], "xlsx", widths=[5, 42]))).active
    assert sized.column_dimensions["A"].width == 5 and sized.column_dimensions["B"].width == 42
