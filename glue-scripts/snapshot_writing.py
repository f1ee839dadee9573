"""Writing a snapshot: the shaped rows in the output format, as about one file per GiB of table
data (export_table.plan_layout), read back exactly by Athena (snapshot_formats.py).

Parallel to the end. Items are shaped in as many tasks as the staged files give (a gzip file is
one task). Then the rows must become `files` files, and merging tasks (coalesce) would merge the
shaping with them, leaving cores idle. So:

- staged partitions = files: each task writes its file;
- more partitions, and at least one file per core: coalesce (every core still has a file);
- more partitions than files, and fewer files than cores (a table of a few GiB or less): every
  task writes its part, then the parts are compacted into the files without decoding a row:
  Parquet row groups and ORC stripes are copied as they are, Avro blocks likewise, gzip text
  files are concatenated (gzip allows several members in a file; CSV parts are written without a
  header, and each file starts with one). Compacting copies bytes, where writing one file from one
  task would encode every row on one core (docs/performance.md has the figures);
- fewer partitions than files: the shaped rows are shuffled to `files` writers.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from item_shaping import MISFITS
from item_shaping import Inventory
from item_shaping import shape_items
from item_types import ColumnPlan
from snapshot_formats import CSV_ESCAPES
from snapshot_formats import CSV_NULL
from snapshot_formats import CSV_TIMESTAMP_FORMAT
from snapshot_formats import avro_schema

LOG = logging.getLogger("export_table")


def observed_rows(items: Any, plan: ColumnPlan, inventory: Inventory) -> tuple[Any, Callable]:
    """The shaped rows, observed: the returned function gives (items, misfits) once they have
    been written, counted on the way (a Spark observation), not by another pass."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    observation = Observation("snapshot")
    observed = shape_items(items, plan, inventory).observe(
        observation,
        F.count(F.lit(1)).alias("items"),
        F.coalesce(F.sum(MISFITS), F.lit(0)).alias("misfits"),
    )
    return observed.drop(MISFITS), lambda: (
        int(observation.get["items"]),
        int(observation.get["misfits"]),
    )


AS_IS, COALESCE, COMPACT, SHUFFLE = "as is", "coalesce", "compact", "shuffle"


def file_plan(partitions: int, files: int, cores: int) -> str:
    """How `partitions` shaped partitions become `files` files on `cores` cores (above)."""
    if partitions == files:
        return AS_IS
    if partitions < files:
        return SHUFFLE
    return COALESCE if files >= cores else COMPACT


def writer_options(
    output_format: str, schema: Sequence[tuple[str, str]], csv_header: bool = True
) -> dict[str, str]:
    """Options for Spark's DataFrameWriter per output format (snapshot_formats.py says why):
    snappy Parquet, ORC and Avro, every codec named (Spark 4 changed ORC's default from snappy to
    zstd, and a table's snapshots keep one codec across a Glue upgrade); Avro with the declared
    schema (decimals as `bytes`); gzip text formats (Athena and the crawler read .gz
    transparently), JSON timestamps in Athena's text form, and CSV with a header row (unless the
    parts are compacted, which writes it once), doubled quotes and nothing trimmed."""
    if output_format in ("parquet", "orc"):
        return {"compression": "snappy"}
    if output_format == "avro":
        return {"compression": "snappy", "avroSchema": json.dumps(avro_schema(schema))}
    if output_format == "csv":
        return {
            "header": "true" if csv_header else "false",
            "compression": "gzip",
            "sep": ",",
            "quote": '"',
            "escape": '"',
            "ignoreLeadingWhiteSpace": "false",
            "ignoreTrailingWhiteSpace": "false",
        }
    if output_format == "json":
        return {"compression": "gzip", "timestampFormat": CSV_TIMESTAMP_FORMAT}
    return {}


def csv_cell(column: Any, logical_type: str) -> Any:
    """One column as the documented text of a CSV cell (snapshot_formats.py): NULL as \\N, text
    with its backslashes and line breaks escaped, binary as base64, collections as JSON."""
    from pyspark.sql import functions as F

    if logical_type == "string":
        text = column
        for raw, escaped in CSV_ESCAPES:  # the backslash first, so no escape is escaped twice
            text = F.replace(text, F.lit(raw), F.lit(escaped))
    elif logical_type == "binary":
        text = F.base64(column)
    elif logical_type == "timestamp":
        text = F.date_format(column, CSV_TIMESTAMP_FORMAT)
    elif logical_type in ("array<string>", "map<string,string>"):
        text = F.to_json(column)
    elif logical_type.startswith("decimal("):
        # Plain digits on every Spark line: casting a decimal to text gives 1E-10 on Spark 3.5
        # and 0.0000000001 on Spark 4. format_number keeps the column's scale exactly (US locale).
        scale = int(logical_type.rstrip(")").split(",")[1])
        text = F.regexp_replace(F.format_number(column, scale), ",", "")
    else:
        text = column.cast("string")
    return F.when(column.isNull(), F.lit(CSV_NULL)).otherwise(text)


def encode_frame(frame: Any, output_format: str, schema: Sequence[tuple[str, str]]) -> Any:
    """The shaped rows as the format stores them: as they are, but for CSV (every cell text)."""
    if output_format != "csv":
        return frame
    from pyspark.sql import functions as F

    return frame.select(
        [csv_cell(F.col(f"`{name}`"), logical).alias(name) for name, logical in schema]
    )


def write_frame(
    frame: Any,
    path: str,
    output_format: str,
    schema: Sequence[tuple[str, str]],
    csv_header: bool = True,
) -> None:
    encoded = encode_frame(frame, output_format, schema)
    encoded.write.mode("append").format(output_format).options(
        **writer_options(output_format, schema, csv_header)
    ).save(path)


def write_snapshot(
    storage: Any,
    items: Any,
    plan: ColumnPlan,
    inventory: Inventory,
    files: int,
    target: str,
    fmt: str,
) -> tuple[int, int, int, int]:
    """Replaces the snapshot folder with the shaped items: (items, misfits, files, bytes)."""
    LOG.info("Purging %s so that a retry replaces, never adds to, an earlier attempt", target)
    storage.purge(target)
    written = misfits = 0
    if plan.schema:
        started = time.monotonic()
        frame, counts = observed_rows(items, plan, inventory)
        partitions = items.rdd.getNumPartitions()
        how = file_plan(partitions, files, frame.sparkSession.sparkContext.defaultParallelism)
        if how == COALESCE:
            frame = frame.coalesce(files)
        elif how == SHUFFLE:
            frame = frame.repartition(files)
        path = storage.spark_path(target)
        write_frame(frame, path, fmt, plan.schema, csv_header=how != COMPACT)
        written, misfits = counts()
        LOG.info(
            "Shaped and wrote %d items from %d staged partitions in %.1f s (%s)",
            written,
            partitions,
            time.monotonic() - started,
            how,
        )
        if how == COMPACT:
            compact(frame.sparkSession, path, files, fmt, [name for name, _ in plan.schema])
    file_count, size = storage.summarise(target)
    if written == 0:
        LOG.info("The table is empty: the snapshot %s is empty", target)
    else:
        LOG.info(
            "Wrote %d items in %d files (%d bytes) to %s; %d values went to sidecar columns",
            written,
            file_count,
            size,
            target,
            misfits,
        )
    return written, misfits, file_count, size


# --------------------------------------------------------------------------------------------
# Compacting parts into files, in the driver's JVM (Hadoop's file system: S3 on Glue), with the
# libraries Spark writes the formats with (parquet-mr, ORC, Avro). No row is decoded.
# --------------------------------------------------------------------------------------------


def groups_of(parts: Sequence[tuple[str, int]], files: int) -> list[list[str]]:
    """Consecutive parts in `files` groups of about equal bytes (none empty)."""
    files = max(1, min(files, len(parts)))
    total = sum(size for _, size in parts)
    groups: list[list[str]] = [[] for _ in range(files)]
    done = 0
    for index, (name, size) in enumerate(parts):
        left = len(parts) - index  # every later group must still get a part
        group = min(int(done * files / max(1, total)), files - 1)
        group = max(group, files - left)
        groups[group].append(name)
        done += size
    return [g for g in groups if g]


def compact(spark: Any, folder: str, files: int, fmt: str, columns: Sequence[str]) -> None:
    """Merges the data files Spark wrote in `folder` into `files` files."""
    started = time.monotonic()
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    root = jvm.org.apache.hadoop.fs.Path(folder)
    fs = root.getFileSystem(conf)
    parts = sorted(
        (status.getPath().toString(), status.getLen())
        for status in fs.listStatus(root)
        if status.isFile() and not status.getPath().getName().startswith(("_", "."))
    )
    merge = MERGERS[fmt]
    for index, group in enumerate(groups_of(parts, files)):
        if len(group) == 1 and fmt != "csv":
            continue
        name = group[0].rsplit("/", 1)[-1]
        suffix = name[name.index(".") :] if "." in name else ""
        output = jvm.org.apache.hadoop.fs.Path(root, f"part-{index:05d}-compacted{suffix}")
        merge(jvm, conf, fs, [jvm.org.apache.hadoop.fs.Path(p) for p in group], output, columns)
        for part in group:
            fs.delete(jvm.org.apache.hadoop.fs.Path(part), False)
    LOG.info(
        "Compacted %d parts into %d files in %.1f s",
        len(parts),
        min(files, len(parts)),
        time.monotonic() - started,
    )


def merge_parquet(jvm: Any, conf: Any, fs: Any, parts: list, output: Any, _columns) -> None:
    """Row groups copied as they are (parquet-mr's ParquetFileWriter.appendFile)."""
    parquet = jvm.org.apache.parquet.hadoop
    first = parquet.ParquetFileReader.open(parquet.util.HadoopInputFile.fromPath(parts[0], conf))
    metadata = first.getFooter().getFileMetaData()
    first.close()
    writer = parquet.ParquetFileWriter(conf, metadata.getSchema(), output)
    writer.start()
    for part in parts:
        writer.appendFile(parquet.util.HadoopInputFile.fromPath(part, conf))
    writer.end(metadata.getKeyValueMetaData())


def merge_orc(jvm: Any, conf: Any, fs: Any, parts: list, output: Any, _columns) -> None:
    """Stripes copied as they are (ORC's OrcFile.mergeFiles)."""
    inputs = jvm.java.util.ArrayList()
    for part in parts:
        inputs.add(part)
    orc = jvm.org.apache.orc.OrcFile
    merged = orc.mergeFiles(output, orc.writerOptions(conf), inputs)
    if merged.size() != len(parts):
        raise RuntimeError(f"ORC merged {merged.size()} of {len(parts)} parts into {output}")


def merge_avro(jvm: Any, conf: Any, fs: Any, parts: list, output: Any, _columns) -> None:
    """Blocks copied as they are (Avro's DataFileWriter.appendAllFrom, same schema and codec)."""
    avro = jvm.org.apache.avro
    streams = [
        avro.file.DataFileStream(fs.open(part), avro.generic.GenericDatumReader()) for part in parts
    ]
    schema = streams[0].getSchema()
    codec = streams[0].getMetaString("avro.codec") or "null"
    writer = avro.file.DataFileWriter(avro.generic.GenericDatumWriter(schema))
    writer.setCodec(avro.file.CodecFactory.fromString(codec))
    # The writer's own metadata (Spark's version, which Spark reads to tell how dates were
    # written), as the parts have it; avro.* keys are the container's, set by the writer.
    for name in streams[0].getMetaKeys():
        if not name.startswith("avro."):
            writer.setMeta(name, streams[0].getMeta(name))
    writer.create(schema, fs.create(output))
    for stream in streams:
        writer.appendAllFrom(stream, False)
        stream.close()
    writer.close()


def merge_gzip_text(jvm: Any, conf: Any, fs: Any, parts: list, output: Any, columns) -> None:
    """gzip files concatenated (a gzip file may hold several members); CSV parts come without a
    header, so the file starts with a member holding it."""
    stream = fs.create(output)
    if columns is not None:
        stream.write(bytearray(gzip.compress((",".join(columns) + "\n").encode("utf-8"))))
    for part in parts:
        source = fs.open(part)
        jvm.org.apache.hadoop.io.IOUtils.copyBytes(source, stream, 1 << 16, False)
        source.close()
    stream.close()


MERGERS = {
    "parquet": merge_parquet,
    "orc": merge_orc,
    "avro": merge_avro,
    "json": lambda jvm, conf, fs, parts, output, _: merge_gzip_text(
        jvm, conf, fs, parts, output, None
    ),
    "csv": merge_gzip_text,
}
