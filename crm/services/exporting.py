"""Export every list exactly as its filters show it, as .xlsx or CSV.

The filter objects in ``crm.queries`` build the query, so a list page, its export
link and ``zhaoshang export`` always agree (and count alike: crm.queries.count_rows).
Rows are streamed from the database in batches and written by ``crm.tabular.writers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, select

from crm import clock, rules
from crm.models import Enterprise, Park, Project, User
from crm.queries import ListFilters
from crm.services import audit, reference
from crm.tabular.writers import Column, iter_csv, title_line, write_xlsx

BATCH = 1000
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class ExportKind:
    """One exportable list: its title, filter class, fixed filters and columns."""

    key: str
    title: str
    filters: type[ListFilters]
    columns: list[Column]
    rows: Callable[[Session, list, Names], Iterator[dict]]
    fixed: dict = field(default_factory=dict)  # e.g. the docket is case_by_case=True


@dataclass
class ExportResult:
    kind: str
    title: str
    count: int
    filename: str
    description: str


class Names:
    """Id → name look-ups loaded once per export."""

    def __init__(self, session: Session, *, divisions: dict | None = None,
                 users: dict | None = None):
        """``divisions`` (code → name) and ``users`` (id → User) when the caller, a list
        page, has them already."""
        self.session = session
        if divisions is None:
            divisions = reference.division_names(session)
        if users is None:
            users = {u.id: u for u in session.exec(select(User))}
        self.divisions = divisions
        self.users = {i: u.label for i, u in users.items()}
        self.parks = {p.id: p.name for p in session.exec(select(Park))}
        self._enterprises: dict[int, tuple[str, str | None]] = {}
        self._projects: dict[int, tuple[str, int | None, str | None]] = {}

    def enterprises(self, ids) -> dict[int, tuple[str, str | None]]:
        missing = {i for i in ids if i is not None and i not in self._enterprises}
        if missing:
            stmt = select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.id.in_(missing)
            )
            self._enterprises.update({i: (n, c) for i, n, c in self.session.exec(stmt)})
        return self._enterprises

    def projects(self, ids) -> dict[int, tuple[str, int | None, str | None]]:
        missing = {i for i in ids if i is not None and i not in self._projects}
        if missing:
            stmt = select(Project.id, Project.name, Project.enterprise_id, Project.city_code).where(
                Project.id.in_(missing)
            )
            self._projects.update({i: (n, e, c) for i, n, e, c in self.session.exec(stmt)})
        return self._projects


def plain_rows(batch: list, vocabularies: dict[str, dict]) -> Iterator[dict]:
    """A record's fields as stored, its coded fields as their labels: the rows of a
    record type that declares no row function of its own."""
    for obj in batch:
        row = obj.model_dump()
        for name, vocab in vocabularies.items():
            if name in row:
                row[name] = rules.label(vocab, row[name])
        yield row


# Name → exportable list. Filled by the record types (crm.records) as they are
# declared, each with its list's columns: a list page and its export agree.
KINDS: dict[str, ExportKind] = {}


def register(spec: ExportKind) -> None:
    KINDS[spec.key] = spec


def get_kind(kind: str) -> ExportKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"未知的导出类型：{kind}") from None


def filters_for(kind: str, args: Mapping) -> ListFilters:
    """The list's filters from query parameters (or CLI options), fixed ones applied."""
    spec = get_kind(kind)
    return replace(spec.filters.from_args(args), page=1, **spec.fixed)


def iter_rows(session: Session, kind: str, filters: ListFilters) -> Iterator[dict]:
    """Rows as dicts keyed by column, streamed in batches of ``BATCH``."""
    spec = get_kind(kind)
    names = Names(session)
    result = session.exec(filters.select().execution_options(yield_per=BATCH))
    while batch := list(islice(result, BATCH)):
        yield from spec.rows(session, batch, names)


def describe(session: Session, kind: str, filters: ListFilters) -> str:
    spec = get_kind(kind)
    shown = replace(filters, **{k: None for k in spec.fixed})
    names = reference.division_names(session)
    return shown.describe(names)


def filename_for(kind: str, fmt: str, when: datetime | None = None) -> str:
    stamp = (when or clock.now()).strftime("%Y%m%d_%H%M")
    return f"{get_kind(kind).title}_{stamp}.{fmt}"


def export_list(
    *,
    session: Session,
    kind: str,
    args: Mapping,
    fmt: str,
    target: str | Path | BinaryIO,
    user: User | None,
    when: datetime | None = None,
) -> ExportResult:
    """Write the filtered list to ``target`` and record the export in the audit trail."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的导出格式：{fmt}")
    spec = get_kind(kind)
    filters = filters_for(kind, args)
    when = when or clock.now()
    text = describe(session, kind, filters)
    rows = iter_rows(session, kind, filters)
    if fmt == "xlsx":
        title = title_line(spec.title, text, when)
        count = write_xlsx(target, spec.columns, rows, title=title, sheet_name=spec.title)
    else:
        count = _write_csv(target, spec.columns, rows)
    record_export(session, user=user, kind=kind, count=count, description=text)
    return ExportResult(kind, spec.title, count, filename_for(kind, fmt, when), text)


def _write_csv(target, columns, rows) -> int:
    counter = _Counter(rows)
    chunks = iter_csv(columns, counter)
    if isinstance(target, str | Path):
        with open(target, "wb") as fh:
            fh.writelines(chunks)
    else:
        target.writelines(chunks)
    return counter.n


class _Counter:
    def __init__(self, rows):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def record_export(
    session: Session, *, user: User | None, kind: str, count: int | None, description: str
) -> None:
    spec = get_kind(kind)
    rows = f"，{count} 行" if count is not None else ""
    audit.record(
        session,
        user=user,
        action="export",
        object_type=kind,
        summary=f"{spec.title}（{description}{rows}）",
        username="cli",
    )
    session.commit()
