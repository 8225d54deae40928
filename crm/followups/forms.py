"""Follow-up (跟进记录) form; the service validates and answers in Chinese per field."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from crm import rules
from crm.formfields import PickerField


class FollowUpForm(FlaskForm):
    project_id = PickerField("项目", lookup="projects.lookup")
    enterprise_id = PickerField("企业", lookup="enterprises.lookup",
                                description="选了项目可不填，默认为项目的投资企业")
    kind = SelectField("跟进方式", choices=dict(rules.FOLLOWUP_KINDS),
                       validate_choice=False, default="call")
    date = StringField("跟进日期", render_kw={"type": "date"})
    participants = StringField("参与人员")
    summary = TextAreaField("跟进内容", render_kw={"rows": 4})
    next_step = StringField("下一步工作")
    next_due = StringField("下一步截止日期", render_kw={"type": "date"})
    done = BooleanField("下一步已完成")
    version = HiddenField()

    def service_data(self, *, creating: bool) -> dict:
        skip = {"csrf_token"} | ({"done"} if creating else set())
        data = {name: f.data for name, f in self._fields.items() if name not in skip}
        if not data.get("version"):
            data.pop("version", None)
        return data
