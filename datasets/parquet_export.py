"""A release as Parquet, written with pyarrow in the Table Schema's types.

Integers are int64, numbers float64 (a Table Schema number has no fixed scale), dates date32,
date-times timestamps, booleans booleans, the rest text; empty cells are nulls. The normalized
CSV is read in small blocks and written a row group at a time, so memory stays bounded.
The Table Schema itself is kept in the file's metadata.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

MEDIA_TYPE = "application/vnd.apache.parquet"
TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
         "datetime": pa.timestamp("s"), "year": pa.int32(), "time": pa.time32("s")}
# Small blocks and 65,536-row groups keep Parquet writing about 110 MB above the process on a
# million rows (8 MB blocks written as they come: twice that); batches are gathered into row groups.
BLOCK_BYTES = 1 << 20
ROW_GROUP = 65_536


def arrow_types(schema: Mapping[str, Any]) -> dict[str, pa.DataType]:
    return {f["name"]: TYPES.get(f.get("type", "string"), pa.string()) for f in schema.get("fields", [])}


def _options(types: Mapping[str, pa.DataType]) -> pacsv.ConvertOptions:
    # Only the empty cell is missing: "NA" or "null" in a text column are data.
    return pacsv.ConvertOptions(column_types=dict(types), null_values=[""], strings_can_be_null=True,
                                quoted_strings_can_be_null=True, true_values=["true"],
                                false_values=["false"])


def _write(csv_path: Path, out_path: Path, types: Mapping[str, pa.DataType],
           metadata: dict[bytes, bytes], block: int) -> None:
    reader = pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=block),
                            convert_options=_options(types))
    schema = reader.schema.with_metadata(metadata)
    with pq.ParquetWriter(out_path, schema, compression="zstd") as writer:
        pending: list[pa.RecordBatch] = []
        for batch in reader:
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= ROW_GROUP:
                writer.write_table(pa.Table.from_batches(pending, schema))
                pending = []
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema))


def _readable(csv_path: Path, name: str, kind: pa.DataType, block: int) -> bool:
    options = _options({name: kind})
    options.include_columns = [name]
    try:
        for _ in pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=block),
                                convert_options=options):
            pass
    except pa.ArrowInvalid:
        return False
    return True


def write_parquet(csv_path: Path, schema: Mapping[str, Any], out_path: Path) -> None:
    """Write the normalized CSV as Parquet.

    Valid data always fits, but a Table Schema allows values Arrow's types do not hold (an
    integer past 64 bits, a date-time with an offset): such a column is kept as text rather
    than failing the publish. A row longer than a block is read with larger blocks.
    """
    types = arrow_types(schema)
    metadata = {b"table_schema": json.dumps(schema, ensure_ascii=False).encode("utf-8")}
    block, relaxed = BLOCK_BYTES, False
    while True:
        try:
            _write(csv_path, out_path, types, metadata, block)
            return
        except pa.ArrowInvalid as error:
            # A row longer than a block (a cell may hold up to 64 MB): read in larger blocks.
            if "straddl" in str(error) and block <= csv_path.stat().st_size:
                block *= 8
            elif not relaxed:
                types = {name: kind if kind == pa.string() or _readable(csv_path, name, kind, block)
                         else pa.string() for name, kind in types.items()}
                relaxed = True
            else:
                raise
