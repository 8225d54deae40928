"""Request bodies of the API beyond the record types' own schemas (those are
declared in crm.records), and the page-size limit. Read by the views and the
OpenAPI document alike."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from crm.models.project import PROJECT_LABELS

MAX_PER_PAGE = 500


class StageMove(SQLModel):
    """Body of POST /projects/<id>/stage."""

    stage: str = Field(description="目标阶段（代码或中文名称）")
    reason: str = Field(default="", max_length=2000, description="阶段说明；搁置、终止须填写")
    version: int | None = Field(default=None, description="客户端所见版本；过期时返回 409")


STAGE_MOVE_LABELS = {"stage": PROJECT_LABELS["stage"], "reason": PROJECT_LABELS["stage_reason"],
                     "version": PROJECT_LABELS["version"]}
