"""Enterprises (招商对象): create, edit, delete, restore — with contacts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session, select

from crm import rules
from crm.models import (
    Contact,
    ContactBase,
    Enterprise,
    EnterpriseCreate,
    EnterpriseUpdate,
    User,
)
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.services import audit, duplicates, geo, permissions, records, reference
from crm.services.errors import ValidationFailed
from crm.services.validation import (
    check_choice,
    check_listed,
    nulls_for_required,
    parse,
    require,
)
from crm.tabular import places

SYSTEM_FIELDS = ("id", "jizhe", "city_code", "is_demo", "created_at", "updated_at", "deleted_at")
TEXT_FIELDS = ("notes",)


def get_enterprise(session: Session, enterprise_id, *, include_deleted: bool = False) -> Enterprise:
    return records.get_live(session, Enterprise, enterprise_id, "企业",
                            include_deleted=include_deleted)


def find_by_credit_code(session: Session, code: str | None) -> Enterprise | None:
    if not code:
        return None
    return session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()


@dataclass
class NewEnterprise:
    """A validated enterprise not yet written (see prepare_enterprise / save_enterprises)."""

    row: dict  # its column values, derived fields included
    contacts: list
    values: dict  # the fields as given, for the audit trail
    id: int | None = None  # once written


@records.refuse_races()
def create_enterprise(*, session: Session, data: dict | EnterpriseCreate, user: User,
                      commit: bool = True, check_duplicates: bool = False) -> Enterprise:
    """``check_duplicates``: the form's and the API's rule (crm.services.duplicates),
    confirmed by ``allow_similar`` in ``data``; imports check with their own index."""
    allow_similar = False
    if isinstance(data, dict):
        data = dict(data)
        allow_similar = duplicates.flag(data.pop("allow_similar", None))
    new = prepare_enterprise(session=session, data=data, user=user)
    if check_duplicates:
        duplicates.refuse(session, new.row["name"], new.row["credit_code"],
                          allow_similar=allow_similar)
    enterprise = Enterprise(**new.row)
    session.add(enterprise)
    session.flush()
    new.id = enterprise.id
    _add_contacts(session, enterprise, new.contacts)
    audit.record(session, **_create_entry(new, user))
    if commit:
        session.commit()
    return enterprise


def prepare_enterprise(*, session: Session, data: dict | EnterpriseCreate, user: User
                       ) -> NewEnterprise:
    """Every check and derived field of a new enterprise, without writing anything:
    a refused one raises here (ValidationFailed / Forbidden) and leaves no trace."""
    permissions.require(permissions.can_edit_enterprise(user), "您没有新建企业的权限。")
    raw = _clean(data.model_dump() if isinstance(data, EnterpriseCreate) else dict(data))
    payload = parse(EnterpriseCreate, raw, ENTERPRISE_LABELS)
    values = payload.model_dump(exclude={"contacts"})
    _validate(session, values, existing_id=None)
    row = records.new_row(Enterprise, {**values, **_derive(session, values)})
    row["owner_id"] = row["owner_id"] or user.id
    return NewEnterprise(row, payload.contacts, values)


def save_enterprises(*, session: Session, new: list[NewEnterprise], user: User) -> None:
    """Write prepared enterprises (an import's batch) with their contacts and audit
    entries as multi-row INSERTs, which the unit of work would send one row at a
    time; the caller commits."""
    session.flush()  # anything pending goes first
    ids = records.insert_rows(session, Enterprise, [n.row for n in new])
    for n, new_id in zip(new, ids, strict=True):
        n.id = new_id
    contacts = [{"enterprise_id": n.id, **ContactBase.model_validate(c).model_dump()}
                for n in new for c in n.contacts or [] if _contact_name(c)]
    if contacts:
        session.execute(insert(Contact), contacts)
    audit.insert_many(session, [audit.entry(**_create_entry(n, user)) for n in new])


def _create_entry(n: NewEnterprise, user: User) -> dict:
    after = {field: n.row[field] for field in n.values}
    return dict(user=user, action="create", object_type="enterprise", object_id=n.id,
                summary=n.row["name"], changes=audit.diff({}, after))


def _contact_name(contact) -> str:
    return ContactBase.model_validate(contact).name.strip()


@records.refuse_races("enterprise")
def update_enterprise(*, session: Session, enterprise: Enterprise, data: dict, user: User,
                      check_duplicates: bool = False) -> Enterprise:
    """``check_duplicates``: a new name is held to the rule of a new enterprise."""
    permissions.require(permissions.can_edit_enterprise(user), "您没有修改企业的权限。")
    raw = _clean(dict(data))
    allow_similar = duplicates.flag(raw.pop("allow_similar", None))
    version = raw.pop("version", None)
    records.check_version(enterprise, version, raw)
    payload = parse(EnterpriseUpdate, raw, ENTERPRISE_LABELS)
    values = payload.model_dump(exclude_unset=True, exclude={"contacts", "version"})
    nulls_for_required(Enterprise, values, ENTERPRISE_LABELS)
    current = audit.snapshot(enterprise, ENTERPRISE_LABELS.keys() & vars(enterprise).keys())
    merged = {**current, **values}
    _validate(session, merged, existing_id=enterprise.id, stored=enterprise)
    values = {key: merged[key] for key in values}  # labels mapped to codes (专精特新 → specialized)
    if check_duplicates and values.get("name", enterprise.name) != enterprise.name:
        duplicates.refuse(session, values["name"], merged.get("credit_code"),
                          allow_similar=allow_similar, ignore_id=enterprise.id)
    changes = records.apply_changes(enterprise, values)
    version_bumped = bool(changes)
    before = (enterprise.jizhe, enterprise.city_code)
    for field, value in _derive(session, audit.snapshot(enterprise, DERIVED_FROM)).items():
        setattr(enterprise, field, value)
    if before != (enterprise.jizhe, enterprise.city_code):
        changes.update({"jizhe": [before[0], enterprise.jizhe],
                        "city_code": [before[1], enterprise.city_code]})
    if payload.contacts is not None:
        old = [ContactBase.model_validate(c.model_dump()).model_dump()
               for c in contacts_of(session, enterprise.id)]
        new = [ContactBase.model_validate(c).model_dump() for c in payload.contacts]
        if old != new:
            _replace_contacts(session, enterprise, payload.contacts)
            changes["contacts"] = [old, new]
            if not version_bumped:  # one save, one new version
                enterprise.version += 1
    if changes:
        audit.record(session, user=user, action="update", obj=enterprise, changes=changes,
                     summary=enterprise.name)
    session.add(enterprise)
    session.commit()
    return enterprise


@records.refuse_races("enterprise")
def delete_enterprise(*, session: Session, enterprise: Enterprise, user: User) -> None:
    permissions.require(permissions.can_edit_enterprise(user))
    records.soft_delete(session, enterprise, user=user, summary=enterprise.name)
    session.commit()


@records.refuse_races("enterprise")
def restore_enterprise(*, session: Session, enterprise: Enterprise, user: User) -> None:
    permissions.require(permissions.can_edit_enterprise(user))
    records.restore(session, enterprise, user=user, summary=enterprise.name)
    session.commit()


def contacts_of(session: Session, enterprise_id: int) -> list[Contact]:
    stmt = select(Contact).where(Contact.enterprise_id == enterprise_id).order_by(Contact.id)
    return list(session.exec(stmt))


def _replace_contacts(session: Session, enterprise: Enterprise, contacts) -> None:
    for old in contacts_of(session, enterprise.id):
        session.delete(old)
    _add_contacts(session, enterprise, contacts)


def _add_contacts(session: Session, enterprise: Enterprise, contacts) -> None:
    for c in contacts or []:
        c = ContactBase.model_validate(c)
        if c.name.strip():
            session.add(Contact(enterprise_id=enterprise.id, **c.model_dump()))


DERIVED_FROM = ("province", "city", "lon", "lat")


def _derive(session: Session, v: dict) -> dict:
    """吉浙 from the province; the city code from the city within that province (or
    else the point); the province from the city when only the city is given."""
    province = rules.normalize_province(v.get("province"))
    place = places.resolve(v.get("city"), province).place
    city_code = place.city_code if place else None
    if place is not None and province is None:
        province = place.province
    if city_code is None and v.get("lon") is not None and v.get("lat") is not None:
        city_code = geo.prefecture_code_at(v["lon"], v["lat"])
    return {"province": province, "jizhe": rules.is_jizhe(province), "city_code": city_code}


def _clean(raw: dict) -> dict:
    out = {}
    for key, value in raw.items():
        if key in SYSTEM_FIELDS:
            continue  # derived or system fields are never set by hand
        if isinstance(value, str):
            value = value.strip()
            if value == "" and key not in TEXT_FIELDS:
                value = None
        out[key] = value
    if isinstance(out.get("credit_code"), str):  # anything else: the schema says why
        out["credit_code"] = rules.normalize_credit_code(out["credit_code"])
    return out


def _validate(session: Session, v: dict, *, existing_id: int | None,
              stored: Enterprise | None = None) -> None:
    errors: dict[str, str] = {}
    L = ENTERPRISE_LABELS
    if not (v.get("name") or "").strip():
        require(errors, L, "name", "必填")
    code = v.get("credit_code")
    if code:
        problem = rules.credit_code_error(code)
        if problem:
            errors["credit_code"] = problem
        else:
            other = find_by_credit_code(session, code)
            if other is not None and other.id != existing_id:
                require(errors, L, "credit_code", f"已被企业“{other.name}”使用")
    check_choice(errors, v, L, "kind", rules.ENTERPRISE_KINDS)
    # As for projects: a new or changed segment is a listed one; an old one is kept.
    if stored is None or v.get("chain_segment") != stored.chain_segment:
        check_listed(errors, v, L, "chain_segment", reference.segment_names(session),
                     "产业链环节")
    if v.get("priority") is not None and v["priority"] not in rules.PRIORITIES:
        require(errors, L, "priority", "应为 1（高）、2（中）或 3（低）")
    if v.get("revenue_wan") is not None and v["revenue_wan"] < 0:
        require(errors, L, "revenue_wan", "不能为负数")
    if v.get("owner_id") is not None and session.get(User, v["owner_id"]) is None:
        require(errors, L, "owner_id", "所选负责人不存在")
    geo.check_point(errors, v.get("lon"), v.get("lat"), L)
    if errors:
        raise ValidationFailed(errors)
