"""JSON API for 附件 on any record: /api/v1/<type>/<id>/attachments (bearer tokens).

Its own blueprint, so the API generated from the record-type registry can take it
as it is. Errors are the app's JSON errors (crm/errors.py): 401, 403, 404, 413, 422.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, jsonify, request, url_for

from crm import rules
from crm.bearer import api_user, authenticate
from crm.db import get_session
from crm.extensions import csrf
from crm.models import Attachment
from crm.services import attachments as service
from crm.services import filetypes
from crm.views_common import attachment_store, send_attachment

bp = Blueprint("api_attachments", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies
bp.before_request(authenticate)

BASE = "/<record_type>/<int:record_id>/attachments"


def public(found: Attachment) -> dict:
    return {
        "id": found.id, "record_type": found.record_type, "record_id": found.record_id,
        "filename": found.filename, "content_type": found.content_type, "size": found.size,
        "sha256": found.sha256, "category": found.category,
        "category_label": rules.label(rules.ATTACHMENT_CATEGORIES, found.category),
        "note": found.note, "uploaded_by": found.uploaded_by,
        "created_at": found.created_at.isoformat(),
        "download_url": url_for(".download", record_type=found.record_type,
                                record_id=found.record_id, attachment_id=found.id),
    }


@bp.route(BASE, methods=["GET"])
def index(record_type: str, record_id: int):
    """附件列表（记录可见即可读）"""
    items = service.list_for(get_session(), kind_name=record_type, record_id=record_id,
                             user=api_user())
    return jsonify({"items": [public(a) for a in items], "total": len(items)})


@bp.route(BASE, methods=["POST"])
def upload(record_type: str, record_id: int):
    """上传附件（multipart/form-data：file、category、note；需可修改该记录）"""
    file = request.files.get("file")
    found = service.upload(
        get_session(), store=attachment_store(), kind_name=record_type, record_id=record_id,
        stream=file.stream if file else BytesIO(), filename=file.filename if file else "",
        category=request.form.get("category"), note=request.form.get("note"),
        user=api_user())
    response = jsonify(public(found))
    response.status_code = 201
    response.headers["Location"] = public(found)["download_url"]
    return response


@bp.route(f"{BASE}/<int:attachment_id>", methods=["GET"])
def download(record_type: str, record_id: int, attachment_id: int):
    """下载附件（Content-Disposition: attachment）"""
    found, path = service.open_for_download(
        get_session(), store=attachment_store(), kind_name=record_type, record_id=record_id,
        attachment_id=attachment_id, user=api_user())
    return send_attachment(found, path)


@bp.route(f"{BASE}/<int:attachment_id>", methods=["DELETE"])
def delete(record_type: str, record_id: int, attachment_id: int):
    """删除附件（需可修改该记录）"""
    service.delete(get_session(), kind_name=record_type, record_id=record_id,
                   attachment_id=attachment_id, user=api_user())
    return "", 204


# --- OpenAPI -----------------------------------------------------------------------

ERROR = {"$ref": "#/components/schemas/Error"}
SCHEMAS = {
    "Attachment": {
        "type": "object", "title": "附件",
        "required": ["id", "record_type", "record_id", "filename", "content_type", "size",
                     "sha256", "category", "category_label", "note", "created_at",
                     "download_url"],
        "properties": {
            "id": {"type": "integer"},
            "record_type": {"type": "string", "enum": list(service.RECORD_KINDS)},
            "record_id": {"type": "integer"},
            "filename": {"type": "string", "description": "文件名（已去除路径与控制字符）"},
            "content_type": {"type": "string", "description": "由文件内容识别的类型"},
            "size": {"type": "integer", "description": "字节数"},
            "sha256": {"type": "string"},
            "category": {"type": "string", "enum": list(rules.ATTACHMENT_CATEGORIES)},
            "category_label": {"type": "string"},
            "note": {"type": "string"},
            "uploaded_by": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "download_url": {"type": "string"},
        },
    },
    "AttachmentList": {
        "type": "object", "title": "附件列表", "required": ["items", "total"],
        "properties": {"items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/Attachment"}},
                       "total": {"type": "integer", "minimum": 0}},
    },
}
ERRORS = {"400": "请求有误", "401": "缺少或无效的访问令牌", "403": "没有权限（查看或修改该记录）",
          "404": "记录类型、记录或附件不存在", "413": "请求体超过 ZHAOSHANG_MAX_UPLOAD_MB",
          "422": "文件被拒绝（类型、扩展名、大小）或类别、说明有误（见 fields）"}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _op(operation_id: str, summary: str, ok: dict, errors: list[str], **extra) -> dict:
    responses = ok | {code: {"description": ERRORS[code], "content": _json(ERROR)}
                      for code in errors}
    return {"operationId": operation_id, "summary": summary, "tags": ["附件"],
            "responses": responses, **extra}


def openapi_paths() -> tuple[dict, dict]:
    """(paths, component schemas) of the attachment routes, for crm.api.openapi."""
    record = [{"name": "record_type", "in": "path", "required": True, "description": "记录类型",
               "schema": {"type": "string", "enum": list(service.RECORD_KINDS)}},
              {"name": "record_id", "in": "path", "required": True, "description": "记录编号",
               "schema": {"type": "integer", "minimum": 0}}]
    item = record + [{"name": "attachment_id", "in": "path", "required": True,
                      "description": "附件编号", "schema": {"type": "integer", "minimum": 0}}]
    ref = {"$ref": "#/components/schemas/Attachment"}
    upload_body = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": f"允许 {filetypes.ALLOWED_TEXT}；扩展名须与内容一致"},
            "category": {"type": "string", "description": "类别（代码或中文）",
                         "enum": list(rules.ATTACHMENT_CATEGORIES)
                         + list(rules.ATTACHMENT_CATEGORIES.values())},
            "note": {"type": "string", "maxLength": 500, "description": "说明"}}}}}}
    files = {mime: {"schema": {"type": "string", "format": "binary"}}
             for mime in dict.fromkeys(t.mime for t in filetypes.TYPES.values())}
    base = "/api/v1/{record_type}/{record_id}/attachments"
    paths = {
        base: {
            "parameters": record,
            "get": _op("list_attachments", "附件列表（可查看该记录即可读）",
                       {"200": {"description": "成功", "content": _json(
                           {"$ref": "#/components/schemas/AttachmentList"})}},
                       ["401", "403", "404"]),
            "post": _op("upload_attachment", "上传附件（需可修改该记录）",
                        {"201": {"description": "已上传", "content": _json(ref)}},
                        ["400", "401", "403", "404", "413", "422"], requestBody=upload_body),
        },
        f"{base}/{{attachment_id}}": {
            "parameters": item,
            "get": _op("download_attachment",
                       "下载附件（Content-Disposition: attachment，类型由内容识别）",
                       {"200": {"description": "文件内容", "content": files}},
                       ["401", "403", "404"]),
            "delete": _op("delete_attachment", "删除附件（需可修改该记录；文件保留供审计与备份）",
                          {"204": {"description": "已删除"}}, ["401", "403", "404"]),
        },
    }
    return paths, SCHEMAS
