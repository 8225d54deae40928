"""Export links of every list, the import upload → preview → confirm pages,
and the merge of two enterprises."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from crm import queries
from crm.db import get_session
from crm.io.forms import ConfirmForm, MergeForm, UploadForm
from crm.models import Enterprise
from crm.records import importable
from crm.services import dedupe, duplicates, exporting, importing, permissions
from crm.services.errors import ServiceError
from crm.tabular.limits import ReadLimits
from crm.tabular.writers import iter_csv

bp = Blueprint("io", __name__)

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
CLAIM = "confirmed"  # in an upload's folder: a confirm has begun (kept once imported)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _user():
    return current_user._get_current_object()


# --- export ------------------------------------------------------------------
@bp.route("/export/<listing>.<any(xlsx, csv):fmt>")
@login_required
def export(listing: str, fmt: str):
    """The list ``listing`` (a record type, or a list drawn from one) with the filters
    in the query string, as a download. (Not ``kind``: that is a filter of some lists.)"""
    if listing not in exporting.KINDS:
        abort(404)
    kind = listing
    session = get_session()
    args = request.args.to_dict()
    filename = exporting.filename_for(kind, fmt)
    if fmt == "xlsx":
        fh = io.BytesIO()  # the compressed workbook; rows were streamed into it
        exporting.export_list(
            session=session, kind=kind, args=args, fmt="xlsx", target=fh, user=_user()
        )
        fh.seek(0)
        return send_file(fh, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=filename)
    filters = exporting.filters_for(kind, args)
    exporting.record_export(
        session,
        user=_user(),
        kind=kind,
        count=queries.count_rows(session, filters),
        description=exporting.describe(session, kind, filters),
    )
    rows = exporting.iter_rows(session, kind, filters)
    body = stream_with_context(_closing(session, iter_csv(exporting.get_kind(kind).columns, rows)))
    response = Response(body, mimetype=MIMETYPES["csv"])
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def _closing(session, chunks):
    """End the streaming cursor's transaction as soon as the download is sent
    (otherwise PostgreSQL keeps it open, holding locks, until the pool recycles it)."""
    try:
        yield from chunks
    finally:
        session.close()


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "_", filename.encode("ascii", "ignore").decode())
    return (
        f"attachment; filename=\"{ascii_name or 'export.csv'}\"; filename*=UTF-8''{quote(filename)}"
    )


# --- import ------------------------------------------------------------------
def _upload_root() -> Path:
    root = Path(current_app.instance_path) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _purge_old(root: Path) -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            for f in folder.iterdir():
                f.unlink(missing_ok=True)
            folder.rmdir()


def _load(token: str) -> tuple[Path, dict]:
    """The stored upload of ``token``; only its uploader may see it."""
    if not _TOKEN_RE.match(token):
        abort(404)
    folder = _upload_root() / token
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["user_id"] != current_user.id:
        abort(404)
    return folder, meta


def _save_report(folder: Path, meta: dict, report: importing.ImportReport) -> None:
    meta["report"] = report.to_dict()
    # whole or not at all: a preview read meanwhile never sees half a file
    part = folder / f"meta.{secrets.token_hex(4)}.part"
    part.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(part, folder / "meta.json")


def _claim(folder: Path) -> bool:
    """True for exactly one of any number of confirms of one upload: the one that
    created the claim file (O_EXCL is atomic; so is it across worker processes)."""
    try:
        os.close(os.open(folder / CLAIM, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _limits() -> ReadLimits:
    return ReadLimits.from_config(current_app.config)


def _require_writer() -> None:
    if not permissions.can_write_anything(_user()):
        abort(403)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    _require_writer()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = Path(upload.filename or "upload").name
        root = _upload_root()
        _purge_old(root)
        token = secrets.token_urlsafe(18)
        folder = root / token
        folder.mkdir()
        (folder / "source").write_bytes(data)
        meta = {"user_id": current_user.id, "kind": form.kind.data, "filename": filename}
        report = importing.run_import(
            session=get_session(),
            kind=form.kind.data,
            data=data,
            filename=filename,
            user=_user(),
            commit=False,
            limits=_limits(),
        )
        _save_report(folder, meta, report)
        return redirect(url_for("io.import_preview", token=token))
    return render_template("io/upload.html", form=form, kinds=importable())


@bp.route("/import/template/<kind>.xlsx")
@login_required
def import_template(kind: str):
    """An empty sheet with our headers, to fill in and import."""
    if kind not in importable():
        abort(404)
    fh = io.BytesIO()
    importing.write_template(kind, fh)
    fh.seek(0)
    name = f"{importing.KINDS[kind]}导入模板.xlsx"
    return send_file(fh, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=name)


@bp.route("/import/<token>")
@login_required
def import_preview(token: str):
    _, meta = _load(token)
    report = importing.ImportReport.from_dict(meta["report"])
    return render_template(
        "io/preview.html",
        report=report,
        token=token,
        form=ConfirmForm(),
        kinds=importable(),
        labels=importing.STATUS_LABELS,
        done=meta.get("done", False),
    )


@bp.route("/import/<token>/confirm", methods=["POST"])
@login_required
def import_confirm(token: str):
    _require_writer()
    folder, meta = _load(token)
    form = ConfirmForm()
    if not form.validate_on_submit() or meta.get("done"):
        flash("该文件已导入，或页面已过期，请重新上传。", "warning")
        return redirect(url_for("io.import_preview", token=token))
    if not _claim(folder):  # a second click, or another tab: one import only
        flash("该文件正在导入或已导入，请勿重复提交。", "warning")
        return redirect(url_for("io.import_preview", token=token))
    report = None
    try:
        report = importing.run_import(
            session=get_session(),
            kind=meta["kind"],
            data=(folder / "source").read_bytes(),
            filename=meta["filename"],
            user=_user(),
            commit=True,
            include_similar=form.include_similar.data,
            limits=_limits(),
        )
        meta["done"] = report.committed
        _save_report(folder, meta, report)
    finally:
        if report is None or not report.committed:  # nothing written: may be confirmed again
            (folder / CLAIM).unlink(missing_ok=True)
    flash(report.summary(), "success" if report.committed else "danger")
    return redirect(url_for("io.import_preview", token=token))


@bp.route("/import/<token>/status.xlsx")
@login_required
def import_status(token: str):
    """The uploaded sheet as it was, with 导入结果 and 说明 columns."""
    folder, meta = _load(token)
    report = importing.ImportReport.from_dict(meta["report"])
    fh = io.BytesIO()
    importing.write_status_sheet(
        fh, data=(folder / "source").read_bytes(), filename=meta["filename"], report=report,
        limits=_limits(),
    )
    fh.seek(0)
    name = Path(meta["filename"]).stem + "_导入结果.xlsx"
    return send_file(fh, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=name)


# --- merge -------------------------------------------------------------------
@bp.route("/enterprises/merge", methods=["GET", "POST"])
@login_required
def merge():
    session = get_session()
    if not permissions.can_edit_enterprise(_user()):
        abort(403)
    form = MergeForm(
        data={
            "keep_id": request.args.get("keep", type=int),
            "drop_id": request.args.get("drop", type=int),
        }
        if request.method == "GET"
        else None
    )
    keep = session.get(Enterprise, form.keep_id.data) if form.keep_id.data else None
    drop = session.get(Enterprise, form.drop_id.data) if form.drop_id.data else None
    if form.validate_on_submit():
        if keep is None or drop is None:
            flash("企业不存在。", "danger")
        else:
            try:
                dedupe.merge_enterprises(session=session, keep=keep, drop=drop, user=_user())
            except ServiceError as exc:
                session.rollback()
                flash(
                    getattr(exc, "fields", None) and "；".join(exc.fields.values()) or str(exc),
                    "danger",
                )
            else:
                flash(f"已将“{drop.name}”合并到“{keep.name}”。", "success")
                return redirect(_enterprise_url(keep.id))
    similar = duplicates.candidates_of(session, keep) if keep is not None else []
    return render_template(
        "io/merge.html",
        form=form,
        keep=keep,
        drop=drop,
        similar=similar,
        enterprise_url=_enterprise_url,
    )


def _enterprise_url(enterprise_id: int) -> str:
    if "enterprises.detail" in current_app.view_functions:
        return url_for("enterprises.detail", enterprise_id=enterprise_id)
    return url_for("io.merge", keep=enterprise_id)
