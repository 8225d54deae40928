"""政策匹配: which of 吉政办发〔2023〕10号's measures may apply to an enterprise or a project.

The numbers come from crm.rules (REVENUE_REWARD_TIERS_WAN, RD_SUBSIDY_CAP_WAN, …); the
measures' titles and responsible units from the PolicyMeasure table (seeds/policy_measures.csv);
which rule each numbered measure uses from seeds/policy_rules.csv. A match says why (the fields
and values that matched), the amount where the text gives one, and whom to contact. Measures
without a rule the app can test are returned as a checklist for staff to go through.

"Enterprises that newly cross a revenue threshold" come from the audit trail: every create and
update of an enterprise records {"revenue_wan": [old, new]}; an enterprise newly crosses when an
update lifts it into a measure-5 tier above the highest it has had since it was first recorded
(so an enterprise entered already above 1亿元 is not a "new" crossing — that happened before we
knew it; 首次 means first time, so falling back and rising again is not listed twice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from crm import clock, rules
from crm.models import AuditLog, CityRewardRule, Enterprise, PolicyMeasure, Project
from crm.services import projects, reference

MATCH = "match"            # 可能适用
CASE_BY_CASE = "case_by_case"  # 一事一议
STATUS_LABELS = {MATCH: "可能适用", CASE_BY_CASE: "一事一议"}


@dataclass
class PolicyMatch:
    number: int
    title: str
    responsible_units: str
    status: str = MATCH
    reasons: list[str] = field(default_factory=list)   # Chinese, one per matched field
    fields: dict = field(default_factory=dict)         # field name → value that matched
    amount_wan: Decimal | None = None                  # where the text gives a number
    amount_text: str = ""                              # e.g. 最高不超过100万元
    summary: str = ""

    def as_json(self) -> dict:
        out = asdict(self)
        out["amount_wan"] = float(self.amount_wan) if self.amount_wan is not None else None
        out["fields"] = {k: _jsonable(v) for k, v in self.fields.items()}
        out["status_label"] = STATUS_LABELS.get(self.status, self.status)
        return out


@dataclass
class PolicyReport:
    """Matches first, then the measures to check by hand."""

    matches: list[PolicyMatch]
    checklist: list[PolicyMatch]

    def as_json(self) -> dict:
        return {"matches": [m.as_json() for m in self.matches],
                "checklist": [m.as_json() for m in self.checklist],
                "source": rules.POLICY_DOC}


def _jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def rule_rows() -> dict[int, dict]:
    """seeds/policy_rules.csv by measure number."""
    return {int(r["number"]): r for r in reference.read_seed("policy_rules.csv")}


def _measures(session: Session) -> dict[int, PolicyMeasure]:
    return {m.number: m for m in session.exec(select(PolicyMeasure).order_by(PolicyMeasure.number))}


def _wan_text(value) -> str:
    value = Decimal(str(value))
    if value >= 10000 and value % 10000 == 0:
        return f"{value / 10000:,.0f}亿元"
    return f"{value.normalize():,f}万元" if value == value.to_integral() else f"{value:,.2f}万元"


# --- the rules ----------------------------------------------------------------------

def _enterprise_findings(ent: Enterprise, prefix: str = "") -> dict[int, dict]:
    """measure number → {reasons, fields, amount_wan}; only measures that match."""
    found: dict[int, dict] = defaultdict(lambda: {"reasons": [], "fields": {}, "amount_wan": None})

    def hit(number, reason, field_name=None, value=None, amount=None):
        entry = found[number]
        entry["reasons"].append(prefix + reason)
        if field_name:
            entry["fields"][field_name] = value
        if amount is not None:
            entry["amount_wan"] = amount

    kind = rules.label(rules.ENTERPRISE_KINDS, ent.kind)
    if ent.chain_segment in rules.KEY_TECHNOLOGY_SEGMENTS:
        hit(1, f"产业链环节“{ent.chain_segment}”为第1条点名的关键技术领域",
            "chain_segment", ent.chain_segment)
    if ent.chain_segment:
        hit(2, f"电子信息制造业企业（产业链环节：{ent.chain_segment}），研发投入可申请补助",
            "chain_segment", ent.chain_segment, rules.RD_SUBSIDY_CAP_WAN)
    if ent.kind == "research":
        hit(3, "科研机构：与企业签订技术开发或技术转让合同并实施转化", "kind", ent.kind,
            rules.TECH_TRANSFER_CAP_WAN)
    tier = rules.revenue_reward(ent.revenue_wan)
    if tier:
        threshold, reward = tier
        hit(5, f"营业收入 {_wan_text(ent.revenue_wan)} 超过 {_wan_text(threshold)}"
               f"（首次超过可获一次性奖励 {_wan_text(reward)}）", "revenue_wan", ent.revenue_wan,
            reward)
    if ent.kind == "specialized":
        hit(6, f"企业类型：{kind}（首次认定国家级小巨人、单项冠军或省级专精特新）",
            "kind", ent.kind)
    in_jilin = rules.normalize_province(ent.province) == rules.JILIN_PROVINCE
    if ent.kind == "listed" and not in_jilin:
        hit(12, "省外上市公司：将注册地和纳税地迁入吉林省可获奖励", "kind", ent.kind,
            rules.LISTING_REWARD_WAN)
    elif in_jilin and ent.kind in ("leader", "specialized"):
        hit(12, f"吉林省内{kind}：总部和主营业务均在吉林省的腾飞类企业上市可获奖励",
            "province", ent.province, rules.LISTING_REWARD_WAN)
    if ent.kind in ("leader", "research"):
        hit(16, f"{kind}：第16条鼓励与国内外行业领军企业和科研机构合作", "kind", ent.kind)
    if ent.jizhe:
        hit(16, "吉浙线索：发挥吉浙对口合作优势", "jizhe", True)
    if ent.is_key_target:
        hit(17, "列入重点招商企业名录", "is_key_target", True)
    return found


def _project_findings(session: Session, project: Project, today: date) -> tuple[dict, str]:
    found: dict[int, dict] = defaultdict(lambda: {"reasons": [], "fields": {}, "amount_wan": None})
    status17 = MATCH

    def hit(number, reason, field_name=None, value=None, amount=None):
        entry = found[number]
        entry["reasons"].append(reason)
        if field_name:
            entry["fields"][field_name] = value
        if amount is not None:
            entry["amount_wan"] = amount

    if project.chain_segment in rules.KEY_TECHNOLOGY_SEGMENTS:
        hit(1, f"产业链环节“{project.chain_segment}”为第1条点名的关键技术领域",
            "chain_segment", project.chain_segment)
    if project.cooperation_form in ("ip_equity", "rd_center"):
        form = rules.label(rules.COOPERATION_FORMS, project.cooperation_form)
        hit(3, f"合作形式：{form}（技术开发或技术转让合同实施转化）", "cooperation_form",
            project.cooperation_form, rules.TECH_TRANSFER_CAP_WAN)
    if project.cooperation_form == "rd_center":
        hit(2, "合作形式：建立研发中心（新认定研发机构可获支持）", "cooperation_form",
            project.cooperation_form, rules.RD_SUBSIDY_CAP_WAN)
    # Measure 7 looks at equipment investment. Where it is recorded it decides; where it is
    # not, a project whose planned investment exceeds the line may still qualify (equipment
    # can only be part of it), and the entry says the equipment figure is to be checked.
    line = _wan_text(rules.TECH_UPGRADE_EQUIPMENT_MIN_WAN)
    if project.equipment_investment_wan is not None:
        if rules.tech_upgrade_qualifies(project.equipment_investment_wan):
            hit(7, f"设备投资额 {_wan_text(project.equipment_investment_wan)} 超过{line}："
                   "技术改造项目可获省级专项资金重点支持",
                "equipment_investment_wan", project.equipment_investment_wan)
    elif rules.tech_upgrade_qualifies(project.planned_investment_wan):
        hit(7, f"计划投资额 {_wan_text(project.planned_investment_wan)} 超过{line}："
               f"如设备投资超过{line}（未填写，待核实），技术改造项目可获省级专项资金重点支持",
            "planned_investment_wan", project.planned_investment_wan)
    if rules.loan_interest_subsidy_open(today.year) and project.stage != "dropped":
        first, last = rules.LOAN_INTEREST_YEARS
        hit(8, f"{today.year}年在贴息期（{first}—{last}年）内："
               "转型升级类项目当年新增银行贷款可贴息",
            "year", today.year, rules.LOAN_INTEREST_CAP_WAN)
    if project.project_class == "major":
        hit(10, "重大产业化项目落地：政府投资基金引导支持", "project_class", project.project_class)
    if project.cooperation_form:
        hit(16, "合作形式：" + rules.label(rules.COOPERATION_FORMS, project.cooperation_form),
            "cooperation_form", project.cooperation_form)
    if project.attraction_mode:
        hit(16, "招商方式：" + rules.label(rules.ATTRACTION_MODES, project.attraction_mode),
            "attraction_mode", project.attraction_mode)
    if project.jizhe:
        hit(16, "吉浙线索：发挥吉浙对口合作优势", "jizhe", True)

    line = projects.case_by_case_line_wan(session)
    if rules.is_case_by_case(project.planned_investment_wan, line):
        status17 = CASE_BY_CASE
        hit(17, f"计划投资额 {_wan_text(project.planned_investment_wan)} 达到"
                f"{_wan_text(line)}以上：可按“一事一议”方式给予奖励",
            "planned_investment_wan", project.planned_investment_wan)
    estimate = estimated_reward(session, project)
    if estimate is not None:
        reward, rule = estimate
        cap = f"，上限 {_wan_text(rule.cap_wan)}" if rule.cap_wan is not None else ""
        hit(17, f"本市奖励规则：实际投资额 {_wan_text(project.actual_investment_wan or 0)} × "
                f"{rule.rate_percent.normalize():f}%{cap}，估算奖励 {_wan_text(reward)}"
                + (f"（引进方：{project.introducer}）" if project.introducer else ""),
            "actual_investment_wan", project.actual_investment_wan, reward)
    elif 17 not in found:
        hit(17, "新引进项目的投资方和引进方可按实际投资额获得市县奖励（本市尚未设置奖励规则）",
            "city_code", project.city_code)
    return found, status17


def city_rule(session: Session, city_code: str | None) -> CityRewardRule | None:
    if not city_code:
        return None
    return session.exec(select(CityRewardRule).where(CityRewardRule.city_code == city_code)).first()


def estimated_reward(session: Session, project: Project):
    """(reward 万元, rule) by the project's city's rule, or None when the city has none."""
    rule = city_rule(session, project.city_code)
    if rule is None:
        return None
    return rules.estimated_city_reward(project.actual_investment_wan or 0, rule.rate_percent,
                                       rule.cap_wan), rule


def _report(session: Session, found: dict[int, dict], statuses: dict[int, str]) -> PolicyReport:
    measures = _measures(session)
    rows = rule_rows()
    matches, checklist = [], []
    for number, measure in measures.items():
        row = rows.get(number, {})
        base = dict(number=number, title=measure.title, responsible_units=measure.responsible_units,
                    summary=measure.summary, amount_text=row.get("amount_text", ""))
        if number in found:
            entry = found[number]
            matches.append(PolicyMatch(**base, status=statuses.get(number, MATCH),
                                       reasons=entry["reasons"], fields=entry["fields"],
                                       amount_wan=entry["amount_wan"]))
        elif number not in rows:
            checklist.append(PolicyMatch(**base, status="checklist"))
    return PolicyReport(matches=matches, checklist=checklist)


def match_enterprise(session: Session, enterprise: Enterprise) -> PolicyReport:
    return _report(session, _enterprise_findings(enterprise), {})


def match_project(session: Session, project: Project, today: date | None = None) -> PolicyReport:
    """The project's own matches, plus its investing enterprise's (marked 投资企业)."""
    today = today or clock.today()
    found, status17 = _project_findings(session, project, today)
    ent = session.get(Enterprise, project.enterprise_id) if project.enterprise_id else None
    if ent is not None and ent.deleted_at is None:
        for number, entry in _enterprise_findings(ent, prefix="投资企业：").items():
            mine = found[number]
            mine["reasons"].extend(entry["reasons"])
            for key, value in entry["fields"].items():
                mine["fields"].setdefault("enterprise." + key, value)
            if mine["amount_wan"] is None:
                mine["amount_wan"] = entry["amount_wan"]
    return _report(session, dict(found), {17: status17})


# --- enterprises that newly cross a revenue threshold ----------------------------------

@dataclass
class RevenueCrossing:
    enterprise_id: int
    name: str
    at: datetime
    old_wan: Decimal | None
    new_wan: Decimal
    threshold_wan: Decimal
    reward_wan: Decimal
    username: str

    def as_json(self) -> dict:
        return {k: _jsonable(v) for k, v in asdict(self).items()}


def revenue_crossings(session: Session, *, since: datetime | None = None,
                      city_code: str | None = None) -> list[RevenueCrossing]:
    """Updates that lifted an enterprise into a measure-5 tier higher than any it had before
    (per the audit trail), newest first. See the module docstring for the choice."""
    stmt = select(AuditLog).where(AuditLog.object_type == "enterprise",
                                  AuditLog.action.in_(["create", "update", "import", "merge"])
                                  ).order_by(AuditLog.at, AuditLog.id)
    best: dict[int, int] = {}
    events: list[tuple[AuditLog, Decimal | None, Decimal, int]] = []
    for entry in session.exec(stmt):
        change = (entry.changes or {}).get("revenue_wan")
        if entry.object_id is None or not isinstance(change, list | tuple) or len(change) != 2:
            continue
        old, new = (Decimal(str(v)) if v is not None else None for v in change)
        tier = rules.revenue_tier(new)
        seen = best.get(entry.object_id)
        if seen is None:
            seen = rules.revenue_tier(old) if entry.action != "create" else tier
        if entry.action != "create" and tier > seen:
            events.append((entry, old, new, tier))
        best[entry.object_id] = max(seen, tier)
    out = []
    for entry, old, new, tier in reversed(events):
        if since is not None and _aware(entry.at) < _aware(since):
            continue
        ent = session.get(Enterprise, entry.object_id)
        if ent is None or ent.deleted_at is not None:
            continue
        if city_code and ent.city_code != city_code:
            continue
        threshold, reward = rules.REVENUE_REWARD_TIERS_WAN[tier - 1]
        out.append(RevenueCrossing(enterprise_id=ent.id, name=ent.name, at=entry.at, old_wan=old,
                                   new_wan=new, threshold_wan=threshold, reward_wan=reward,
                                   username=entry.username))
    return out


def _aware(value: datetime) -> datetime:
    from datetime import UTC
    return value if value.tzinfo else value.replace(tzinfo=UTC)
