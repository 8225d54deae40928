"""Stored values as the office reads them: the one place that maps a record type's
field and stored value (a code, an id, an amount) to Chinese text.

The change history of a record, the admin audit log and the edit-conflict page all
read values through ``display_value``. Names behind ids (users, enterprises, projects,
parks) come from ``Names``, which loads them in one query per table for a whole page:
callers ``want`` every id first, then read. Soft-deleted rows keep their names.

Every declared record type (crm/records/) registers its label, field labels and
vocabularies here (``register``); the tables below hold what is not a record type
(users, settings) and the words of old rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from crm import formatting, rules
from crm.models import Enterprise, Park, Project, User
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.models.followup import FOLLOWUP_LABELS
from crm.models.funding import CITY_REWARD_RULE_LABELS, FUND_ARRIVAL_LABELS
from crm.models.project import PROJECT_LABELS
from crm.services import reference

EMPTY = "—"
UNREADABLE = "（无法识别的旧值）"

# --- the lookup table ------------------------------------------------------------------

OBJECT_TYPES = {
    "enterprise": "企业",
    "project": "项目",
    "followup": "跟进记录",
    "fundarrival": "到位资金",
    "cityrewardrule": "招商奖励规则",
    "user": "用户",
    "setting": "设置",
    "contact": "联系人",
    "database": "数据库",
}
# Object types old rows were written with: the logout entry once took its type from
# the request's user proxy (``localproxy``); it was the user who logged out.
LEGACY_TYPES = {"localproxy": "user"}

FIELD_LABELS = {
    "enterprise": ENTERPRISE_LABELS | {"merged_from": "并入的企业", "merged_into": "并入到"},
    "project": PROJECT_LABELS,
    "followup": FOLLOWUP_LABELS | {"user_id": "记录人"},
    "fundarrival": FUND_ARRIVAL_LABELS,
    "cityrewardrule": CITY_REWARD_RULE_LABELS,
    "user": {"role": "角色", "city_code": "所属市（州）", "is_active": "启用",
             "display_name": "姓名", "username": "用户名"},
    "setting": {rules.CASE_BY_CASE_LINE_SETTING: "一事一议标准（万元）"},
}
COMMON_LABELS = {"attachment": "附件", "deleted_at": "删除时间", "done": "已完成",
                 "contacts": "联系人",
                 "is_industry_base": "产业基础企业", "is_demo": "演示数据",
                 "version": "版本", "created_at": "创建时间", "updated_at": "更新时间"}

VOCABS = {
    "stage": rules.STAGES,
    "project_class": rules.PROJECT_CLASSES,
    "cooperation_form": rules.COOPERATION_FORMS,
    "attraction_mode": rules.ATTRACTION_MODES,
    "case_status": rules.CASE_STATUSES,
    "priority": rules.PRIORITIES,
    "role": rules.ROLES,
}
# ``kind`` means the enterprise kind on an enterprise and the follow-up kind on a follow-up.
KIND_VOCABS = {"enterprise": rules.ENTERPRISE_KINDS, "followup": rules.FOLLOWUP_KINDS}
# A declared type's own vocabularies (registered), before the shared ones above.
TYPE_VOCABS: dict[str, dict[str, dict]] = {}
AMOUNT_FIELDS = {"planned_investment_wan", "actual_investment_wan", "equipment_investment_wan",
                 "revenue_wan", "amount_wan", "cap_wan", rules.CASE_BY_CASE_LINE_SETTING}
DIVISION_FIELDS = {"city_code", "county_code", "source_city"}
TIME_FIELDS = {"deleted_at", "created_at", "updated_at"}

# Fields holding the id of another row, and the table whose name shows instead.
REFERENCES = {"owner_id": "user", "user_id": "user", "enterprise_id": "enterprise",
              "project_id": "project", "park_id": "park",
              "merged_from": "enterprise", "merged_into": "enterprise"}
# The table's columns that name a row: the first one not empty (a user: display name,
# else username).
TABLES = {"user": (User, ("display_name", "username")), "enterprise": (Enterprise, ("name",)),
          "project": (Project, ("name",)), "park": (Park, ("name",))}
_MAX_ID = 2**31 - 1  # an id column's range: anything else in an old row is shown as written

# ``<LocalProxy unbound>``, ``<werkzeug.local.LocalProxy object at 0x…>``: a repr written
# into an old row instead of a value (notes that merely start with "<" are text).
_REPR = re.compile(r"^<(?:[\w.]*LocalProxy\b|[\w.]+ object at 0x[0-9a-fA-F]+>)")


def register(object_type: str, label: str, labels: dict[str, str],
             vocabularies: dict[str, dict]) -> None:
    """A record type's words, from its declaration (crm.records.register)."""
    OBJECT_TYPES[object_type] = label
    FIELD_LABELS[object_type] = FIELD_LABELS.get(object_type, {}) | labels
    TYPE_VOCABS[object_type] = vocabularies


# --- names behind ids, loaded per page ---------------------------------------------------

class Names:
    """Names of the rows a page refers to. ``want`` ids first, then ``name`` them:
    each table is read once for everything wanted (an id asked for later is read then)."""

    def __init__(self, session: Session):
        self.session = session
        self._wanted: dict[str, set[int]] = {table: set() for table in TABLES}
        self._known: dict[str, dict[int, str]] = {table: {} for table in TABLES}
        self._divisions: dict[str, str] | None = None

    def want(self, table: str, value) -> None:
        key = _id(value)
        if key is not None and key not in self._known[table]:
            self._wanted[table].add(key)

    def want_changes(self, record_type: str, changes) -> None:
        if not isinstance(changes, dict):
            return
        for field, pair in changes.items():
            table = REFERENCES.get(field)
            if table:
                for value in old_new(pair):
                    self.want(table, value)

    def name(self, table: str, value) -> str:
        key = _id(value)
        if key is None:
            return str(value)
        if key not in self._known[table]:
            self.want(table, key)
            self._load(table)
        return self._known[table].get(key) or f"#{key}"

    def has(self, table: str, value) -> bool:
        key = _id(value)
        if key is not None and key not in self._known[table]:
            self.want(table, key)
            self._load(table)
        return bool(self._known[table].get(key))

    def division(self, code) -> str:
        if self._divisions is None:
            self._divisions = reference.division_names(self.session)
        return self._divisions.get(str(code), str(code))

    def _load(self, table: str) -> None:
        wanted = self._wanted[table] - set(self._known[table])
        self._wanted[table] = set()
        if not wanted:
            return
        model, columns = TABLES[table]
        stmt = select(model.id, *(getattr(model, c) for c in columns))
        # no deleted_at filter: a deleted owner or enterprise is still named
        for row_id, *texts in self.session.exec(stmt.where(model.id.in_(sorted(wanted)))):
            self._known[table][row_id] = next((t for t in texts if t), f"#{row_id}")
        for key in wanted:
            self._known[table].setdefault(key, "")


def _id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        key = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return key if 0 < key <= _MAX_ID else None


def old_new(pair) -> tuple:
    """An audit change is [old, new]; a bare value is the new one."""
    if isinstance(pair, list | tuple):
        return tuple((list(pair) + [None, None])[:2])
    return None, pair


# --- labels and values -------------------------------------------------------------------

def canonical_type(object_type: str | None) -> str:
    return LEGACY_TYPES.get(object_type or "", object_type or "")


def type_label(object_type: str | None) -> str:
    kind = canonical_type(object_type)
    return OBJECT_TYPES.get(kind, kind)


def field_label(record_type: str, field: str) -> str:
    labels = FIELD_LABELS.get(canonical_type(record_type), {})
    return labels.get(field) or COMMON_LABELS.get(field) or field


def field_order(record_type: str, fields: Iterable[str]) -> list[str]:
    """Fields in the order their record's form shows them; unknown ones last."""
    order = list(FIELD_LABELS.get(canonical_type(record_type), {}))
    return sorted(fields, key=lambda f: (order.index(f) if f in order else len(order), f))


def display_value(record_type: str, field: str, value, names: Names) -> str:
    """A stored value of ``record_type``'s ``field`` as Chinese text; unknown codes as
    written, an id whose row is gone as ``#id``."""
    record_type = canonical_type(record_type)
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, str) and _REPR.match(value):
        return UNREADABLE
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in REFERENCES:
        return names.name(REFERENCES[field], value)
    if field in DIVISION_FIELDS:
        return names.division(value)
    vocab = TYPE_VOCABS.get(record_type, {}).get(field)
    if vocab is None:
        vocab = KIND_VOCABS.get(record_type) if field == "kind" else VOCABS.get(field)
    if vocab:
        return _vocab_label(vocab, value)
    if field in AMOUNT_FIELDS:
        return _amount(value)
    if field == "contacts" and isinstance(value, list):
        return _contacts(value)
    if field in TIME_FIELDS or isinstance(value, datetime):
        return _time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _vocab_label(vocab: dict, value) -> str:
    if isinstance(value, str) and value.isdigit() and value not in vocab:
        value = int(value)  # priorities are ints; a form may send "1"
    try:
        return vocab.get(value, str(value))
    except TypeError:  # a list or dict where a code belongs: as written
        return str(value)


def _amount(value) -> str:
    # exact 万元: money() rounds 99999.99万元 to "10.00 亿元", hiding the 一事一议 edge
    try:
        return formatting.wan(Decimal(str(value)))
    except (ArithmeticError, InvalidOperation, ValueError):
        return str(value)


def _contacts(value: list) -> str:
    people = (" ".join(str(c.get(k) or "") for k in ("name", "title", "phone")).strip()
              for c in value if isinstance(c, dict))
    return "；".join(p for p in people if p) or EMPTY


def _time(value) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return formatting.cn_date(value)


def change_rows(record_type: str, changes, names: Names) -> list[tuple[str, str, str]]:
    """[(中文字段名, old, new)] of one audit entry, in form order; a change that reads
    the same on both sides (0 → 0.0) is left out."""
    if not changes:
        return []
    if not isinstance(changes, dict):  # not written by this program: shown as stored
        return [("变更内容", EMPTY, str(changes))]
    rows = []
    for field in field_order(record_type, changes):
        old, new = old_new(changes[field])
        old_text = display_value(record_type, field, old, names)
        new_text = display_value(record_type, field, new, names)
        if old_text != new_text:
            rows.append((field_label(record_type, field), old_text, new_text))
    return rows


def readable(text: str | None) -> str:
    """``text``, or "" when it is a repr written into an old row."""
    return "" if not text or _REPR.match(text) else text


def actor_name(names: Names, user_id, username: str) -> str:
    """The acting user's display name, else the name written in the row."""
    if user_id is not None and names.has("user", user_id):
        return names.name("user", user_id)
    if not username:
        return ""
    return readable(username) or UNREADABLE
