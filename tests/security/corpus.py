"""A corpus of hostile upload files: each with the message id it must get, or None when it is
data that must be handled safely (published or reported, never a crash).

Every file is built in memory so the corpus lives in code, not in binary fixtures.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Callable

import openpyxl


@dataclass(frozen=True)
class Hostile:
    """One hostile file: its name on upload, its bytes and what it must produce."""

    name: str
    upload_name: str
    build: Callable[[], bytes]
    message_id: str | None  # the specific refusal, or None: valid-or-reported, handled safely
    encoding: str | None = None


def _csv(*lines: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: ("\r\n".join(lines) + "\r\n").encode(encoding)


def _raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, *, add: dict[str, bytes] | None = None,
           replace: dict[str, bytes] | None = None) -> bytes:
    """Copy an xlsx zip, replacing and adding members."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A valid-looking XLSX whose sheet expands ~1000 times (about 50 KB → 40 MB)."""
    base = _xlsx([["a", "b"], [1, 2]])
    filler = b"<!--" + b" " * (40 * 1024 * 1024) + b"-->"
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    bloated = sheet.replace(b"<sheetData>", b"<sheetData>" + filler, 1)
    return _rezip(base, replace={"xl/worksheets/sheet1.xml": bloated})


def xlsx_external_link() -> bytes:
    """An XLSX with an external workbook link and a WEBSERVICE formula to a remote host."""
    base = _xlsx([["name", "value"], ["a", "=WEBSERVICE(\"http://198.51.100.1/x\")"],
                  ["b", "='http://198.51.100.1/[book.xlsx]Sheet1'!A1"]])
    link = (b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxml'
            b'formats.org/spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxml'
            b'formats.org/officeDocument/2006/relationships" r:id="rId1"/></externalLink>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxml'
            b'formats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas'
            b'.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target='
            b'"http://198.51.100.1/book.xlsx" TargetMode="External"/></Relationships>')
    return _rezip(base, add={"xl/externalLinks/externalLink1.xml": link,
                             "xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def xlsm_macros() -> bytes:
    return _rezip(_xlsx([["a"], [1]]), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512})


def ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    return out.getvalue()


def corrupt_xlsx() -> bytes:
    return _rezip(_xlsx([["a"], [1]]), replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})


HEADER = "name;value"
ROW = "alpha;1"

CORPUS: tuple[Hostile, ...] = (
    # Nothing to read (SECURITY 7)
    Hostile("empty file", "empty.csv", _raw(b""), "read.empty-file"),
    Hostile("BOM only", "bom.csv", _raw(b"\xef\xbb\xbf"), "read.empty-file"),
    Hostile("BOM and blank lines only", "bom-lines.csv", _raw(b"\xef\xbb\xbf\r\n\r\n  \r\n"),
            "read.empty-file"),
    Hostile("blank lines only", "blank.csv", _raw(b"\n" * 1000), "read.empty-file"),
    Hostile("header only", "header.csv", _csv(HEADER), "read.header-only"),
    Hostile("BOM and header only", "bom-header.csv", _raw(b"\xef\xbb\xbfname;value\r\n"),
            "read.header-only"),
    # Broken text (SECURITY 9, 10, 48)
    Hostile("NUL bytes", "nul.csv", _raw(b"name;value\r\nal\x00pha;1\r\n"), "read.nul-bytes"),
    Hostile("NUL in the header", "nul-header.csv", _raw(b"na\x00me;value\r\nalpha;1\r\n"),
            "read.nul-bytes"),
    Hostile("invalid UTF-8 declared UTF-8", "bad-utf8.csv",
            _raw(b"name;value\r\nalpha;1\r\n\xff\xfebeta;2\r\n"), "read.bad-encoding", "utf-8"),
    Hostile("overlong UTF-8 declared UTF-8", "overlong.csv",
            _raw(b"name;value\r\n\xc0\xaf\xc0\xae;1\r\n"), "read.bad-encoding", "utf-8"),
    Hostile("UTF-8 encoded surrogate declared UTF-8", "surrogate.csv",
            _raw(b"name;value\r\n\xed\xa0\x80x;1\r\n"), "read.bad-encoding", "utf-8"),
    Hostile("unterminated quote", "quote.csv", _raw(b'name;value\r\n"alpha;1\r\nbeta;2\r\n'),
            "read.unterminated-quote"),
    Hostile("UTF-16 export", "utf16.csv", _raw("name;value\r\nалфа;1\r\n".encode("utf-16")),
            "read.unsupported-format"),
    # Headers (SECURITY 12, 13, 43)
    Hostile("duplicate headers", "dup.csv", _csv("name;name", "a;b"), "read.duplicate-header"),
    Hostile("duplicate headers differing in case and spaces", "dup2.csv",
            _csv("Name ; name", "a;b"), "read.duplicate-header"),
    Hostile("blank header", "blankh.csv", _csv("name;;value", "a;b;1"), "read.blank-header"),
    Hostile("whitespace-only header", "wsh.csv", _csv("name;   ;value", "a;b;1"),
            "read.blank-header"),
    Hostile("non-breaking-space header", "nbsp.csv", _csv("name;\u00a0;value", "a;b;1"),
            "read.blank-header"),
    Hostile("SQL in headers", "sql.csv",
            _csv('"id; DROP TABLE x";"name\'); DELETE FROM releases;--";"a]b[c"', "1;x;y"), None),
    Hostile("HTML in headers", "html.csv",
            _csv('"<script>alert(1)</script>";"<img src=x onerror=alert(2)>"', "1;2"), None),
    Hostile("reserved words as headers", "reserved.csv",
            _csv("select;from;where;rowid;order;group;_id;__proto__;constructor", "1;2;3;4;5;6;7;8;9"),
            None),
    Hostile("a 10,000-character header", "longh.csv", _csv("h" * 10_000 + ";value", "a;1"), None),
    Hostile("bidi overrides and control characters", "bidi.csv",
            _csv("name\u202e;value\x1b[31m", "\u202eevil\u202c;\x07\x01"), None),
    # Shapes (SECURITY 8, 11)
    Hostile("ragged rows: too few and too many cells", "ragged.csv",
            _csv("name;value;kind", "a;1;x", "b;2", "c;3;y;extra;more"), None),
    Hostile("a 10 MB single field", "bigfield.csv",
            lambda: b"name;value\r\n" + b"x" * (10 * 1024 * 1024) + b";1\r\n", None),
    Hostile("10,000 columns", "wide.csv",
            lambda: (";".join(f"c{i}" for i in range(10_000)) + "\r\n"
                     + ";".join(str(i) for i in range(10_000)) + "\r\n").encode(),
            "read.too-many-columns"),
    Hostile("1,000,000 empty lines", "lines.csv",
            lambda: b"name;value\r\nalpha;1\r\n" + b"\r\n" * 1_000_000 + b"beta;2\r\n", None),
    Hostile("100,000 rows of one character", "tall.csv",
            lambda: b"v\r\n" + b"a\r\n" * 100_000, None),
    # Cells (SECURITY 14)
    Hostile("formula cells", "formula.csv",
            _csv('name;value', '"=HYPERLINK(""http://evil.example/"",""click"")";1',
                 "+cmd|' /C calc'!A0;2", "@SUM(1+1)*cmd|' /C calc'!A0;3", "-2+3;4",
                 "\tTAB;5"), None),
    Hostile("emoji and astral characters", "emoji.csv", _csv("name;value", "😀𝔘𝔫𝔦;1"), None),
    # Not a table (SECURITY 16)
    Hostile("legacy .xls renamed .csv", "old.csv",
            _raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000), "read.unsupported-format"),
    Hostile("OpenDocument .ods renamed .csv", "sheet.csv", ods, "read.unsupported-format"),
    Hostile("PDF renamed .csv", "report.csv", _raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
            "read.unsupported-format"),
    Hostile("PNG renamed .csv", "image.csv", _raw(b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
            "read.unsupported-format"),
    Hostile("JPEG renamed .csv", "photo.csv", _raw(b"\xff\xd8\xff\xe0" + b"\0" * 100),
            "read.unsupported-format"),
    Hostile("GIF renamed .csv", "anim.csv", _raw(b"GIF89a" + b"\0" * 100),
            "read.unsupported-format"),
    Hostile("a plain zip renamed .xlsx", "data.xlsx", plain_zip, "read.unsupported-format"),
    # XLSX (SECURITY 15, 47)
    Hostile("XLSX zip bomb", "bomb.xlsx", zip_bomb, "read.xlsx-ratio"),
    Hostile("XLSX with macros", "macro.xlsx", xlsm_macros, "read.unsupported-format"),
    Hostile("XLSX with external links", "links.xlsx", xlsx_external_link, None),
    Hostile("damaged XLSX", "broken.xlsx", corrupt_xlsx, "read.corrupt-xlsx"),
    Hostile("truncated XLSX", "cut.xlsx", lambda: _xlsx([["a"], [1]])[:300],
            "read.unsupported-format"),
    Hostile("XLSX renamed .csv", "renamed.csv", lambda: _xlsx([["name", "value"], ["a", 1]]), None),
    Hostile("CSV renamed .xlsx", "text.xlsx", _csv(HEADER, ROW), None),
    Hostile("random bytes", "noise.csv",
            lambda: bytes((i * 131 + 7) % 256 for i in range(4096) if (i * 131 + 7) % 256),
            "read.bad-encoding"),
)
