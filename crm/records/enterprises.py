"""Enterprises (招商对象): the record type's declaration."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, select

from crm import rules
from crm.models import Contact, Enterprise, EnterpriseCreate, EnterprisePublic, EnterpriseUpdate
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.queries import EnterpriseFilters
from crm.records.base import RecordType, record_as
from crm.records.columns import ListColumn as C
from crm.services import enterprises, permissions
from crm.services.exporting import Names
from crm.tabular.fields import ENTERPRISE_FIELDS

VOCABULARIES = {"kind": rules.ENTERPRISE_KINDS, "priority": rules.PRIORITIES}

# The export's columns; the page shows those not marked page=False (see crm.records.columns)
COLUMNS = [
    C("name", "企业名称", sort="name", cell="enterprise_name"),
    C("credit_code", "统一社会信用代码", page=False),
    C("province", "所在省份", page=False),
    C("city", "所在城市", short="所在地", cell="location"),
    C("chain_segment", "产业链环节"),
    C("kind", "企业类型", short="类型"),
    C("is_key_target", "重点招商企业", "bool", page=False),
    C("priority", "优先级", sort="priority"),
    C("revenue_wan", "营业收入（万元）", "wan", short="营业收入", sort="revenue", cell="amount"),
    C("jizhe", "吉浙线索", "bool", page=False),
    C("contact_name", "联系人", page=False),
    C("contact_title", "职务", page=False),
    C("contact_phone", "电话", page=False),
    C("contact_email", "邮箱", page=False),
    C("other_contacts", "其他联系人", page=False),
    C("owner", "负责人"),
    C("lon", "经度", "number", page=False),
    C("lat", "纬度", "number", page=False),
    C("notes", "备注", page=False),
    C("updated_at", "更新时间", "datetime", sort="updated", cell="date"),
]


def rows(session: Session, batch: list[Enterprise], names: Names) -> Iterator[dict]:
    contacts: dict[int, list[Contact]] = {}
    stmt = (
        select(Contact).where(Contact.enterprise_id.in_([e.id for e in batch])).order_by(Contact.id)
    )
    for contact in session.exec(stmt):
        contacts.setdefault(contact.enterprise_id, []).append(contact)
    for e in batch:
        people = contacts.get(e.id, [])
        first = people[0] if people else None
        yield {
            **e.model_dump(),
            "kind": rules.label(rules.ENTERPRISE_KINDS, e.kind),
            "priority": rules.label(rules.PRIORITIES, e.priority),
            "contact_name": first.name if first else None,
            "contact_title": first.title if first else None,
            "contact_phone": first.phone if first else None,
            "contact_email": first.email if first else None,
            "other_contacts": "；".join(_contact_text(c) for c in people[1:]) or None,
            "owner": names.users.get(e.owner_id),
        }


def _contact_text(c: Contact) -> str:
    extra = "，".join(x for x in (c.title, c.phone, c.email) if x)
    return f"{c.name}（{extra}）" if extra else c.name


ENTERPRISES = RecordType(
    name="enterprises", label="企业", model=Enterprise,
    create_schema=EnterpriseCreate, update_schema=EnterpriseUpdate,
    public_schema=EnterprisePublic, labels=ENTERPRISE_LABELS, vocabularies=VOCABULARIES,
    filters=EnterpriseFilters, columns=COLUMNS, rows=rows, list_title="重点招商企业名录",
    id_arg="enterprise_id", import_fields=ENTERPRISE_FIELDS,
    get=enterprises.get_enterprise,
    create=lambda *, session, data, user: enterprises.create_enterprise(
        session=session, data=data, user=user, check_duplicates=True),
    update=record_as(enterprises.update_enterprise, "enterprise", check_duplicates=True),
    flags={"allow_similar": "仍然保存与已有企业名称相近的企业（否则 409，附相近企业 candidates）"},
    delete=record_as(enterprises.delete_enterprise, "enterprise"),
    restore=record_as(enterprises.restore_enterprise, "enterprise"),
    can_create=permissions.can_edit_enterprise,
    can_edit=lambda session, user, obj: permissions.can_edit_enterprise(user),
    templates={"list": "enterprises/list.html", "detail": "enterprises/detail.html",
               "form": "enterprises/form.html"},
)
