"""The quick CSV reader reads clean files; anything else is named by the careful reader."""
from __future__ import annotations

import pytest

from datasets import csv_records
from metadata.errors import InvalidInput
from tests.datasets.test_read import read_all

ROWS = "".join(f"{i};Левски {i}\n" for i in range(5000))


def test_a_clean_file_is_read_by_the_quick_reader_alone(tmp_path, monkeypatch) -> None:
    path = tmp_path / "clean.csv"
    path.write_text("n;name\n" + ROWS + '5000;"две\nреда"\n', encoding="utf-8")
    monkeypatch.setattr(csv_records, "_careful_records",
                        lambda *args: pytest.fail("the careful reader was used"))
    _, header, rows = read_all(path)
    assert header == ["n", "name"] and len(rows) == 5001
    assert rows[-1] == (5002, ["5000", "две\nреда"])


@pytest.mark.parametrize(("tail", "message_id", "row"), [
    (b'5000;"never closed\n5001;x\n', "read.unterminated-quote", 5002),
    ("5000;Плевен\n".encode("cp1251"), "read.bad-encoding", 5002),
    (b"5000;\x00\n", "read.nul-bytes", 5002),
    (b'5000;"' + b"x" * 3000 + b'"\n', "read.field-too-large", 5002),
])
def test_a_problem_deep_in_a_file_is_named_with_its_row(tmp_path, monkeypatch, tail, message_id,
                                                        row) -> None:
    monkeypatch.setattr(csv_records, "MAX_FIELD", 2048)
    path = tmp_path / "deep.csv"
    path.write_bytes(("n;name\n" + ROWS).encode("utf-8") + tail)
    with pytest.raises(InvalidInput) as caught:
        read_all(path, encoding="utf-8")
    assert (caught.value.message_id, caught.value.params["row"]) == (message_id, row)


def test_a_line_longer_than_the_limit_is_refused_before_it_is_held_in_memory(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(csv_records, "MAX_FIELD", 4096)
    path = tmp_path / "long.csv"
    path.write_bytes(("n;name\n" + ROWS).encode("utf-8") + b"5000;" + b"y" * (3 << 20))
    read = []
    real = csv_records._careful_records
    monkeypatch.setattr(csv_records, "_careful_records",
                        lambda *args: read.append(1) or real(*args))
    with pytest.raises(InvalidInput) as caught:
        read_all(path)
    assert caught.value.message_id == "read.field-too-large" and read == [1]
