import pytest

from crm.services import enterprises
from crm.services.errors import ValidationFailed

HUAWEI = "914403001922038216"


def create(db, user, **kw):
    return enterprises.create_enterprise(session=db, user=user, data={"name": "测试企业"} | kw)


def test_credit_code_checked_and_unique(db, staff):
    e = create(db, staff, credit_code=HUAWEI)
    assert e.credit_code == HUAWEI
    with pytest.raises(ValidationFailed) as exc:
        create(db, staff, name="另一家", credit_code=HUAWEI)
    assert "已被企业" in exc.value.fields["credit_code"]
    with pytest.raises(ValidationFailed) as exc:
        create(db, staff, name="坏码", credit_code=HUAWEI[:-1] + "7")
    assert "校验位" in exc.value.fields["credit_code"]


def test_credit_code_optional_and_many_blank(db, staff):
    create(db, staff, name="甲", credit_code="")
    create(db, staff, name="乙", credit_code=None)


def test_zhejiang_enterprise_is_jizhe_and_city_coded(db, staff):
    e = create(db, staff, province="浙江", city="杭州")
    assert e.jizhe and e.province == "浙江省" and e.city_code == "330100"
    local = create(db, staff, name="本地", province="吉林省", city="延边州")
    assert not local.jizhe and local.city_code == "222400"


def test_contacts_kept_and_replaced(db, staff):
    e = create(db, staff, contacts=[{"name": "张三", "title": "总经理", "phone": "1380000"}])
    assert [c.name for c in enterprises.contacts_of(db, e.id)] == ["张三"]
    enterprises.update_enterprise(session=db, enterprise=e, user=staff, data={
        "contacts": [{"name": "李四"}, {"name": "王五"}]})
    assert [c.name for c in enterprises.contacts_of(db, e.id)] == ["李四", "王五"]


def test_kind_accepts_chinese_label(db, staff):
    assert create(db, staff, kind="专精特新").kind == "specialized"
    with pytest.raises(ValidationFailed):
        create(db, staff, name="乙", kind="国企")
