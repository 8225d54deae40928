""""No stored garbage": what must hold for every stored record, whatever was sent.

Checked after every fuzz run (API, forms, services). Each broken rule is reported
as a line "kind #id: problem" so a failure says exactly what was stored.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from crm import rules
from crm.models import Contact, Enterprise, FollowUp, Project
from crm.models.project import StageChange
from crm.services import projects as project_service

# Numeric(16, 2): the largest amount a column holds.
MAX_WAN = Decimal("99999999999999.99")
TEXT_LIMITS = {"name": 200}


def _text_problems(label: str, obj, names) -> list[str]:
    out = []
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, str) and ("\x00" in value or value != value.strip()
                                       and name in ("name",)):
            out.append(f"{label}: {name} holds NUL or untrimmed text {value!r}")
    return out


def _amount_problems(label: str, obj, names) -> list[str]:
    out = []
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        value = Decimal(str(value))
        if not value.is_finite() or value < 0 or value > MAX_WAN:
            out.append(f"{label}: {name}={value} is negative, infinite or too large")
    return out


def project_problems(session: Session, p: Project, line: Decimal) -> list[str]:
    label = f"project #{p.id}"
    out = []
    if p.stage not in rules.STAGES:
        out.append(f"{label}: unknown stage {p.stage!r}")
    if p.stage in rules.STAGES_NEEDING_REASON and not p.stage_reason.strip():
        out.append(f"{label}: {p.stage} without a reason")
    if not (p.name or "").strip():
        out.append(f"{label}: empty name")
    out += _amount_problems(label, p, ("planned_investment_wan", "actual_investment_wan"))
    if p.case_by_case != rules.is_case_by_case(p.planned_investment_wan, line):
        out.append(f"{label}: case_by_case={p.case_by_case} but planned "
                   f"{p.planned_investment_wan} against line {line}")
    if p.case_by_case and p.case_status not in rules.CASE_STATUSES:
        out.append(f"{label}: 一事一议 without a valid case status ({p.case_status!r})")
    if p.case_status is not None and p.case_status not in rules.CASE_STATUSES:
        out.append(f"{label}: unknown case status {p.case_status!r}")
    if p.jizhe != rules.is_jizhe(p.source_province, p.attraction_mode):
        out.append(f"{label}: jizhe={p.jizhe} but {p.source_province!r}/{p.attraction_mode!r}")
    for field, vocab in (("project_class", rules.PROJECT_CLASSES),
                         ("cooperation_form", rules.COOPERATION_FORMS),
                         ("attraction_mode", rules.ATTRACTION_MODES)):
        value = getattr(p, field)
        if value is not None and value not in vocab:
            out.append(f"{label}: {field}={value!r} not in the vocabulary")
    if p.city_code is not None and not rules.is_jilin_prefecture_code(p.city_code):
        out.append(f"{label}: city_code {p.city_code!r} is not a Jilin prefecture")
    if (p.lon is None) != (p.lat is None):
        out.append(f"{label}: half a point ({p.lon}, {p.lat})")
    if p.lon is not None and not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
        out.append(f"{label}: point out of range ({p.lon}, {p.lat})")
    if p.version < 1:
        out.append(f"{label}: version {p.version}")
    history = list(session.exec(select(StageChange).where(StageChange.project_id == p.id)
                                .order_by(StageChange.at, StageChange.id)))
    if not history or history[-1].to_stage != p.stage:
        out.append(f"{label}: stage history does not end at {p.stage!r}")
    for prev, nxt in zip(history, history[1:], strict=False):
        if not rules.can_move_stage(prev.to_stage, nxt.to_stage) or nxt.from_stage != prev.to_stage:
            out.append(f"{label}: illegal recorded move {nxt.from_stage}→{nxt.to_stage}")
    out += _text_problems(label, p, ("name", "introducer", "notes", "source_city"))
    return out


def enterprise_problems(session: Session, e: Enterprise) -> list[str]:
    label = f"enterprise #{e.id}"
    out = []
    if not (e.name or "").strip():
        out.append(f"{label}: empty name")
    if e.kind not in rules.ENTERPRISE_KINDS:
        out.append(f"{label}: kind {e.kind!r} not in the vocabulary")
    if e.priority not in rules.PRIORITIES:
        out.append(f"{label}: priority {e.priority!r}")
    if e.credit_code and rules.credit_code_error(e.credit_code):
        out.append(f"{label}: invalid credit code {e.credit_code!r}")
    if e.jizhe != rules.is_jizhe(e.province):
        out.append(f"{label}: jizhe={e.jizhe} but province {e.province!r}")
    out += _amount_problems(label, e, ("revenue_wan",))
    if (e.lon is None) != (e.lat is None):
        out.append(f"{label}: half a point")
    for c in session.exec(select(Contact).where(Contact.enterprise_id == e.id)):
        if not c.name.strip():
            out.append(f"{label}: contact without a name")
    out += _text_problems(label, e, ("name", "notes", "province", "city"))
    return out


def followup_problems(session: Session, f: FollowUp) -> list[str]:
    label = f"followup #{f.id}"
    out = []
    if f.kind not in rules.FOLLOWUP_KINDS:
        out.append(f"{label}: kind {f.kind!r}")
    if f.project_id is None and f.enterprise_id is None:
        out.append(f"{label}: neither project nor enterprise")
    if not (f.summary or "").strip():
        out.append(f"{label}: empty summary")
    if f.next_due is not None and f.next_due < f.date:
        out.append(f"{label}: next step due before the follow-up date")
    out += _text_problems(label, f, ("summary", "participants", "next_step"))
    return out


def stored_garbage(session: Session) -> list[str]:
    """Every problem in every stored record (deleted ones too)."""
    session.expire_all()
    line = project_service.case_by_case_line_wan(session)
    problems: list[str] = []
    for p in session.exec(select(Project)):
        problems += project_problems(session, p, line)
    for e in session.exec(select(Enterprise)):
        problems += enterprise_problems(session, e)
    for f in session.exec(select(FollowUp)):
        problems += followup_problems(session, f)
    return problems


def counts(session: Session) -> dict[str, int]:
    return {name: len(list(session.exec(select(model.id))))
            for name, model in (("enterprises", Enterprise), ("projects", Project),
                                ("followups", FollowUp))}
