"""What a file is, from its bytes (crm.services.filetypes) and file names made safe
(crm.services.attachments.clean_filename). Real files written to disk, no database."""

from __future__ import annotations

import io
import zipfile

import pytest

from crm.services import filetypes
from crm.services.attachments import clean_filename

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def ooxml(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types><Override PartName="/x" ContentType="application/'
            f'vnd.openxmlformats-officedocument.{main}.main+xml"/></Types>'))
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def ole(stream: str) -> bytes:
    """A compound file header and one directory sector naming ``stream`` (type 2)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (512 - 8)
    root = "Root Entry".encode("utf-16-le") + b"\x00\x00"
    name = stream.encode("utf-16-le") + b"\x00\x00"
    entries = b""
    for encoded, kind in ((root, 5), (name, 2)):
        entry = encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + bytes([kind])
        entries += entry.ljust(128, b"\x00")
    return header + entries.ljust(512, b"\x00")


def sniffed(tmp_path, data: bytes):
    path = tmp_path / "f"
    path.write_bytes(data)
    return filetypes.sniff(path)


@pytest.mark.parametrize(("data", "key"), [
    (PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (GIF, "gif"), (WEBP, "webp"),
    (ooxml("wordprocessingml.document"), "docx"), (ooxml("spreadsheetml.sheet"), "xlsx"),
    (ooxml("presentationml.presentation"), "pptx"),
    (ole("WordDocument"), "doc"), (ole("Workbook"), "xls"), (ole("PowerPoint Document"), "ppt"),
    ("名称,金额\n长春,1\n".encode(), "txt"), ("名称,金额\n".encode("gb18030"), "txt"),
])
def test_allowed_types_are_recognised(tmp_path, data, key):
    assert sniffed(tmp_path, data).key == key


@pytest.mark.parametrize("data", [HTML, SVG, b"\xef\xbb\xbf  <html>", b"\n<svg/>"])
def test_markup_is_markup_whatever_its_name(tmp_path, data):
    assert sniffed(tmp_path, data) is filetypes.MARKUP


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00" + b"\x00" * 100,  # a Windows program
    ooxml("unknown"),  # a zip that is no Office document
    b"PK\x03\x04 not really a zip",
    ole("SomethingElse"),
    b"text with a NUL\x00 byte",
])
def test_other_content_is_not_recognised(tmp_path, data):
    assert sniffed(tmp_path, data) is None


def test_extension_must_agree(tmp_path):
    pdf = sniffed(tmp_path, PDF)
    assert filetypes.agrees(pdf, "pdf") is pdf
    assert filetypes.agrees(pdf, "png") is None
    text = sniffed(tmp_path, b"a,b\n")
    assert filetypes.agrees(text, "csv").mime == "text/csv; charset=utf-8"
    assert filetypes.agrees(text, "txt").mime == "text/plain; charset=utf-8"
    assert filetypes.agrees(text, "pdf") is None
    docx = sniffed(tmp_path, ooxml("wordprocessingml.document"))
    assert filetypes.agrees(docx, "xlsx") is None


@pytest.mark.parametrize(("raw", "clean"), [
    ("合同.pdf", "合同.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\张三\\会议纪要.docx", "会议纪要.docx"),
    ("photo\u202egnp.exe", "photognp.exe"),  # no right-to-left override
    ('a"b<c>|d.pdf', "a_b_c__d.pdf"),
    ("line\r\nbreak.pdf", "linebreak.pdf"),
    ("...", ""),
    ("名" * 300 + ".pdf", "名" * 196 + ".pdf"),
])
def test_file_names_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean
    assert len(clean_filename(raw)) <= 200
