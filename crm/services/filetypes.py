"""What a file is, from its bytes: the allow-list of attachment types.

No sniffing library is installed, and the allow-list is short, so the magic bytes are
checked here. A file is accepted only when its content is one of these types *and*
its extension is one the type may carry: an HTML page named .pdf or an SVG named
.png is neither a PDF nor a PNG, and is refused.
"""

from __future__ import annotations

import dataclasses
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    mime: str
    extensions: tuple[str, ...]


_TYPES = [
    FileType("pdf", "PDF 文档", "application/pdf", ("pdf",)),
    FileType("png", "PNG 图片", "image/png", ("png",)),
    FileType("jpeg", "JPEG 图片", "image/jpeg", ("jpg", "jpeg")),
    FileType("gif", "GIF 图片", "image/gif", ("gif",)),
    FileType("webp", "WebP 图片", "image/webp", ("webp",)),
    FileType("docx", "Word 文档", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", ("docx",)),
    FileType("xlsx", "Excel 表格", "application/vnd.openxmlformats-officedocument."
             "spreadsheetml.sheet", ("xlsx",)),
    FileType("pptx", "PowerPoint 演示文稿", "application/vnd.openxmlformats-officedocument."
             "presentationml.presentation", ("pptx",)),
    FileType("doc", "Word 97-2003 文档", "application/msword", ("doc",)),
    FileType("xls", "Excel 97-2003 表格", "application/vnd.ms-excel", ("xls",)),
    FileType("ppt", "PowerPoint 97-2003 演示文稿", "application/vnd.ms-powerpoint", ("ppt",)),
    FileType("txt", "文本文件", "text/plain", ("txt",)),
    FileType("csv", "CSV 表格", "text/csv", ("csv",)),
]
TYPES = {t.key: t for t in _TYPES}
EXTENSIONS = {ext: t for t in _TYPES for ext in t.extensions}
ALLOWED_TEXT = "PDF、Word、Excel、PowerPoint、图片（PNG/JPEG/GIF/WebP）、文本（TXT/CSV）"

# A marker the refusal message names; never accepted, whatever the extension.
MARKUP = FileType("markup", "网页或 SVG/XML 标记文件", "text/html", ())

_MAGIC = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
]
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 8192

# [Content_Types].xml names the main part of each OOXML document type; macro-enabled
# variants (docm, xlsm) name other types and are not accepted.
_OOXML_MAIN = {
    "docx": b"wordprocessingml.document.main+xml",
    "xlsx": b"spreadsheetml.sheet.main+xml",
    "pptx": b"presentationml.presentation.main+xml",
}
_CONTENT_TYPES_MAX = 1024 * 1024  # a real one is a few KB; never inflate a bomb

# The stream that makes an OLE compound file a Word, Excel or PowerPoint file.
_OLE_STREAMS = [("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"),
                ("PowerPoint Document", "ppt")]
_OLE_ENTRY = 128  # directory entries are 128 bytes, in sectors after the 512-byte header


def extension(filename: str) -> str:
    """The lower-case extension without the dot ('' when there is none)."""
    name = filename.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def sniff(path: Path) -> FileType | None:
    """The allow-listed type of the file's content, MARKUP for HTML/SVG/XML, or None."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    for magic, key in _MAGIC:
        if head.startswith(magic):
            return TYPES[key]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    if head.startswith(_ZIP):
        return _ooxml(path)
    if head.startswith(_OLE):
        return _ole(path.read_bytes())
    return _text(path, head)


def _ooxml(path: Path) -> FileType | None:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            types = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    for key, main in _OOXML_MAIN.items():
        if main in types:
            return TYPES[key]
    return None


def _ole(data: bytes) -> FileType | None:
    """Find a directory entry of a stream (type 2) that names the document type."""
    for name, key in _OLE_STREAMS:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        start = data.find(encoded, 512)
        while start != -1:
            entry = data[start:start + _OLE_ENTRY]
            if (start - 512) % _OLE_ENTRY == 0 and len(entry) == _OLE_ENTRY \
                    and int.from_bytes(entry[64:66], "little") == len(encoded) \
                    and entry[66] == 2:
                return TYPES[key]
            start = data.find(encoded, start + 1)
    return None


def _text(path: Path, head: bytes) -> FileType | None:
    """Plain text (UTF-8 or GB18030, as Excel saves CSV here); markup is refused."""
    if looks_like_markup(head):
        return MARKUP
    data = path.read_bytes()
    if b"\x00" in data:
        return None
    for charset in ("utf-8", "gb18030"):
        try:
            data.decode(charset)
        except UnicodeDecodeError:
            continue
        return dataclasses.replace(TYPES["txt"], mime=f"text/plain; charset={charset}")
    return None


def looks_like_markup(head: bytes) -> bool:
    """HTML, SVG and XML start with '<' (after a byte-order mark and blanks)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b"\xff\xfe").lstrip(b"\xfe\xff")
    text = text.replace(b"\x00", b"").lstrip()
    return text.startswith(b"<")


def agrees(sniffed: FileType, ext: str) -> FileType | None:
    """The type to store and serve when the content fits the extension, else None.
    Text is one sniffed type; the extension says whether it is served as CSV."""
    if sniffed.key == "txt" and ext in ("txt", "csv"):
        charset = sniffed.mime.partition(";")[2]
        base = TYPES[ext]
        return dataclasses.replace(base, mime=f"{base.mime};{charset}" if charset else base.mime)
    return sniffed if ext in sniffed.extensions else None
