"""The API's resources: the three kinds (enterprises, projects, follow-ups) with their
schemas and services, the stage-move body and the page-size limit.

Both the views (crm/api/views.py) and the OpenAPI document (crm/api/openapi.py)
read these; neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from crm.models import (
    Enterprise,
    EnterpriseCreate,
    EnterprisePublic,
    EnterpriseUpdate,
    FollowUp,
    FollowUpCreate,
    Project,
    ProjectCreate,
)
from crm.models.followup import FollowUpPublic, FollowUpUpdate
from crm.models.project import PROJECT_LABELS, ProjectPublic, ProjectUpdate
from crm.queries import EnterpriseFilters, FollowUpFilters, ListFilters, ProjectFilters
from crm.services import enterprises, followups, projects

MAX_PER_PAGE = 500


class StageMove(SQLModel):
    """Body of POST /projects/<id>/stage."""

    stage: str = Field(description="目标阶段（代码或中文名称）")
    reason: str = Field(default="", max_length=2000, description="阶段说明；搁置、终止须填写")
    version: int | None = Field(default=None, description="客户端所见版本；过期时返回 409")


STAGE_MOVE_LABELS = {"stage": PROJECT_LABELS["stage"], "reason": PROJECT_LABELS["stage_reason"],
                     "version": PROJECT_LABELS["version"]}


# --- the three kinds ---------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    name: str  # URL segment: enterprises / projects / followups
    label: str  # Chinese, for messages and the OpenAPI document
    model: type
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    public_schema: type[BaseModel]
    filters: type[ListFilters]
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    restore: Callable[..., Any]


KINDS: dict[str, Kind] = {
    "enterprises": Kind(
        "enterprises", "企业", Enterprise, EnterpriseCreate, EnterpriseUpdate, EnterprisePublic,
        EnterpriseFilters, enterprises.get_enterprise,
        lambda s, data, user: enterprises.create_enterprise(session=s, data=data, user=user),
        lambda s, obj, data, user: enterprises.update_enterprise(
            session=s, enterprise=obj, data=data, user=user),
        lambda s, obj, user: enterprises.delete_enterprise(session=s, enterprise=obj, user=user),
        lambda s, obj, user: enterprises.restore_enterprise(session=s, enterprise=obj, user=user),
    ),
    "projects": Kind(
        "projects", "项目", Project, ProjectCreate, ProjectUpdate, ProjectPublic,
        ProjectFilters, projects.get_project,
        lambda s, data, user: projects.create_project(session=s, data=data, user=user),
        lambda s, obj, data, user: projects.update_project(
            session=s, project=obj, data=data, user=user),
        lambda s, obj, user: projects.delete_project(session=s, project=obj, user=user),
        lambda s, obj, user: projects.restore_project(session=s, project=obj, user=user),
    ),
    "followups": Kind(
        "followups", "跟进记录", FollowUp, FollowUpCreate, FollowUpUpdate, FollowUpPublic,
        FollowUpFilters, followups.get_followup,
        lambda s, data, user: followups.create_followup(session=s, data=data, user=user),
        lambda s, obj, data, user: followups.update_followup(
            session=s, followup=obj, data=data, user=user),
        lambda s, obj, user: followups.delete_followup(session=s, followup=obj, user=user),
        lambda s, obj, user: followups.restore_followup(session=s, followup=obj, user=user),
    ),
}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}
