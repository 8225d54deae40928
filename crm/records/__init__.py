"""The record types, one declaration each (see docs/adding-a-record-type.md).

``REGISTRY`` maps a type's name (its URL segment) to its ``RecordType``. The
generic pages (crm.generic), the JSON API and its OpenAPI document (crm.api),
exports and imports all read it; ``register`` adds a type, and its export.
"""

from __future__ import annotations

from crm.records.base import RecordType
from crm.records.enterprises import ENTERPRISES
from crm.records.followups import FOLLOWUPS
from crm.records.projects import EXTRA_EXPORTS, PROJECTS
from crm.services import attachments, display, exporting, importing

__all__ = ["REGISTRY", "RecordType", "exportable", "get", "importable", "of_model", "register",
           "unregister"]

REGISTRY: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    """Add a type: its export (and import, if it declares import fields) come with it.
    Pages and API routes are added when a blueprint or app registers it (crm.generic)."""
    REGISTRY[record_type.name] = record_type
    exporting.register(record_type.export_kind())
    display.register(record_type.object_type, record_type.label, record_type.labels,
                     record_type.vocabularies)
    attachments.register(attachments.RecordKind(
        record_type.name, record_type.label, record_type.model, record_type.object_type,
        f"{record_type.name}.detail", record_type.id_arg, record_type.can_edit))
    if record_type.import_fields is not None:
        importing.register(record_type.name, record_type.label, record_type.import_fields)
    return record_type


def unregister(name: str) -> None:
    """Take a type out again (a type declared by a test)."""
    REGISTRY.pop(name, None)
    exporting.KINDS.pop(name, None)
    importing.KINDS.pop(name, None)
    attachments.RECORD_KINDS.pop(name, None)


def get(name: str) -> RecordType:
    return REGISTRY[name]


def of_model(model: type) -> RecordType:
    return next(rt for rt in REGISTRY.values() if rt.model is model)


def exportable() -> list[str]:
    """Names of the lists that may be exported: every type's, and lists drawn from them."""
    return list(exporting.KINDS)


def importable() -> dict[str, str]:
    """Name → Chinese label of the types a spreadsheet may be imported into."""
    return {name: rt.label for name, rt in REGISTRY.items() if rt.import_fields is not None}


for _type in (ENTERPRISES, PROJECTS, FOLLOWUPS):
    register(_type)
for _spec in EXTRA_EXPORTS:
    exporting.register(_spec)
