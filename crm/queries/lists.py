"""The one way to read a list: a page of a filter object's rows, and its count.

Callers hand over the filters; the strategy is chosen here from them (and from
crm.queries.paging, which weighs the statement):

* the page size and, for a long list (the filter class's CAPPED), the count cap come
  from the app's config (PAGE_SIZE, LIST_COUNT_CAP), so pages, the API and exports
  of one list count alike;
* a list with a keyword is counted first, from the keyword's index where it alone
  narrows the list; few matches are then read by id, frequent ones found by walking
  the list where its default order is indexed (DEFAULT_ORDER_INDEXED) and the walk
  is cheap;
* a list without one reads its page first: a short last page gives the total
  without counting.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlmodel import Session

from crm.queries.paging import Page, count, paginate

# Outside an app (scripts, benchmarks): the defaults of crm.config.
DEFAULT_PAGE_SIZE = 50
DEFAULT_COUNT_CAP = 10000


def list_page(session: Session, filters, *, page: int | None = None,
              per_page: int | None = None) -> Page:
    """One page of ``filters``' list (a ListFilters, or any object with ``select()``
    whose class may set CAPPED and DEFAULT_ORDER_INDEXED). ``page``: the filters'
    own page unless given; ``per_page``: PAGE_SIZE unless given."""
    keyword = getattr(filters, "q", None)
    walkable = getattr(filters, "DEFAULT_ORDER_INDEXED", True) and not getattr(
        filters, "sort", None)
    return paginate(session, filters.select(),
                    page=getattr(filters, "page", 1) if page is None else page,
                    per_page=per_page or _config("PAGE_SIZE", DEFAULT_PAGE_SIZE),
                    count_cap=count_cap(filters), searched=bool(keyword),
                    default_order=walkable)


def count_rows(session: Session, filters) -> int:
    """Every row of ``filters``' list, uncapped (an export holds them all), counted
    the way its pages are (from the keyword's index where it can be)."""
    return count(session, filters.select(), None, searched=bool(getattr(filters, "q", None)))


def count_cap(filters) -> int | None:
    """How far ``filters``' list is counted: LIST_COUNT_CAP for a long list, else
    no limit."""
    if not getattr(filters, "CAPPED", False):
        return None
    return _config("LIST_COUNT_CAP", DEFAULT_COUNT_CAP)


def _config(key: str, default: int) -> int:
    return current_app.config[key] if has_app_context() else default
