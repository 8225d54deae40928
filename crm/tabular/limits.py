"""Size limits of an uploaded spreadsheet, checked before it is parsed.

An .xlsx is a zip: a 1 MB upload can inflate to gigabytes, and the parser
(calamine) builds the whole sheet in memory, as a dense rectangle from the
first to the last cell. So before parsing we look at what the archive
declares (entry count, uncompressed sizes), then stream every entry through
``zipfile`` — which stops at the declared size and checks the CRC, so a file
that lies about its sizes is refused too — counting the worksheets' rows and
cells and their furthest cell reference. Nothing here holds more than a
chunk of the file in memory.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MB = 1024 * 1024
_CHUNK = 1 * MB
_TAIL_MAX = 64 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """What one uploaded table may hold (crm/config.py sets them from ZHAOSHANG_IMPORT_*)."""

    max_uncompressed_bytes: int = 200 * MB  # a workbook's entries, inflated, together
    max_entries: int = 1000  # files inside the workbook's zip
    max_rows: int = 200_000
    max_columns: int = 256
    max_cells: int = 6_000_000  # rows × columns of the sheet's rectangle, and cells written
    max_cell_chars: int = 32_767  # Excel's own limit per cell
    max_csv_bytes: int = 20 * MB

    @classmethod
    def from_config(cls, config) -> ReadLimits:
        return cls(
            max_uncompressed_bytes=int(config["IMPORT_MAX_UNCOMPRESSED_MB"]) * MB,
            max_entries=int(config["IMPORT_MAX_ENTRIES"]),
            max_rows=int(config["IMPORT_MAX_ROWS"]),
            max_columns=int(config["IMPORT_MAX_COLUMNS"]),
            max_cells=int(config["IMPORT_MAX_CELLS"]),
            max_cell_chars=int(config["IMPORT_MAX_CELL_CHARS"]),
            max_csv_bytes=int(config["IMPORT_MAX_CSV_MB"]) * MB,
        )


class TooLarge(ValueError):
    """The file exceeds a limit; ``str(err)`` is the Chinese message."""


class Corrupt(ValueError):
    """The archive cannot be read as it declares itself."""


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def rows_message(limits: ReadLimits) -> str:
    return f"文件行数超过上限（最多 {limits.max_rows} 行），请拆分为多个文件后分别导入"


def cell_message(limits: ReadLimits, where: str) -> str:
    return f"{where}的内容超过 {limits.max_cell_chars} 个字符，请检查文件"


# A worksheet's <row …> and <c …> start tags (any namespace prefix), with their attributes.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_REF = re.compile(rb'\sr="([A-Z]{1,3})?(\d+)"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


class _SheetScan:
    """Counts a worksheet's rows and cells as its XML streams by, and the furthest
    row and column it refers to (calamine fills the rectangle up to them)."""

    def __init__(self, limits: ReadLimits):
        self.limits = limits
        self.rows = self.cells = self.max_row = self.max_col = self.row_cells = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self.tail + chunk
        cut = buffer.rfind(b"<")
        if cut < 0:  # only text: no tag can start here
            self.tail = b""
            return
        self._scan(buffer[:cut])
        self.tail = buffer[cut:][:_TAIL_MAX]  # a started tag; the text after it is not needed

    def close(self) -> None:
        self._scan(self.tail)
        self.tail = b""

    def _scan(self, data: bytes) -> None:
        for match in _TAG.finditer(data):
            ref = _REF.search(match.group(2))
            if match.group(1) == b"row":
                self.rows += 1
                self.row_cells = 0
                number = int(ref.group(2)) if ref and ref.group(1) is None else self.rows
                self.max_row = max(self.max_row, number)
            else:
                self.cells += 1
                self.row_cells += 1
                column = _column_number(ref.group(1)) if ref and ref.group(1) else self.row_cells
                self.max_col = max(self.max_col, column)
                if ref and ref.group(1):
                    self.max_row = max(self.max_row, int(ref.group(2)))
            self._check()

    def _check(self) -> None:
        lim = self.limits
        if max(self.rows, self.max_row) > lim.max_rows:
            raise TooLarge(rows_message(lim))
        if self.max_col > lim.max_columns:
            raise TooLarge(f"文件列数超过上限（最多 {lim.max_columns} 列），请删除多余的列")
        if self.cells > lim.max_cells or self.max_row * self.max_col > lim.max_cells:
            raise TooLarge(f"文件单元格数超过上限（最多 {lim.max_cells} 个），请拆分为多个文件")


def check_workbook(data: bytes, limits: ReadLimits) -> None:
    """Refuse (TooLarge / Corrupt) a zip-based workbook too big to parse; an .xls
    (not a zip) is left to the reader, its size being what was uploaded."""
    if data[:2] != b"PK":
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Corrupt(str(exc)) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise TooLarge(f"Excel 文件内部结构过于复杂（{len(infos)} 个部件），无法导入")
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_uncompressed_bytes:
            raise TooLarge(
                f"Excel 文件解压后过大（约 {_mb(declared)}，上限 "
                f"{_mb(limits.max_uncompressed_bytes)}），请删除无关的工作表、图片或格式后重试"
            )
        for info in infos:
            _stream(archive, info, limits)


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ReadLimits) -> None:
    """Inflate one entry chunk by chunk: zipfile stops at its declared size and
    checks its CRC, so real content larger than declared is refused."""
    scan = _SheetScan(limits) if _SHEET.match(info.filename) else None
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                if scan is not None:
                    scan.feed(chunk)
    except TooLarge:
        raise
    except Exception as exc:  # BadZipFile (bad CRC), zlib.error, unsupported compression …
        raise Corrupt(str(exc)) from exc
    if scan is not None:
        scan.close()
