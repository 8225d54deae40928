"""Search as you type: the few enterprises or projects a picker offers for what has
been typed so far, best first, and the record a typed text names exactly (the forms
without JavaScript).

A row is found by its name (the lists' keyword index, crm.queries.search), its name's
beginning (the name index), a credit code's beginning (its unique index) and its
``lookup_keys`` (pinyin initials and the bare name, migration 0020). Each way reads at
most CANDIDATES rows with no order, so a keyword in every name (公司) costs no more
than a rare one; the few found are ranked here. bench/README.md has the timings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import String, and_, bindparam, column, literal_column, null, table
from sqlmodel import Session, select

from crm.models import Division, Enterprise, Project
from crm.queries.search import MIN_TRIGRAM_CHARS, fts_phrase, like_pattern, matches
from crm.searchkeys import lookup_keys

LIMIT = 10  # matches a picker shows
CANDIDATES = 40  # rows read by each way of matching
MAX_QUERY = 60  # characters of the typed text that are looked at
# a credit code's beginning: its first two characters hold a digit (91…, Y1…);
# pinyin initials (ccgx) do not
_CODE = re.compile(r"(?=.?[0-9])[0-9A-Za-z]{2,18}")
_TOP = "\U0010ffff"  # sorts after every character: name >= q AND name < q + _TOP


@dataclass(frozen=True)
class Match:
    id: int
    name: str
    city: str
    credit_code: str
    enterprise: str = ""  # a project's enterprise

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "city": self.city,
                "credit_code": self.credit_code, "enterprise": self.enterprise}


def enterprises(session: Session, q: str, *, limit: int = LIMIT) -> list[Match]:
    q = _clean(q)
    if not q:
        return []
    ways = _enterprise_ways(q, _dialect(session))
    found = _ranked(q, _candidates(session, Enterprise, q, ways), limit)
    rows = {e.id: e for e in session.exec(select(Enterprise).where(Enterprise.id.in_(found)))}
    return [Match(id=i, name=rows[i].name, city=rows[i].city or "",
                  credit_code=rows[i].credit_code or "") for i in found]


def projects(session: Session, q: str, *, city_code: str | None = None,
             limit: int = LIMIT) -> list[Match]:
    """``city_code``: only that city's projects (a city official's own)."""
    q = _clean(q)
    if not q:
        return []
    ways = _project_ways(q, _dialect(session))
    if city_code is not None:
        ways = [w.where(Project.city_code == city_code) for w in ways]
    found = _ranked(q, _candidates(session, Project, q, ways), limit)
    return _project_matches(session, found)


def resolve_enterprise(session: Session, text: str) -> int | None:
    """The live enterprise ``text`` names: its id, credit code or exact name (when
    only one has it)."""
    return _resolve(session, Enterprise, text, Enterprise.credit_code)


def resolve_project(session: Session, text: str, *, city_code: str | None = None) -> int | None:
    return _resolve(session, Project, text, None, city_code=city_code)


def label_of(session: Session, model, record_id) -> str:
    """The text a picker shows for a chosen id (its name), or ""."""
    if not str(record_id or "").isdigit():
        return ""
    row = session.get(model, int(record_id))
    return row.name if row is not None else ""


# --- finding -----------------------------------------------------------------------

def _clean(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY]


def _live(model):
    return select(model.id, model.name, model.lookup_keys).where(model.deleted_at.is_(None))


def _name_starts(model, q: str, dialect: str):
    """Names beginning with ``q``, from the name index. SQLite compares code points; a
    PostgreSQL database's collation may not (zh_CN), so there only the exact name,
    and its trigram index finds the rest (matches)."""
    if dialect == "sqlite":
        return and_(model.name >= q, model.name < q + _TOP)
    return model.name == q


def _keys_contain(model, q: str, dialect: str):
    """Rows whose lookup_keys contain ``q``'s key: on SQLite from the trigram table of
    migration 0020, on PostgreSQL by LIKE on its trigram index. A key of one or two
    characters has no trigram: it is taken as the beginning of the initials (cc: 长春…),
    on SQLite a range of the column's index; a LIKE of it read every row when nothing
    matched (90 ms at 100k enterprises)."""
    key = lookup_keys(q).split(" ", 1)[-1] or q.lower()
    if len(key) < MIN_TRIGRAM_CHARS:
        if dialect == "sqlite":
            return and_(model.lookup_keys >= key, model.lookup_keys < key + _TOP)
        return model.lookup_keys.like(
            bindparam(None, like_pattern(key, fold_case=False)[1:], type_=String, unique=True),
            escape="\\")
    if dialect == "sqlite":
        fts = table(f"{model.__tablename__}_lookup_fts", column("rowid"))
        match = literal_column(fts.name).op("MATCH")(
            bindparam(None, fts_phrase(key), type_=String, unique=True))
        return model.id.in_(select(fts.c.rowid).where(match))
    return model.lookup_keys.like(
        bindparam(None, like_pattern(key, fold_case=False), type_=String, unique=True),
        escape="\\")


def _keys_way(model, q: str, dialect: str):
    """The key's range is read with the deleted rows (skipped in _candidates): with
    "deleted_at IS NULL" SQLite walks the live rows' index instead (43 → 0.3 ms)."""
    condition = _keys_contain(model, q, dialect)
    if dialect == "sqlite" and len(lookup_keys(q).split(" ", 1)[-1]) < MIN_TRIGRAM_CHARS:
        return select(model.id, model.name, model.lookup_keys, null(),
                      model.deleted_at).where(condition)
    return _live(model).where(condition)


def _code_starts(q: str, dialect: str):
    """Credit codes beginning with ``q``: a range of the unique index on SQLite; on
    PostgreSQL LIKE, whatever the database's collation (codes are stored upper-case)."""
    code = q.upper()
    if dialect == "sqlite":
        return and_(Enterprise.credit_code >= code, Enterprise.credit_code < code + "~")
    return Enterprise.credit_code.like(code + "%")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _enterprise_ways(q: str, dialect: str) -> list:
    ways = [_live(Enterprise).where(_name_starts(Enterprise, q, dialect)),
            _live(Enterprise).where(matches(Enterprise, q)),
            _keys_way(Enterprise, q, dialect)]
    if _CODE.fullmatch(q):
        ways.insert(0, _by_code(Enterprise).where(_code_starts(q, dialect)))
    return ways


def _project_ways(q: str, dialect: str) -> list:
    ways = [_live(Project).where(_name_starts(Project, q, dialect)),
            *_project_name_ways(q),
            _keys_way(Project, q, dialect)]
    if _CODE.fullmatch(q):
        ways.insert(0, _by_code(Project).join(Enterprise, Enterprise.id == Project.enterprise_id)
                    .where(_code_starts(q, dialect)))
    return ways


def _project_name_ways(q: str) -> list:
    """Projects by their own name, and the projects of the first few enterprises whose
    name matches. One "name OR enterprise IN …" condition (the lists') took 14–31 ms on
    PostgreSQL at 30k/100k and up to 160 ms on SQLite for 公司; these 1–2 ms. Deleted
    projects are skipped in _candidates: with "deleted_at IS NULL" SQLite walks the
    live rows' index instead of the enterprise_id index (10–25 ms)."""
    firms = select(Enterprise.id).where(matches(Enterprise, q)).limit(CANDIDATES)
    return [_live(Project).where(matches(Project, q)),
            select(Project.id, Project.name, Project.lookup_keys, null(),
                   Project.deleted_at).where(Project.enterprise_id.in_(firms))]


def _by_code(model):
    """Rows found by a credit code, deleted ones too (skipped in _candidates): with
    "deleted_at IS NULL" SQLite walks the live rows' index instead of the codes' (90 ms
    at 100k enterprises, against 0.3 ms)."""
    return select(model.id, model.name, model.lookup_keys, Enterprise.credit_code,
                  model.deleted_at)


def _candidates(session: Session, model, q: str, ways: list) -> dict[int, tuple]:
    """{id: (name, lookup_keys, credit code)} of the rows each way finds."""
    found: dict[int, tuple] = {}
    for way in ways:
        for row in session.exec(way.limit(CANDIDATES)):
            if len(row) > 3 and row[4] is not None:
                continue  # deleted
            code = row[3] if len(row) > 3 and row[3] else found.get(row[0], ("", "", ""))[2]
            found[row[0]] = (row[1], row[2] or "", code or "")
    return found


def _ranked(q: str, found: dict[int, tuple], limit: int) -> list[int]:
    keys = lookup_keys(q).split(" ", 1)
    initials, bare = (keys[0], keys[-1]) if len(keys) == 2 else (q.lower(), q.lower())

    def score(item) -> tuple:
        _id, (name, stored, code) = item
        stored_initials, _sep, stored_bare = stored.partition(" ")
        if name == q or code == q.upper():
            tier = 0
        elif code.startswith(q.upper()) and _CODE.fullmatch(q):
            tier = 1
        elif name.startswith(q) or stored_bare.startswith(bare):
            tier = 2
        elif stored_initials.startswith(initials) and q.isascii():
            tier = 3
        else:
            tier = 4
        return (tier, len(name), name, _id)

    return [i for i, _ in sorted(found.items(), key=score)[:limit]]


def _project_matches(session: Session, ids: list[int]) -> list[Match]:
    if not ids:
        return []
    rows = session.exec(
        select(Project.id, Project.name, Project.city_code, Enterprise.name,
               Enterprise.credit_code)
        .join(Enterprise, Enterprise.id == Project.enterprise_id, isouter=True)
        .where(Project.id.in_(ids))).all()
    codes = {r[2] for r in rows if r[2]}
    cities = dict(session.exec(select(Division.code, Division.name)
                               .where(Division.code.in_(codes))).all()) if codes else {}
    by_id = {r[0]: r for r in rows}
    return [Match(id=i, name=by_id[i][1], city=cities.get(by_id[i][2] or "", ""),
                  enterprise=by_id[i][3] or "", credit_code=by_id[i][4] or "")
            for i in ids if i in by_id]


# --- resolving a typed text ------------------------------------------------------------

def _resolve(session: Session, model, text: str, code_column, *,
             city_code: str | None = None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    stmt = select(model.id).where(model.deleted_at.is_(None))
    if city_code is not None:
        stmt = stmt.where(model.city_code == city_code)
    tries = [model.name == text]
    if text.isdigit() and len(text) < 10:  # an id, never beyond INTEGER
        tries.insert(0, model.id == int(text))
    if code_column is not None and _CODE.fullmatch(text):
        tries.insert(0, code_column == text.upper())
    for condition in tries:
        ids = list(session.exec(stmt.where(condition).limit(2)))
        if len(ids) == 1:
            return ids[0]
    return None
