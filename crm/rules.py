"""The policy's rules and the office's business rules, in one place.

Every threshold, vocabulary and transition the app enforces is defined here
with its Chinese label beside it; services, forms, the API and the map read
them from here and nowhere else.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# --- 一事一议 (case_by_case), measure 17 -------------------------------------
# "投资10亿元以上" — in Chinese legal usage 以上 includes the amount itself.
DEFAULT_CASE_BY_CASE_LINE_WAN = Decimal("100000")  # 10亿元 in 万元
CASE_BY_CASE_LINE_SETTING = "case_by_case_line_wan"


def is_case_by_case(planned_investment_wan, line_wan=DEFAULT_CASE_BY_CASE_LINE_WAN) -> bool:
    """一事一议: planned investment at or above the line in force."""
    if planned_investment_wan is None:
        return False
    return Decimal(str(planned_investment_wan)) >= Decimal(str(line_wan))


def case_by_case_line(stored: str | None) -> Decimal:
    """The line in force: the admin's setting (万元), else the policy's 10亿元."""
    return Decimal(stored) if stored else DEFAULT_CASE_BY_CASE_LINE_WAN


def parse_case_by_case_line(value) -> tuple[Decimal | None, str | None]:
    """An admin's new line in 万元 (thousands separators allowed), or why it is none."""
    try:
        line = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None, "应为数字（万元）"
    if not line.is_finite():
        return None, "应为数字（万元）"
    if line <= 0:
        return None, "应大于0"
    return line, None


def case_flags(planned_investment_wan, line_wan, case_status: str | None
               ) -> tuple[bool, str | None]:
    """(一事一议?, case status): the flag follows the line in force, and a newly
    flagged case starts 待提请; a case that drops below the line keeps its status."""
    flagged = is_case_by_case(planned_investment_wan, line_wan)
    return flagged, (case_status or "pending") if flagged else case_status


CASE_STATUSES = {
    "pending": "待提请",
    "consulting": "会商中",
    "approved": "已批复",
    "rejected": "不予支持",
}
CASE_STATUS_TRANSITIONS = {
    "pending": {"consulting"},
    "consulting": {"approved", "rejected", "pending"},
    "approved": set(),
    "rejected": {"consulting"},
}

# --- 吉浙 (jizhe), measure 16 ------------------------------------------------
ZHEJIANG = "浙江省"
JIZHE_MODE = "jizhe"


def is_jizhe(source_province: str | None, attraction_mode: str | None = None) -> bool:
    """A lead from Zhejiang, or one brought in through the 吉浙 pairing."""
    return normalize_province(source_province) == ZHEJIANG or attraction_mode == JIZHE_MODE


# GB/T 2260's provincial-level divisions, stored by their official names.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
)
_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


def province_short(name: str) -> str:
    """吉林省 → 吉林, 广西壮族自治区 → 广西, 香港特别行政区 → 香港."""
    return _PROVINCE_SUFFIX.sub("", name)


_PROVINCE_BY_SPELLING = {s: p for p in PROVINCES for s in (p, province_short(p))} | {
    "内蒙": "内蒙古自治区", "香港特区": "香港特别行政区", "澳门特区": "澳门特别行政区",
    "广西自治区": "广西壮族自治区", "宁夏自治区": "宁夏回族自治区",
    "新疆自治区": "新疆维吾尔自治区",
}


def normalize_province(name: str | None) -> str | None:
    """浙江 / 浙江省 → 浙江省, 吉林 → 吉林省, 广西 → 广西壮族自治区; keeps an unknown
    name as typed (trimmed)."""
    if not name:
        return None
    name = re.sub(r"\s+", "", name)
    return _PROVINCE_BY_SPELLING.get(name, name) or None


# --- Vocabularies (stored value → Chinese label) -----------------------------
STAGES = {
    "lead": "线索",
    "contact": "接洽",
    "visit": "考察",
    "negotiation": "洽谈",
    "signed": "签约",
    "started": "开工",
    "producing": "投产",
    "paused": "搁置",
    "dropped": "终止",
}
PIPELINE = ["lead", "contact", "visit", "negotiation", "signed", "started", "producing"]
CLOSED_STAGES = {"producing", "dropped"}
STAGES_NEEDING_REASON = {"paused", "dropped"}
SIGNED_OR_LATER = {"signed", "started", "producing"}


def _stage_transitions() -> dict[str, set[str]]:
    """Forward one or more steps along the pipeline, back one step (a slipped
    negotiation), pause or drop from any open stage; a paused project resumes
    at any pipeline stage up to 签约; a dropped one can be reopened as a lead."""
    allowed: dict[str, set[str]] = {}
    for i, stage in enumerate(PIPELINE):
        nxt = set(PIPELINE[i + 1:])
        if i > 0:
            nxt.add(PIPELINE[i - 1])
        if stage != "producing":
            nxt |= STAGES_NEEDING_REASON
        allowed[stage] = nxt
    allowed["paused"] = set(PIPELINE[: PIPELINE.index("signed") + 1]) | {"dropped"}
    allowed["dropped"] = {"lead"}
    return allowed


STAGE_TRANSITIONS = _stage_transitions()


def can_move_stage(old: str, new: str) -> bool:
    return new in STAGE_TRANSITIONS.get(old, set())


# Stage words as staff and news reports write them (an import's 阶段 / 项目进展 column).
STAGE_WORDS = {
    "线索": "lead", "意向": "lead", "有意向": "lead",
    "接洽": "contact", "已接洽": "contact", "对接中": "contact", "已对接": "contact",
    "考察": "visit", "已考察": "visit", "考察中": "visit", "实地考察": "visit",
    "洽谈": "negotiation", "在谈": "negotiation", "洽谈中": "negotiation",
    "正在洽谈": "negotiation", "商谈中": "negotiation", "拟签约": "negotiation",
    "签约": "signed", "已签约": "signed", "签约落地": "signed", "已签订": "signed",
    "已签订协议": "signed", "签约未开工": "signed",
    "开工": "started", "已开工": "started", "新开工": "started", "开工建设": "started",
    "在建": "started", "建设中": "started", "续建": "started", "破土动工": "started",
    "启动实施": "started", "施工中": "started", "正在建设": "started",
    "投产": "producing", "已投产": "producing", "已运营": "producing",
    "投产运营": "producing", "建成投产": "producing", "竣工投产": "producing",
    "达产": "producing", "已达产": "producing", "运营": "producing", "投入运营": "producing",
    "搁置": "paused", "已搁置": "paused", "暂缓": "paused", "暂停": "paused",
    "终止": "dropped", "已终止": "dropped", "取消": "dropped", "已放弃": "dropped",
}
# Words that say less than a stage: the nearest stage, never a later one than the
# word proves (a count of 开工 projects must not grow on a guess); the import warns.
STAGE_GUESSES = {
    "推进中": "negotiation", "加快推进": "negotiation", "推进": "negotiation",
    "跟进中": "contact", "对接洽谈": "negotiation", "谋划": "lead", "谋划中": "lead",
    "前期": "signed", "前期工作": "signed", "筹建": "signed", "筹建中": "signed",
    "已落地": "signed", "落地": "signed",
    "试生产": "started", "试运行": "started", "设备安装": "started", "设备调试": "started",
    "竣工": "started", "已竣工": "started", "主体完工": "started",
}
_STAGE_NOISE = re.compile(r"[\s，,。.、;；:：!！]+")


def stage_for_word(text: str | None) -> tuple[str | None, bool]:
    """(stage, guessed) for a stage as written: a stored value, a label (洽谈), a word
    of STAGE_WORDS (在建 → started), or a guess (推进中 → negotiation, guessed=True);
    (None, False) when nothing fits."""
    word = _STAGE_NOISE.sub("", text or "")
    if not word:
        return None, False
    exact = code_for_label(STAGES, word) or STAGE_WORDS.get(word)
    if exact:
        return exact, False
    if word in STAGE_GUESSES:
        return STAGE_GUESSES[word], True
    # 尚未开工 is not 开工, nor 预计年内投产 投产
    if any(neg in word for neg in ("未", "没", "不", "尚", "预计", "计划", "拟", "将", "力争")):
        return None, False
    for known in sorted(STAGE_WORDS, key=len, reverse=True):  # 2024年6月已签约
        if len(known) >= 2 and known in word:
            return STAGE_WORDS[known], True
    return None, False


PROJECT_CLASSES = {"major": "重大产业化项目", "supporting": "配套项目"}
COOPERATION_FORMS = {
    "investment": "项目投资",
    "resource_sharing": "资源共享",
    "factory": "投资办厂",
    "ip_equity": "知识产权入股",
    "rd_center": "建立研发中心",
}
ATTRACTION_MODES = {
    "professional": "专业招商",
    "business": "以商招商",
    "chain": "产业链招商",
    "returning": "吉商回乡",
    "jizhe": "吉浙对口合作",
    "other": "其他",
}
ENTERPRISE_KINDS = {
    "leader": "行业领军企业",
    "research": "科研机构",
    "specialized": "专精特新",
    "listed": "上市公司",
    "other": "其他",
}
FOLLOWUP_KINDS = {
    "call": "电话",
    "visit": "拜访",
    "inspection": "考察",
    "meeting": "会谈",
    "signing": "签约仪式",
    "other": "其他",
}
PRIORITIES = {1: "高", 2: "中", 3: "低"}
ATTACHMENT_CATEGORIES = {
    "contract": "合同",
    "investment_agreement": "投资协议",
    "minutes": "会议纪要",
    "arrival_proof": "到位凭证",
    "site_photo": "现场照片",
    "other": "其他",
}

ROLES = {
    "admin": "系统管理员",
    "staff": "省厅工作人员",
    "city": "市（州）用户",
    "viewer": "只读用户",
}


def city_bound_project_city(role: str | None, home_city: str | None,
                            city_code: str | None) -> str | None:
    """A city official's projects always land in their own 市（州）: a new project
    without a city takes theirs. Anyone else: the city as given (None = 待定)."""
    if role == "city" and not city_code:
        return home_city
    return city_code


def label(vocab: dict, value) -> str:
    """Chinese label of a stored value; the value itself when unknown."""
    if value is None:
        return ""
    return vocab.get(value, str(value))


def code_for_label(vocab: dict, text: str | None):
    """Accept either the stored value or its Chinese label."""
    if text is None:
        return None
    text = str(text).strip()
    if text in vocab:
        return text
    for key, lbl in vocab.items():
        if lbl == text:
            return key
    return None


# --- Progress light (红黄绿) ------------------------------------------------
LIGHTS = {"green": "正常", "amber": "预警", "red": "滞后"}


def followup_overdue(next_due: date | None, done: bool, today: date) -> bool:
    """A follow-up's next step is overdue: due before today and not done (the SQL side of
    this rule is FollowUpFilters.overdue and the dashboard's count)."""
    return next_due is not None and not done and next_due < today


def progress_light(
    *,
    stage: str,
    last_followup: date | None,
    next_due: date | None,
    created: date,
    today: date,
    amber_days: int,
    red_days: int,
) -> str | None:
    """Red when the last contact is older than ``red_days`` or a next step is
    overdue; amber past ``amber_days``; green otherwise. Closed and paused
    projects have no light."""
    if stage in CLOSED_STAGES or stage == "paused":
        return None
    quiet_days = (today - (last_followup or created)).days
    if next_due is not None and next_due < today:
        return "red"
    if quiet_days > red_days:
        return "red"
    if quiet_days > amber_days:
        return "amber"
    return "green"


# --- 统一社会信用代码 (GB 32100-2015) ----------------------------------------
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_CREDIT_CODE_RE = re.compile(rf"^[{CREDIT_CODE_CHARS}]{{18}}$")


def credit_code_check_char(first17: str) -> str:
    pairs = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in pairs)
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """None when ``code`` is a valid 统一社会信用代码, else a Chinese reason."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    if not _CREDIT_CODE_RE.match(code):
        return "统一社会信用代码含有非法字符（不使用 I、O、S、V、Z）"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def normalize_credit_code(code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().upper().translate(_FULLWIDTH)
    return code or None


_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
)

# --- Divisions (GB/T 2260) --------------------------------------------------
JILIN_PROVINCE = "吉林省"
JILIN_CODE_RE = re.compile(r"^22\d{4}$")


def is_jilin_prefecture_code(code: str | None) -> bool:
    return bool(code) and bool(JILIN_CODE_RE.match(code)) and code.endswith("00")


# --- 政策匹配: the numbers in 吉政办发〔2023〕10号 ------------------------------
# Amounts are in 万元. "超过" (exceeds) excludes the amount itself: revenue of exactly
# 10000万元 has not "超过1亿元". "以上" includes it (see is_case_by_case above).
POLICY_DOC = "吉政办发〔2023〕10号"

# Measure 5 (鼓励企业壮大规模): first year revenue (年产值/主营收入) exceeding
# 1亿 / 5亿 / 10亿元 earns a one-off 30 / 50 / 100万元 reward. (threshold, reward), ascending.
REVENUE_REWARD_TIERS_WAN: list[tuple[Decimal, Decimal]] = [
    (Decimal("10000"), Decimal("30")),
    (Decimal("50000"), Decimal("50")),
    (Decimal("100000"), Decimal("100")),
]


def revenue_tier(revenue_wan) -> int:
    """How many of measure 5's thresholds ``revenue_wan`` strictly exceeds (0–3).
    超过 excludes the amount: 10000 → 0, 10000.01 → 1."""
    if revenue_wan is None:
        return 0
    revenue = Decimal(str(revenue_wan))
    return sum(1 for threshold, _reward in REVENUE_REWARD_TIERS_WAN if revenue > threshold)


def revenue_reward(revenue_wan) -> tuple[Decimal, Decimal] | None:
    """(threshold, reward) of the highest measure-5 tier exceeded, or None."""
    tier = revenue_tier(revenue_wan)
    return REVENUE_REWARD_TIERS_WAN[tier - 1] if tier else None


# Measure 1 (支持关键技术攻关) names these chain segments.
KEY_TECHNOLOGY_SEGMENTS = frozenset({"核心光电子器件", "高端芯片", "半导体激光雷达", "面发射激光器",
                                     "忆阻器"})

# Measure 2 (支持企业研发创新): R&D subsidy up to 100万元 (最高不超过).
RD_SUBSIDY_CAP_WAN = Decimal("100")
# Measure 3 (支持科技成果转化): a share of the technology contract, up to 200万元.
TECH_TRANSFER_CAP_WAN = Decimal("200")

# Measure 7 (加大技术改造支持): equipment investment of a technical-upgrade project
# exceeding 500万元 (超过: 500 itself does not qualify).
TECH_UPGRADE_EQUIPMENT_MIN_WAN = Decimal("500")


def tech_upgrade_qualifies(equipment_investment_wan) -> bool:
    if equipment_investment_wan is None:
        return False
    return Decimal(str(equipment_investment_wan)) > TECH_UPGRADE_EQUIPMENT_MIN_WAN


# Measure 8 (实施贴息补助): "自2023年起连续3年" — new bank loans in 2023, 2024 and 2025,
# interest subsidy up to 100万元.
LOAN_INTEREST_CAP_WAN = Decimal("100")
LOAN_INTEREST_YEARS = (2023, 2025)  # first and last year, both included


def loan_interest_subsidy_open(year: int) -> bool:
    first, last = LOAN_INTEREST_YEARS
    return first <= year <= last


# Measure 12 (支持企业上市): 1000万元 for a listing (domestic or abroad) or a
# back-door listing that moves registration and tax domicile to Jilin.
LISTING_REWARD_WAN = Decimal("1000")

# Measure 17 (开展精准靶向招商): each city may reward investors and introducers by
# actual investment (a CityRewardRule: rate percent, optional cap); investment of
# 10亿元以上 is 一事一议 (is_case_by_case, with the admin-set line).


def estimated_city_reward(actual_investment_wan, rate_percent, cap_wan=None) -> Decimal:
    """actual investment × rate%, at most the cap (no cap when None), to 0.01万元."""
    if actual_investment_wan is None or rate_percent is None:
        return Decimal("0.00")
    reward = Decimal(str(actual_investment_wan)) * Decimal(str(rate_percent)) / Decimal("100")
    if cap_wan is not None:
        reward = min(reward, Decimal(str(cap_wan)))
    return reward.quantize(Decimal("0.01"))


# --- 统计指标 (the office's indicators, crm.services.stats) --------------------
# Every rate is a share of projects in the filtered set (live, not deleted); a rate
# whose denominator is 0 is None (shown "—"), never 0 %.
STARTED_OR_LATER = {"started", "producing"}


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a percentage with one decimal, None when nothing to divide."""
    if not denominator:
        return None
    return (Decimal(str(numerator)) * 100 / Decimal(str(denominator))).quantize(Decimal("0.1"))


INDICATORS = {
    "signing_rate": "签约率",
    "fulfilment_rate": "履约率（落地率）",
    "start_rate": "开工率",
    "production_rate": "投产率",
    "funding_rate": "资金到位率",
}
INDICATOR_DEFINITIONS = {
    # 签约率: projects now at 签约/开工/投产 ÷ all projects except those 终止 (dropped);
    # a dropped lead never was a realistic candidate, a paused one still is.
    "signing_rate": "处于签约、开工、投产阶段的项目数 ÷ 未终止的项目总数",
    # 履约率/落地率, from the stage history: of the projects that ever reached 签约
    # (or later), the share that went on to reach 开工 (or later) — a contract that
    # was honoured, even if the project was later paused or dropped.
    "fulfilment_rate": ("曾签约的项目中后来开工（或投产）的项目数 ÷ 曾签约的项目数"
                        "（按阶段变更记录）"),
    # 开工率 / 投产率, a snapshot of current stages among signed-or-later projects.
    "start_rate": "当前处于开工、投产阶段的项目数 ÷ 当前处于签约、开工、投产阶段的项目数",
    "production_rate": "当前处于投产阶段的项目数 ÷ 当前处于签约、开工、投产阶段的项目数",
    # 资金到位率: 到位资金 entries (FundArrival) ÷ planned investment of the projects
    # now at 签约/开工/投产 (funds only arrive for signed projects).
    "funding_rate": "到位资金合计 ÷ 签约及以后阶段项目的计划投资额合计",
}
