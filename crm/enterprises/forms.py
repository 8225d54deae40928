"""Enterprise (招商对象) form. Values go to crm.services.enterprises as they are;
the service validates them and answers with Chinese messages per field."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)

from crm import rules
from crm.formfields import AmountField


class ContactForm(Form):
    name = StringField("联系人")
    title = StringField("职务")
    phone = StringField("电话")
    email = StringField("邮箱")


class EnterpriseForm(FlaskForm):
    name = StringField("企业名称")
    credit_code = StringField("统一社会信用代码", description="18位，校验位自动核验；可不填")
    province = StringField("所在省份", description="如：浙江省（来自浙江省的企业自动标为吉浙线索）")
    city = StringField("所在城市", description="如：杭州市")
    chain_segment = SelectField("产业链环节", validate_choice=False)
    kind = SelectField("企业类型", choices=dict(rules.ENTERPRISE_KINDS),
                       validate_choice=False, default="other")
    is_key_target = BooleanField("列入重点招商企业名录")
    priority = SelectField("优先级", choices={str(k): v for k, v in rules.PRIORITIES.items()},
                           validate_choice=False, default="2")
    revenue_wan = AmountField("营业收入（万元）")
    owner_id = SelectField("负责人", validate_choice=False)
    lon = StringField("经度", description="WGS-84，可不填")
    lat = StringField("纬度")
    notes = TextAreaField("备注", render_kw={"rows": 3})
    contacts = FieldList(FormField(ContactForm), min_entries=3, max_entries=10)
    version = HiddenField()
    allow_similar = BooleanField("仍然新建")  # shown with the possible duplicates only

    def service_data(self) -> dict:
        data = {name: f.data for name, f in self._fields.items()
                if name not in ("csrf_token", "contacts")}
        data["contacts"] = [c for c in self.contacts.data if (c.get("name") or "").strip()]
        if not data.get("version"):
            data.pop("version", None)
        return data
