"""附件 on the detail page of every record type: the panel (``attachment_panel``, used by
templates/_attachments.html), upload, download and delete. Rules live in
crm.services.attachments; a refusal is flashed and the user is sent back to the record."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlmodel import select

from crm import rules
from crm.db import get_session
from crm.models import User
from crm.services import attachments as service
from crm.services import filetypes
from crm.services.errors import ValidationFailed
from crm.views_common import attachment_store, send_attachment

bp = Blueprint("attachments", __name__)

BASE = "/<record_type>/<int:record_id>/attachments"


def _me():
    return current_user._get_current_object()  # the proxy resolves on every use


@bp.app_template_global("attachment_panel")
def attachment_panel(record_type: str, record) -> dict:
    """What the 附件 section of a detail page shows."""
    session = get_session()
    kind = service.kind_of(record_type)
    items = service.live_attachments(session, kind.name, record.id)
    ids = {a.uploaded_by for a in items if a.uploaded_by}
    names = {u.id: u.label for u in session.exec(select(User).where(User.id.in_(ids)))} \
        if ids else {}
    return {
        "kind": kind, "record": record, "files": items, "uploaders": names,
        "can_edit": service.can_edit(session, _me(), kind, record),
        "categories": rules.ATTACHMENT_CATEGORIES,
        "max_bytes": attachment_store().max_bytes,
        "accept": ",".join(f".{ext}" for ext in filetypes.EXTENSIONS),
        "allowed": filetypes.ALLOWED_TEXT,
    }


def _back(record_type: str, record_id: int) -> str:
    kind = service.kind_of(record_type)
    return url_for(kind.endpoint, **{kind.id_arg: record_id}) + "#attachments"


@bp.route(BASE, methods=["POST"])
@login_required
def upload(record_type: str, record_id: int):
    session = get_session()
    files = [f for f in request.files.getlist("file") if f.filename] or [None]
    for file in files:
        try:
            found = service.upload(
                session, store=attachment_store(), kind_name=record_type,
                record_id=record_id, stream=file.stream if file else BytesIO(),
                filename=file.filename if file else "", category=request.form.get("category"),
                note=request.form.get("note"), user=_me())
        except ValidationFailed as exc:
            for message in exc.fields.values():
                flash(message, "danger")
            continue
        flash(f"已上传附件“{found.filename}”。", "success")
    return redirect(_back(record_type, record_id), code=303)


@bp.route(f"{BASE}/<int:attachment_id>")
@login_required
def download(record_type: str, record_id: int, attachment_id: int):
    found, path = service.open_for_download(
        get_session(), store=attachment_store(), kind_name=record_type, record_id=record_id,
        attachment_id=attachment_id, user=_me())
    return send_attachment(found, path)


@bp.route(f"{BASE}/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete(record_type: str, record_id: int, attachment_id: int):
    found = service.delete(get_session(), kind_name=record_type, record_id=record_id,
                           attachment_id=attachment_id, user=_me())
    flash(f"已删除附件“{found.filename}”。", "warning")
    return redirect(_back(record_type, record_id), code=303)
