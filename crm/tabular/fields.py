"""Importable fields of enterprises and projects, with the header spellings
staff spreadsheets use. Keys are the service functions' field names; the
first label is the one our own exports write, so an export imports back."""

from __future__ import annotations

from .headers import FieldSpec

F = FieldSpec

ENTERPRISE_FIELDS = [
    F(
        "name",
        "企业名称",
        (
            "公司名称",
            "单位名称",
            "企业全称",
            "企业名",
            "名称",
            "客商名称",
            "目标企业",
            "招商对象",
            "enterprise",
            "company",
            "companyname",
            "enterprisename",
        ),
        required=True,
        kind="name",
    ),
    F(
        "credit_code",
        "统一社会信用代码",
        ("社会信用代码", "信用代码", "统一代码", "uscc", "creditcode", "统一社会信用代码证号"),
    ),
    F("province", "所在省份", ("省份", "所属省份", "省", "province")),
    F(
        "city",
        "所在城市",
        ("城市", "所在地", "所在地市", "所在市州", "市州", "地市", "所属城市", "city"),
        kind="place",
    ),
    F(
        "chain_segment",
        "产业链环节",
        ("产业链", "产业环节", "所属环节", "细分领域", "segment", "chainsegment"),
    ),
    F("kind", "企业类型", ("类型", "企业类别", "kind", "type")),
    F(
        "is_key_target",
        "重点招商企业",
        ("是否重点", "重点企业", "是否重点招商企业", "重点", "keytarget"),
        kind="bool",
    ),
    F("priority", "优先级", ("优先等级", "priority"), kind="priority"),
    F(
        "revenue_wan",
        "营业收入（万元）",
        ("营业收入", "营收", "年营业收入", "年营收", "revenue"),
        kind="wan",
    ),
    F("contact_name", "联系人", ("联系人姓名", "对接人", "contact", "contactname")),
    F("contact_title", "职务", ("联系人职务", "职位", "title")),
    F(
        "contact_phone",
        "电话",
        ("联系电话", "手机", "手机号", "联系方式", "电话号码", "phone", "tel", "mobile"),
    ),
    F("contact_email", "邮箱", ("电子邮箱", "电子邮件", "email", "e-mail", "mail")),
    F("lon", "经度", ("lon", "lng", "longitude"), kind="number"),
    F("lat", "纬度", ("lat", "latitude"), kind="number"),
    F("notes", "备注", ("说明", "备注说明", "notes", "remark", "remarks")),
]

PROJECT_FIELDS = [
    F("name", "项目名称", ("项目", "项目名", "project", "projectname"), required=True,
      kind="name"),
    F(
        "enterprise",
        "投资企业",
        (
            "企业名称",
            "投资方",
            "投资主体",
            "签约企业",
            "公司名称",
            "企业",
            "单位名称",
            "enterprise",
            "investor",
        ),
        kind="name",
    ),
    F("credit_code", "统一社会信用代码", ("社会信用代码", "信用代码", "uscc", "creditcode")),
    F(
        "city_code",
        "落地市（州）",
        (
            "落地城市",
            "落地市州",
            "市州",
            "所在市州",
            "所属市州",
            "城市",
            "落地地区",
            "落地地点",
            "city",
            "citycode",
        ),
        kind="city",
    ),
    F(
        "county_code",
        "落地县（市、区）",
        ("落地县区", "县市区", "县区", "县（市、区）", "county"),
        kind="county",
    ),
    F("park", "落地园区", ("园区", "开发区", "所在园区", "park")),
    F("chain_segment", "产业链环节", ("产业链", "产业环节", "所属环节", "细分领域", "segment")),
    F("project_class", "项目类别", ("类别", "项目类型", "class")),
    F("cooperation_form", "合作形式", ("合作方式", "cooperation")),
    F("attraction_mode", "招商方式", ("引进方式", "招商模式", "mode")),
    F("stage", "阶段", ("项目阶段", "进展阶段", "推进阶段", "当前阶段", "项目进展", "stage")),
    F("stage_reason", "阶段说明", ("搁置原因", "终止原因", "stagereason")),
    F(
        "planned_investment_wan",
        "计划投资额（万元）",
        (
            "计划投资额",
            "计划投资",
            "总投资",
            "投资额",
            "投资总额",
            "计划总投资",
            "投资规模",
            "investment",
            "plannedinvestment",
        ),
        kind="wan",
    ),
    F(
        "actual_investment_wan",
        "实际投资额（万元）",
        ("实际投资额", "实际投资", "已完成投资", "累计完成投资", "actualinvestment"),
        kind="wan",
    ),
    F(
        "equipment_investment_wan",
        "其中设备投资额（万元）",
        ("设备投资额", "设备投资", "其中设备投资", "equipmentinvestment"),
        kind="wan",
    ),
    F("source_province", "来源省份", ("来源地省份", "投资方所在省份", "来源省", "sourceprovince")),
    F("source_city", "来源城市", ("来源地", "投资方所在城市", "来源地市", "sourcecity")),
    F("introducer", "引进方", ("引荐人", "引进单位", "介绍人", "introducer"), kind="name"),
    F("responsible_unit", "责任单位", ("牵头单位", "承办单位", "负责单位", "responsibleunit")),
    F("lon", "经度", ("lon", "lng", "longitude"), kind="number"),
    F("lat", "纬度", ("lat", "latitude"), kind="number"),
    F("notes", "备注", ("说明", "notes", "remark", "remarks")),
]

# Columns our exports write that are computed or kept by the system: recognised,
# reported as "由系统计算", never imported and never reported as unknown.
IGNORED_HEADERS = (
    "序号",
    "编号",
    "no",
    "吉浙线索",
    "一事一议",
    "一事一议状态",
    "一事一议备注",
    "负责人",
    "更新时间",
    "最近跟进",
    "下一步截止",
    "其他联系人",
    "城市代码",
    "进度",
)
