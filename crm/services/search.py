"""Keyword search that stays fast on Chinese names at province scale.

``matches(Model, q)`` is a WHERE condition: ``q`` occurs (case-insensitively, as
a plain substring — ``%`` and ``_`` mean themselves) in any of the model's
searchable text columns (SEARCH_COLUMNS). Chinese has no spaces between words,
so word tokenizers do not help; both backends index character trigrams instead
(migration 0003):

* SQLite: an FTS5 table ``<table>_fts`` with the ``trigram`` tokenizer, kept in
  step with the table by triggers. A keyword of three or more characters is a
  phrase MATCH on it (an index lookup); a shorter one (e.g. 光电) has no trigram
  to look up, so it falls back to ``lower(column) LIKE '%…%'`` on the table.
* PostgreSQL: pg_trgm GIN indexes on ``lower(column)``, used by
  ``lower(column) LIKE '%…%'`` for keywords of three or more characters; the
  planner scans for shorter ones.

Anything that rebuilds one of these tables on SQLite (an Alembic batch
operation) drops its triggers: such a migration must recreate them
(tests/perf/test_search.py notices when it does not).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    String,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

# table → text columns searched by the lists' keyword (q); migration 0003 indexes these.
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise": ("name",),
    "project": ("name", "introducer"),
    "followup": ("summary", "next_step", "participants"),
}
MIN_TRIGRAM_CHARS = 3  # a trigram index can look up only keywords this long


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


def fts_phrase(q: str) -> str:
    """``q`` as one FTS5 phrase: a substring match under the trigram tokenizer."""
    return '"' + q.replace('"', '""') + '"'


class _Matches(ColumnElement):
    """Rendered per dialect (see below), so filters build one statement for both."""

    type = Boolean()
    inherit_cache = False  # the SQL's shape depends on q's length: never reuse a compiled form
    _is_implicitly_boolean = True  # a condition: never rendered as "(…) = 1" on SQLite

    def __init__(self, model, q: str, through=None):
        self.model, self.q, self.through = model, q, through


def _like_any(model, q: str, *, fold_case: bool = True):
    """``lower(column) LIKE '%q%'`` on any searchable column. SQLite's LIKE already
    ignores ASCII case (its lower() folds nothing else), and lower() per row
    costs more than the match itself, so there it is plain ``column LIKE``."""
    pattern = like_pattern(q, fold_case=fold_case)
    columns = [getattr(model, c) for c in SEARCH_COLUMNS[model.__tablename__]]
    return or_(*[(func.lower(c) if fold_case else c).like(
        bindparam(None, pattern, type_=String, unique=True), escape="\\") for c in columns])


def _like_condition(element: _Matches, *, fold_case: bool = True):
    own = _like_any(element.model, element.q, fold_case=fold_case)
    if element.through is None:
        return own
    key, target = element.through
    return or_(own, key.in_(select(target.id).where(
        _like_any(target, element.q, fold_case=fold_case))))


def _fts_hits(model, q: str):
    """SELECT of the ids of ``model``'s rows that contain ``q``, from the FTS index."""
    name = model.__tablename__
    fts = table(f"{name}_fts", column("rowid"))
    return select(fts.c.rowid).where(literal_column(f"{name}_fts").op("MATCH")(
        bindparam(None, fts_phrase(q), type_=String, unique=True)))


def _fts_condition(element: _Matches):
    hits = _fts_hits(element.model, element.q)
    if element.through is not None:
        # One id list (a UNION) instead of "id IN … OR key IN …": SQLite then
        # looks the matches up by rowid instead of walking every live row (and
        # reading it for the key) to test the OR — 27 ms → 1.4 ms on 30k projects.
        key, target = element.through
        other = element.model.__table__.alias()  # not correlated with the outer query
        hits = hits.union(select(other.c.id).where(
            other.c[key.key].in_(_fts_hits(target, element.q))))
    return element.model.id.in_(hits)


@compiles(_Matches)
def _compile_default(element, compiler, **kw):
    return "(" + compiler.process(_like_condition(element), **kw) + ")"


@compiles(_Matches, "sqlite")
def _compile_sqlite(element, compiler, **kw):
    if len(element.q) >= MIN_TRIGRAM_CHARS:
        return "(" + compiler.process(_fts_condition(element), **kw) + ")"
    return "(" + compiler.process(_like_condition(element, fold_case=False), **kw) + ")"
