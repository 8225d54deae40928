"""The OpenAPI 3.1 document for /api/v1, built from the SQLModel schemas.

Request bodies are the XCreate / XUpdate models' validation schemas, responses the
XPublic models' serialisation schemas (``model_json_schema()``), with the
vocabularies of crm/rules.py added as enums and the Chinese field labels as
descriptions, so the document says what the services accept and store.
"""

from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from typing import Any

from flask import current_app

from crm import rules
from crm.api import attachments as attachments_api
from crm.api.schemas import MAX_PER_PAGE, StageMove
from crm.records import REGISTRY, RecordType

REF = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "title": "错误",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "中文错误说明"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "字段 → “字段名：消息”"},
    },
}
CONFLICT_SCHEMA = {
    "type": "object",
    "title": "版本冲突",
    "required": ["error", "current"],
    "properties": {
        "error": {"type": "string"},
        "current": {"type": "object", "description": "当前已保存的记录"},
    },
}

ERROR_RESPONSES = {
    "400": "请求体不是有效的 JSON 对象",
    "401": "缺少或无效的访问令牌",
    "403": "没有权限",
    "404": "记录不存在或已删除",
    "409": "版本冲突：记录已被他人修改",
    "422": "输入有误（见 fields）",
}


def build_document() -> dict:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Conflict": CONFLICT_SCHEMA}
    paths: dict[str, Any] = {}
    for kind in REGISTRY.values():
        create = _component(schemas, kind.create_schema, "validation", kind, labels=True)
        update = _component(schemas, kind.update_schema, "validation", kind, labels=True)
        public = _component(schemas, kind.public_schema, "serialization", kind, labels=False)
        list_name = f"{kind.public_schema.__name__.removesuffix('Public')}List"
        schemas[list_name] = {
            "type": "object",
            "title": f"{kind.label}列表",
            "required": ["items", "total", "total_capped", "page", "per_page"],
            "properties": {
                "items": {"type": "array", "items": _ref(public)},
                "total": {"type": "integer", "minimum": 0},
                # a long list counts to LIST_COUNT_CAP, as its page does ("10000+")
                "total_capped": {"type": "boolean",
                                 "description": "为真时 total 是计数上限，实际条数更多"},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            },
        }
        tag = kind.label
        base = f"/api/v1/{kind.name}"
        item = f"{base}/{{obj_id}}"
        paths[base] = {
            "get": _operation(f"list_{kind.name}", f"{kind.label}列表（可筛选、分页）", tag,
                              parameters=_list_parameters(kind.filters, MAX_PER_PAGE),
                              ok=("200", _ref(list_name)), errors=["401", "422"]),
            "post": _operation(f"create_{kind.name}", f"新建{kind.label}", tag,
                               body=_ref(create), ok=("201", _ref(public)),
                               errors=["400", "401", "403", "422"]),
        }
        paths[item] = {
            "parameters": [_id_parameter()],
            "get": _operation(f"get_{kind.name}", f"{kind.label}详情", tag,
                              ok=("200", _ref(public)), errors=["401", "404"]),
            "patch": _operation(f"update_{kind.name}",
                                f"修改{kind.label}（只改所给字段；带 version 做乐观锁）", tag,
                                body=_ref(update), ok=("200", _ref(public)),
                                errors=["400", "401", "403", "404", "409", "422"]),
            "delete": _operation(f"delete_{kind.name}", f"删除{kind.label}（软删除，可恢复）",
                                 tag, ok=("204", None), errors=["401", "403", "404"]),
        }
        if kind.flags:
            _document_flags(schemas, kind, create, update, paths[base]["post"],
                            paths[item]["patch"])
        paths[f"{item}/restore"] = {
            "parameters": [_id_parameter()],
            "post": _operation(f"restore_{kind.name}", f"恢复已删除的{kind.label}", tag,
                               ok=("200", _ref(public)),
                               errors=["401", "403", "404", "422"]),
        }
    stage = _component(schemas, StageMove, "validation", REGISTRY["projects"], labels=False)
    schemas[stage]["properties"]["stage"]["enum"] = _codes_and_labels(rules.STAGES)
    paths["/api/v1/projects/{obj_id}/stage"] = {
        "parameters": [_id_parameter()],
        "post": _operation("move_project_stage", "变更项目阶段（非法变更返回 422）", "项目",
                           body=_ref(stage), ok=("200", _ref("ProjectPublic")),
                           errors=["400", "401", "403", "404", "409", "422"]),
    }
    _other_api_routes(paths)
    attachment_paths, attachment_schemas = attachments_api.openapi_paths()
    paths.update(attachment_paths)
    schemas.update(attachment_schemas)
    paths["/api/v1/openapi.json"] = {
        "get": {"operationId": "openapi", "summary": "本文档", "tags": ["文档"],
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 文档",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "招商通 API",
            "version": "1",
            "description": (
                "吉林省电子信息制造业招商引资 CRM 的 JSON API。认证：请求头 "
                "`Authorization: Bearer <令牌>`（`zhaoshang token create 用户名` 生成）。"
                "金额单位为万元。一事一议（case_by_case）与吉浙（jizhe）由系统计算，不能手工设置。"),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "zhaoshang token create 用户名"}},
        },
    }


DUPLICATE_SCHEMA = {
    "type": "object",
    "title": "可能重复",
    "required": ["error", "candidates"],
    "properties": {
        "error": {"type": "string"},
        "candidates": {"type": "array", "description": "名称相近的已有企业，相似度从高到低",
                       "items": {"type": "object", "properties": {
                           "id": {"type": "integer"}, "name": {"type": "string"},
                           "credit_code": {"type": ["string", "null"]},
                           "city": {"type": ["string", "null"]},
                           "score": {"type": "number", "description": "相似度 0–100"}}}},
    },
}


def _document_flags(schemas: dict, kind: RecordType, create: str, update: str,
                    post: dict, patch: dict) -> None:
    """A type's flags (allow_similar): a query parameter or a body field of create and
    update; refused without one, the answer is 409 with the candidates."""
    schemas["PossibleDuplicate"] = DUPLICATE_SCHEMA
    params = [{"name": name, "in": "query", "required": False, "description": text,
               "schema": {"type": "boolean", "default": False}}
              for name, text in kind.flags.items()]
    for component in (create, update):
        for name, text in kind.flags.items():
            schemas[component]["properties"][name] = {"type": "boolean", "default": False,
                                                      "description": text}
    post["parameters"] = params
    post["responses"]["409"] = {
        "description": "可能与已有企业重复（见 candidates）；确认后带 allow_similar=true 重试",
        "content": {"application/json": {"schema": _ref("PossibleDuplicate")}}}
    patch["parameters"] = params
    patch["responses"]["409"] = {
        "description": "版本冲突（见 current），或新名称可能与已有企业重复（见 candidates）",
        "content": {"application/json": {"schema": {
            "oneOf": [_ref("Conflict"), _ref("PossibleDuplicate")]}}}}


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _component(schemas: dict, model, mode: str, kind: RecordType, *, labels: bool) -> str:
    """Add ``model``'s JSON schema (and its $defs) to components; returns its name."""
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    _annotate(schema, kind, request_side=labels)
    schemas[model.__name__] = schema
    return model.__name__


def _annotate(schema: dict, kind: RecordType, *, request_side: bool) -> None:
    """Chinese descriptions, and vocabularies as enums (requests: codes or labels;
    responses carry codes)."""
    field_labels = kind.labels
    for name, prop in schema.get("properties", {}).items():
        if name in field_labels:
            prop.setdefault("description", field_labels[name])
        vocab = kind.vocabularies.get(name)
        if vocab is None:
            continue
        values = _codes_and_labels(vocab) if request_side else list(vocab)
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") in ("string", "integer"):
                branch["enum"] = [v for v in values if isinstance(v, str)] \
                    if branch["type"] == "string" else [v for v in values if isinstance(v, int)]
                branch.pop("maxLength", None)


def _codes_and_labels(vocab: dict) -> list:
    return list(vocab) + [label for label in vocab.values() if label not in vocab]


def _id_parameter() -> dict:
    return {"name": "obj_id", "in": "path", "required": True, "description": "记录编号",
            "schema": {"type": "integer", "minimum": 1}}


def _list_parameters(filter_cls, max_per_page: int) -> list[dict]:
    params = [
        {"name": "page", "in": "query", "required": False, "description": "页码，从 1 开始",
         "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": "per_page", "in": "query", "required": False,
         "description": f"每页条数（最多 {max_per_page}）",
         "schema": {"type": "integer", "minimum": 1, "maximum": max_per_page, "default": 50}},
    ]
    for f in dataclass_fields(filter_cls):
        if f.name == "page":
            continue
        params.append({"name": f.name, "in": "query", "required": False,
                       "description": filter_cls.LABELS.get(f.name, _sort_help(filter_cls)
                                                            if f.name == "sort" else f.name),
                       "schema": _filter_schema(filter_cls, f)})
    return params


def _sort_help(filter_cls) -> str:
    return "排序：" + "、".join(filter_cls.SORTS) + "（前加 - 为倒序）"


def _filter_schema(filter_cls, field) -> dict:
    text = str(field.type)
    if field.name == "sort":
        keys = list(filter_cls.SORTS)
        return {"type": "string", "enum": keys + [f"-{k}" for k in keys]}
    if "bool" in text:
        return {"type": "boolean"}
    if "int" in text:
        return {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    if "date" in text:
        return {"type": "string", "format": "date"}
    return {"type": "string"}


def _operation(operation_id: str, summary: str, tag: str, *, ok: tuple[str, str | None],
               errors: list[str], body: dict | None = None,
               parameters: list | None = None) -> dict:
    status, schema = ok
    responses: dict[str, Any] = {}
    if schema is None:
        responses[status] = {"description": "成功，无内容"}
    else:
        responses[status] = {"description": "成功",
                             "content": {"application/json": {"schema": schema}}}
    for code in errors:
        error_schema = _ref("Conflict" if code == "409" else "Error")
        responses[code] = {"description": ERROR_RESPONSES[code],
                           "content": {"application/json": {"schema": error_schema}}}
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag],
                          "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    return op


def _other_api_routes(paths: dict) -> None:
    """Routes other areas add under /api/v1 (statistics, policies …) are documented too,
    generically: their parameters, a JSON object on success and the error schema."""
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", r"{\2}", rule.rule)
        view = current_app.view_functions[rule.endpoint]
        summary = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0]
        item = paths.setdefault(path, {})
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 0}
                   if type(conv).__name__ == "IntegerConverter" else {"type": "string"}}
                  for name, conv in rule._converters.items()]
        if params:
            item["parameters"] = params
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(
                rule.endpoint.replace(".", "_"), summary, rule.endpoint.split(".")[0],
                ok=("200", {"type": "object"}),
                errors=["400", "401", "403", "404", "422"] if method != "GET"
                else ["401", "403", "404", "422"])
