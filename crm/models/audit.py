"""Append-only audit trail: who did what, when, from where, old → new."""

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from crm.models.base import utcnow


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = ""
    ip: str = ""
    action: str = Field(index=True)  # see crm.services.audit.ACTIONS
    object_type: str = Field(default="", index=True)
    object_id: int | None = Field(default=None, index=True)
    summary: str = ""
    changes: dict = Field(default_factory=dict, sa_type=JSON)
