"""附件: a file on any record, keyed by the record type's name and the record's id.

The bytes live under instance/attachments/ by ``stored_name`` (random, never the
user's file name); deleting keeps them (soft delete, as for records), so the audit
trail and backups always find the file a row names.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from crm.models.base import utcnow

ATTACHMENT_LABELS = {
    "filename": "文件名",
    "category": "类别",
    "note": "说明",
    "size": "大小",
    "content_type": "文件类型",
    "uploaded_by": "上传人",
    "created_at": "上传时间",
}


class Attachment(SQLModel, table=True):
    __table_args__ = (
        # every page and API call asks for one record's live attachments
        Index("ix_attachment_record", "record_type", "record_id", "deleted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)  # "enterprises", "projects", "followups"
    record_id: int
    filename: str = Field(max_length=255)  # sanitised, for display and the download
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=100)  # sniffed from the content
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    category: str = Field(default="other", max_length=40)  # crm.rules.ATTACHMENT_CATEGORIES
    note: str = Field(default="", max_length=500)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = Field(default=None)
