import codecs
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from crm.tabular.readers import ReadError, detect_encoding, read_csv, read_table


def _xlsx(path):
    wb = Workbook()
    hidden = wb.active
    hidden.title = "说明"
    hidden["A1"] = "填表说明"
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("名录")
    ws["A1"] = "2024年重点招商企业名录"
    ws.append([])
    ws.append(["序号", "企业名称", "投资额", "签约日期", "重点"])  # row 3
    ws.append([1, "甲电子有限公司", 5000, date(2024, 3, 5), "是"])  # row 4
    ws.append([None, None, None, None, None])  # row 5: empty, skipped
    ws.append([3, "乙光电", "1.2亿", datetime(2024, 3, 6, 9, 0), None])  # row 6
    ws.append([4, '=HYPERLINK("x")', "", None, None])  # row 7
    wb.save(path)
    return path


def test_xlsx_keeps_row_numbers_and_types(tmp_path):
    sheet = read_table(_xlsx(tmp_path / "名录.xlsx"))
    assert sheet.sheet_name == "名录"  # the hidden sheet is skipped
    numbers = [r.number for r in sheet.rows]
    assert numbers == [1, 3, 4, 6, 7]
    assert sheet.rows[1].values == ["序号", "企业名称", "投资额", "签约日期", "重点"]
    first = sheet.rows[2]
    assert first.values[1] == "甲电子有限公司" and first.values[2] == 5000
    assert first.values[3] == date(2024, 3, 5)
    assert sheet.rows[3].values[2] == "1.2亿"
    assert sheet.rows[3].get(4) is None and sheet.rows[3].get(99) is None
    assert sheet.width == 5


def test_xlsx_from_bytes_and_file_object(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx")
    assert len(read_table(path.read_bytes(), "a.XLSX").rows) == 5
    with path.open("rb") as fh:
        assert len(read_table(fh, "a.xlsx").rows) == 5


MESSY = (
    "企业名称,统一社会信用代码,所在城市,投资额,签约日期\r\n"
    "长春光华微电子设备工程中心有限公司,914403001922038216,长春,１２亿,2024年3月5日\r\n"
    "\r\n"
    '"吉林华微电子股份有限公司，分部",,延边朝鲜族自治州,"5,000",2024/3/5\r\n'
    "=cmd|' /C calc'!A0,,公主岭,很多,20240305\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("utf-16", "utf-16")],
)
def test_csv_encodings(encoding, expected):
    text = MESSY.replace(",", "\t") if encoding == "utf-16" else MESSY
    data = text.encode(encoding)
    assert detect_encoding(data) == expected
    sheet = read_table(data, "list.csv")
    assert sheet.encoding == expected
    assert [r.number for r in sheet.rows] == [1, 2, 4, 5]
    assert sheet.rows[1].values[0] == "长春光华微电子设备工程中心有限公司"
    assert sheet.rows[1].values[3] == "１２亿"
    if encoding != "utf-16":
        assert sheet.rows[2].values[0] == "吉林华微电子股份有限公司，分部"
        assert sheet.rows[2].values[3] == "5,000"


def test_csv_semicolons_and_rare_gb18030_characters():
    data = "企业名称;城市\n㐀䶵珲春企业;珲春\n".encode("gb18030")
    sheet = read_csv(data)
    assert sheet.rows[1].values == ["㐀䶵珲春企业", "珲春"]


def test_undecodable_bytes_raise():
    with pytest.raises(ReadError, match="编码"):
        read_csv(codecs.BOM_UTF32_LE[:0] + b"\x81\x30\xff\xff\xfe")


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"PK\x03\x04 not a zip", "a.xlsx", "无法读取"),
        (b"abc", "a.pdf", "不支持"),
    ],
)
def test_bad_files(data, name, fragment):
    with pytest.raises(ReadError, match=fragment):
        read_table(data, name)
