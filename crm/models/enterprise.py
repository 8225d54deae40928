"""招商对象: target enterprises and research institutions, with contacts."""

from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm.models.base import RecordMixin, keep_lookup_keys, wan_field

ENTERPRISE_LABELS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "province": "所在省份",
    "city": "所在城市",
    "city_code": "城市代码",
    "chain_segment": "产业链环节",
    "kind": "企业类型",
    "is_key_target": "重点招商企业",
    "priority": "优先级",
    "revenue_wan": "营业收入（万元）",
    "notes": "备注",
    "lon": "经度",
    "lat": "纬度",
    "owner_id": "负责人",
    "jizhe": "吉浙线索",
    "contact_name": "联系人",
    "contact_title": "职务",
    "contact_phone": "电话",
    "contact_email": "邮箱",
}


class EnterpriseBase(SQLModel):
    name: str = Field(index=True, max_length=200)
    credit_code: str | None = Field(default=None, max_length=18)
    province: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=40)
    chain_segment: str | None = Field(default=None, index=True)
    kind: str = Field(default="other")
    is_key_target: bool = Field(default=False, index=True)
    priority: int = Field(default=2)
    revenue_wan: Decimal | None = wan_field()
    notes: str = ""
    lon: float | None = None
    lat: float | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)


class Enterprise(EnterpriseBase, RecordMixin, table=True):
    # List filters and sorts (migration 0003; measured in bench/README.md).
    __table_args__ = (
        Index("ix_enterprise_live_updated", "deleted_at", "updated_at", "id"),
        Index("ix_enterprise_live_name", "deleted_at", "name"),
        Index("ix_enterprise_live_revenue", "deleted_at", "revenue_wan"),
        Index("ix_enterprise_live_priority", "deleted_at", "priority"),
        Index("ix_enterprise_city_live", "city_code", "deleted_at", "updated_at"),
        Index("ix_enterprise_province_live", "province", "deleted_at", "updated_at"),
        Index("ix_enterprise_segment_live", "chain_segment", "deleted_at", "updated_at"),
        Index("ix_enterprise_kind_live", "kind", "deleted_at", "updated_at"),
        Index("ix_enterprise_key_live", "is_key_target", "deleted_at", "updated_at"),
        Index("ix_enterprise_segment_key_live", "chain_segment", "is_key_target", "deleted_at",
              "updated_at"),  # 0010
        Index("ix_enterprise_jizhe_live", "jizhe", "deleted_at", "updated_at"),
        Index("ix_enterprise_owner_live", "owner_id", "deleted_at", "updated_at"),
        Index("ix_enterprise_lookup_keys", "lookup_keys"),  # pickers: initials' beginning (0020)
    )
    id: int | None = Field(default=None, primary_key=True)
    # unique when present: NULLs never collide on SQLite or PostgreSQL
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    city_code: str | None = Field(default=None, index=True, max_length=6)
    jizhe: bool = Field(default=False, index=True)
    # Part of Jilin's existing industry base (seeds/industry_base.csv), shown as its own map layer.
    is_industry_base: bool = Field(default=False, index=True)
    # pinyin initials and the bare name, for the pickers (migration 0020)
    lookup_keys: str = Field(default="", max_length=600)


keep_lookup_keys(Enterprise)


class ContactBase(SQLModel):
    name: str = Field(max_length=60)
    title: str = ""
    phone: str = ""
    email: str = ""


class Contact(ContactBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)


class EnterpriseCreate(EnterpriseBase):
    contacts: list[ContactBase] = []


class EnterpriseUpdate(SQLModel):
    """Every field optional: only those sent are changed."""

    name: str | None = None
    credit_code: str | None = None
    province: str | None = None
    city: str | None = None
    chain_segment: str | None = None
    kind: str | None = None
    is_key_target: bool | None = None
    priority: int | None = None
    revenue_wan: Decimal | None = None
    notes: str | None = None
    lon: float | None = None
    lat: float | None = None
    owner_id: int | None = None
    contacts: list[ContactBase] | None = None
    version: int | None = None


class EnterprisePublic(EnterpriseBase):
    id: int
    city_code: str | None
    jizhe: bool
    version: int
    is_demo: bool
    revenue_wan: float | None = None
    contacts: list[ContactBase] = []
