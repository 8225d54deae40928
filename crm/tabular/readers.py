"""Read .xlsx / .xls / .csv into rows that keep their sheet row numbers.

Every reader returns a :class:`RawSheet`: the non-empty rows in order, each with
its original 1-based row number as the user sees it in Excel or WPS, so that a
message such as "第 12 行" points at the right line.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import python_calamine

from .limits import Corrupt, ReadLimits, TooLarge, cell_message, check_workbook, rows_message
from .values import CellError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


class ReadError(CellError):
    """The file as a whole cannot be read; the message is Chinese."""


@dataclass
class RawRow:
    number: int  # 1-based row number in the sheet
    values: list

    def get(self, col: int):
        return self.values[col] if col < len(self.values) else None


@dataclass
class RawSheet:
    rows: list[RawRow] = field(default_factory=list)
    sheet_name: str | None = None
    encoding: str | None = None  # CSV only

    @property
    def width(self) -> int:
        return max((len(r.values) for r in self.rows), default=0)


def read_table(source: bytes | str | Path | BinaryIO, filename: str | None = None, *,
               limits: ReadLimits | None = None) -> RawSheet:
    """Read the first worksheet of a workbook, or a CSV file, by file name suffix.

    A file beyond ``limits`` (rows, cells, inflated size …) is refused with a
    ReadError before it is parsed (see crm/tabular/limits.py)."""
    limits = limits or ReadLimits()
    if isinstance(source, str | Path):
        filename = filename or str(source)
        data = Path(source).read_bytes()
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        data = source.read()
    suffix = Path(filename or "").suffix.lower()
    if suffix in EXCEL_SUFFIXES or (not suffix and data[:2] in (b"PK", b"\xd0\xcf")):
        return read_workbook(data, limits=limits)
    if suffix in CSV_SUFFIXES or not suffix:
        return read_csv(data, limits=limits)
    raise ReadError(f"不支持的文件类型“{suffix}”，请上传 .xlsx、.xls 或 .csv 文件")


def read_workbook(data: bytes, sheet: str | None = None, *,
                  limits: ReadLimits | None = None) -> RawSheet:
    limits = limits or ReadLimits()
    try:
        check_workbook(data, limits)
    except TooLarge as exc:
        raise ReadError(str(exc)) from exc
    except Corrupt as exc:
        raise ReadError("无法读取该 Excel 文件，文件可能已损坏") from exc
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated error types
        raise ReadError("无法读取该 Excel 文件，文件可能已损坏或加密") from exc
    try:
        name = sheet or _first_visible_sheet(book)
        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        book.close()
    if len(values) > limits.max_rows:  # an .xls, which is not scanned beforehand
        raise ReadError(rows_message(limits))
    rows = [RawRow(i, _trim(row)) for i, row in enumerate(values, 1)]
    rows = [r for r in rows if r.values]
    _check_cells(rows, limits)
    return RawSheet(rows=rows, sheet_name=name)


def _check_cells(rows: list[RawRow], limits: ReadLimits) -> None:
    for row in rows:
        for col, value in enumerate(row.values):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise ReadError(cell_message(limits, f"第 {row.number} 行第 {col + 1} 列"))


def _first_visible_sheet(book) -> str:
    for meta in book.sheets_metadata:
        if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet"):
            return meta.name
    if not book.sheet_names:
        raise ReadError("Excel 文件中没有工作表")
    return book.sheet_names[0]


def _trim(values: list) -> list:
    """Blank cells as None, trailing blanks dropped."""
    row = [None if v == "" else v for v in values]
    while row and (row[-1] is None or (isinstance(row[-1], str) and not row[-1].strip())):
        row.pop()
    return row


# --- CSV ---------------------------------------------------------------------
def detect_encoding(data: bytes) -> str:
    """utf-8-sig when there is a BOM, utf-16 for Excel's "Unicode text",
    utf-8 when the bytes decode, else GB18030 (what Chinese Excel/WPS write)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV") from exc


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


def read_csv(data: bytes, *, limits: ReadLimits | None = None) -> RawSheet:
    limits = limits or ReadLimits()
    if len(data) > limits.max_csv_bytes:
        raise ReadError(f"CSV 文件过大（上限 {limits.max_csv_bytes // (1024 * 1024)} MB），"
                        "请拆分为多个文件后分别导入")
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    first_lines = "\n".join(text[:65536].splitlines()[:20])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_lines))
    rows = []
    cells = 0
    try:
        for number, values in enumerate(reader, 1):
            if number > limits.max_rows:
                raise ReadError(rows_message(limits))
            cells += len(values)
            if len(values) > limits.max_columns or cells > limits.max_cells:
                raise ReadError(f"文件列数或单元格数超过上限（最多 {limits.max_columns} 列、"
                                f"{limits.max_cells} 个单元格），请拆分为多个文件")
            trimmed = _trim([v.strip() if isinstance(v, str) else v for v in values])
            if trimmed:
                row = RawRow(number, trimmed)
                _check_cells([row], limits)
                rows.append(row)
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误：{exc}") from exc
    return RawSheet(rows=rows, encoding="gb18030" if encoding == "gb18030" else encoding)
