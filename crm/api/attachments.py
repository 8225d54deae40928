"""JSON API for 附件 on any record: /api/v1/<type>/<id>/attachments (bearer tokens).

Its own blueprint, so the API generated from the record-type registry can take it
as it is. Errors are the app's JSON errors (crm/errors.py): 401, 403, 404, 413, 422.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, jsonify, request, url_for

from crm import rules
from crm.api.auth import api_user, authenticate
from crm.db import get_session
from crm.extensions import csrf
from crm.models import Attachment
from crm.services import attachments as service
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
