"""Reference data loaded from seeds/: divisions, parks, segments, 吉浙 pairs, measures."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm.models.base import utcnow


class Division(SQLModel, table=True):
    """A GB/T 2260 division: Jilin's prefectures and counties, Zhejiang's cities,
    and the special areas the policy names (code None is not allowed, so special
    areas get a stable pseudo-code, see seeds/special_areas.csv)."""

    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(index=True)
    short_name: str = ""
    province: str = Field(index=True)
    level: str  # prefecture | county | special
    parent_code: str | None = Field(default=None, index=True)
    lon: float | None = None
    lat: float | None = None
    source: str = ""


class Park(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    city_code: str | None = Field(default=None, index=True)
    level: str = ""
    year: int | None = None
    note: str = ""
    lon: float | None = None
    lat: float | None = None
    source: str = ""


class ChainSegment(SQLModel, table=True):
    name: str = Field(primary_key=True)
    parent: str | None = None
    position: int = 0
    source: str = ""


class JizhePairing(SQLModel, table=True):
    """吉浙 city pairing; confidence is reported / inferred / unknown."""

    zhejiang_code: str = Field(primary_key=True, max_length=6)
    jilin_code: str | None = None
    confidence: str = "reported"
    source: str = ""


class PolicyMeasure(SQLModel, table=True):
    number: int = Field(primary_key=True)
    chapter: str = ""
    title: str
    summary: str = ""
    responsible_units: str = ""
    source: str = ""


class Setting(SQLModel, table=True):
    """Admin-editable settings (e.g. the 一事一议 line)."""

    key: str = Field(primary_key=True)
    value: str
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = ""
