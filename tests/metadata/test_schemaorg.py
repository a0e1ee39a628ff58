"""schema.org Dataset JSON-LD: the fields a structured-data check wants, and safe embedding."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from metadata.dcat import Site
from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release, ReleaseFile
from metadata.schemaorg import dataset_jsonld, script_json

SITE = Site("https://data.levski.example")
WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc)
BREAKOUT = '</script><script>alert("x")</script><!-- & \u2028'


def budget(title: str = "Бюджет на Община Левски") -> tuple[Dataset, Publisher, Release]:
    publisher = Publisher(1, "levski", Text("Община Левски", "Municipality of Levski"),
                          homepage="javascript:alert(1)")
    dataset = Dataset(7, "budget", 1, Text(title, "Budget"), Text("Разходи по параграфи на ЕБК.", "Expenditure."),
                      keywords=("бюджет",), temporal_start="2026-01-01", temporal_end="2026-06-30",
                      spatial="Община Левски", created_at=WHEN)
    files = (ReleaseFile("budget.csv", "data", "text/csv", 2013, "ab" * 32),
             ReleaseFile("source/original.xlsx", "source", "application/octet-stream", 9, "cd" * 32))
    return dataset, publisher, Release(3, 7, 2, WHEN, "", 16, files)


def test_the_dataset_has_what_a_structured_data_check_requires() -> None:
    document = dataset_jsonld(SITE, *budget())
    assert {k: document[k] for k in ("@context", "@type", "name", "description", "license", "url",
                                     "identifier", "temporalCoverage", "keywords", "dateModified")} == {
        "@context": "https://schema.org/", "@type": "Dataset", "name": "Бюджет на Община Левски",
        "description": "Разходи по параграфи на ЕБК.",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": "https://data.levski.example/datasets/budget",
        "identifier": "https://data.levski.example/datasets/budget",
        "temporalCoverage": "2026-01-01/2026-06-30", "keywords": ["бюджет"],
        "dateModified": "2026-03-31T09:30:00+00:00"}
    assert document["creator"] == {"@type": "Organization", "name": "Община Левски",
                                   "url": "https://data.levski.example/publishers/levski"}
    assert document["spatialCoverage"] == {"@type": "Place", "name": "Община Левски"}
    assert document["distribution"] == [{
        "@type": "DataDownload", "name": "budget.csv", "encodingFormat": "text/csv",
        "contentUrl": "https://data.levski.example/datasets/budget/releases/2/budget.csv",
        "contentSize": "2013 B", "sha256": "ab" * 32}]


def test_script_json_cannot_close_the_script_element_and_still_decodes_to_the_same_text() -> None:
    document = dataset_jsonld(SITE, *budget(title=BREAKOUT))
    embedded = script_json(document)
    assert not any(c in embedded for c in "<>&\u2028")
    assert json.loads(embedded)["name"] == BREAKOUT
