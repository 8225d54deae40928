"""招商项目: projects, their stage history and 一事一议 case."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm.models.base import RecordMixin, keep_lookup_keys, utcnow, wan_field

PROJECT_LABELS = {
    "name": "项目名称",
    "enterprise_id": "投资企业",
    "city_code": "落地市（州）",
    "county_code": "落地县（市、区）",
    "park_id": "落地园区",
    "chain_segment": "产业链环节",
    "project_class": "项目类别",
    "cooperation_form": "合作形式",
    "attraction_mode": "招商方式",
    "stage": "阶段",
    "stage_reason": "阶段说明",
    "planned_investment_wan": "计划投资额（万元）",
    "actual_investment_wan": "实际投资额（万元）",
    "equipment_investment_wan": "其中设备投资额（万元）",
    "source_province": "来源省份",
    "source_city": "来源城市",
    "introducer": "引进方",
    "owner_id": "负责人",
    "responsible_unit": "责任单位",
    "lon": "经度",
    "lat": "纬度",
    "notes": "备注",
    "case_by_case": "一事一议",
    "case_status": "一事一议状态",
    "case_notes": "一事一议备注",
    "jizhe": "吉浙线索",
    "version": "版本",
}


class ProjectBase(SQLModel):
    name: str = Field(index=True, max_length=200)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    city_code: str | None = Field(default=None, index=True, max_length=6)
    county_code: str | None = Field(default=None, max_length=6)
    park_id: int | None = Field(default=None, foreign_key="park.id")
    chain_segment: str | None = Field(default=None, index=True)
    project_class: str = Field(default="supporting", index=True)
    cooperation_form: str | None = None
    attraction_mode: str | None = Field(default=None, index=True)
    planned_investment_wan: Decimal | None = wan_field()
    actual_investment_wan: Decimal | None = wan_field()
    # Part of the planned investment spent on equipment: measure 7 (技术改造) looks at it.
    equipment_investment_wan: Decimal | None = wan_field()
    source_province: str | None = None
    source_city: str | None = None
    introducer: str = ""
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    responsible_unit: str = ""
    lon: float | None = None
    lat: float | None = None
    notes: str = ""


class Project(ProjectBase, RecordMixin, table=True):
    # List filters and sorts (migration 0003; measured in bench/README.md).
    __table_args__ = (
        Index("ix_project_live_updated", "deleted_at", "updated_at", "id"),
        Index("ix_project_live_name", "deleted_at", "name"),
        Index("ix_project_live_planned", "deleted_at", "planned_investment_wan"),
        Index("ix_project_live_last_followup", "deleted_at", "last_followup_on"),
        Index("ix_project_city_live", "city_code", "deleted_at", "updated_at"),
        Index("ix_project_city_stage_live", "city_code", "stage", "deleted_at", "updated_at"),
        Index("ix_project_stage_live", "stage", "deleted_at", "updated_at"),
        Index("ix_project_segment_live", "chain_segment", "deleted_at", "updated_at"),
        Index("ix_project_mode_live", "attraction_mode", "deleted_at", "updated_at"),
        Index("ix_project_class_live", "project_class", "deleted_at", "updated_at"),
        Index("ix_project_form_live", "cooperation_form", "deleted_at", "updated_at"),
        Index("ix_project_case_live", "case_by_case", "deleted_at", "updated_at"),
        Index("ix_project_jizhe_live", "jizhe", "deleted_at", "updated_at"),
        Index("ix_project_jizhe_totals", "jizhe", "deleted_at", "stage", "planned_investment_wan"),
        Index("ix_project_owner_live", "owner_id", "deleted_at", "updated_at"),
        Index("ix_project_source_city_live", "source_city", "deleted_at", "updated_at"),
        Index("ix_project_lookup_keys", "lookup_keys"),  # pickers: initials' beginning (0020)
    )
    id: int | None = Field(default=None, primary_key=True)
    stage: str = Field(default="lead", index=True)
    stage_reason: str = ""
    # Derived, never set by hand: see crm/rules.py.
    case_by_case: bool = Field(default=False, index=True)
    jizhe: bool = Field(default=False, index=True)
    case_status: str | None = None
    case_notes: str = ""
    # Denormalised from follow-ups so lists show the progress light without a query per row.
    last_followup_on: date | None = None
    next_due_on: date | None = None
    # pinyin initials and the bare name, for the pickers (migration 0020)
    lookup_keys: str = Field(default="", max_length=600)


keep_lookup_keys(Project)


class StageChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    from_stage: str | None = None
    to_stage: str
    reason: str = ""
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = ""
    at: datetime = Field(default_factory=utcnow)


class ProjectCreate(ProjectBase):
    stage: str = "lead"
    stage_reason: str = ""


class ProjectUpdate(SQLModel):
    name: str | None = None
    enterprise_id: int | None = None
    city_code: str | None = None
    county_code: str | None = None
    park_id: int | None = None
    chain_segment: str | None = None
    project_class: str | None = None
    cooperation_form: str | None = None
    attraction_mode: str | None = None
    planned_investment_wan: Decimal | None = None
    actual_investment_wan: Decimal | None = None
    equipment_investment_wan: Decimal | None = None
    source_province: str | None = None
    source_city: str | None = None
    introducer: str | None = None
    owner_id: int | None = None
    responsible_unit: str | None = None
    lon: float | None = None
    lat: float | None = None
    notes: str | None = None
    stage: str | None = None
    stage_reason: str | None = None
    case_status: str | None = None
    case_notes: str | None = None
    version: int | None = None


class ProjectPublic(ProjectBase):
    id: int
    stage: str
    stage_reason: str
    case_by_case: bool
    jizhe: bool
    case_status: str | None
    version: int
    is_demo: bool
    planned_investment_wan: float | None = None
    actual_investment_wan: float | None = None
    equipment_investment_wan: float | None = None
    last_followup_on: date | None = None
    next_due_on: date | None = None
