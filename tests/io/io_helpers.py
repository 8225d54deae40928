"""Spreadsheet builders for the import/export tests."""

from __future__ import annotations

from openpyxl import Workbook

from crm import rules


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 from 17 characters."""
    return body + rules.credit_code_check_char(body)


def xlsx_bytes(rows: list[list], path) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "名录"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path.read_bytes()
