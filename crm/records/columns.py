"""A record type's list columns: one declaration for the list page and the export.

A ``ListColumn`` is an export ``Column`` (key, header, kind) that also says how the
list page shows it: whether it is on the page at all (the export holds every
column; the page the ``page=True`` ones, in the same order), its sort key (one of
the filter's SORTS) and its cell renderer, a branch of ``cell`` in
templates/_cells.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm.tabular.writers import Column

# The renderers templates/_cells.html knows; a declaration naming another fails at import.
CELLS = frozenset({
    "text",  # the shown value (codes as labels, ids as names); 是/否 for flags
    "link",  # the shown value, linked to the record's detail page
    "enterprise_name", "project_name",  # link to the record, with its flag badges
    "date_link",  # the date, linked to the record's detail page (follow-ups)
    "enterprise_link", "project_link",  # the related record's name, linked to it
    "light",  # the progress light (红黄绿) as a dot
    "amount",  # 万元 as 万元 / 亿元
    "date",  # a date or a time, in the office's time zone
    "location",  # province and city, the province once
    "due",  # a follow-up's next date: red when overdue, ✓ when done
    "case_status",  # the 一事一议 status as a badge
    "case_form",  # the 一事一议 status form (docket), the notes for readers
})


@dataclass(frozen=True)
class ListColumn(Column):
    short: str = ""  # the page's header, where the export's is too long for a table
    page: bool = True  # shown on the list page (else the export only)
    sort: str = ""  # the filter's sort key; the header becomes a sort link
    cell: str = "text"
    limit: int = 0  # text cut to this many characters on the page

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"{self.key}: unknown cell renderer {self.cell!r}")

    @property
    def title(self) -> str:
        """The page's header."""
        return self.short or self.header


def page_columns(columns: Sequence[Column]) -> list[ListColumn]:
    """The columns the list page shows, in the export's order. A plain ``Column`` (a
    type that declares no page details) is shown as text, the first one as a link."""
    out = []
    for i, c in enumerate(columns):
        if isinstance(c, ListColumn):
            if c.page:
                out.append(c)
        else:
            out.append(ListColumn(c.key, c.header, c.kind, c.width,
                                  cell="link" if i == 0 else "text"))
    return out
