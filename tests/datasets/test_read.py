"""Reading uploads as staff really export them: CSV in UTF-8/cp1251, XLSX, and broken files."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from datasets.read import Dialect, open_table
from metadata.errors import InvalidInput

DATA = Path(__file__).resolve().parents[1] / "data"


def real_rows(name: str) -> list[list[str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_all(path: Path, **options: str) -> tuple[Dialect, list[str], list[tuple[int, list[str]]]]:
    with open_table(path, **options) as table:
        return table.dialect, table.header, list(table.rows())


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


LEVSKI = real_rows("levski-settlements.csv")
PLEVEN = real_rows("pleven-council-decisions-2026.csv")
BUDGET = real_rows("bg-budget-expenses.csv")


# --- encodings and delimiters ------------------------------------------------------------

@pytest.mark.parametrize(("written", "delimiter", "encoding"), [
    ("utf-8", ",", "utf-8"),
    ("utf-8-sig", ",", "utf-8-sig"),
    ("cp1251", ",", "cp1251"),
    ("utf-8", ";", "utf-8"),
    ("cp1251", ";", "cp1251"),
    ("utf-8-sig", "\t", "utf-8-sig"),
    ("cp1251", "\t", "cp1251"),
])
def test_read_detects_encoding_and_delimiter(tmp_path, written, delimiter, encoding):
    path = write_csv(tmp_path / "levski.csv", LEVSKI, encoding=written, delimiter=delimiter)
    dialect, header, rows = read_all(path)
    assert dialect == Dialect("csv", encoding, delimiter, None, 1)
    assert header == LEVSKI[0]
    assert rows == list(enumerate(LEVSKI[1:], start=2))


def test_read_strips_the_bom_from_the_first_header(tmp_path):
    path = write_csv(tmp_path / "levski.csv", LEVSKI, encoding="utf-8-sig")
    assert read_all(path)[1][0] == "ekatte"


def test_read_sniffs_semicolons_despite_decimal_commas(tmp_path):
    rows = [["Населено място", "Площ"], ["Асеновци", "44,238"], ["Аспарухово", "11,777"]]
    path = write_csv(tmp_path / "a.csv", rows, delimiter=";")
    dialect, _, data = read_all(path)
    assert dialect.delimiter == ";"
    assert data == [(2, ["Асеновци", "44,238"]), (3, ["Аспарухово", "11,777"])]


@pytest.mark.parametrize(("delimiter", "header"), [
    (",", ["a", "b;c"]),
    (";", ["a,b", "c"]),
    ("tab", ["a,b;c"]),
])
def test_read_honours_a_delimiter_override(tmp_path, delimiter, header):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b;c\n1,2;3\n")
    assert read_all(path, delimiter=delimiter)[1] == header


@pytest.mark.parametrize(("written", "override", "encoding"), [
    ("cp1251", "windows-1251", "cp1251"),
    ("utf-8", "UTF8", "utf-8"),
    ("utf-8-sig", "utf-8", "utf-8-sig"),
])
def test_read_honours_an_encoding_override(tmp_path, written, override, encoding):
    path = write_csv(tmp_path / "a.csv", LEVSKI, encoding=written)
    dialect, header, _ = read_all(path, encoding=override)
    assert (dialect.encoding, header) == (encoding, LEVSKI[0])


def test_read_detects_cp1251_when_utf8_fails_only_deep_in_the_sample(tmp_path):
    rows = [["name"]] + [["Plain ascii"]] * 500 + [["Левски"]]
    path = write_csv(tmp_path / "a.csv", rows, encoding="cp1251")
    dialect, _, data = read_all(path)
    assert dialect.encoding == "cp1251"
    assert data[-1] == (502, ["Левски"])


# --- records: embedded newlines, title rows, subtotals, blanks, ragged rows --------------

def test_read_keeps_embedded_newlines_and_numbers_records_not_lines(tmp_path):
    rows = [PLEVEN[0], PLEVEN[1][:3] + ["Решение за\nбюджета\n2026"] + PLEVEN[1][4:], PLEVEN[2]]
    path = write_csv(tmp_path / "a.csv", rows)
    _, _, data = read_all(path)
    assert data == [(2, rows[1]), (3, rows[2])]


def test_read_reports_title_rows_and_finds_the_header_below_them(tmp_path):
    width = len(BUDGET[0])
    rows = ([["Бюджет на община Левски за 2026 г."] + [""] * (width - 1), [""] * width]
            + BUDGET[:3])
    path = write_csv(tmp_path / "a.csv", rows, encoding="cp1251", delimiter=";")
    with open_table(path) as table:
        data = list(table.rows())
        notices = [(n.code, n.row, n.value, n.severity) for n in table.notices]
        assert table.dialect.header_row == 3
        assert table.header == BUDGET[0]
    assert notices == [("title-row", 1, "Бюджет на община Левски за 2026 г.", "notice")]
    assert data == [(4, BUDGET[1]), (5, BUDGET[2])]


@pytest.mark.parametrize("label", ["ОБЩО", "ОБЩО:", "Общо", "общо разходи:", "ВСИЧКО", "Всичко:"])
def test_read_reports_subtotal_rows_and_does_not_load_them(tmp_path, label):
    rows = LEVSKI[:3] + [[label, "", "", "", "55 015", "1 903"]] + LEVSKI[3:4]
    path = write_csv(tmp_path / "a.csv", rows, delimiter=";")
    with open_table(path) as table:
        data = list(table.rows())
        notices = [(n.code, n.row, n.severity) for n in table.notices]
    assert notices == [("subtotal-row", 4, "notice")]
    assert [number for number, _ in data] == [2, 3, 5]


def test_read_numbers_survive_title_rows_embedded_newlines_and_subtotals(tmp_path):
    rows = [["Решения на Общински съвет Плевен"], [], PLEVEN[0],
            PLEVEN[1][:3] + ["два\nреда"] + PLEVEN[1][4:], ["Общо:"], PLEVEN[2]]
    path = write_csv(tmp_path / "a.csv", rows)
    with open_table(path) as table:
        numbers = [number for number, _ in table.rows()]
        notice_rows = [n.row for n in table.notices]
    assert (numbers, notice_rows) == ([4, 6], [1, 5])


def test_read_skips_completely_blank_rows(tmp_path):
    rows = [LEVSKI[0], LEVSKI[1], [], [""] * 6, [" ", ""], LEVSKI[2]]
    path = write_csv(tmp_path / "a.csv", rows)
    assert [n for n, _ in read_all(path)[2]] == [2, 6]


def test_read_yields_ragged_rows_as_they_are(tmp_path):
    rows = [LEVSKI[0], LEVSKI[1][:4], LEVSKI[2] + ["extra"]]
    path = write_csv(tmp_path / "a.csv", rows)
    assert read_all(path)[2] == [(2, LEVSKI[1][:4]), (3, LEVSKI[2] + ["extra"])]


def test_read_loads_a_ten_megabyte_field(tmp_path):
    big = "Плевен " * 1_500_000
    path = write_csv(tmp_path / "a.csv", [["id", "text"], ["1", big]])
    assert read_all(path)[2] == [(2, ["1", big])]


def test_read_rows_can_be_iterated_only_once(tmp_path):
    path = write_csv(tmp_path / "a.csv", LEVSKI)
    with open_table(path) as table:
        list(table.rows())
        with pytest.raises(RuntimeError):
            table.rows()


def test_read_streams_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ekatte", "name_bg", "n"])
        for i in range(300_000):  # narrow rows: tracemalloc slows every allocation
            settlement = LEVSKI[1 + i % 13]
            writer.writerow([settlement[0], settlement[2], str(i)])
    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _ in table.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 300_000
    assert peak < 4_000_000  # the rows alone take over 50 MB as a list


def test_read_gets_through_a_million_blank_lines_to_the_header_only_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n" + b"\n" * 1_000_000)
    with pytest.raises(InvalidInput) as caught:
        open_table(path)
    assert caught.value.message_id == "read.header-only"


# --- XLSX ---------------------------------------------------------------------------------

def test_read_xlsx_first_sheet_as_strings(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Решения": [
        ["Номер", "Дата", "Час", "Сума", "Дял", "Прието", "Бележка"],
        [1066, dt.date(2026, 3, 26), dt.datetime(2026, 3, 26, 10, 30), 1234.0, 0.1 + 0.2, True, None],
        [1067, dt.datetime(2026, 4, 14), dt.datetime(2026, 4, 14, 9, 0, 5), -3.5, 1e-3, False, "x"],
    ], "Втори": [["a"], ["b"]]})
    dialect, header, rows = read_all(path)
    assert dialect == Dialect("xlsx", None, None, "Решения", 1)
    assert header == ["Номер", "Дата", "Час", "Сума", "Дял", "Прието", "Бележка"]
    assert rows == [
        (2, ["1066", "2026-03-26", "2026-03-26T10:30:00", "1234", "0.3", "true", ""]),
        (3, ["1067", "2026-04-14", "2026-04-14T09:00:05", "-3.5", "0.001", "false", "x"]),
    ]


def test_read_xlsx_named_sheet(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Първи": [["a"], ["b"]], "Селища": LEVSKI})
    dialect, header, rows = read_all(path, sheet="Селища")
    assert (dialect.sheet, header) == ("Селища", LEVSKI[0])
    assert rows == list(enumerate(LEVSKI[1:], start=2))


def test_read_xlsx_reports_title_rows_and_subtotals(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Бюджет": [
        ["Бюджет на община Левски за 2026 г."], [], ["Параграф", "Сума"],
        ["Заплати", 1000], ["Издръжка", 250.5], ["ОБЩО:", 1250.5]]})
    with open_table(path) as table:
        rows = list(table.rows())
        notices = [(n.code, n.row) for n in table.notices]
        assert table.dialect.header_row == 3
    assert rows == [(4, ["Заплати", "1000"]), (5, ["Издръжка", "250.5"])]
    assert notices == [("title-row", 1), ("subtotal-row", 6)]


def test_read_xlsx_without_extension_is_detected_by_content(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Лист1": LEVSKI})
    upload = path.rename(tmp_path / "upload-7f3a")
    assert read_all(upload)[0].format == "xlsx"


# --- errors -------------------------------------------------------------------------------

def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buffer.getvalue()


def utf8_then_cp1251(rows_before: int) -> bytes:
    good = "".join(f"{i},Левски\n" for i in range(rows_before)).encode("utf-8")
    return b"n,name\n" + good + "99,Плевен\n".encode("cp1251")


BROKEN = [
    ("empty", b"", {}, "read.empty-file", {}),
    ("bom-only", codecs.BOM_UTF8, {}, "read.empty-file", {}),
    ("blank-lines-only", b"\r\n\r\n;;;\r\n", {}, "read.empty-file", {}),
    ("header-only", b"ekatte,name\r\n", {}, "read.header-only", {}),
    ("header-then-subtotal", "a;b\nОБЩО;5\n".encode(), {}, "read.header-only", {}),
    ("legacy-xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), {},
     "read.unsupported-format", {"detail": ".xls (Excel 97-2003)"}),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", {}, "read.unsupported-format", {"detail": "PDF"}),
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(20), {}, "read.unsupported-format", {"detail": "PNG"}),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", {}, "read.unsupported-format", {"detail": "JPEG"}),
    ("gif", b"GIF89a\x01\x00", {}, "read.unsupported-format", {"detail": "GIF"}),
    ("ods", zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                       "content.xml": b"<x/>"}), {},
     "read.unsupported-format", {"detail": ".ods (OpenDocument)"}),
    ("other-zip", zip_bytes({"data.csv": b"a,b\n1,2\n"}), {},
     "read.unsupported-format", {"detail": "ZIP"}),
    ("utf-16", "a\tb\n".encode("utf-16"), {}, "read.unsupported-format", {"detail": "UTF-16"}),
    ("xlsm-macros", zip_bytes({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>",
                               "xl/vbaProject.bin": b"\x00"}), {},
     "read.unsupported-format", {"detail": "XLSM (macros)"}),
    ("corrupt-xlsx", zip_bytes({"[Content_Types].xml": b"<", "xl/workbook.xml": b"<"}), {},
     "read.corrupt-xlsx", {}),
    ("bad-utf8-declared", "a,b\n1,Левски\n".encode() + "2,Плевен\n".encode("cp1251"),
     {"encoding": "utf-8"}, "read.bad-encoding", {"row": 3, "encoding": "utf-8"}),
    ("bad-utf8-past-the-sample", utf8_then_cp1251(5000), {},
     "read.bad-encoding", {"row": 5002, "encoding": "utf-8"}),
    ("nul-bytes", b"a,b\n1,2\n3,\x004\n", {}, "read.nul-bytes", {"row": 3}),
    ("unterminated-quote", b'a,b\n1,2\n3,"four\n5,6\n7,8\n', {}, "read.unterminated-quote",
     {"row": 3}),
    ("duplicate-header", "Име,Площ,име\n1,2,3\n".encode(), {}, "read.duplicate-header",
     {"field": "име"}),
    ("blank-header", b"a,,c\n1,2,3\n", {}, "read.blank-header", {"column": 2}),
    ("whitespace-header", b"a;b; \t ;d\n1;2;3;4\n", {}, "read.blank-header", {"column": 3}),
    ("unknown-encoding", b"a\n1\n", {"encoding": "klingon"}, "read.unknown-encoding",
     {"encoding": "klingon"}),
    ("unsupported-encoding", b"a\n1\n", {"encoding": "latin-1"}, "read.unknown-encoding",
     {"encoding": "latin-1"}),
    ("long-delimiter", b"a\n1\n", {"delimiter": ";;"}, "read.bad-delimiter", {"delimiter": ";;"}),
    ("quote-delimiter", b"a\n1\n", {"delimiter": '"'}, "read.bad-delimiter", {"delimiter": '"'}),
    ("letter-delimiter", b"a\n1\n", {"delimiter": "x"}, "read.bad-delimiter", {"delimiter": "x"}),
]


@pytest.mark.parametrize(("content", "options", "message_id", "params"),
                         [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_read_rejects_broken_input_with_a_specific_message(tmp_path, content, options,
                                                           message_id, params):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as caught:
        read_all(path, **options)
    error = caught.value
    assert (error.message_id, error.params) == (message_id, params)
    assert error.text.bg.strip() and error.text.en.strip()


def test_read_names_the_sheets_when_the_sheet_is_not_found(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Бюджет": [["a"], ["1"]], "Капитал": [["b"], ["2"]]})
    with pytest.raises(InvalidInput) as caught:
        open_table(path, sheet="Разходи")
    assert (caught.value.message_id, caught.value.params) == (
        "read.sheet-not-found", {"sheet": "Разходи", "sheets": "Бюджет, Капитал"})
    assert "Капитал" in caught.value.text.bg and "Капитал" in caught.value.text.en


def test_read_refuses_xlsx_that_expands_past_the_size_limit(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Селища": LEVSKI})
    with pytest.raises(InvalidInput) as caught:
        open_table(path, max_xlsx_bytes=1000)
    assert caught.value.message_id == "read.xlsx-too-large"
    assert caught.value.params["limit"] == 1000


def test_read_refuses_xlsx_with_a_zip_bomb_compression_ratio(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Лист1": [["a"]] + [["0" * 30_000]] * 200})
    with pytest.raises(InvalidInput) as caught:
        open_table(path)
    assert caught.value.message_id == "read.xlsx-ratio"
    assert caught.value.text.bg and caught.value.text.en


def test_read_closes_the_file_when_the_header_is_rejected(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,a\n1,2\n")
    with pytest.raises(InvalidInput):
        open_table(path)
    path.unlink()  # would fail on Windows if left open; on POSIX checks nothing leaked below
    assert not path.exists()


def test_read_xlsx_never_fetches_external_links_and_streams(tmp_path, monkeypatch):
    calls: list[dict[str, object]] = []
    real = openpyxl.load_workbook

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    read_all(write_xlsx(tmp_path / "a.xlsx", {"Селища": LEVSKI}))
    assert calls == [{"read_only": True, "data_only": True, "keep_links": False}]


def test_read_handles_ten_thousand_columns(tmp_path):
    header = [f"Колона {i}" for i in range(10_000)]
    path = write_csv(tmp_path / "wide.csv", [header, [str(i) for i in range(10_000)]],
                     delimiter=";")
    dialect, read_header, rows = read_all(path)
    assert (dialect.delimiter, len(read_header), rows[0][1][-1]) == (";", 10_000, "9999")


def test_read_prefers_semicolons_when_decimal_commas_split_rows_as_evenly(tmp_path):
    # Split on ",", every record here also has three cells.
    rows = [["Параграф", "План, лв.", "Отчет, лв."], ["Заплати", "1,5", "2,5"],
            ["Издръжка", "3,5", "4,5"]]
    path = tmp_path / "a.csv"
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="cp1251")
    dialect, header, data = read_all(path)
    assert (dialect.delimiter, header, data[0]) == (";", rows[0], (2, rows[1]))
