"""Project (招商项目) forms. Amounts are entered in 万元; values go to
crm.services.projects unchanged and come back with Chinese messages per field."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from crm import rules
from crm.formfields import AmountField, PickerField


class ProjectForm(FlaskForm):
    name = StringField("项目名称")
    enterprise_id = PickerField("投资企业", lookup="enterprises.lookup")
    city_code = SelectField("落地市（州）", validate_choice=False)
    # static/app.js shows only the chosen 市（州）'s groups of these two
    county_code = SelectField("落地县（市、区）", validate_choice=False,
                              render_kw={"data-follows": "city_code"})
    park_id = SelectField("落地园区", validate_choice=False,
                          render_kw={"data-follows": "city_code"})
    chain_segment = SelectField("产业链环节", validate_choice=False)
    project_class = SelectField("项目类别", choices=dict(rules.PROJECT_CLASSES),
                                validate_choice=False, default="supporting")
    cooperation_form = SelectField("合作形式", choices={"": "—"} | rules.COOPERATION_FORMS,
                                   validate_choice=False)
    attraction_mode = SelectField("招商方式", choices={"": "—"} | rules.ATTRACTION_MODES,
                                  validate_choice=False)
    stage = SelectField("阶段", choices=dict(rules.STAGES), validate_choice=False,
                        default="lead")
    stage_reason = StringField("阶段说明", description="搁置或终止须填写原因")
    planned_investment_wan = AmountField(
        "计划投资额（万元）",
        description="可填 12亿、5000万 或万元数；10亿元 = 100000 万元，"
                    "达到一事一议标准的项目自动标记")
    actual_investment_wan = AmountField("实际投资额（万元）")
    equipment_investment_wan = AmountField(
        "其中设备投资额（万元）", description="技术改造项目设备投资超过500万元可申请第7条支持")
    source_province = StringField("来源省份", description="来自浙江省的项目自动标为吉浙线索")
    source_city = StringField("来源城市", render_kw={"list": "zhejiang-cities"})
    introducer = StringField("引进方")
    owner_id = SelectField("负责人", validate_choice=False)
    responsible_unit = StringField("责任单位")
    lon = StringField("经度", description="WGS-84，可不填")
    lat = StringField("纬度")
    notes = TextAreaField("备注", render_kw={"rows": 3})
    version = HiddenField()

    def service_data(self, *, creating: bool) -> dict:
        skip = {"csrf_token"} | (set() if creating else {"stage", "stage_reason"})
        data = {name: f.data for name, f in self._fields.items() if name not in skip}
        if not data.get("version"):
            data.pop("version", None)
        return data


class StageForm(FlaskForm):
    """Move a project along the pipeline (看板 and detail page)."""

    to_stage = SelectField("目标阶段", validate_choice=False)
    reason = StringField("说明", description="搁置或终止须填写原因")
    version = HiddenField()


class CaseForm(FlaskForm):
    """一事一议 case status and notes."""

    status = SelectField("一事一议状态", choices=dict(rules.CASE_STATUSES),
                         validate_choice=False)
    notes = TextAreaField("备注", render_kw={"rows": 2})
