"""Shared fields for every stored record."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Numeric, event
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from crm.searchkeys import lookup_keys


def utcnow() -> datetime:
    """Aware UTC: SQLModel's datetime columns store UTC and refuse naive values."""
    return datetime.now(UTC)


def wan_field(**kwargs) -> Decimal | None:
    """An amount in 万元 with two decimals (0.01万元 = 100元)."""
    return Field(default=None, sa_type=Numeric(16, 2), **kwargs)


class RecordMixin(SQLModel):
    """Stamps, soft delete, optimistic-lock version and the demo mark."""

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = Field(default=None, index=True)
    version: int = Field(default=1)
    is_demo: bool = Field(default=False, index=True)

    @declared_attr
    def __mapper_args__(cls) -> dict:
        # Every UPDATE of a record says ``… WHERE id = :id AND version = :read``: of two
        # saves based on one version exactly one matches its row, the other raises
        # StaleDataError (crm.services.records turns it into a 409). The services set
        # the new version themselves (a save that changes nothing keeps it).
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


# Longest text each field takes, in characters, declared once for every record type:
# crm.services.validation.parse() enforces them on every path (forms, API, import).
# The columns keep their types; a field's own max_length (e.g. 企业名称 200) also applies.
NAME_MAX, CODE_MAX, LINE_MAX, REASON_MAX, NOTE_MAX = 200, 50, 500, 2000, 5000
TEXT_LIMITS: dict[str, int] = {
    "name": NAME_MAX, "introducer": NAME_MAX, "responsible_unit": NAME_MAX, "email": NAME_MAX,
    "chain_segment": 100, "title": 100,
    "province": 20, "city": 40,  # as their columns (enterprise)
    "credit_code": CODE_MAX, "city_code": CODE_MAX,
    "county_code": CODE_MAX, "kind": CODE_MAX, "project_class": CODE_MAX,
    "cooperation_form": CODE_MAX, "attraction_mode": CODE_MAX, "stage": CODE_MAX,
    "case_status": CODE_MAX, "source_province": CODE_MAX, "source_city": CODE_MAX,
    "phone": CODE_MAX,
    "participants": LINE_MAX, "note": LINE_MAX,
    "stage_reason": REASON_MAX, "reason": REASON_MAX, "next_step": REASON_MAX,
    "summary": 4000, "notes": NOTE_MAX, "case_notes": NOTE_MAX,
}
DEFAULT_TEXT_MAX = NAME_MAX
# Multi-line fields (textareas) may hold carriage returns; every field may hold tab and newline.
MULTILINE_FIELDS = frozenset({"notes", "case_notes", "stage_reason", "reason", "summary",
                              "next_step", "note"})


def keep_lookup_keys(model) -> None:
    """``model.lookup_keys`` follows its name on every ORM insert and update (the
    pickers' pinyin initials, crm.searchkeys.lookup_keys). Bulk inserts that bypass
    the ORM compute it themselves (bench/generate.py)."""
    def fill(_mapper, _connection, target) -> None:
        keys = lookup_keys(target.name)
        if target.lookup_keys != keys:
            target.lookup_keys = keys

    event.listen(model, "before_insert", fill)
    event.listen(model, "before_update", fill)
