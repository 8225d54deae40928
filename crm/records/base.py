"""``RecordType``: everything the generic pages, the API, the OpenAPI document,
exports and imports need to know about one kind of record, declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from crm.models import User
from crm.queries import ListFilters
from crm.records.columns import ListColumn, page_columns
from crm.services import permissions
from crm.services.exporting import ExportKind, Names, plain_rows
from crm.tabular.headers import FieldSpec
from crm.tabular.writers import Column

# The generic templates (templates/records/); a type may name its own instead.
GENERIC_TEMPLATES = {"list": "records/list.html", "detail": "records/detail.html",
                     "form": "records/form.html", "history": "records/history.html"}


def record_as(service: Callable[..., Any], name: str, **fixed) -> Callable[..., Any]:
    """A service that takes its record by its own name (``project=``), called the
    registry's uniform way (``obj=``): ``update=record_as(projects.update_project, "project")``."""
    def call(*, obj, **kwargs):
        return service(**{name: obj}, **kwargs, **fixed)
    return call


def _anyone_writing(user: User | None) -> bool:
    return permissions.can_write_anything(user)


def _edit_if_writing(session: Session, user: User | None, obj) -> bool:
    return permissions.can_write_anything(user)


@dataclass(frozen=True, eq=False)
class RecordType:
    """One record type. Service functions take keyword arguments only:
    ``create(session=, data=, user=)``, ``update(session=, obj=, data=, user=)``,
    ``delete(session=, obj=, user=)``, ``restore(session=, obj=, user=)`` and
    ``get(session, obj_id, include_deleted=)``; each checks its own permissions
    and raises ValidationFailed / VersionConflict / Forbidden / NotFound."""

    name: str  # URL segment, blueprint and endpoint prefix: enterprises
    label: str  # Chinese: 企业
    model: type
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    public_schema: type[BaseModel]
    labels: dict[str, str]  # field → Chinese label
    filters: type[ListFilters]
    columns: list[Column]  # the export's columns; the list page's are page_columns
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    restore: Callable[..., Any]
    vocabularies: dict[str, dict] = field(default_factory=dict)  # coded field → {code: label}
    list_title: str = ""  # the list's (and its export's) title; default: <label>列表
    id_arg: str = "obj_id"  # the URL's id variable (templates build links with it)
    audit_type: str = ""  # AuditLog.object_type; default: the model's lower-case name
    rows: Callable[[Session, list, Names], Iterator[dict]] | None = None  # shown values
    import_fields: list[FieldSpec] | None = None  # header spellings; None: not importable
    can_create: Callable[[User | None], bool] = _anyone_writing
    can_edit: Callable[[Session, User | None, Any], bool] = _edit_if_writing
    create_denied: str = ""  # Forbidden messages; default: 您没有新建/修改<label>的权限。
    edit_denied: str = ""
    templates: dict[str, str] = field(default_factory=dict)
    # flags create/update read from the data, which the API also takes from the query
    # string (allow_similar); name → Chinese description for the OpenAPI document
    flags: dict[str, str] = field(default_factory=dict)
    title_of: Callable[[Any], str] = lambda obj: getattr(obj, "name", "") or f"#{obj.id}"

    @property
    def title(self) -> str:
        return self.list_title or f"{self.label}列表"

    @property
    def object_type(self) -> str:
        return self.audit_type or self.model.__name__.lower()

    def create_refusal(self) -> str:
        return self.create_denied or f"您没有新建{self.label}的权限。"

    def edit_refusal(self) -> str:
        return self.edit_denied or f"您没有修改{self.label}的权限。"

    @property
    def page_columns(self) -> list[ListColumn]:
        """The columns the list page shows: the export's, less those marked page=False."""
        return page_columns(self.columns)

    def template(self, page: str) -> str:
        return self.templates.get(page) or GENERIC_TEMPLATES[page]

    def row_values(self, session: Session, batch: list, names: Names) -> Iterator[dict]:
        """The columns' values of ``batch`` as shown (codes as labels, ids as names)."""
        if self.rows is not None:
            return self.rows(session, batch, names)
        return plain_rows(batch, self.vocabularies)

    def export_kind(self) -> ExportKind:
        return ExportKind(self.name, self.title, self.filters, self.columns, self.row_values)
