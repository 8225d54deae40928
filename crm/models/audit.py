"""Append-only audit trail: who did what, when, from where, old → new.

Each row is a link of a hash chain (migration 0016): ``chain_seq`` is its place,
``prev_hash`` the ``row_hash`` of the row before it, ``row_hash`` a SHA-256 over the
row's content and ``prev_hash`` (crm.services.audit.chain_hash). ``AuditChainHead``
is the chain's one-row head: appenders lock it, so two writers never link to the same
row, and it remembers the last link, so a cut-off tail shows too.
"""

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
    chain_seq: int | None = Field(default=None, index=True, unique=True)
    prev_hash: str = ""
    row_hash: str = ""


class AuditChainHead(SQLModel, table=True):
    __tablename__ = "auditchain"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0  # chain_seq of the last row
    last_hash: str = ""  # its row_hash
