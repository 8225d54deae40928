"""Keyword search that stays fast on Chinese names at province scale.

``matches(Model, q)`` is a WHERE condition: ``q`` occurs (case-insensitively, as
a plain substring — ``%`` and ``_`` mean themselves) in any of the model's
searchable text columns (SEARCH_COLUMNS). Chinese has no spaces between words,
so word tokenizers do not help; both backends index character trigrams instead
(migration 0003):

* SQLite: an FTS5 table ``<table>_fts`` with the ``trigram`` tokenizer, kept in
  step with the table by triggers. A keyword of three or more characters is a
  phrase MATCH on it (an index lookup). A shorter one (e.g. 光电) has no trigram
  to look up, so a second FTS5 trigram table ``<table>_short_fts`` (migration 0006)
  indexes every character and character pair of the row, each followed by
  SHORT_END: 光电 is then the trigram "光电␟" and 光 the trigram "␟光␟"
  (crm.searchkeys.short_keys). Without it a short keyword meant
  ``column LIKE '%…%'`` over every row: 50 ms for a project count at 30k
  projects / 100k enterprises, 0.5 s for follow-ups at 300k; with it 4 ms and
  17 ms (bench/README.md; a keyword in most enterprise names, such as 公司, is
  slower than the scan was).
  The triggers of ``<table>_short_fts`` call the SQL function SHORT_KEYS_FUNCTION
  (crm/searchkeys.py), which crm.db registers on every connection it opens. A
  tool that does not (the sqlite3 shell) can read the database but cannot insert, update or delete
  enterprises, projects or follow-ups ("no such function"): write through the
  app, or register short_keys on the connection first.
* PostgreSQL: pg_trgm GIN indexes on the columns (migration 0013; 0003 indexed
  ``lower(column)``), used by ``column ILIKE '%…%'`` for keywords of three or more
  characters (``column LIKE`` for a case_free one: nothing to fold). A
  shorter one has no trigram either: LIKE read every row (and the prepared
  statement's generic plan the whole trigram index), 70–750 ms for a list's count
  and page at the sizes above. ``<table>_short_pg`` (migration 0009, kept by
  triggers) holds each row's distinct characters and character pairs of the
  lower()ed columns with a GIN index, and such a keyword is
  ``id IN (SELECT id FROM <table>_short_pg WHERE keys @> ARRAY[q])``: 1–95 ms.
  A side table, as arrays in the main rows slowed every other search.

A keyword made of Chinese characters alone (case_free) can also be tested on each
row as a list is walked in its order (SQLite ``instr``, PostgreSQL ``strpos``;
tested_each_row): a frequent keyword then fills a page after a few hundred rows
instead of first listing every match from the index (paging.paginate decides which
is cheaper). And a list narrowed by nothing but its keyword is counted from the index
alone, less the deleted rows among the hits (index_hits, paging.count).

Anything that rebuilds one of these tables on SQLite (an Alembic batch
operation) drops its triggers: such a migration must recreate them
(tests/perf/test_search.py notices when it does not).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    String,
    Text,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, iterate, replacement_traverse

from crm.searchkeys import SHORT_END, short_key

# table → text columns searched by the lists' keyword (q); migration 0003 indexes these.
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise": ("name",),
    "project": ("name", "introducer"),
    "followup": ("summary", "next_step", "participants"),
}
MIN_TRIGRAM_CHARS = 3  # a trigram index can look up only keywords this long
# (table, key) whose <table>_short_pg rows also hold the keys of the key's target
# row (migration 0014): a project's keys include its enterprise's name.
SHORT_PG_WITH_TARGET = {("project", "enterprise_id")}
# CJK Unified Ideographs and Extension A: characters with no letter case, and no
# character of any script folds (changes case) onto one of them.
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


def matches(model, q: str, *, through=None) -> ColumnElement[bool]:
    """Rows of ``model`` whose searchable columns contain ``q``; with
    ``through=(foreign key column, Target)`` also rows whose key points at a
    ``Target`` row that contains ``q`` (a project found by its enterprise's name)."""
    for m in (model, through[1]) if through else (model,):
        if m.__tablename__ not in SEARCH_COLUMNS:
            raise ValueError(f"{m.__tablename__} has no searchable columns")
    return _Matches(model, q.strip(), through)


def like_pattern(q: str, *, fold_case: bool = True) -> str:
    """``%q%`` with LIKE's wildcards in ``q`` escaped (escape character: backslash)."""
    text = q.lower() if fold_case else q
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def case_free(q: str) -> bool:
    """Whether ``q`` is made of Chinese (Han) characters only. The FTS indexes fold
    case (the trigram tables Unicode-wide, e.g. ＬＥＤ = ｌｅｄ; the short tables
    ASCII), which no plain substring test does; for such a keyword folding changes
    nothing on either side, so ``instr`` per row finds exactly the rows the index
    finds."""
    return q != "" and all(any(lo <= ord(c) <= hi for lo, hi in HAN_RANGES) for c in q)


def fts_phrase(q: str) -> str:
    """``q`` as one FTS5 phrase: a substring match under the trigram tokenizer."""
    return '"' + q.replace('"', '""') + '"'


class _Matches(ColumnElement):
    """Both renderings are built up front and the dialect picks one (see below), so
    filters build one statement for both backends. q's value sits in anonymous bind
    parameters: statements of one shape share a compiled form (SQLAlchemy's cache,
    2–3 ms a request), and q's length picks the shape."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("sqlite", InternalTraversal.dp_clauseelement),
                           ("default", InternalTraversal.dp_clauseelement)]
    _is_implicitly_boolean = True  # a condition: never rendered as "(…) = 1" on SQLite

    def __init__(self, model, q: str, through=None, *, form: str = "lookup"):
        self.model, self.q, self.through = model, q, through
        if form == "each_row":  # tested_each_row: case_free keywords only
            self.sqlite = _each_row_condition(self, func.instr)
            self.default = _each_row_condition(self, func.strpos)
            return
        self.sqlite = (model.id.in_(_fts_ids(self)) if _indexed(q)
                       else _like_condition(self, fold_case=False))
        if form == "one_id_list" and through is not None:  # as_one_id_list
            self.default = model.id.in_(_pg_ids(self))
        else:
            self.default = (_short_pg_condition(self) if _short_pg(q)
                            else _like_condition(self))


def _like_any(model, q: str, *, fold_case: bool = True):
    """``column ILIKE '%q%'`` on any searchable column (PostgreSQL: lower() of both
    sides, then LIKE). Plain ``column LIKE`` where nothing needs folding: a case_free
    keyword, whose rows pg_trgm's index then rechecks without lower() per row
    (migration 0013), and SQLite, whose LIKE already ignores ASCII case (its lower()
    folds nothing else)."""
    columns = [getattr(model, c) for c in SEARCH_COLUMNS[model.__tablename__]]
    compare = "ilike" if fold_case and not case_free(q) else "like"
    return or_(*[getattr(c, compare)(bindparam(
        None, like_pattern(q, fold_case=fold_case), type_=String, unique=True), escape="\\")
        for c in columns])


def _like_condition(element: _Matches, *, fold_case: bool = True):
    own = _like_any(element.model, element.q, fold_case=fold_case)
    if element.through is None:
        return own
    key, target = element.through
    return or_(own, key.in_(select(target.id).where(
        _like_any(target, element.q, fold_case=fold_case))))


def _position_any(position, columns, q: str):
    """``position(column, q) > 0`` for any of ``columns``: a plain substring test."""
    return or_(*[position(c, bindparam(None, q, type_=String, unique=True)) > 0
                 for c in columns])


def _each_row_condition(element: _Matches, position):
    """``position``: SQLite's instr or PostgreSQL's strpos."""
    model, q = element.model, element.q
    own = _position_any(position, [getattr(model, c)
                                   for c in SEARCH_COLUMNS[model.__tablename__]], q)
    if element.through is None:
        return own
    # the row's target looked up by its key: a scalar subquery per column, which both
    # databases run per row (PostgreSQL turns an EXISTS into a hash of every match)
    key, target = element.through
    looked_up = [select(getattr(target, c)).where(target.id == key).scalar_subquery()
                 for c in SEARCH_COLUMNS[target.__tablename__]]
    return or_(own, _position_any(position, looked_up, q))


def tested_each_row(stmt):
    """``stmt`` with its keyword tested on each row as a plain substring (SQLite
    instr, PostgreSQL strpos) rather than looked up in its index; None unless every
    keyword is case_free.

    Walking a list in its order this way costs about 1.5 µs a row, so it suits a
    frequent keyword: 用地指标 (39k of 300k follow-ups) fills a first page after
    about 400 rows, 0.6 ms on SQLite, where listing its ids takes 5 ms. A rare one
    would walk the whole list (paging.paginate weighs the two)."""
    found = [e for e in iterate(stmt) if isinstance(e, _Matches)]
    if not found or not all(case_free(e.q) for e in found):
        return None
    return _reformed(stmt, "each_row")


def as_one_id_list(stmt, keyword):
    """``stmt`` with ``keyword`` (its only condition besides the live rows, or None),
    if one also searched through another table, rendered on PostgreSQL as SQLite
    renders it: ``id IN (own matches UNION ALL the rows whose target matches)``;
    else ``stmt``. For counting a list narrowed by that keyword alone:
    PostgreSQL cannot estimate that list's size and pages from it badly
    (_short_pg_condition), but counting from it spares testing every project
    against its own LIKE and a hashed id list: 研发中心 15 → 6 ms at 30k projects.
    (A 1–2 character keyword is counted from project_short_pg alone: index_hits.)"""
    if getattr(keyword, "through", None) is None:
        return stmt
    return _reformed(stmt, "one_id_list")


def _reformed(stmt, form: str):
    return replacement_traverse(stmt, {}, lambda e: _Matches(
        e.model, e.q, e.through, form=form) if isinstance(e, _Matches) else None)


def _pg_ids(element: _Matches):
    """PostgreSQL: ids of the rows that contain the keyword or whose key points at a
    target row that does (``through``); deleted rows too. Not correlated with the
    list's own table, which they also read."""
    model, q = element.model, element.q
    key, target = element.through
    if _short_pg(q) and _short_pg_holds_target(element):
        return _short_pg_ids(model, q)
    own = select(model.id).where(_like_any(model, q)).correlate(None)
    targets = select(target.id).where(_like_any(target, q))
    return own.union_all(select(model.id).where(key.in_(targets)).correlate(None))


def _indexed(q: str) -> bool:
    """Whether SQLite's FTS tables can answer ``q`` (else: LIKE). SHORT_END is
    whitespace to str.strip, so a stripped short keyword never holds it; the
    check keeps that an explicit rule, not a coincidence."""
    return len(q) >= MIN_TRIGRAM_CHARS or (q != "" and SHORT_END not in q)


def _fts_index(model, q: str):
    """The FTS table that finds ``model``'s rows containing ``q`` (its rowid is
    the row's id), and its MATCH condition."""
    if len(q) >= MIN_TRIGRAM_CHARS:
        name, phrase = f"{model.__tablename__}_fts", fts_phrase(q)
    else:
        name, phrase = f"{model.__tablename__}_short_fts", fts_phrase(short_key(q))
    return table(name, column("rowid")), literal_column(name).op("MATCH")(
        bindparam(None, phrase, type_=String, unique=True))


def _fts_ids(element: _Matches):
    """SQLite: ids of the rows that contain the keyword, from its FTS index (deleted
    rows too). With ``through``, one id list instead of "id IN … OR key IN …":
    SQLite then looks the matches up by rowid instead of walking every live row (and
    reading it for the key) to test the OR: a 4-character project count 27 → 1.5 ms
    at 30k projects. The target's index drives a join on the key's index; UNION ALL,
    as IN ignores duplicates (光电: 4.8 → 3.6 ms over UNION)."""
    fts, match = _fts_index(element.model, element.q)
    hits = select(fts.c.rowid).where(match)
    if element.through is None:
        return hits
    key, target = element.through
    # not correlated with the outer query; two columns, not a proxy of every
    # column of the table (0.4 ms a request)
    other = table(element.model.__tablename__, column("id"), column(key.key)).alias()
    target_fts, target_match = _fts_index(target, element.q)
    through = select(other.c.id).select_from(target_fts.join(
        other, other.c[key.key] == target_fts.c.rowid)).where(target_match)
    return hits.union_all(through)


def rows_from_keyword_index(rows):
    """SQLite: ``rows`` (a list's rows as one column, paging._one_column) read in the
    order of the keyword's FTS index, each tested against the list's other
    conditions; None where that does not apply (no keyword, one also searched
    through another table, or one the index cannot answer).

    ``id IN (the keyword's ids)`` builds the whole id list before counting: 39k
    follow-ups for 用地指标. Read this way, a capped count stops at the cap:
    11.7 → 5.8 ms at 300k follow-ups."""
    found = [e for e in iterate(rows) if isinstance(e, _Matches)]
    if len(found) != 1 or not _in_one_index(found[0]):
        return None
    keyword = found[0]
    fts, match = _fts_index(keyword.model, keyword.q)
    others = replacement_traverse(rows, {}, lambda e: true() if e is keyword else None)
    row_passes = others.where(keyword.model.id == fts.c.rowid).exists()
    return select(literal_column("1")).select_from(fts).where(match, row_passes)


def index_hits(condition, dialect: str):
    """The ids of the rows that contain a keyword (``condition``, from matches()),
    deleted rows included, read from an index without the table's rows: SQLite's
    FTS tables, PostgreSQL's short-keyword side tables. None where ``condition`` is
    not a keyword or no such index answers it (PostgreSQL's trigram indexes are on
    the table itself). A keyword also searched through another table counts only
    where one side table holds both (SHORT_PG_WITH_TARGET): joining the other
    table's matches to the list's rows cost more than the count it replaces
    (project 光电's count: SQLite 3.4 → 5 ms, PostgreSQL 18–25 → 28 ms)."""
    if not isinstance(condition, _Matches):
        return None
    q = condition.q
    if dialect == "sqlite":
        return _fts_ids(condition) if _in_one_index(condition) else None
    one_table = condition.through is None or _short_pg_holds_target(condition)
    return _short_pg_ids(condition.model, q) if one_table and _short_pg(q) else None


def _in_one_index(keyword: _Matches) -> bool:
    return keyword.through is None and _indexed(keyword.q)


def _short_pg(q: str) -> bool:
    """Whether PostgreSQL answers ``q`` from <table>_short_pg (else: LIKE): the
    folded keyword, the text LIKE would look for, is one or two characters."""
    return 0 < len(q.lower()) < MIN_TRIGRAM_CHARS


def _short_pg_holds_target(element: _Matches) -> bool:
    """Whether the list's <table>_short_pg rows also hold the keys of their target's
    searched columns (SHORT_PG_WITH_TARGET): then they alone answer ``through``."""
    key, _target = element.through
    return (element.model.__tablename__, key.key) in SHORT_PG_WITH_TARGET


def _short_pg_ids(model, q: str):
    """Ids of ``model``'s rows whose searchable columns contain ``q`` (one or two
    characters): a GIN lookup in <table>_short_pg, whose id is the row's id."""
    short = table(f"{model.__tablename__}_short_pg", column("id"), column("keys", ARRAY(Text)))
    return select(short.c.id).where(short.c["keys"].contains(
        bindparam(None, [q.lower()], type_=ARRAY(Text), unique=True)))


def _short_pg_condition(element: _Matches):
    own = element.model.id.in_(_short_pg_ids(element.model, element.q))
    if element.through is None or _short_pg_holds_target(element):
        return own
    # Not SQLite's one id list (UNION ALL): PostgreSQL cannot estimate that list's
    # size, takes it for 200 ids and fetches every match by id before sorting. Two
    # hashed id sets tested while the live rows are walked in order: a project list
    # (count and page) with 公司, in most enterprise names, 184 → 94 ms, 光电 48 → 36 ms;
    # a rare keyword 3–7 → 15 ms (the walk). bench/README.md.
    key, target = element.through
    return or_(own, key.in_(_short_pg_ids(target, element.q)))


@compiles(_Matches)
def _compile_default(element, compiler, **kw):
    return "(" + compiler.process(element.default, **kw) + ")"


@compiles(_Matches, "sqlite")
def _compile_sqlite(element, compiler, **kw):
    return "(" + compiler.process(element.sqlite, **kw) + ")"
