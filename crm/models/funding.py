"""到位资金 (funds that arrived on a project) and the per-city 招商 reward rule of measure 17."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import Numeric
from sqlmodel import Field, SQLModel

from crm.models.base import RecordMixin, utcnow, wan_field

FUND_ARRIVAL_LABELS = {
    "project_id": "项目",
    "date": "到位日期",
    "amount_wan": "到位金额（万元）",
    "note": "说明",
}

CITY_REWARD_RULE_LABELS = {
    "city_code": "市（州）",
    "rate_percent": "奖励比例（%）",
    "cap_wan": "奖励上限（万元）",
    "note": "依据 / 说明",
}


class FundArrival(RecordMixin, table=True):
    """One dated arrival of funds; a project's live entries sum to its actual_investment_wan
    (crm.services.funding keeps the two in step and audits both)."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    date: dt.date = Field(index=True)
    amount_wan: Decimal | None = wan_field(nullable=False)
    note: str = ""
    user_id: int | None = Field(default=None, foreign_key="user.id")


class CityRewardRule(SQLModel, table=True):
    """Measure 17: a city's reward for investors and introducers by actual investment
    — ``rate_percent`` of the actual investment, at most ``cap_wan`` (no cap when empty)."""

    id: int | None = Field(default=None, primary_key=True)
    city_code: str = Field(unique=True, max_length=6)
    rate_percent: Decimal = Field(default=Decimal("0"), sa_type=Numeric(7, 3))
    cap_wan: Decimal | None = wan_field()
    note: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)
    updated_by: str = ""
