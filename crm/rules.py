"""The policy's rules and the office's business rules, in one place.

Every threshold, vocabulary and transition the app enforces is defined here
with its Chinese label beside it; services, forms, the API and the map read
them from here and nowhere else.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# --- 一事一议 (case_by_case), measure 17 -------------------------------------
# "投资10亿元以上" — in Chinese legal usage 以上 includes the amount itself.
DEFAULT_CASE_BY_CASE_LINE_WAN = Decimal("100000")  # 10亿元 in 万元
CASE_BY_CASE_LINE_SETTING = "case_by_case_line_wan"


def is_case_by_case(planned_investment_wan, line_wan=DEFAULT_CASE_BY_CASE_LINE_WAN) -> bool:
    """一事一议: planned investment at or above the line in force."""
    if planned_investment_wan is None:
        return False
    return Decimal(str(planned_investment_wan)) >= Decimal(str(line_wan))


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


def normalize_province(name: str | None) -> str | None:
    """浙江 / 浙江省 → 浙江省; keeps other names as typed (trimmed)."""
    if not name:
        return None
    name = name.strip()
    if name == "浙江":
        return ZHEJIANG
    return name or None


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

ROLES = {
    "admin": "系统管理员",
    "staff": "省厅工作人员",
    "city": "市（州）用户",
    "viewer": "只读用户",
}


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
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
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
