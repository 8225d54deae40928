"""附件 on any record: upload, list, download and delete, permission-checked like the
record they hang on and written to the audit trail (on the record, so its 变更历史
shows them).

Files are stored under the instance folder by a random name (``Store``), never a
path the user chose; the content type is sniffed (crm.services.filetypes) and must
agree with the extension. Deleting is soft, as for records: the row keeps its
``deleted_at`` and the file stays, so every audit entry and backup finds its file.

``RECORD_KINDS`` holds the record types attachments may hang on; the record-type
registry (crm/records/) registers each declared type there.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import update
from sqlmodel import Session, select

from crm import formatting, rules
from crm.models import Attachment, User
from crm.models.base import utcnow
from crm.services import audit, filetypes, permissions, records
from crm.services.errors import NotFound, ValidationFailed

# --- record types --------------------------------------------------------------------

@dataclass(frozen=True)
class RecordKind:
    """What attachments need to know of a record type."""

    name: str  # in URLs and in Attachment.record_type
    label: str
    model: type
    audit_type: str  # AuditLog.object_type of the record
    endpoint: str  # its detail page, and the name of the id argument
    id_arg: str
    can_edit: Callable[[Session, User | None, object], bool]


# Filled by the record-type registry (crm.records.register): every declared type
# takes attachments, the way NetBox adds a capability to every model.
RECORD_KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> None:
    RECORD_KINDS[kind.name] = kind


def kind_of(name: str) -> RecordKind:
    kind = RECORD_KINDS.get(name)
    if kind is None:
        raise NotFound("记录类型")
    return kind


def record_of(session: Session, kind_name: str, record_id, *, live: bool = False):
    """(kind, record); a deleted record still shows its attachments, but takes no
    new ones and loses none (``live``), as it cannot be edited."""
    kind = kind_of(kind_name)
    return kind, records.get_live(session, kind.model, record_id, kind.label,
                                  include_deleted=not live)


def can_view(user: User | None, record) -> bool:
    return permissions.can_view_record(user, record)


def can_edit(session: Session, user: User | None, kind: RecordKind, record) -> bool:
    return record.deleted_at is None and bool(kind.can_edit(session, user, record))


# --- storage -------------------------------------------------------------------------

_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Store:
    """Where the files are (instance/attachments) and how large one may be."""

    root: Path
    max_bytes: int

    def path(self, stored_name: str) -> Path:
        if not _STORED_NAME.match(stored_name or ""):
            raise NotFound("附件文件")
        return self.root / stored_name[:2] / stored_name

    def incoming(self) -> Path:
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


# --- file names ----------------------------------------------------------------------

FILENAME_MAX = 200
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def clean_filename(raw: str | None) -> str:
    """The user's file name, safe to show and to send back: its last path part, NFC,
    without control or format characters (no right-to-left override making
    'gpj.exe' look like 'exe.jpg'), reserved characters as '_', at most 200
    characters with the extension kept. '' when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z")
                   or c == " ")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[:FILENAME_MAX - len(ext) - 1].rstrip(" .") \
            + (f".{ext}" if ext else "")
    return name


# --- reading -------------------------------------------------------------------------

def list_for(session: Session, *, kind_name: str, record_id, user: User | None
             ) -> list[Attachment]:
    _kind, record = record_of(session, kind_name, record_id)
    permissions.require(can_view(user, record), "您没有查看该记录的权限。")
    return live_attachments(session, kind_name, record.id)


def live_attachments(session: Session, kind_name: str, record_id: int) -> list[Attachment]:
    stmt = select(Attachment).where(
        Attachment.record_type == kind_name, Attachment.record_id == record_id,
        Attachment.deleted_at.is_(None)).order_by(Attachment.created_at.desc(),
                                                   Attachment.id.desc())
    return list(session.exec(stmt))


def _attachment_of(session: Session, kind: RecordKind, record, attachment_id) -> Attachment:
    if attachment_id is None or abs(int(attachment_id)) > records.MAX_ID:
        raise NotFound("附件")
    found = session.get(Attachment, attachment_id)
    if found is None or found.deleted_at is not None or found.record_type != kind.name \
            or found.record_id != record.id:
        raise NotFound("附件")
    return found


def open_for_download(session: Session, *, store: Store, kind_name: str, record_id,
                      attachment_id, user: User | None) -> tuple[Attachment, Path]:
    """The attachment and its file, for a user who may see the record; audited."""
    kind, record = record_of(session, kind_name, record_id)
    permissions.require(can_view(user, record), "您没有查看该记录的权限。")
    found = _attachment_of(session, kind, record, attachment_id)
    path = store.path(found.stored_name)
    if not path.is_file():
        raise NotFound("附件文件")
    _audit(session, "download", kind, record, found, user)
    session.commit()
    return found, path


# --- writing -------------------------------------------------------------------------

def upload(session: Session, *, store: Store, kind_name: str, record_id, stream: BinaryIO,
           filename: str | None, category: str | None, note: str | None, user: User
           ) -> Attachment:
    """Store one file on a record the user may edit; refusals name the file."""
    kind, record = record_of(session, kind_name, record_id, live=True)
    permissions.require(can_edit(session, user, kind, record),
                        f"您没有修改该{kind.label}的权限，不能上传附件。")
    name = clean_filename(filename)
    values = _fields(name, category, note)
    temp, size, digest = _receive(store, stream, name)
    final = None
    try:
        ftype = _checked_type(temp, name)
        stored = secrets.token_hex(16)
        final = store.path(stored)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        found = Attachment(record_type=kind.name, record_id=record.id, filename=name,
                           stored_name=stored, content_type=ftype.mime, size=size,
                           sha256=digest, uploaded_by=user.id, **values)
        session.add(found)
        session.flush()
        _audit(session, "attach", kind, record, found, user)
        session.commit()
    except BaseException:
        session.rollback()
        temp.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return found


def _fields(name: str, category: str | None, note: str | None) -> dict:
    errors = {}
    if not name:
        errors["file"] = "文件：请选择要上传的文件"
    elif filetypes.extension(name) not in filetypes.EXTENSIONS:
        errors["file"] = (f"文件“{name}”：不允许的文件类型（允许 {filetypes.ALLOWED_TEXT}）")
    code = rules.code_for_label(rules.ATTACHMENT_CATEGORIES, category or "other")
    if code is None:
        errors["category"] = "类别：应为 " + "、".join(rules.ATTACHMENT_CATEGORIES.values())
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = f"说明：不能超过 500 个字符（现有 {len(note)} 个）"
    if errors:
        raise ValidationFailed(errors)
    return {"category": code, "note": note}


def _receive(store: Store, stream: BinaryIO, name: str) -> tuple[Path, int, str]:
    """Copy the upload to a temporary file, counting and hashing; too large or empty
    is refused before anything is kept."""
    temp = store.incoming() / secrets.token_hex(16)
    digest, size = hashlib.sha256(), 0
    try:
        with temp.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > store.max_bytes:
                    raise ValidationFailed({"file": (
                        f"文件“{name}”：超过大小上限 {formatting.filesize(store.max_bytes)}，"
                        "请压缩或拆分后再上传")})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed({"file": f"文件“{name}”：是空文件"})
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, size, digest.hexdigest()


def _checked_type(path: Path, name: str) -> filetypes.FileType:
    ext = filetypes.extension(name)
    sniffed = filetypes.sniff(path)
    if sniffed is filetypes.MARKUP:
        raise ValidationFailed({"file": (
            f"文件“{name}”：内容是{sniffed.label}（HTML/SVG/XML），不允许上传")})
    if sniffed is None:
        raise ValidationFailed({"file": (
            f"文件“{name}”：内容无法识别为允许的类型（{filetypes.ALLOWED_TEXT}），"
            "文件可能已损坏或扩展名有误")})
    agreed = filetypes.agrees(sniffed, ext)
    if agreed is None:
        raise ValidationFailed({"file": (
            f"文件“{name}”：扩展名 .{ext} 与内容（{sniffed.label}）不符，请改正扩展名后再上传")})
    return agreed


def delete(session: Session, *, kind_name: str, record_id, attachment_id, user: User
           ) -> Attachment:
    kind, record = record_of(session, kind_name, record_id, live=True)
    permissions.require(can_edit(session, user, kind, record),
                        f"您没有修改该{kind.label}的权限，不能删除附件。")
    found = _attachment_of(session, kind, record, attachment_id)
    found.deleted_at = utcnow()
    session.add(found)
    _audit(session, "detach", kind, record, found, user)
    session.commit()
    return found


def move_all(session: Session, kind_name: str, from_id: int, to_id: int) -> int:
    """A merge takes the dropped record's live attachments along (the caller audits)."""
    stmt = update(Attachment).where(
        Attachment.record_type == kind_name, Attachment.record_id == from_id,
        Attachment.deleted_at.is_(None)).values(record_id=to_id)
    return session.execute(stmt).rowcount


# --- audit ---------------------------------------------------------------------------

def describe(found: Attachment) -> str:
    return (f"附件 #{found.id}“{found.filename}”（"
            f"{rules.label(rules.ATTACHMENT_CATEGORIES, found.category)}，"
            f"{formatting.filesize(found.size)}，SHA-256 {found.sha256[:16]}…）")


def _audit(session: Session, action: str, kind: RecordKind, record, found: Attachment,
           user: User | None) -> None:
    changes = {"attach": {"attachment": [None, found.filename]},
               "detach": {"attachment": [found.filename, None]}}.get(action)
    audit.record(session, user=user, action=action, object_type=kind.audit_type,
                 object_id=record.id, changes=changes, summary=describe(found))
