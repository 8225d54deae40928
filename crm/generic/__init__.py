"""Generic record pages (list, detail, new, edit, delete, restore, history) for
every record type in crm.records."""

from crm.generic.views import PAGES, RecordViews, blueprint, register

__all__ = ["PAGES", "RecordViews", "blueprint", "register"]
