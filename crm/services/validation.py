"""Parse input through the SQLModel schemas, with Chinese messages per field."""

from __future__ import annotations

from pydantic import ValidationError

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


def parse(model, data: dict, labels: dict[str, str]):
    """``model.model_validate(data)`` with errors as {field: '字段：消息'}."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_fields(exc, labels)) from None


def _fields(exc: ValidationError, labels: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "__all__"
        missing = err["type"] == "missing" or err.get("input") is None
        message = "必填" if missing else PYDANTIC_MESSAGES.get(err["type"], "格式不正确")
        out.setdefault(field, f"{labels.get(field, field)}：{message}")
    return out


def require(fields: dict[str, str], labels: dict[str, str], field: str, message: str) -> None:
    fields.setdefault(field, f"{labels.get(field, field)}：{message}")
