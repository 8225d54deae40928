"""Parse input through the SQLModel schemas, with Chinese messages per field."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ValidationError

from crm import rules
from crm.services.errors import ValidationFailed

PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字（万元）",
    "decimal_type": "应为数字（万元）",
    "bool_parsing": "应为“是”或“否”",
    "bool_type": "应为“是”或“否”",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "string_too_long": "内容过长",
    "list_type": "应为列表",
    "model_type": "格式不正确",
    "dict_type": "格式不正确",
    "extra_forbidden": "未知字段",
}


# What the database can hold. Integers: every integer column is INTEGER (ids,
# priority), so beyond 2**31 - 1 is out of range (PostgreSQL refuses even to compare).
# Amounts: every Decimal is a 万元 amount stored as Numeric(16, 2), so at most 14 digits
# before the point, and two after it.
MAX_INT = 2**31 - 1
MAX_WAN = Decimal("99999999999999.99")
CENT = Decimal("0.01")


def parse(model, data: dict, labels: dict[str, str]):
    """``model.model_validate(data)`` with errors as {field: '字段：消息'}.

    Values the database cannot store are field errors too (found by fuzzing): text
    with NUL or unpaired surrogates, integers beyond INTEGER, amounts beyond
    Numeric(16, 2). Amounts are rounded to 0.01 万元 here, so the rules (一事一议)
    judge exactly the amount that is stored.
    """
    try:
        payload = model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_fields(exc, labels)) from None
    errors: dict[str, str] = {}
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        if isinstance(value, Decimal):
            if abs(value) > MAX_WAN:
                require(errors, labels, name, "数值过大")
            else:
                setattr(payload, name, value.quantize(CENT, rounding=ROUND_HALF_UP))
        problem = _unstorable(value)
        if problem:
            require(errors, labels, name, problem)
    for name, message in text_problems(payload).items():
        require(errors, labels, name, message)
    if errors:
        raise ValidationFailed(errors)
    return payload


def text_problem(field: str, value, *, limit: int | None = None) -> str | None:
    """Why ``value`` may not be stored in text field ``field``: a control character
    (tab and newline are fine, carriage return in multi-line fields), or more
    characters than the field takes (crm.models.base.TEXT_LIMITS)."""
    if not isinstance(value, str):
        return None
    from crm.models.base import DEFAULT_TEXT_MAX, MULTILINE_FIELDS, TEXT_LIMITS

    allowed = "\t\n\r" if field in MULTILINE_FIELDS else "\t\n"
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in allowed:
            return f"含有不允许的控制字符（U+{ord(ch):04X}）"
    declared = TEXT_LIMITS.get(field, DEFAULT_TEXT_MAX)
    limit = min(limit, declared) if limit else declared
    if len(value) > limit:
        return f"最多 {limit} 个字符"
    return None


def text_problems(payload: BaseModel) -> dict[str, str]:
    """text_problem of every text field given to ``payload`` (contacts included),
    as {field: message}; a field's own max_length counts too."""
    out: dict[str, str] = {}
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, BaseModel):
                for message in text_problems(item).values():
                    out.setdefault(name, message)
            else:
                problem = text_problem(name, item, limit=_max_length(payload, name))
                if problem:
                    out.setdefault(name, problem)
    return out


def check_text(errors: dict[str, str], labels: dict[str, str], field: str, value) -> None:
    """text_problem for a value read by hand (not through a schema)."""
    problem = text_problem(field, value)
    if problem:
        require(errors, labels, field, problem)


def _max_length(payload: BaseModel, name: str) -> int | None:
    info = type(payload).model_fields.get(name)
    for meta in getattr(info, "metadata", []) or []:
        if getattr(meta, "max_length", None):
            return meta.max_length
    return None


def _unstorable(value) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            return "含有不允许的控制字符"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "含有无效字符"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        return "数值超出范围"
    elif isinstance(value, list | tuple):
        return next(filter(None, map(_unstorable, value)), None)
    elif isinstance(value, BaseModel):
        return next(filter(None, (_unstorable(getattr(value, f))
                                  for f in type(value).model_fields)), None)
    elif isinstance(value, dict):
        return next(filter(None, map(_unstorable, value.values())), None)
    return None


def _fields(exc: ValidationError, labels: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "__all__"
        missing = err["type"] == "missing" or err.get("input") is None
        message = "必填" if missing else PYDANTIC_MESSAGES.get(err["type"], "格式不正确")
        if err["type"] == "string_too_long":
            message = f"最多 {err['ctx']['max_length']} 个字符"
        out.setdefault(field, f"{labels.get(field, field)}：{message}")
    return out


def require(fields: dict[str, str], labels: dict[str, str], field: str, message: str) -> None:
    fields.setdefault(field, f"{labels.get(field, field)}：{message}")


def nulls_for_required(table_model, values: dict, labels: dict[str, str]) -> None:
    """An update sending null for a NOT NULL column: a text that may be empty (its
    default is "": notes, introducer …) is cleared; anything else (a name, a stage, a
    vocabulary such as 项目类别, a date) is a 必填 error naming the field — never a
    NULL the database refuses, nor a null silently ignored (found by fuzzing)."""
    errors: dict[str, str] = {}
    columns = table_model.__table__.c
    for key, value in values.items():
        if value is None and key in columns and not columns[key].nullable:
            field = table_model.model_fields.get(key)
            if _is_text(columns[key].type) and field is not None and field.default == "":
                values[key] = ""
            else:
                require(errors, labels, key, "必填")
    if errors:
        raise ValidationFailed(errors)


def _is_text(column_type) -> bool:
    from sqlalchemy import String

    return isinstance(getattr(column_type, "impl_instance", column_type), String)


def check_choice(errors: dict[str, str], values: dict, labels: dict[str, str], field: str,
                 vocab: dict, *, required: bool = False) -> None:
    """A vocabulary field takes its stored value or its Chinese label (stored as the value)."""
    value = values.get(field)
    if value is None and not required:
        return
    if value in vocab:
        return
    code = rules.code_for_label(vocab, value)
    if code is None:
        require(errors, labels, field, "不是可选的值（可选：" + "、".join(vocab.values()) + "）")
    else:
        values[field] = code


def check_listed(errors: dict[str, str], values: dict, labels: dict[str, str], field: str,
                 names, what: str) -> None:
    """A vocabulary kept as reference rows (chain segments): the value is one of their
    names, exactly; anything else is a field error listing the choices."""
    value = values.get(field)
    if value is None or value in names:
        return
    require(errors, labels, field, f"不是可选的{what}（可选：" + "、".join(names) + "）")
