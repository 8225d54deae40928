"""Parse cell values as people type them into spreadsheets.

Every parser takes whatever a reader returned (str, int, float, date,
datetime, bool or None) and returns a clean Python value, ``None`` for a
blank cell, or raises :class:`CellError` with a Chinese message the import
preview shows next to the row and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class CellError(ValueError):
    """A value that cannot be understood; ``str(err)`` is the Chinese message."""


CENT = Decimal("0.01")

# Multipliers to 万元. Longest units first so 亿元 wins over 元.
_AMOUNT_UNITS = [
    ("千万元", Decimal(1000)),
    ("百万元", Decimal(100)),
    ("千万", Decimal(1000)),
    ("百万", Decimal(100)),
    ("亿元", Decimal(10000)),
    ("万元", Decimal(1)),
    ("亿", Decimal(10000)),
    ("万", Decimal(1)),
    ("元", Decimal("0.0001")),
]
_FOREIGN = ("美元", "美金", "欧元", "日元", "港元", "港币", "英镑", "韩元", "usd", "eur", "$")
_CURRENCY = ("人民币", "rmb", "cny", "¥", "￥")
# Words that make an amount approximate (约3亿, 3亿左右): dropped, and reported. Longest
# first, so 大约 goes before 约 would leave 大.
_HEDGES = ("大约", "左右", "以上", "超过", "约", "近", "逾", "超", "余", "多")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
_BLANKS = {"", "-", "--", "—", "——", "/", "无", "n/a", "na", "none", "null", "暂无", "不详", "未知"}


def clean_text(value) -> str | None:
    """Text as a person meant it: NFKC (full-width → half-width), trimmed,
    inner runs of whitespace collapsed; ``None`` when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def as_written(value) -> str | None:
    """A registered name as written: only the outer whitespace goes. Full-width
    （集团） stays full-width; comparisons normalise a key of their own (names.py)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def is_blank(value) -> bool:
    text = clean_text(value)
    return text is None or text.lower() in _BLANKS


def parse_amount_wan(value, *, unit: Decimal | None = None) -> Decimal | None:
    """An amount in 万元, two decimals.

    ``12亿`` → 120000, ``1.2亿元`` → 12000, ``5000万`` → 5000, ``5,000`` → 5000,
    ``５０００万元`` → 5000; a plain number is 万元 unless ``unit`` (the multiplier
    taken from a header such as 投资额（亿元）) says otherwise.
    """
    return parse_amount_detail(value, unit=unit)[0]


def parse_amount_detail(value, *, unit: Decimal | None = None) -> tuple[Decimal | None, bool]:
    """(amount in 万元, approximate): ``约3亿`` → (30000, True), the hedge dropped."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise CellError("金额不能是是/否")
        return None, False
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value)) * (unit or 1)
        return _checked_amount(amount, value), False
    if is_blank(value):
        return None, False
    raw = clean_text(value)
    text = raw.lower().replace(" ", "").replace(",", "").replace("，", "")
    if any(f in text for f in _FOREIGN):
        raise CellError(f"金额“{raw}”不是人民币，请换算为万元后填写")
    for mark in _CURRENCY:
        text = text.replace(mark, "")
    approximate = False
    for hedge in _HEDGES:
        if hedge in text:
            text, approximate = text.replace(hedge, ""), True
    multiplier = unit or Decimal(1)
    for suffix, factor in _AMOUNT_UNITS:
        if text.endswith(suffix):
            text, multiplier = text[: -len(suffix)], factor
            break
    if not _NUMBER_RE.match(text):
        raise CellError(f"无法识别金额“{raw}”，请填写如 5000、5000万、1.2亿")
    try:
        amount = Decimal(text) * multiplier
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise CellError(f"无法识别金额“{raw}”") from exc
    return _checked_amount(amount, raw), approximate


def _checked_amount(amount: Decimal, raw) -> Decimal:
    if not amount.is_finite():
        raise CellError(f"无法识别金额“{raw}”")
    if amount < 0:
        raise CellError(f"金额不能为负数：“{raw}”")
    if amount >= Decimal("1e14"):
        raise CellError(f"金额“{raw}”过大，请确认单位（万元）")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- dates -------------------------------------------------------------------
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value) -> date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, Excel serial
    numbers and date/datetime cells."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("日期不能是是/否")
    if isinstance(value, int | float | Decimal):
        return _from_serial(value)
    if is_blank(value):
        return None
    raw = clean_text(value)
    text = re.sub(r"\s*([年月日号])\s*", r"\1", raw.lower())
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            try:
                return date(year, month, day)
            except ValueError as exc:
                raise CellError(f"日期“{raw}”不存在") from exc
    if re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return _from_serial(float(text))
    raise CellError(f"无法识别日期“{raw}”，请填写如 2024-03-05 或 2024年3月5日")


def _from_serial(number) -> date:
    serial = float(number)
    if serial.is_integer() and 19000101 <= serial <= 21001231:  # 20240305 typed as a number
        return parse_date(str(int(serial)))
    if not 1 <= serial < 2958466:
        raise CellError(f"无法识别日期“{number}”")
    return (_EXCEL_EPOCH + timedelta(days=int(serial))).date()


# --- booleans ----------------------------------------------------------------
_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "有", "已"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "错", "无", "未", "不是"}


def parse_bool(value) -> bool | None:
    """是/否, Y/N, √/×, 1/0, true/false; blank → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"无法识别“{text}”，请填写“是”或“否”")


def parse_int(value) -> int | None:
    if value is None or is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("应为整数")
    text = clean_text(value).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{text}”不是整数") from exc
    if number != number.to_integral_value():
        raise CellError(f"“{text}”不是整数")
    return int(number)
