"""Read an uploaded CSV, XLSX or JSON (an array of records) file as a stream of rows, as staff really export them.

Detection is automatic (format by magic bytes, encoding, delimiter, title rows above the
header) with explicit overrides. Memory stays constant whatever the file size: CSV is read
line by line from a binary stream and XLSX through openpyxl's read-only streaming parser.
Rows are numbered by record (a quoted field spanning lines is one record), counting from 1
with title and blank rows included, as a spreadsheet shows them. Title rows above the header
and subtotal rows (first filled cell starting with ОБЩО/ВСИЧКО in any case) become notices.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Self

from datasets.csv_records import Record, csv_records
from datasets.json_records import json_records, looks_like_json
from datasets.report import Problem
from metadata.errors import InvalidInput
from metadata.messages import text

XLSX_MAX_RATIO = 100  # OWASP's usual zip-bomb threshold; real sheets compress 5-30x
XLSX_MAX_MEMBERS = 10_000
_PREFIX = 64 * 1024  # bytes used to detect encoding and delimiter
_HEADER_SCAN = 20  # non-blank records looked at to find the header below title rows
_DELIMITERS = (";", "\t", ",")  # ties go to the earlier: "," also shows up in decimals
_ENCODINGS = {"utf-8", "utf-8-sig", "cp1251"}
_SUBTOTAL = re.compile(r"^\s*(общо|всичко)\b", re.IGNORECASE)
# What openpyxl raises on damaged parts (XML parse errors are SyntaxError subclasses).
_XLSX_DAMAGE = (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError)
_MAGIC = (
    (b"\xd0\xcf\x11\xe0", ".xls (Excel 97-2003)"),
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\xff\xfe", "UTF-16"),  # Excel's "Unicode Text" export
    (b"\xfe\xff", "UTF-16"),
)


@dataclass(frozen=True)
class Dialect:
    """How a source file was read."""

    format: str  # "csv", "xlsx" or "json"
    encoding: str | None  # "utf-8", "utf-8-sig" or "cp1251" (None for xlsx)
    delimiter: str | None  # None for xlsx
    sheet: str | None  # None for csv
    header_row: int  # 1-based record number of the header row in the source


class SourceTable:
    """An opened source table: dialect, header, notices and a one-shot stream of data rows.

    Use as a context manager; it closes the underlying file. `notices` holds the title-row
    notices from the start and gains subtotal-row notices while `rows()` is consumed.
    """

    def __init__(self, dialect: Dialect, header: list[str], notices: list[Problem],
                 data: Iterator[Record], close: Callable[[], None]) -> None:
        self.dialect = dialect
        self.header = header
        self.notices = notices
        self._data = data
        self._close = close
        self._started = False

    def rows(self) -> Iterator[Record]:
        """Yield (source record number, cells) for each data row; iterate once."""
        if self._started:
            raise RuntimeError("SourceTable.rows() can be iterated only once; reopen the file")
        self._started = True
        return self._data

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(path: Path | str, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None, max_xlsx_bytes: int = 200_000_000) -> SourceTable:
    """Open a CSV or XLSX file for streaming; raise InvalidInput when it cannot be a table."""
    path = Path(path)
    encoding = _check_encoding(encoding)
    delimiter = _check_delimiter(delimiter)
    with path.open("rb") as f:
        head = f.read(8)
    if not head or head == codecs.BOM_UTF8:
        raise InvalidInput("read.empty-file")
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise InvalidInput("read.unsupported-format", detail=name)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet=sheet, max_bytes=max_xlsx_bytes)
    if looks_like_json(path):
        records, close = json_records(path)
        return _build(records, Dialect("json", "utf-8", None, None, 0), close)
    return _open_csv(path, encoding=encoding, delimiter=delimiter)


# --- overrides ---------------------------------------------------------------------------

def _check_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InvalidInput("read.unknown-encoding", encoding=encoding) from None
    if name not in _ENCODINGS:
        raise InvalidInput("read.unknown-encoding", encoding=encoding)
    return name


def _check_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    if delimiter.lower() in ("tab", "\\t"):
        return "\t"
    if len(delimiter) != 1 or delimiter.isalnum() or delimiter in "\"\r\n\x00":
        raise InvalidInput("read.bad-delimiter", delimiter=delimiter)
    return delimiter


# --- CSV ---------------------------------------------------------------------------------

def _open_csv(path: Path, *, encoding: str | None, delimiter: str | None) -> SourceTable:
    f = path.open("rb")
    try:
        prefix = f.read(_PREFIX)
        bom = prefix.startswith(codecs.BOM_UTF8)
        if encoding is None:
            encoding = "utf-8-sig" if bom else _detect_encoding(prefix)
        elif encoding == "utf-8" and bom:
            encoding = "utf-8-sig"
        sample = _decode_sample(prefix, encoding)
        delimiter = delimiter or _sniff_delimiter(sample)
        f.seek(3 if encoding == "utf-8-sig" and bom else 0)
        codec = "utf-8" if encoding == "utf-8-sig" else encoding
        records = csv_records(f, codec, delimiter)
        dialect = Dialect("csv", encoding, delimiter, None, 0)
        return _build(records, dialect, f.close)
    except BaseException:
        f.close()
        raise


def _detect_encoding(prefix: bytes) -> str:
    # Decoding incrementally tolerates a multi-byte character cut at the prefix's end.
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(prefix, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def _decode_sample(prefix: bytes, encoding: str) -> list[str]:
    complete = prefix[: prefix.rfind(b"\n") + 1] or prefix
    sample = complete.decode("utf-8-sig" if encoding.startswith("utf-8") else encoding, "replace")
    return list(io.StringIO(sample, newline=""))


def _sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter giving the most records with the same number (> 1) of cells."""
    best, best_score = ",", (0, 0)
    for candidate in _DELIMITERS:
        counts: dict[int, int] = {}
        for cells in csv.reader(lines, delimiter=candidate):
            if len(cells) > 1:
                counts[len(cells)] = counts.get(len(cells), 0) + 1
        if counts:
            width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            if (freq, width) > best_score:
                best, best_score = candidate, (freq, width)
    return best


# --- XLSX --------------------------------------------------------------------------------

def _open_xlsx(path: Path, *, sheet: str | None, max_bytes: int) -> SourceTable:
    _check_zip(path, max_bytes=max_bytes)
    import openpyxl  # imported lazily: CSV-only callers do not pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    f = path.open("rb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            # A file object skips openpyxl's file-name extension check (uploads have none).
            wb = openpyxl.load_workbook(f, read_only=True, data_only=True, keep_links=False)
    except (*_XLSX_DAMAGE, InvalidFileException):
        f.close()
        raise InvalidInput("read.corrupt-xlsx") from None

    def close() -> None:
        wb.close()
        f.close()

    try:
        name = sheet if sheet is not None else wb.sheetnames[0]
        if name not in wb.sheetnames:
            raise InvalidInput("read.sheet-not-found", sheet=name, sheets=", ".join(wb.sheetnames))
        ws = wb[name]
        ws.reset_dimensions()  # stored dimensions are often wrong and would cut rows off
        return _build(_xlsx_records(ws), Dialect("xlsx", None, None, name, 0), close)
    except BaseException:
        close()
        raise


def _xlsx_records(ws: Any) -> Iterator[Record]:
    try:
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in row]
    except _XLSX_DAMAGE:
        raise InvalidInput("read.corrupt-xlsx") from None


def _check_zip(path: Path, *, max_bytes: int) -> None:
    """Refuse zips that are not XLSX, or that would expand too far, before parsing them."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "mimetype" in names and b"opendocument" in z.read("mimetype")[:100]:
                raise InvalidInput("read.unsupported-format", detail=".ods (OpenDocument)")
    except zipfile.BadZipFile:
        raise InvalidInput("read.unsupported-format", detail="ZIP") from None
    if "xl/workbook.xml" not in names:
        raise InvalidInput("read.unsupported-format", detail="ZIP")
    if "xl/vbaProject.bin" in names:  # never run, but refused rather than passed on
        raise InvalidInput("read.unsupported-format", detail="XLSM (macros)")
    # zipfile stops at each member's declared size (and fails its CRC), so these hold.
    size = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if size > max_bytes or len(infos) > XLSX_MAX_MEMBERS:
        raise InvalidInput("read.xlsx-too-large", size=size, limit=max_bytes)
    if size > 1_000_000 and size > XLSX_MAX_RATIO * max(packed, 1):
        raise InvalidInput("read.xlsx-ratio", ratio=size // max(packed, 1), limit=XLSX_MAX_RATIO)


def _cell(value: Any) -> str:
    """Render an XLSX cell value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps 15 significant digits; more would show binary noise (0.30000000000000004).
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return str(value)


# --- header, title rows, subtotal rows ---------------------------------------------------

def _is_blank(cells: list[str]) -> bool:
    return not any(map(str.strip, cells))


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def _build(records: Iterator[Record], dialect: Dialect, close: Callable[[], None]) -> SourceTable:
    """Find the header below any title rows, check it, and set up the data row stream."""
    scanned: list[Record] = []
    for record in records:
        if _is_blank(record[1]):
            continue
        scanned.append(record)
        if len(scanned) >= _HEADER_SCAN:
            break
    if not scanned:
        raise InvalidInput("read.empty-file")
    at = _header_index(scanned)
    header_row, raw_header = scanned[at]
    notices = [_notice("title-row", n, cells) for n, cells in scanned[:at]]
    header = _check_header(raw_header, xlsx=dialect.format == "xlsx")
    data = _data_rows(chain(scanned[at + 1:], records), notices, width=len(header),
                      fit=dialect.format == "xlsx")
    first = next(data, None)
    if first is None:
        raise InvalidInput("read.header-only")
    dialect = Dialect(dialect.format, dialect.encoding, dialect.delimiter, dialect.sheet, header_row)
    return SourceTable(dialect, header, notices, chain([first], data), close)


def _header_index(scanned: list[Record]) -> int:
    """The header is the first record filling at least half the table's width (min. 2)."""
    width = max(_filled(cells) for _, cells in scanned)
    need = 1 if width == 1 else max(2, (width + 1) // 2)
    return next(i for i, (_, cells) in enumerate(scanned) if _filled(cells) >= need)


def _check_header(cells: list[str], *, xlsx: bool) -> list[str]:
    header = [c.strip() for c in cells]
    if xlsx:  # formatted but empty cells right of the table are not columns
        while header and not header[-1]:
            header.pop()
    seen: set[str] = set()
    for column, name in enumerate(header, start=1):
        if not name:
            raise InvalidInput("read.blank-header", column=column)
        key = " ".join(name.split()).casefold()
        if key in seen:
            raise InvalidInput("read.duplicate-header", field=name)
        seen.add(key)
    return header


def _data_rows(records: Iterator[Record], notices: list[Problem], *, width: int,
               fit: bool) -> Iterator[Record]:
    """Yield the data rows: blank rows skipped, subtotal rows turned into notices."""
    for number, cells in records:
        for first in cells:
            if first.strip():
                break
        else:
            continue  # a blank row
        # Only a cell starting with О or В can open ОБЩО/ВСИЧКО: skip the regex otherwise.
        if first.lstrip()[0] in "оОвВ" and _SUBTOTAL.match(first):
            notices.append(_notice("subtotal-row", number, cells))
            continue
        yield number, (_fit(cells, width) if fit else cells)


def _fit(cells: list[str], width: int) -> list[str]:
    """Give an XLSX row the header's width: a sheet has no missing cells, only empty ones."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if len(cells) > width and _is_blank(cells[width:]):
        return cells[:width]
    return cells


def _notice(code: str, row: int, cells: list[str]) -> Problem:
    value = " ".join(c.strip() for c in cells if c.strip())[:200]
    return Problem(code, text(f"read.{code}", row=row, value=value), row=row, value=value,
                   severity="notice")
