import csv
import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.tabular.readers import read_table
from crm.tabular.writers import (
    Column,
    iter_csv,
    neutralize,
    title_line,
    unneutralize,
    write_csv,
    write_xlsx,
)

COLUMNS = [
    Column("name", "企业名称"),
    Column("amount", "计划投资额（万元）", "wan"),
    Column("signed", "签约日期", "date"),
    Column("key", "重点", "bool"),
    Column("count", "人数", "int"),
]
ROWS = [
    {
        "name": "甲电子有限公司",
        "amount": Decimal("120000"),
        "signed": date(2024, 3, 5),
        "key": True,
        "count": 12,
    },
    {"name": "=1+1", "amount": 1234.5, "signed": None, "key": False, "count": None},
    {
        "name": "+86 431",
        "amount": None,
        "signed": datetime(2024, 3, 6, 8, 0),
        "key": None,
        "count": 3,
    },
    {"name": "-负号开头", "amount": 0, "signed": None, "key": None, "count": None},
    {"name": "@SUM(A1)", "amount": None, "signed": None, "key": None, "count": None},
    {"name": "\tTAB", "amount": None, "signed": None, "key": None, "count": None},
    {"name": "\rCR", "amount": None, "signed": None, "key": None, "count": None},
    {"name": "正常 = 中间", "amount": None, "signed": None, "key": None, "count": None},
]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_neutralize_round_trip(text):
    assert neutralize(text) == "'" + text
    assert unneutralize(neutralize(text)) == text


def test_neutralize_leaves_others():
    assert neutralize("长春") == "长春" and neutralize(-5) == -5 and neutralize(None) is None
    assert unneutralize("'普通") == "'普通"


def test_xlsx_layout_and_values(tmp_path):
    path = tmp_path / "out.xlsx"
    title = title_line(
        "重点招商企业名录", {"市（州）": "长春市", "阶段": ""}, datetime(2024, 5, 1, 10, 0)
    )
    assert write_xlsx(path, COLUMNS, ROWS, title=title, sheet_name="企业") == len(ROWS)
    wb = load_workbook(path)
    ws = wb["企业"]
    assert (
        ws["A1"].value == "重点招商企业名录　筛选条件：市（州）=长春市　导出时间：2024-05-01 10:00"
    )
    assert ws["A1"].font.bold
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:E{len(ROWS) + 2}"
    assert ws["B3"].value == 120000 and ws["B3"].number_format == "#,##0.00"
    assert ws["B4"].value == 1234.5
    assert ws["C3"].value == datetime(2024, 3, 5) and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["C5"].is_date
    assert ws["D3"].value == "是" and ws["D4"].value == "否"
    assert ws["E3"].value == 12
    assert ws.column_dimensions["A"].width >= 16
    assert 8 <= ws.column_dimensions["C"].width <= 50


def test_xlsx_formulas_are_neutralised_when_read_back(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx(path, COLUMNS, ROWS, title="=标题")
    ws = load_workbook(path).active
    names = [ws.cell(row=r, column=1) for r in range(3, 3 + len(ROWS))]
    assert all(c.data_type == "s" for c in names)  # no formula cell anywhere
    # a bare CR is kept by lxml (written as &#13;); without lxml XML reads it back as LF
    values = [c.value.replace("\r", "\n") for c in names[1:]]
    assert values == [
        "'=1+1",
        "'+86 431",
        "'-负号开头",
        "'@SUM(A1)",
        "'\tTAB",
        "'\nCR",
        "正常 = 中间",
    ]
    assert ws["A1"].value == "'=标题"
    # calamine (the import reader) sees the same text
    sheet = read_table(path)
    assert sheet.rows[3].values[0] == "'=1+1"


def test_sequences_and_empty_export(tmp_path):
    path = tmp_path / "empty.xlsx"
    assert write_xlsx(path, COLUMNS, [], title="空") == 0
    ws = load_workbook(path).active
    assert ws.auto_filter.ref == "A2:E2"
    buf = io.BytesIO()
    write_xlsx(buf, COLUMNS[:2], [("甲", 1), ("乙", None)], title="t")
    assert load_workbook(io.BytesIO(buf.getvalue())).active["A4"].value == "乙"


def test_csv_bom_values_and_neutralisation(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, COLUMNS, ROWS)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["企业名称", "计划投资额（万元）", "签约日期", "重点", "人数"]
    assert rows[1] == ["甲电子有限公司", "120000.00", "2024-03-05", "是", "12"]
    assert rows[2] == ["'=1+1", "1234.50", "", "否", ""]
    assert rows[3][2] == "2024-03-06 08:00"
    assert [r[0] for r in rows[2:8]] == [
        "'=1+1",
        "'+86 431",
        "'-负号开头",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
    ]
    back = read_table(data, "out.csv")
    assert back.rows[2].values[0] == "'=1+1"


def test_csv_streams_in_chunks():
    rows = ({"name": f"企业{i}"} for i in range(1200))
    chunks = list(iter_csv([Column("name", "企业名称")], rows, chunk_rows=500))
    assert len(chunks) == 4  # header, 500, 500, 200
    assert b"".join(chunks).count(b"\r\n") == 1201


def _peak(n, tmp_path):
    rows = ((f"企业{i}有限公司", Decimal(i), date(2024, 1, 1), i % 2 == 0, i) for i in range(n))
    tracemalloc.start()
    write_xlsx(tmp_path / f"{n}.xlsx", COLUMNS, rows, title="t")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_xlsx_memory_is_bounded(tmp_path):
    small, large = _peak(500, tmp_path), _peak(8_000, tmp_path)
    assert large < small * 2  # 16× the rows, not 16× the memory
