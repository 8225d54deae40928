"""SQL conditions the lists build with, rendered per database to steer its planner."""

from __future__ import annotations

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, replacement_traverse


class LiveRows(ColumnElement):
    """A list's rows: ``deleted_at IS NULL`` (or, in the recycle bin, ``IS NOT NULL``).

    SQLite plans without statistics and takes this condition for a selective one,
    so it walks the (deleted_at, <order>) index in list order and tests every row,
    however few match. ``by_id=True`` (see paging.paginate) renders it so that no index can
    serve it, and a keyword's few matches are looked up by id and sorted: SQLite
    ``+deleted_at …``; PostgreSQL ``(deleted_at …) IS TRUE``, which its partial
    indexes for the lists' order (0008, WHERE deleted_at IS NULL) cannot match.
    PostgreSQL needs that since 0013: its statistics put any '%…%' pattern at 1 %
    of rows or more, so it walked every enterprise for a keyword with 8 matches
    (0.3 → 50 ms)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("deleted", InternalTraversal.dp_boolean),
                           ("by_id", InternalTraversal.dp_boolean)]

    def __init__(self, column, *, deleted: bool = False, by_id: bool = False):
        self.column, self.deleted, self.by_id = column, deleted, by_id


@compiles(LiveRows)
def _compile_live(element, compiler, **kw):
    test = _plain_live(element, compiler, **kw)
    return f"({test}) IS TRUE" if element.by_id else test


def _plain_live(element, compiler, **kw):
    test = "IS NOT NULL" if element.deleted else "IS NULL"
    return f"{compiler.process(element.column, **kw)} {test}"


@compiles(LiveRows, "sqlite")
def _compile_live_sqlite(element, compiler, **kw):
    return ("+" if element.by_id else "") + _plain_live(element, compiler, **kw)


class Unselective(ColumnElement):
    """``condition``, which about ``share`` of the rows meet: SQLite renders it as
    ``likelihood(condition, share)`` for its planner; other databases plainly."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement),
                           ("share", InternalTraversal.dp_plain_obj)]

    def __init__(self, condition, share: float):
        self.condition, self.share = condition, share


@compiles(Unselective)
def _compile_unselective(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(Unselective, "sqlite")
def _compile_unselective_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, {float(element.share)})"


def read_by_id(stmt):
    """``stmt`` with its LiveRows conditions rendered for reading matches by id."""
    return replacement_traverse(stmt, {}, lambda e: LiveRows(
        e.column, deleted=e.deleted, by_id=True) if isinstance(e, LiveRows) else None)
