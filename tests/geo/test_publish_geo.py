"""A place-coded publish: GeoJSON and Parquet built inside the release, listed everywhere."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from app.state import Portal
from datasets import catalog
from datasets.catalog import create_dataset
from datasets.consistency import check_instance
from datasets.publish import Upload, publish
from metadata.spatial import release_areas
from tests.conftest import publish_rows
from tests.geo.conftest import LEVSKI, levski_rows, write_csv

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def test_a_levski_release_has_geojson_with_points_and_the_csv_values(geo_portal: Portal) -> None:
    outcome = publish(geo_portal.instance, geo_portal.engine, Upload(LEVSKI, "levski.csv"), dataset="places")
    roles = {f.role: f for f in outcome.files}
    assert {"parquet", "geojson"} <= set(roles)
    assert roles["geojson"].places == ("PVN16",)
    folder = geo_portal.instance.release_dir("places", 1)
    collection = json.loads((folder / "places.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 13
    by_code = {f["properties"]["ekatte"]: f for f in collection["features"]}
    for row in levski_rows():
        feature = by_code[row["ekatte"]]
        assert feature["geometry"]["type"] == "Point"
        assert feature["properties"]["population"] == int(row["population"])
        assert feature["properties"]["name_bg"] == row["name_bg"]
    lon, lat = by_code["43236"]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((25.14, 43.36), abs=0.05)  # the town of Levski


def test_the_parquet_file_keeps_the_table_schemas_types(geo_portal: Portal, tmp_path: Path) -> None:
    rows = [["00761", "1317", "12,5", "01.02.2026", "да", "Асеновци"],
            ["43236", "9601", "", "15.03.2026", "не", "NA"],
            ["99999", "", "3,25", "", "", ""]]
    path = write_csv(tmp_path / "t.csv", ["ekatte", "count", "share", "day", "flag", "note"],
                     rows + rows[:2] * 5)
    outcome = publish(geo_portal.instance, geo_portal.engine, Upload(path, "t.csv"), dataset="places")
    table = pq.read_table(geo_portal.instance.release_dir("places", outcome.version) / "places.parquet")
    types = {f.name: f.type for f in table.schema}
    assert types == {"ekatte": pa.string(), "count": pa.int64(), "share": pa.float64(), "day": pa.date32(),
                     "flag": pa.bool_(), "note": pa.string()}
    assert table.to_pylist()[:3] == [
        {"ekatte": "00761", "count": 1317, "share": 12.5, "day": dt.date(2026, 2, 1), "flag": True, "note": "Асеновци"},
        {"ekatte": "43236", "count": 9601, "share": None, "day": dt.date(2026, 3, 15), "flag": False, "note": "NA"},
        {"ekatte": "99999", "count": None, "share": 3.25, "day": None, "flag": None, "note": None}]
    warnings = [(p.row, p.value) for p in outcome.report.problems if p.code == "unknown-place"]
    assert warnings == [(4, "99999")]  # reported, not blocking


def test_a_dataset_without_places_gets_parquet_but_no_geojson(geo_portal: Portal, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["name", "n"], [["a", 1], ["b", 2]])
    outcome = publish(geo_portal.instance, geo_portal.engine, Upload(path, "t.csv"), dataset="places")
    assert {f.role for f in outcome.files} >= {"parquet"} and "geojson" not in {f.role for f in outcome.files}


def test_frictionless_validates_the_package_and_notices_a_changed_parquet(geo_portal: Portal) -> None:
    publish(geo_portal.instance, geo_portal.engine, Upload(LEVSKI, "levski.csv"), dataset="places")
    folder = geo_portal.instance.release_dir("places", 1)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [(r["path"], r.get("mediatype")) for r in descriptor["resources"]] == [
        ("places.csv", "text/csv"), ("places.parquet", "application/vnd.apache.parquet"),
        ("places.geojson", "application/geo+json")]
    assert descriptor["x_otkrito"]["municipalities"] == ["PVN16"]
    done = subprocess.run([str(FRICTIONLESS), "validate", "--json", "datapackage.json"], cwd=folder,
                          capture_output=True, text=True)
    assert json.loads(done.stdout)["valid"], done.stdout[-2000:]
    copy = folder.parent / "copy"
    subprocess.run(["cp", "-r", str(folder), str(copy)], check=True)
    with (copy / "places.parquet").open("ab") as handle:
        handle.write(b"x")
    done = subprocess.run([str(FRICTIONLESS), "validate", "--json", "datapackage.json"], cwd=copy,
                          capture_output=True, text=True)
    assert not json.loads(done.stdout)["valid"]


def test_a_profile_dataset_published_before_places_recognises_them_on_its_next_publish(
        geo_portal: Portal, tmp_path: Path) -> None:
    schema = {"fields": [{"name": "ekatte", "type": "string"}, {"name": "population", "type": "integer"}]}
    old = create_dataset(geo_portal.engine, "old", publisher="levski", title_bg="Стар")
    with geo_portal.engine.begin() as conn:
        catalog.set_table_schema(conn, old.id, schema)
    path = write_csv(tmp_path / "t.csv", ["ekatte", "population"],
                     [[r["ekatte"], r["population"]] for r in levski_rows()])
    outcome = publish(geo_portal.instance, geo_portal.engine, Upload(path, "t.csv"), dataset="old")
    assert "geojson" in {f.role for f in outcome.files}
    assert catalog.get_dataset(geo_portal.engine, "old").table_schema == schema  # the contract is unchanged
    assert check_instance(geo_portal.instance, geo_portal.engine).findings == ()


def test_a_release_from_before_this_change_has_no_copies_and_still_checks(geo_portal: Portal) -> None:
    """A catalog row written before `places` existed, with no Parquet or GeoJSON file."""
    publish_rows(geo_portal, "places", [{"ekatte": "00761", "population": 1317}])
    with geo_portal.engine.begin() as conn:
        conn.execute(text("update releases set files = :files"),
                     {"files": json.dumps([{k: v for k, v in f.items() if k != "places"} for f in json.loads(
                         conn.execute(text("select files from releases")).scalar_one())])})
    release = catalog.latest_release(geo_portal.engine, catalog.get_dataset(geo_portal.engine, "places").id)
    assert release is not None and release.file("geojson") is None and release.file("parquet") is None
    assert release_areas(release) == []
    assert check_instance(geo_portal.instance, geo_portal.engine).findings == ()


def test_a_value_arrow_cannot_hold_keeps_its_column_as_text_not_failing(tmp_path: Path) -> None:
    from datasets.parquet_export import ROW_GROUP, write_parquet

    path = write_csv(tmp_path / "t.csv", ["big", "n"],
                     [["99999999999999999999", 1]] + [[str(i), i] for i in range(3 * ROW_GROUP)])
    schema = {"fields": [{"name": "big", "type": "integer"}, {"name": "n", "type": "integer"}]}
    write_parquet(path, schema, tmp_path / "t.parquet")
    parquet = pq.ParquetFile(tmp_path / "t.parquet")
    table = parquet.read()
    assert (table.schema.field("big").type, table.schema.field("n").type) == (pa.string(), pa.int64())
    assert table.column("big")[0].as_py() == "99999999999999999999" and table.num_rows == 3 * ROW_GROUP + 1
    assert parquet.metadata.num_row_groups >= 2  # written a row group at a time, not all at once
    assert json.loads(parquet.schema_arrow.metadata[b"table_schema"]) == schema


def test_municipality_codes_give_filled_areas_and_rfc_7946_rings(geo_portal: Portal, tmp_path: Path) -> None:
    from datasets.maps import place_map
    from datasets.pictures import draw_map

    path = write_csv(tmp_path / "m.csv", ["община", "бюджет"], [["PVN16", "1200,5"], ["PVN24", "9800"], ["LOV18", "300"]])
    publish(geo_portal.instance, geo_portal.engine, Upload(path, "m.csv"), dataset="places")
    folder = geo_portal.instance.release_dir("places", 1)
    features = json.loads((folder / "places.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["geometry"]["type"] for f in features] == ["MultiPolygon", "Polygon", "Polygon"]
    outer = features[1]["geometry"]["coordinates"][0]
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(outer, outer[1:]))
    assert area > 0  # counter-clockwise outer ring, as RFC 7946 says (the source runs clockwise)
    schema = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"]
    found = place_map(folder / "places.db", "places", schema)
    assert found is not None and found.kind == "areas" and found.measure == "byudzhet"
    assert {p.code: p.value for p in found.places} == {"PVN16": 1200.5, "PVN24": 9800.0, "LOV18": 300.0}
    assert draw_map(found, "svg").count(b"<path") >= 3


def test_a_row_longer_than_a_read_block_still_becomes_parquet(tmp_path: Path) -> None:
    from datasets.parquet_export import BLOCK_BYTES, write_parquet

    long = "я" * (3 * BLOCK_BYTES)
    path = write_csv(tmp_path / "t.csv", ["note", "n"], [["кратко", 1], [long, 2], ["още", 3]])
    write_parquet(path, {"fields": [{"name": "note", "type": "string"}, {"name": "n", "type": "integer"}]},
                  tmp_path / "t.parquet")
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.column("note").to_pylist() == ["кратко", long, "още"] and table.column("n").to_pylist() == [1, 2, 3]
