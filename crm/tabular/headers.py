"""Match spreadsheet headers (Chinese, English, common synonyms) to fields.

A header such as ``计划投资额（亿元）`` matches the field whose synonyms include
``计划投资额`` and also tells the amount parser that plain numbers in that
column are 亿元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

_UNIT_RE = re.compile(r"[(\[【]\s*(?:单位\s*[:：]?\s*)?(亿元|亿|万元|万|元)\s*[)\]】]")
_UNIT_FACTORS = {
    "亿元": Decimal(10000),
    "亿": Decimal(10000),
    "万元": Decimal(1),
    "万": Decimal(1),
    "元": Decimal("0.0001"),
}
_BRACKETED_RE = re.compile(r"[(\[【][^)\]】]*[)\]】]")
_NOISE_RE = re.compile(r"[\s_\-*＊:：.。/、·()（）\[\]【】]+")


@dataclass(frozen=True)
class FieldSpec:
    """One importable/exportable field: its key, Chinese label and synonyms."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text | name | wan | date | bool | number | city | county | stage …
    example: str = ""  # the value of the template's 示例 row

    def spellings(self) -> set[str]:
        return {normalize_header(s) for s in (self.key, self.label, *self.synonyms)}


@dataclass
class HeaderMatch:
    columns: dict[int, str] = field(default_factory=dict)  # 0-based column → field key
    units: dict[str, Decimal] = field(default_factory=dict)  # field key → 万元 multiplier
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (column, header text)
    repeated: list[tuple[int, str]] = field(default_factory=list)  # second column for a field
    missing: list[str] = field(default_factory=list)  # labels of required fields absent

    @property
    def score(self) -> int:
        return len(self.columns)

    def messages(self) -> list[str]:
        """Chinese notes for the preview page and the CLI summary."""
        notes = []
        if self.missing:
            notes.append("缺少必填列：" + "、".join(self.missing))
        if self.unknown:
            names = "、".join(f"“{h}”" for _, h in self.unknown)
            notes.append(f"未识别的列（不会导入）：{names}")
        if self.repeated:
            names = "、".join(f"“{h}”" for _, h in self.repeated)
            notes.append(f"重复的列（只采用第一列）：{names}")
        return notes


def normalize_header(text) -> str:
    """NFKC, lower-case, without spaces, punctuation or bracketed notes such as （万元）."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    stripped = _BRACKETED_RE.sub("", text)
    return _NOISE_RE.sub("", stripped or text)


def header_unit(text) -> Decimal | None:
    """The 万元 multiplier stated in a header: （亿元）→ 10000, （元）→ 0.0001."""
    if text is None:
        return None
    match = _UNIT_RE.search(unicodedata.normalize("NFKC", str(text)))
    return _UNIT_FACTORS[match.group(1)] if match else None


def match_headers(headers: list, specs: list[FieldSpec]) -> HeaderMatch:
    lookup: dict[str, FieldSpec] = {}
    for spec in specs:
        for spelling in spec.spellings():
            lookup.setdefault(spelling, spec)
    result = HeaderMatch()
    taken: set[str] = set()
    for col, header in enumerate(headers):
        norm = normalize_header(header)
        if not norm:
            continue
        spec = lookup.get(norm)
        if spec is None:
            result.unknown.append((col, str(header).strip()))
        elif spec.key in taken:
            result.repeated.append((col, str(header).strip()))
        else:
            taken.add(spec.key)
            result.columns[col] = spec.key
            unit = header_unit(header)
            if unit is not None:
                result.units[spec.key] = unit
    result.missing = [s.label for s in specs if s.required and s.key not in taken]
    return result


def header_help(headers: list, specs: list[FieldSpec]) -> str:
    """For a file whose header row is not ours: the headers found, and those expected."""
    found = "、".join(f"“{str(h).strip()}”" for h in headers if normalize_header(h)) or "（空）"
    expected = "、".join(s.label + ("（必填）" if s.required else "") for s in specs)
    return f"表头中找到的列：{found}。可识别的列：{expected}"


def find_header_row(rows: list[list], specs: list[FieldSpec], *, scan: int = 15) -> int:
    """Index (0-based, within ``rows``) of the row that looks most like the
    header: most matched fields among the first ``scan`` rows; title rows such as
    "2024年重点招商企业名录" above the header are skipped."""
    best, best_score = 0, -1
    for i, row in enumerate(rows[:scan]):
        score = match_headers(list(row), specs).score
        if score > best_score:
            best, best_score = i, score
    if best_score <= 0:  # nothing matched: the first row with two or more cells
        for i, row in enumerate(rows[:scan]):
            if sum(1 for v in row if v not in (None, "")) >= 2:
                return i
    return best
