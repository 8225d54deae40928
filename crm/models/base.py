"""Shared fields for every stored record."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


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
