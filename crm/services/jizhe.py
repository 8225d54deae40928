"""吉浙 leads as a matrix: Zhejiang source city × Jilin destination city.

A cell holds the number of live 吉浙 projects, their planned investment (万元)
and how many sit at each stage. Projects whose source city is not a Zhejiang
city (e.g. brought in through the pairing from elsewhere) go to the row
``OTHER``; projects with no destination go to the column ``OTHER``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, func, select

from crm import rules
from crm.models import Division, JizhePairing, Project
from crm.services import reference

OTHER = ""
CONFIDENCE = {"reported": "有公开报道", "inferred": "推断", "unknown": "未知"}


@dataclass
class Cell:
    count: int = 0
    planned_wan: Decimal = Decimal(0)
    stages: Counter = field(default_factory=Counter)

    def add(self, count: int, planned, stage: str) -> None:
        self.count += count
        self.planned_wan += Decimal(str(planned or 0))
        self.stages[stage] += count

    def stage_text(self) -> str:
        return "、".join(f"{rules.STAGES.get(s, s)}{n}" for s, n in
                        sorted(self.stages.items(), key=lambda kv: _stage_order(kv[0])))


def _stage_order(stage: str) -> int:
    order = list(rules.STAGES)
    return order.index(stage) if stage in order else len(order)


@dataclass
class Matrix:
    rows: list[tuple[str, str]]  # (zhejiang code or OTHER, name)
    cols: list[tuple[str, str]]  # (jilin code or OTHER, name)
    cells: dict[tuple[str, str], Cell]
    row_totals: dict[str, Cell]
    col_totals: dict[str, Cell]
    total: Cell
    paired: set[tuple[str, str]]

    def cell(self, row: str, col: str) -> Cell | None:
        return self.cells.get((row, col))


def zhejiang_code(name: str | None, by_name: dict[str, str]) -> str:
    if not name:
        return OTHER
    name = name.strip()
    return by_name.get(name) or by_name.get(name + "市") or OTHER


def matrix(session: Session) -> Matrix:
    zhejiang = reference.zhejiang_cities(session)
    jilin = reference.jilin_prefectures(session)
    by_name = {d.name: d.code for d in zhejiang} | {d.short_name: d.code for d in zhejiang
                                                      if d.short_name}
    stmt = select(Project.source_city, Project.city_code, Project.stage, func.count(),
                  func.sum(Project.planned_investment_wan)).where(
        Project.deleted_at.is_(None), Project.jizhe.is_(True)).group_by(
        Project.source_city, Project.city_code, Project.stage)
    jilin_codes = {d.code for d in jilin}
    cells: dict[tuple[str, str], Cell] = {}
    row_totals: dict[str, Cell] = {}
    col_totals: dict[str, Cell] = {}
    total = Cell()
    for source_city, city_code, stage, count, planned in session.exec(stmt):
        row = zhejiang_code(source_city, by_name)
        col = city_code if city_code in jilin_codes else OTHER
        for bucket in (cells.setdefault((row, col), Cell()), row_totals.setdefault(row, Cell()),
                       col_totals.setdefault(col, Cell()), total):
            bucket.add(count, planned, stage)
    rows = [(d.code, d.name) for d in zhejiang]
    if OTHER in row_totals:
        rows.append((OTHER, "其他来源"))
    cols = [(d.code, d.name) for d in jilin]
    if OTHER in col_totals:
        cols.append((OTHER, "未定"))
    paired = {(p.zhejiang_code, _prefecture_of(session, p.jilin_code))
              for p in session.exec(select(JizhePairing)) if p.jilin_code}
    return Matrix(rows, cols, cells, row_totals, col_totals, total, paired)


def _prefecture_of(session: Session, code: str) -> str:
    """梅河口市 (a county-level city) is paired on its own; its column is 通化市."""
    division = session.get(Division, code)
    if division is not None and division.level == "county" and division.parent_code:
        return division.parent_code
    return code


@dataclass
class PairingRow:
    zhejiang_code: str
    zhejiang_name: str
    jilin_code: str | None
    jilin_name: str
    confidence: str
    confidence_label: str
    source: str


def pairings(session: Session) -> list[PairingRow]:
    names = {d.code: d.name for d in session.exec(select(Division))}
    out = []
    for p in session.exec(select(JizhePairing).order_by(JizhePairing.zhejiang_code)):
        out.append(PairingRow(
            zhejiang_code=p.zhejiang_code,
            zhejiang_name=names.get(p.zhejiang_code, p.zhejiang_code),
            jilin_code=p.jilin_code,
            jilin_name=names.get(p.jilin_code, p.jilin_code) if p.jilin_code else "—",
            confidence=p.confidence, confidence_label=CONFIDENCE.get(p.confidence, p.confidence),
            source=p.source))
    return out
