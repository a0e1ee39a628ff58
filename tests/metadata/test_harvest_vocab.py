"""Other catalogs' licences, frequencies, themes and formats map to ours, or are reported unmapped."""
from __future__ import annotations

import pytest

from metadata.harvest_records import RemoteDataset, RemoteResource
from metadata.harvest_vocab import first_mapped, map_frequency, map_licence, mapped_themes


@pytest.mark.parametrize(("value", "code"), [
    ("cc-by", "CC-BY-4.0"), ("CC-BY-4.0", "CC-BY-4.0"), ("cc-zero", "CC0-1.0"), ("odc-odbl", "ODbL-1.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/", "CC-BY-SA-4.0"),
    ("http://publications.europa.eu/resource/authority/licence/CC0", "CC0-1.0"),
    ("http://publications.europa.eu/resource/authority/licence/ODC_BL", "ODbL-1.0"),
    ("Licence ouverte / Open Licence", None), ("cc-nc", None), ("http://publications.europa.eu/resource/authority/licence/CC_BYNC_4_0", None),
])
def test_licences(value: str, code: str | None) -> None:
    assert map_licence(value) == code


@pytest.mark.parametrize(("value", "code"), [
    ("http://publications.europa.eu/resource/authority/frequency/MONTHLY", "MONTHLY"), ("QUARTERLY", "QUARTERLY"),
    ("http://purl.org/cld/freq/irregular", "IRREG"), ("annual", "ANNUAL"), ("semiannual", "ANNUAL_2"),
    ("http://publications.europa.eu/resource/authority/frequency/ANNUAL_3", None), ("когато има", None),
])
def test_frequencies(value: str, code: str | None) -> None:
    assert map_frequency(value) == code


def test_themes_keep_what_maps_once_and_report_the_rest() -> None:
    values = ["http://publications.europa.eu/resource/authority/data-theme/ECON", "econ", "gove", "geodesy"]
    assert mapped_themes(values) == (["ECON", "GOVE"], ["geodesy"])


def test_the_first_mappable_value_wins() -> None:
    assert first_mapped(["Licence ouverte", "cc-by"], map_licence) == ("CC-BY-4.0", [])
    assert first_mapped(["Licence ouverte"], map_licence) == (None, ["Licence ouverte"])


def test_a_dataset_schedules_its_best_table_with_a_web_address() -> None:
    record = RemoteDataset("x", "x", "X", resources=(
        RemoteResource("https://a/x.json", media_type="application/json"),
        RemoteResource("ftp://a/x.csv", format="CSV"),
        RemoteResource("https://a/x.xlsx", format=".xlsx"),
        RemoteResource("https://a/x.csv", format="http://publications.europa.eu/resource/authority/file-type/CSV"),
        RemoteResource("https://a/x.zip", format="ZIP"),
    ))
    assert [r.url for r in record.tabular_resources()] == ["https://a/x.csv", "https://a/x.xlsx", "https://a/x.json"]
