"""Import enterprises and projects from staff spreadsheets, row by row.

``run_import`` reads a file, matches its headers, parses every row as people
type values, checks for duplicates and then creates records through the same
service functions the forms use (so 一事一议, 吉浙 and the audit trail apply).
Every run first checks all rows without writing anything — a preview
(``commit=False``) is only that, so it holds no write lock however long the
file; a real run then writes the accepted rows in one short transaction, or
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from crm import rules
from crm.models import FollowUp, Park, Project, User
from crm.services import audit, followups, reference
from crm.services.dedupe import EnterpriseIndex
from crm.services.enterprises import create_enterprise, prepare_enterprise, save_enterprises
from crm.services.errors import ServiceError, ValidationFailed
from crm.services.projects import create_project, prepare_project
from crm.tabular import divisions, places, zones
from crm.tabular.fields import IGNORED_HEADERS
from crm.tabular.headers import (
    FieldSpec,
    HeaderMatch,
    find_header_row,
    header_help,
    match_headers,
)
from crm.tabular.headers import normalize_header as norm_header
from crm.tabular.limits import ReadLimits
from crm.tabular.names import DUPLICATE_SCORE, best_matches, normalize_name
from crm.tabular.readers import RawSheet, ReadError, read_table
from crm.tabular.values import (
    CellError,
    as_written,
    clean_text,
    is_blank,
    parse_amount_detail,
    parse_bool,
    parse_date,
    parse_int,
)
from crm.tabular.writers import Column, unneutralize, write_xlsx

# Name → Chinese label and importable fields, filled by the record types (crm.records)
# that declare import fields; each needs its row handler (ROW_HANDLERS) here.
KINDS: dict[str, str] = {}
FIELDS: dict[str, list[FieldSpec]] = {}
STATUS_LABELS = {
    "new": "可导入",
    "created": "已导入",
    "invalid": "有错误，未导入",
    "exists": "已存在，未重复导入",
    "similar": "疑似重复，未导入",
    "blank": "空行，已忽略",
    "example": "示例行，已忽略",
}
EXAMPLE_MARK = "示例"  # first cell of a template's example row: never imported
_IGNORED = {norm_header(h) for h in IGNORED_HEADERS}


@dataclass
class RowResult:
    number: int  # 1-based row in the sheet
    status: str = "new"  # a key of STATUS_LABELS
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, Chinese message)
    # what was kept but not understood (an ambiguous place, an unlisted zone): imported
    warnings: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""  # duplicates, created enterprise, …
    name: str = ""
    # what a value became, for the preview: (column, "约3亿 → 30000 万元（约数）")
    understood: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def message(self) -> str:
        parts = [f"{col}：{msg}" if col else msg for col, msg in self.errors]
        hints = [f"提示：{col}：{msg}" if col else f"提示：{msg}" for col, msg in self.warnings]
        return "；".join(parts + hints + ([self.note] if self.note else []))


@dataclass
class ImportReport:
    kind: str
    filename: str
    committed: bool = False
    header_row: int | None = None
    notes: list[str] = field(default_factory=list)  # header notes (unknown columns …)
    error: str = ""  # the file as a whole was refused
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def rejected(self) -> int:
        return self.count("invalid")

    @property
    def ok(self) -> bool:
        return not self.error and self.rejected == 0

    def summary(self) -> str:
        """One Chinese line, the same on the page and in the CLI."""
        if self.error:
            return f"{self.filename}：{self.error}"
        done = "已导入" if self.committed else "可导入"
        n_ok = self.count("created") if self.committed else self.count("new")
        return (
            f"{self.filename}：共 {sum(1 for r in self.rows if r.status != 'blank')} 行，"
            f"{done} {n_ok} 行，有错误 {self.rejected} 行，已存在 {self.count('exists')} 行，"
            f"疑似重复 {self.count('similar')} 行"
        )

    def status_by_row(self) -> dict[int, RowResult]:
        return {r.number: r for r in self.rows}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        rows = [
            RowResult(**{**r, "errors": [tuple(e) for e in r["errors"]],
                         "warnings": [tuple(w) for w in r.get("warnings", [])],
                         "understood": [tuple(u) for u in r.get("understood", [])]})
            for r in data.get("rows", [])
        ]
        return cls(**{**data, "rows": rows})


# --- parsing a row ------------------------------------------------------------
class _Parser:
    """Turns one sheet row into service data, collecting Chinese errors by column."""

    def __init__(self, specs: list[FieldSpec], match: HeaderMatch, headers: list):
        self.specs = {s.key: s for s in specs}
        self.match = match
        self.header_of = {key: str(headers[col]).strip() for col, key in match.columns.items()}

    def parse(self, values: list, result: RowResult) -> dict | None:
        data: dict = {}
        for col, key in self.match.columns.items():
            raw = values[col] if col < len(values) else None
            try:
                value = self._value(self.specs[key], raw, result)
            except CellError as exc:
                result.errors.append((self.header_of[key], str(exc)))
                continue
            if value is not None:
                data[key] = value
        return data

    def _value(self, spec: FieldSpec, raw, result: RowResult):
        if isinstance(raw, str):
            raw = unneutralize(raw.strip())
        kind, header = spec.kind, self.header_of[spec.key]
        if kind == "wan":
            amount, approximate = parse_amount_detail(raw, unit=self.match.units.get(spec.key))
            _understood(result, header, raw, _wan_text(amount, approximate))
            return amount
        if kind == "stage":
            return _stage(raw, header, result)
        if kind == "date":
            return parse_date(raw)
        if kind == "followup_kind":
            return _vocab(raw, rules.FOLLOWUP_KINDS, "跟进方式")
        if kind == "city":
            code = divisions.parse_city_code(raw)
            _understood(result, header, raw, divisions.city_name(code) if code else None)
            return code
        if kind == "bool":
            return parse_bool(raw)
        if kind == "number":
            return _number(raw)
        if kind == "priority":
            return _priority(raw)
        if kind == "city":
            return divisions.parse_city_code(raw)
        if kind == "county":
            return divisions.parse_county_code(raw)
        if kind == "name":
            return None if is_blank(raw) else as_written(raw)
        return clean_text(raw)  # its length is the schema's to judge, by field


def _understood(result: RowResult, header: str, raw, shown: str | None) -> None:
    """Note what a cell became when it is not what was written (延边州 → 延边朝鲜族自治州)."""
    written = clean_text(raw)
    if not shown or not written or written == shown:
        return
    if shown.startswith(written + " ") and "约数" not in shown:  # 5000 → 5000 万元: nothing new
        return
    result.understood.append((header, f"{written} → {shown}"))


def _wan_text(amount, approximate: bool) -> str | None:
    if amount is None:
        return None
    text = f"{amount.normalize():f} 万元"
    return text + "（约数）" if approximate else text


def _stage(raw, header: str, result: RowResult) -> str | None:
    text = clean_text(raw)
    if text is None or is_blank(text):
        return None
    stage, guessed = rules.stage_for_word(text)
    if stage is None:
        words = "、".join(rules.STAGES.values())
        raise CellError(f"无法识别阶段“{text}”，请填写{words}，或 在谈、已签约、在建、已投产 等")
    label = rules.STAGES[stage]
    _understood(result, header, text, label)
    if guessed:
        result.warnings.append((header, f"“{text}”不是明确的阶段，按最接近的“{label}”导入，请核对"))
    return stage


def _vocab(raw, vocab: dict, name: str):
    text = clean_text(raw)
    if text is None:
        return None
    code = rules.code_for_label(vocab, text)
    if code is None:
        raise CellError(f"无法识别{name}“{text}”，请填写" + "、".join(vocab.values()))
    return code


def _number(raw) -> float | None:
    text = clean_text(raw)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise CellError(f"“{text}”不是数字") from None


def _priority(raw) -> int | None:
    text = clean_text(raw)
    if text is None:
        return None
    code = rules.code_for_label(rules.PRIORITIES, text)
    if code is not None:
        return code
    try:
        number = parse_int(text)
    except CellError:
        number = None
    if number in rules.PRIORITIES:
        return number
    raise CellError("优先级应为 高、中、低 或 1、2、3")


def _place(data: dict, keys: tuple[str, str], result: RowResult, header_of: dict) -> None:
    """Province and city as the registry stores them (吉林 → 吉林省, 西安 → 西安市, 浙江嘉兴 →
    浙江省 / 嘉兴市), the city looked up within the row's province. A city that is
    ambiguous (铁西区) or unknown is kept as typed, with a warning."""
    province_key, city_key = keys
    province = rules.normalize_province(data.get(province_key))
    if province:
        data[province_key] = province
    city = data.get(city_key)
    if not city:
        return
    found = places.resolve(city, province)
    if found.warning:
        result.warnings.append((header_of.get(city_key, ""), found.warning))
    if found.place is None:
        return
    data[province_key] = found.place.province
    if found.warning:  # only the province was understood: the city stays as typed
        return
    # say what became of it, with the province when it came from the city cell (浙江嘉兴)
    place = found.place
    if place.city != city:
        shown = place.city if province == place.province and place.city else \
            " / ".join(x for x in (place.province, place.city) if x)
        _understood(result, header_of.get(city_key, ""), city, shown)
    if found.place.city:
        data[city_key] = found.place.city
    else:  # 浙江省 in a city column: a province only
        data.pop(city_key)


# --- the two kinds ---------------------------------------------------------------
@dataclass
class _Provisional:
    """An accepted row's enterprise in the duplicate index before it is written; a
    negative id stands in for the one the database will give it."""

    id: int
    name: str
    credit_code: str | None
    deleted_at: None = None


_CONTACT_LABELS = {"name": "联系人", "title": "职务", "phone": "电话", "email": "邮箱"}


class _EnterpriseRows:
    header_of: dict[str, str] = {}  # field → the sheet's header (set by run_import)
    # accepted rows are written BATCH at a time as multi-row INSERTs
    BATCH = 500

    def __init__(self, session: Session, user: User):
        self.session, self.user = session, user
        self.index = EnterpriseIndex(session)
        self.row_of: dict[int, int] = {}  # (provisional) id → sheet row that created it
        self.pending: list[tuple[RowResult, object]] = []

    def prime(self, rows: list[dict]) -> None:
        self.index.prime(row.get("name") for row in rows)

    def prepare(self, data: dict, result: RowResult) -> dict:
        """Service data from parsed cells; also checks the credit code early."""
        contact = {k[8:]: data.pop(k) for k in list(data) if k.startswith("contact_")}
        code = rules.normalize_credit_code(data.get("credit_code"))
        if code:
            data["credit_code"] = code
            problem = rules.credit_code_error(code)
            if problem:
                result.errors.append(("统一社会信用代码", problem))
        _place(data, ("province", "city"), result, self.header_of)
        if contact.get("name"):
            data["contacts"] = [{k: v or "" for k, v in contact.items()}]
        elif any(contact.values()):  # kept in the notes; a contact needs a name
            kept = "；".join(f"{_CONTACT_LABELS[k]}：{v}" for k, v in contact.items() if v)
            data["notes"] = "；".join(x for x in (data.get("notes"), kept) if x)
            result.warnings.append(("联系人", "填写了电话或邮箱，但没有联系人姓名，已记入备注"))
        return data

    def duplicate(self, data: dict, result: RowResult) -> bool:
        verdict = self.index.check(data.get("name"), data.get("credit_code"))
        if verdict.exact is not None:
            row = self.row_of.get(verdict.exact.id)
            result.status = "exists"
            result.note = f"与本表第{row}行重复" if row else verdict.reason
            return True
        if verdict.similar:
            names = "、".join(f"“{m.name}”（相似度{m.score:.0f}）" for m in verdict.similar[:3])
            result.status, result.note = "similar", f"与已有企业{names}相近"
        return False

    def check(self, data: dict, result: RowResult) -> None:
        """Accept a row without writing it (prepare_enterprise refuses a bad one)."""
        new = prepare_enterprise(session=self.session, data=data, user=self.user)
        provisional = -(len(self.row_of) + 1)
        self.index.add(_Provisional(provisional, new.row["name"], new.row["credit_code"]))
        self.row_of[provisional] = result.number
        self.pending.append((result, new))

    def write(self, parser: _Parser) -> None:
        """Write the accepted rows; the caller holds the transaction."""
        for start in range(0, len(self.pending), self.BATCH):
            batch = [new for _, new in self.pending[start : start + self.BATCH]]
            save_enterprises(session=self.session, new=batch, user=self.user)


class _ProjectRows:
    header_of: dict[str, str] = {}

    def __init__(self, session: Session, user: User):
        self.session, self.user = session, user
        self.enterprises = EnterpriseIndex(session)
        self.parks = {normalize_name(p.name): p for p in session.exec(select(Park))}
        self.projects: dict[tuple, int] = {}
        self.by_owner: dict[object, list[tuple[int, str]]] = {}
        columns = (Project.id, Project.name, Project.enterprise_id, Project.city_code)
        for p in session.exec(select(*columns).where(Project.deleted_at.is_(None))):
            self._remember(p.id, p.name, p.enterprise_id or ("city", p.city_code))
        self.pending: list[tuple[RowResult, dict, dict | None]] = []
        self.new_enterprise_ids: dict[int, int] = {}  # provisional id → written id

    def prime(self, rows: list[dict]) -> None:
        self.enterprises.prime(row.get("enterprise") for row in rows)

    def _remember(self, project_id: int, name: str, owner) -> None:
        self.projects.setdefault((owner, normalize_name(name)), project_id)
        self.by_owner.setdefault(owner, []).append((project_id, name))

    def prepare(self, data: dict, result: RowResult) -> dict:
        code = rules.normalize_credit_code(data.pop("credit_code", None))
        name = data.pop("enterprise", None)
        if code and rules.credit_code_error(code):
            result.errors.append(("统一社会信用代码", rules.credit_code_error(code)))
        data["_enterprise"] = (name, code)
        verdict = self.enterprises.check(name, code) if (name or code) else None
        if verdict is not None and verdict.exact is not None:
            if verdict.exact.deleted_at is not None:
                result.errors.append(("投资企业", f"企业“{verdict.exact.name}”已删除，请先恢复"))
            data["enterprise_id"] = verdict.exact.id
        elif code and not name:
            result.errors.append(
                ("统一社会信用代码", "没有找到该信用代码的企业，请同时填写投资企业名称")
            )
        _place(data, ("source_province", "source_city"), result, self.header_of)
        self._park(data, result)
        county = data.get("county_code")
        if county and not data.get("city_code"):
            data["city_code"] = divisions.prefecture_of(county)
        return data

    def _park(self, data: dict, result: RowResult) -> None:
        """A zone as people name it (净月高新区, 汽开区, 220171); one not in the list is
        kept as written in the notes, with a warning, and the row still imported."""
        park = data.pop("park", None)
        if not park:
            return
        official = zones.official_name(park)
        found = self.parks.get(normalize_name(official or park))
        if found is not None:
            data["park_id"] = found.id
            if not data.get("city_code") and not data.get("county_code"):
                data["city_code"] = found.city_code  # 汽开区 says 长春
            return
        header = self.header_of.get("park", "落地园区")
        result.warnings.append((header, f"“{park}”不在园区名录中，已原样记入备注"))
        data["notes"] = "；".join(x for x in (data.get("notes"), f"{header}：{park}") if x)

    def duplicate(self, data: dict, result: RowResult) -> bool:
        owner = data.get("enterprise_id") or ("city", data.get("city_code"))
        if (owner, normalize_name(data["name"])) in self.projects:
            result.status, result.note = "exists", "该企业已有同名项目"
            return True
        similar = best_matches(
            data["name"], self.by_owner.get(owner, []), threshold=DUPLICATE_SCORE
        )
        if similar:
            names = "、".join(f"“{m.name}”" for m in similar[:3])
            result.status, result.note = "similar", f"与该企业已有项目{names}相近"
        return False

    def check(self, data: dict, result: RowResult) -> None:
        """Accept a row without writing it: its new enterprise (if any) and its project
        pass every check of the services, with provisional (negative) ids meanwhile."""
        name, code = data.pop("_enterprise")
        new_enterprise = new = None
        if data.get("enterprise_id") is None and name:
            new_enterprise = {
                "name": name,
                "credit_code": code,
                "province": data.get("source_province"),
                "city": data.get("source_city"),
            }
            new = prepare_enterprise(session=self.session, data=new_enterprise, user=self.user)
        owner_id = data.get("enterprise_id")
        checked = {**data, "enterprise_id": None} if (owner_id or 0) < 0 else data
        project = prepare_project(session=self.session, data=checked, user=self.user)
        # only now, the row accepted: its new enterprise is one later rows may name
        if new is not None:
            owner_id = -(len(self.new_enterprise_ids) + 1)
            self.new_enterprise_ids[owner_id] = 0
            self.enterprises.add(_Provisional(owner_id, new.row["name"], new.row["credit_code"]))
            data["enterprise_id"] = owner_id
            result.note = f"将同时新建企业“{name}”"
        self._remember(-(len(self.pending) + 1), project.name,
                       owner_id or ("city", project.city_code))
        self.pending.append((result, data, new_enterprise))

    def write(self, parser: _Parser) -> None:
        """Write the accepted rows, each in a savepoint: a row that fails now (the
        database changed since the check) is refused alone."""
        for result, data, new_enterprise in self.pending:
            data = dict(data)
            try:
                with self.session.begin_nested():
                    if new_enterprise is not None:
                        provisional = data["enterprise_id"]
                        enterprise = create_enterprise(session=self.session, user=self.user,
                                                       commit=False, data=dict(new_enterprise))
                        self.new_enterprise_ids[provisional] = enterprise.id
                    if (data.get("enterprise_id") or 0) < 0:
                        real = self.new_enterprise_ids.get(data["enterprise_id"])
                        if not real:
                            raise ValidationFailed(
                                {"enterprise": "投资企业：新建失败，见其首次出现的行"})
                        data["enterprise_id"] = real
                    create_project(session=self.session, data=data, user=self.user, commit=False)
            except ValidationFailed as exc:
                result.status, result.note = "invalid", ""
                result.errors.extend(_field_errors(exc, parser))
            except ServiceError as exc:
                result.status, result.errors, result.note = "invalid", [("", str(exc))], ""
            else:
                result.note = result.note.replace("将同时新建企业", "已同时新建企业")


class _FollowUpRows:
    """Follow-ups of existing projects (by name within the row's enterprise or city)
    or enterprises; written one savepoint each, like projects."""

    header_of: dict[str, str] = {}

    def __init__(self, session: Session, user: User):
        self.session, self.user = session, user
        self.enterprises = EnterpriseIndex(session)
        self.projects: dict[str, list[tuple[int, int | None, str | None]]] = {}
        columns = (Project.id, Project.name, Project.enterprise_id, Project.city_code)
        for p in session.exec(select(*columns).where(Project.deleted_at.is_(None))):
            self.projects.setdefault(normalize_name(p.name), []).append(
                (p.id, p.enterprise_id, p.city_code))
        self.seen: set[tuple] = set()
        self.pending: list[tuple[RowResult, dict]] = []

    def prime(self, rows: list[dict]) -> None:
        self.enterprises.prime(row.get("enterprise") for row in rows)

    def prepare(self, data: dict, result: RowResult) -> dict:
        name, project = data.pop("enterprise", None), data.pop("project", None)
        city = data.pop("city_code", None)
        if name:
            verdict = self.enterprises.check(name, None)
            if verdict.exact is None or verdict.exact.deleted_at is not None:
                result.errors.append((self._header("enterprise"), f"没有找到企业“{name}”"))
            else:
                data["enterprise_id"] = verdict.exact.id
        if project:
            self._project(data, project, city, result)
        elif not name:
            result.errors.append((self._header("project"), "项目和企业至少填写一个"))
        result.name = project or name or ""
        data.setdefault("kind", "other")
        return data

    def _project(self, data: dict, project: str, city, result: RowResult) -> None:
        found = [p for p in self.projects.get(normalize_name(project), [])
                 if (data.get("enterprise_id") in (None, p[1])) and city in (None, p[2])]
        if len(found) == 1:
            data["project_id"] = found[0][0]
            return
        where = "该企业" if data.get("enterprise_id") else ("该市（州）" if city else "")
        message = (f"{where}没有名为“{project}”的项目" if not found else
                   f"有{len(found)}个名为“{project}”的项目，请同时填写企业或落地市（州）")
        result.errors.append((self._header("project"), message))

    def _header(self, key: str) -> str:
        return self.header_of.get(key) or {"project": "项目", "enterprise": "企业"}[key]

    def duplicate(self, data: dict, result: RowResult) -> bool:
        key = (data.get("project_id"), data.get("enterprise_id"), data.get("date"),
               normalize_name(data.get("summary") or ""))
        stmt = select(FollowUp.id).where(
            FollowUp.deleted_at.is_(None), FollowUp.date == data.get("date"),
            FollowUp.summary == data.get("summary"),
            FollowUp.project_id == data.get("project_id") if data.get("project_id")
            else FollowUp.enterprise_id == data.get("enterprise_id"))
        if key in self.seen or self.session.exec(stmt).first() is not None:
            result.status, result.note = "exists", "同一天已有相同内容的跟进记录"
            return True
        self.seen.add(key)
        return False

    def check(self, data: dict, result: RowResult) -> None:
        followups.prepare_followup(session=self.session, data=dict(data), user=self.user)
        self.pending.append((result, data))

    def write(self, parser: _Parser) -> None:
        for result, data in self.pending:
            try:
                with self.session.begin_nested():
                    followups.create_followup(session=self.session, data=dict(data),
                                              user=self.user, commit=False)
            except ValidationFailed as exc:
                result.status = "invalid"
                result.errors.extend(_field_errors(exc, parser))
            except ServiceError as exc:
                result.status, result.errors = "invalid", [("", str(exc))]


ROW_HANDLERS = {"enterprises": _EnterpriseRows, "projects": _ProjectRows,
                "followups": _FollowUpRows}


# --- running an import -----------------------------------------------------------
@contextmanager
def _write_transaction(session: Session) -> Iterator[None]:
    """The writing phase: one transaction, committed (or rolled back) by the caller;
    service functions are called with commit=False."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # Take the write lock now, waiting for it (busy timeout): pysqlite would open a
        # deferred transaction lazily, and a SAVEPOINT outside one would commit on release.
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    yield


def register(kind: str, label: str, fields: list[FieldSpec]) -> None:
    if kind not in ROW_HANDLERS:
        raise ValueError(f"{kind}: no import row handler")
    KINDS[kind], FIELDS[kind] = label, fields


def read_sheet(data: bytes, filename: str, *, limits: ReadLimits | None = None) -> RawSheet:
    return read_table(data, filename, limits=limits)


def locate_header(sheet: RawSheet, specs: list[FieldSpec]) -> tuple[int, HeaderMatch]:
    """Index in ``sheet.rows`` of the header row, and how its columns matched."""
    index = find_header_row([r.values for r in sheet.rows], specs)
    match = match_headers(sheet.rows[index].values, specs)
    ignored = [(c, h) for c, h in match.unknown if norm_header(h) in _IGNORED]
    match.unknown = [u for u in match.unknown if u not in ignored]
    return index, match


def run_import(
    *,
    session: Session,
    kind: str,
    data: bytes,
    filename: str,
    user: User,
    commit: bool,
    include_similar: bool = False,
    limits: ReadLimits | None = None,
) -> ImportReport:
    """Check (``commit=False``) or import a file; returns the fate of every row.

    A file beyond ``limits`` is refused before it is parsed. The rows are checked
    writing nothing (a preview stops there); an import then writes the accepted
    rows in one transaction."""
    if kind not in KINDS:
        raise ValueError(f"未知的导入类型：{kind}")
    report = ImportReport(kind=kind, filename=filename)
    try:
        sheet = read_sheet(data, filename, limits=limits)
    except ReadError as exc:
        report.error = str(exc)
        return report
    if not sheet.rows:
        report.error = "文件中没有数据"
        return report
    reference.refresh(session)  # the city names below follow the seeds last loaded
    handler = ROW_HANDLERS[kind](session, user)
    specs = FIELDS[kind]
    header_at, match = locate_header(sheet, specs)
    report.header_row = sheet.rows[header_at].number
    report.notes = match.messages()
    if match.missing:
        known = [h for h in sheet.rows[header_at].values if norm_header(h) not in _IGNORED]
        report.error = "；".join([*report.notes[:1], header_help(known, specs)])
        return report
    parser = _Parser(specs, match, sheet.rows[header_at].values)
    handler.header_of = parser.header_of
    try:
        rows = [(RowResult(raw.number), raw) for raw in sheet.rows[header_at + 1 :]]
        parsed = [parser.parse(raw.values, result) for result, raw in rows]
        handler.prime([data for data in parsed if data])
        for (result, raw), data in zip(rows, parsed, strict=True):
            example = bool(raw.values) and clean_text(raw.values[0]) == EXAMPLE_MARK
            report.rows.append(_one_row(handler, parser, result, data, include_similar,
                                        example))
        # End the read transaction: nothing was written, and on SQLite a write
        # cannot start from a snapshot another writer has since moved past.
        session.rollback()
        if commit:
            with _write_transaction(session):
                handler.write(parser)
                created = report.count("new")
                if created:
                    audit.record(
                        session,
                        user=user,
                        action="import",
                        object_type=kind,
                        summary=f"导入{KINDS[kind]} {created} 条（{filename}）",
                    )
    except (SQLAlchemyError, ServiceError) as exc:
        session.rollback()
        report.error = f"导入失败，未写入任何数据：{exc}"
        return report
    if commit:
        session.commit()
        report.committed = True
        for row in report.rows:
            if row.status == "new":
                row.status = "created"
    return report


def _one_row(handler, parser: _Parser, result: RowResult, data: dict | None,
             include_similar: bool, example: bool = False) -> RowResult:
    if example:
        result.status, result.errors, result.warnings, result.understood = "example", [], [], []
        return result
    if not data:
        result.status = "blank"
        return result
    if "name" in parser.specs:  # follow-ups have none: prepare names the row
        result.name = str(data.get("name") or "")
        if not result.name:
            result.errors.append((parser.header_of.get("name") or "名称", "必填"))
    data = handler.prepare(data, result)
    if result.errors:
        result.status = "invalid"
        return result
    if handler.duplicate(data, result):
        return result
    if result.status == "similar" and not include_similar:
        return result
    similar_note = result.note
    try:
        handler.check(dict(data), result)
    except ValidationFailed as exc:
        result.status = "invalid"
        result.errors.extend(_field_errors(exc, parser))
        return result
    except ServiceError as exc:  # Forbidden, NotFound …: this row only
        result.status, result.errors = "invalid", [("", str(exc))]
        return result
    result.status = "new"
    if similar_note:
        result.note = "；".join(x for x in (similar_note + "，仍导入", result.note) if x)
    return result


def _field_errors(exc: ValidationFailed, parser: _Parser) -> list[tuple[str, str]]:
    out = []
    for key, message in exc.fields.items():
        column = parser.header_of.get(key, "")
        text = message.split("：", 1)[1] if "：" in message else message
        out.append((column or message.split("：", 1)[0], text))
    return out or [("", exc.message)]


def annotated_rows(sheet: RawSheet, report: ImportReport) -> Iterator[tuple[list, list]]:
    """Every row of the original sheet in place (blank rows kept, so row numbers
    match), with 导入结果 and 说明 appended."""
    fates = report.status_by_row()
    expected = 1
    for raw in sheet.rows:
        while expected < raw.number:
            yield [], []
            expected += 1
        if raw.number == report.header_row:
            extra = ["导入结果", "说明"]
        elif raw.number in fates:
            extra = [fates[raw.number].label, fates[raw.number].message]
        else:
            extra = []
        yield raw.values, extra
        expected += 1


def write_status_sheet(target, *, data: bytes, filename: str, report: ImportReport,
                       limits: ReadLimits | None = None) -> None:
    from crm.tabular.writers import write_annotated

    write_annotated(target, annotated_rows(read_sheet(data, filename, limits=limits), report))


# --- templates -------------------------------------------------------------------
_TEMPLATE_NOTES = {
    "wan": "金额单位为万元（也可写 5000万、1.2亿、约3亿）",
    "date": "日期写 2024-03-05 或 2024年3月5日",
    "bool": "是/否列写“是”或“否”",
    "stage": "阶段写 线索、接洽、考察、洽谈、签约、开工、投产（或 在谈、已签约、在建、已投产）",
}
_TEMPLATE_EXTRA = {"followups": "项目和企业至少填写一个，项目按名称在所填企业或落地市（州）中查找"}


def template_title(kind: str) -> str:
    specs = FIELDS[kind]
    required = "、".join(s.label for s in specs if s.required)
    kinds = {s.kind for s in specs}
    notes = [f"带 * 的列必填（{required}）", _TEMPLATE_EXTRA.get(kind, "")]
    notes += [text for k, text in _TEMPLATE_NOTES.items() if k in kinds]
    notes.append(f"第 3 行序号为“{EXAMPLE_MARK}”的是示例，导入时忽略")
    return f"{KINDS[kind]}导入模板：" + "；".join(n for n in notes if n)


def write_template(kind: str, target) -> None:
    """An .xlsx to fill in: a title row (required columns, units), our headers, and
    one example row that import skips."""
    specs = FIELDS[kind]
    columns = [Column("_mark", "序号", width=8)] + [
        Column(s.key, ("*" if s.required else "") + s.label) for s in specs]
    example = {"_mark": EXAMPLE_MARK, **{s.key: s.example for s in specs if s.example}}
    write_xlsx(target, columns, [example], title=template_title(kind), sheet_name=KINDS[kind])
