"""到位资金: dated fund arrivals on a project, and the per-city reward rules of measure 17.

A project's live FundArrival entries sum to its ``actual_investment_wan``: every add, edit,
delete and restore here recomputes the sum, writes it to the project (bumping its version)
and records both in the audit trail. A project that already had an actual investment before
its first entry gets an opening entry (期初) for that amount, so the invariant holds from then on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, func, select

from crm import clock, rules
from crm.models import CityRewardRule, Division, FundArrival, Project, User
from crm.models.base import utcnow
from crm.models.funding import CITY_REWARD_RULE_LABELS, FUND_ARRIVAL_LABELS
from crm.services import audit, permissions, records, reference
from crm.services.errors import ValidationFailed
from crm.services.validation import check_text

OPENING_NOTE = "期初：登记到位资金前已录入的实际投资额"
MAX_WAN = Decimal("99999999999999.99")  # Numeric(16, 2)


def arrivals_of(session: Session, project_id: int, *, include_deleted: bool = False
                ) -> list[FundArrival]:
    stmt = select(FundArrival).where(FundArrival.project_id == project_id)
    if not include_deleted:
        stmt = stmt.where(FundArrival.deleted_at.is_(None))
    return list(session.exec(stmt.order_by(FundArrival.date, FundArrival.id)))


def arrived_total(session: Session, project_id: int) -> Decimal:
    total = session.exec(select(func.sum(FundArrival.amount_wan)).where(
        FundArrival.project_id == project_id, FundArrival.deleted_at.is_(None))).one()
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def get_arrival(session: Session, arrival_id, *, include_deleted: bool = False) -> FundArrival:
    return records.get_live(session, FundArrival, arrival_id, "到位资金记录",
                            include_deleted=include_deleted)


@records.refuse_races("project")
def add_arrival(*, session: Session, project: Project, data: dict, user: User) -> FundArrival:
    permissions.require(permissions.can_edit_project(user, project),
                        "您只能为落地在本市（州）的项目登记到位资金。")
    values = _parse(data)
    records.lock(session, project)  # the opening entry and the sum, one writer at a time
    if not arrivals_of(session, project.id) and (project.actual_investment_wan or 0) > 0:
        opening = FundArrival(project_id=project.id, amount_wan=project.actual_investment_wan,
                              date=_opening_date(project), note=OPENING_NOTE, user_id=user.id,
                              is_demo=project.is_demo)
        session.add(opening)
        session.flush()
        audit.record(session, user=user, action="create", obj=opening,
                     changes=audit.diff({}, _snap(opening)), summary=OPENING_NOTE)
    arrival = FundArrival(project_id=project.id, user_id=user.id, is_demo=project.is_demo,
                          **values)
    session.add(arrival)
    session.flush()
    audit.record(session, user=user, action="create", obj=arrival,
                 changes=audit.diff({}, _snap(arrival)), summary=project.name)
    sync_actual_investment(session, project, user=user)
    session.commit()
    return arrival


@records.refuse_races("arrival")
def update_arrival(*, session: Session, arrival: FundArrival, data: dict, user: User
                   ) -> FundArrival:
    project = session.get(Project, arrival.project_id)
    permissions.require(permissions.can_edit_project(user, project))
    records.lock(session, project)
    data = dict(data)
    records.check_version(arrival, data.pop("version", None), data)
    values = _parse({**_snap(arrival), **data})
    changes = records.apply_changes(arrival, values)
    if changes:
        audit.record(session, user=user, action="update", obj=arrival, changes=changes,
                     summary=project.name)
        sync_actual_investment(session, project, user=user)
    session.commit()
    return arrival


@records.refuse_races("arrival")
def delete_arrival(*, session: Session, arrival: FundArrival, user: User) -> None:
    project = session.get(Project, arrival.project_id)
    permissions.require(permissions.can_edit_project(user, project))
    records.lock(session, project)
    records.soft_delete(session, arrival, user=user, summary=project.name)
    session.flush()
    sync_actual_investment(session, project, user=user)
    session.commit()


@records.refuse_races("arrival")
def restore_arrival(*, session: Session, arrival: FundArrival, user: User) -> None:
    project = session.get(Project, arrival.project_id)
    permissions.require(permissions.can_edit_project(user, project))
    records.lock(session, project)
    records.restore(session, arrival, user=user, summary=project.name)
    session.flush()
    sync_actual_investment(session, project, user=user)
    session.commit()


def sync_actual_investment(session: Session, project: Project, *, user: User | None) -> bool:
    """actual_investment_wan := sum of live entries (audited); True when it changed.
    The caller holds the project's lock (records.lock), taken before it read or wrote
    any entry: otherwise two writers each sum without the other's entry."""
    total = arrived_total(session, project.id)
    old = project.actual_investment_wan
    if old is not None and Decimal(str(old)) == total:
        return False
    changes = records.apply_changes(project, {"actual_investment_wan": total})
    session.add(project)
    audit.record(session, user=user, action="update", obj=project, changes=changes,
                 summary="到位资金合计同步为实际投资额")
    return True


def _opening_date(project: Project) -> date:
    stamp = project.updated_at or project.created_at
    return clock.date_of(stamp) if stamp else clock.today()


def _snap(arrival: FundArrival) -> dict:
    return {"date": arrival.date, "amount_wan": arrival.amount_wan, "note": arrival.note}


def _parse(data: dict) -> dict:
    L = FUND_ARRIVAL_LABELS
    errors: dict[str, str] = {}
    raw_date, raw_amount = data.get("date"), data.get("amount_wan")
    when = None
    if isinstance(raw_date, date):
        when = raw_date
    elif raw_date in (None, ""):
        errors["date"] = f"{L['date']}：必填"
    else:
        try:
            when = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            errors["date"] = f"{L['date']}：应为日期，如 2024-05-31"
    if when is not None and when > clock.today():
        errors["date"] = f"{L['date']}：不能晚于今天"
    amount = None
    if raw_amount in (None, ""):
        errors["amount_wan"] = f"{L['amount_wan']}：必填"
    else:
        try:
            amount = Decimal(str(raw_amount).replace(",", "").strip())
        except InvalidOperation:
            errors["amount_wan"] = f"{L['amount_wan']}：应为数字（万元）"
        else:
            if not amount.is_finite():
                errors["amount_wan"] = f"{L['amount_wan']}：应为数字（万元）"
            elif amount <= 0:
                errors["amount_wan"] = f"{L['amount_wan']}：应大于0"
            elif amount > MAX_WAN:
                errors["amount_wan"] = f"{L['amount_wan']}：数值过大"
            elif amount != amount.quantize(Decimal("0.01")):
                errors["amount_wan"] = f"{L['amount_wan']}：最多两位小数"
    check_text(errors, L, "note", str(data.get("note") or "").strip())
    if errors:
        raise ValidationFailed(errors)
    return {"date": when, "amount_wan": amount.quantize(Decimal("0.01")),
            "note": str(data.get("note") or "").strip()[:500]}


# --- measure 17: per-city reward rules -------------------------------------------------

def reward_rules(session: Session) -> list[CityRewardRule]:
    return list(session.exec(select(CityRewardRule).order_by(CityRewardRule.city_code)))


def set_reward_rule(*, session: Session, city_code: str, rate_percent, cap_wan=None,
                    note: str = "", user: User) -> CityRewardRule:
    """Create or change a city's rule (admin only), audited."""
    permissions.require(permissions.is_admin(user), "只有系统管理员可以设置奖励规则。")
    L = CITY_REWARD_RULE_LABELS
    errors: dict[str, str] = {}
    division = session.get(Division, city_code) if city_code else None
    if division is None or not rules.is_jilin_prefecture_code(city_code):
        errors["city_code"] = f"{L['city_code']}：应为吉林省市（州）代码"
    rate = _decimal(rate_percent, "rate_percent", errors, required=True)
    if rate is not None and not (0 <= rate <= 100):
        errors["rate_percent"] = f"{L['rate_percent']}：应在0到100之间"
    cap = _decimal(cap_wan, "cap_wan", errors, required=False)
    check_text(errors, L, "note", (note or "").strip())
    if cap is not None and cap < 0:
        errors["cap_wan"] = f"{L['cap_wan']}：不能为负数"
    if errors:
        raise ValidationFailed(errors)
    rule = session.exec(select(CityRewardRule).where(CityRewardRule.city_code == city_code)).first()
    before = ({"rate_percent": rule.rate_percent, "cap_wan": rule.cap_wan, "note": rule.note}
              if rule else {})
    rule = rule or CityRewardRule(city_code=city_code)
    rule.rate_percent, rule.cap_wan, rule.note = rate, cap, (note or "").strip()
    rule.updated_at, rule.updated_by = utcnow(), user.username
    session.add(rule)
    session.flush()
    changes = audit.diff(before, {"rate_percent": rate, "cap_wan": cap, "note": rule.note})
    if changes:
        audit.record(session, user=user, action="settings", obj=rule, changes=changes,
                     summary=f"{division.name}招商奖励规则")
        reference.changed(session)
    session.commit()
    return rule


def delete_reward_rule(*, session: Session, city_code: str, user: User) -> None:
    permissions.require(permissions.is_admin(user), "只有系统管理员可以设置奖励规则。")
    rule = session.exec(select(CityRewardRule).where(CityRewardRule.city_code == city_code)).first()
    if rule is None:
        return
    audit.record(session, user=user, action="settings", obj=rule,
                 changes={"rate_percent": [float(rule.rate_percent), None],
                          "cap_wan": [audit.jsonable(rule.cap_wan), None]},
                 summary="删除招商奖励规则")
    session.delete(rule)
    reference.changed(session)
    session.commit()


def _decimal(value, key: str, errors: dict, *, required: bool) -> Decimal | None:
    label = CITY_REWARD_RULE_LABELS[key]
    if value in (None, ""):
        if required:
            errors[key] = f"{label}：必填"
        return None
    try:
        out = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[key] = f"{label}：应为数字"
        return None
    if not out.is_finite():
        errors[key] = f"{label}：应为数字"
        return None
    return out
