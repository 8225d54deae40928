"""Streaming writers for .xlsx (openpyxl write-only) and CSV (UTF-8 with BOM).

Rows are consumed one at a time, so an export of 100,000 rows runs in
bounded memory. Text that a spreadsheet would run as a formula is
neutralised on the way out.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from crm import clock

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WAN_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_CELL_CHARS = 32767
WIDTH_SAMPLE_ROWS = 200


def local_naive(value: datetime) -> datetime:
    """Excel has no time zones: aware datetimes are shown as local wall time."""
    if value.tzinfo is None:
        return value
    return clock.local(value).replace(tzinfo=None)


@dataclass(frozen=True)
class Column:
    """One exported column: row key, Chinese header and how to format it."""

    key: str
    header: str
    kind: str = "text"  # text | wan | date | datetime | int | number | bool
    width: float | None = None


def neutralize(value):
    """Prefix ``'`` to text that starts with = + - @ tab or CR, so that Excel,
    WPS and LibreOffice show it as text instead of running it. A cell of dashes
    only (-, --, the usual 无) is no formula and stays as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and value.strip("-"):
        return "'" + value
    return value


def unneutralize(text: str) -> str:
    """Undo :func:`neutralize` when a file exported here is imported again."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def _value(row, index: int, column: Column):
    if isinstance(row, Mapping):
        return row.get(column.key)
    return row[index]


def _text(value) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return neutralize(text[:MAX_CELL_CHARS])


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sample_width(column: Column, values: list) -> float:
    if column.width:
        return column.width
    if column.kind in ("date",):
        base = 12
    elif column.kind == "datetime":
        base = 17
    elif column.kind == "wan":
        longest = max((len(f"{v:,.2f}") for v in values if v is not None), default=8)
        base = longest + 2
    else:
        base = max((_display_width(str(v)) for v in values if v is not None), default=6) + 2
    return float(min(max(base, _display_width(column.header) + 4, 8), 50))


# --- xlsx --------------------------------------------------------------------
class _Styler:
    """Builds the few styled cells once per kind and reuses their style ids."""

    def __init__(self, ws):
        self.ws = ws

    def cell(self, value, column: Column):
        if value is None:
            return None
        kind = column.kind
        if kind == "wan":
            cell = WriteOnlyCell(
                self.ws, value=Decimal(str(value)) if not isinstance(value, Decimal) else value
            )
            cell.number_format = WAN_FORMAT
            return cell
        if kind in ("date", "datetime") and isinstance(value, date):
            if isinstance(value, datetime):
                value = local_naive(value)
            cell = WriteOnlyCell(self.ws, value=value)
            is_dt = isinstance(value, datetime)
            cell.number_format = DATETIME_FORMAT if is_dt else DATE_FORMAT
            return cell
        if kind == "bool":
            return "是" if value else "否"
        if kind == "int" and isinstance(value, int | float | Decimal):
            return value
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, int | float | Decimal) and kind != "text":
            return value
        return _text(value)


def write_xlsx(
    target: str | Path | BinaryIO,
    columns: Sequence[Column],
    rows: Iterable,
    *,
    title: str,
    sheet_name: str = "Sheet1",
) -> int:
    """Write ``rows`` (sequences in column order, or mappings by column key)
    under a title row and a header row. Returns the number of data rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_name[:31])
    rows = iter(rows)
    head = list(islice(rows, WIDTH_SAMPLE_ROWS))
    for i, column in enumerate(columns):
        values = [_value(r, i, column) for r in head]
        ws.column_dimensions[get_column_letter(i + 1)].width = _sample_width(column, values)
    ws.freeze_panes = "A3"
    last_col = get_column_letter(max(len(columns), 1))

    title_cell = WriteOnlyCell(ws, value=_text(title))
    title_cell.font = Font(bold=True, size=13)
    ws.append([title_cell])
    ws.merged_cells.add(f"A1:{last_col}1")

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_text(column.header))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, centre
        header.append(cell)
    ws.append(header)

    styler = _Styler(ws)
    count = 0
    for row in chain(head, rows):
        ws.append([styler.cell(_value(row, i, c), c) for i, c in enumerate(columns)])
        count += 1
    ws.auto_filter = AutoFilter(ref=f"A2:{last_col}{count + 2}")
    wb.save(target)
    return count


# --- csv ---------------------------------------------------------------------
def _csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "wan" and isinstance(value, int | float | Decimal):
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralize(str(value))


def iter_csv(
    columns: Sequence[Column], rows: Iterable, *, chunk_rows: int = 500
) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (so Excel and WPS open it without mojibake),
    yielded in chunks for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize(c.header) for c in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(_value(row, i, c), c) for i, c in enumerate(columns)])
        if n % chunk_rows == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_csv(target: str | Path | BinaryIO, columns: Sequence[Column], rows: Iterable) -> None:
    if isinstance(target, str | Path):
        with open(target, "wb") as fh:
            fh.writelines(iter_csv(columns, rows))
    else:
        target.writelines(iter_csv(columns, rows))


def title_line(
    title: str, filters: Mapping[str, str] | str | None = None, when: datetime | None = None
) -> str:
    """重点招商企业名录　筛选条件：市（州）=长春市；阶段=洽谈　导出时间：2024-05-01 10:00

    ``filters`` is a mapping of label → value, or a description already written."""
    parts = [title]
    if isinstance(filters, str):
        described = "" if filters == "全部" else filters
    else:
        described = "；".join(f"{k}={v}" for k, v in (filters or {}).items() if v not in (None, ""))
    parts.append(f"筛选条件：{described or '全部'}")
    parts.append(f"导出时间：{local_naive(when or clock.now()).strftime('%Y-%m-%d %H:%M')}")
    return "　".join(parts)


def write_annotated(
    target: str | Path | BinaryIO,
    rows: Iterable[tuple[list, list]],
    *,
    sheet_name: str = "导入结果",
) -> None:
    """The original sheet, row by row as read, with status cells appended after
    each row's own cells (aligned in one column block); text neutralised."""
    rows = list(rows)
    width = max((len(values) for values, _ in rows), default=0)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_name[:31])
    bold = Font(bold=True)
    for values, extra in rows:
        cells = [_plain(v) for v in values] + [None] * (width - len(values))
        for text in extra:
            cell = WriteOnlyCell(ws, value=_text(text) if text is not None else None)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
    wb.save(target)


def _plain(value):
    if isinstance(value, str):
        return _text(value)
    return value
