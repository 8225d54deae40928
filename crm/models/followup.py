"""跟进记录: a contact with a project and/or an enterprise."""

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm.models.base import RecordMixin

FOLLOWUP_LABELS = {
    "project_id": "项目",
    "enterprise_id": "企业",
    "kind": "跟进方式",
    "date": "跟进日期",
    "participants": "参与人员",
    "summary": "跟进内容",
    "next_step": "下一步工作",
    "next_due": "下一步截止日期",
}


class FollowUpBase(SQLModel):
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    kind: str = "call"
    date: dt.date
    participants: str = ""
    summary: str = Field(max_length=4000)
    next_step: str = ""
    next_due: dt.date | None = Field(default=None, index=True)


class FollowUp(FollowUpBase, RecordMixin, table=True):
    # List filters and sorts (migration 0003; measured in bench/README.md).
    __table_args__ = (
        Index("ix_followup_live_date", "deleted_at", "date", "done", "next_due"),
        Index("ix_followup_live_open_date", "deleted_at", "done", "date", "next_due"),  # 0010
        Index("ix_followup_live_open_due", "deleted_at", "done", "next_due"),  # 0012
        Index("ix_followup_project_live", "project_id", "deleted_at", "date"),
        Index("ix_followup_enterprise_live", "enterprise_id", "deleted_at", "date"),
        Index("ix_followup_user_live", "user_id", "deleted_at", "date"),
        Index("ix_followup_user_open_due", "user_id", "done", "next_due"),
        Index("ix_followup_kind_live", "kind", "deleted_at", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    done: bool = False


class FollowUpCreate(FollowUpBase):
    pass


class FollowUpUpdate(SQLModel):
    project_id: int | None = None
    enterprise_id: int | None = None
    kind: str | None = None
    date: dt.date | None = None
    participants: str | None = None
    summary: str | None = None
    next_step: str | None = None
    next_due: dt.date | None = None
    done: bool | None = None
    version: int | None = None


class FollowUpPublic(FollowUpBase):
    id: int
    user_id: int | None
    done: bool
    version: int
    is_demo: bool
