"""Reading lists: filters, keyword search, paging and counting, apart from the use
cases (crm.services) and the pages (views), which both read lists through here.

One entry point, ``list_page(session, filters, page=, per_page=)``, chooses how to
page and count (crm.queries.lists); ``count_rows`` counts a list the same way, for
exports. Below the services, above the models: it imports models, rules and the
search keys, never services or views.
"""

from crm.queries.filters import (
    DocketFilters,
    EnterpriseFilters,
    FollowUpFilters,
    ListFilters,
    ProjectFilters,
)
from crm.queries.lists import count_cap, count_rows, list_page
from crm.queries.paging import MAX_PAGE, Page, clamp_page

__all__ = [
    "MAX_PAGE", "DocketFilters", "EnterpriseFilters", "FollowUpFilters", "ListFilters",
    "Page", "ProjectFilters", "clamp_page", "count_cap", "count_rows", "list_page",
]
