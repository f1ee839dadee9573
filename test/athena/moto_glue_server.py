"""moto_server for the Athena lane, with two fixes to moto 5.2's Glue where Trino's Glue metastore
calls what AWS Glue answers and moto does not:
- GetPartitions with an empty `Expression` (how Trino lists every partition) fails in moto with
  "Unsupported expression ''": here it is no filter, as in Glue.
- GetColumnStatisticsForTable / ForPartition are not implemented (HTTP 500, which Trino retries ten
  times and then fails the query): here they answer that there are no statistics, as Glue does
  for a table nobody computed statistics for.
Usage: moto_glue_server.py <port>."""

from __future__ import annotations

import json
import sys

from moto.glue import utils
from moto.glue.responses import GlueResponse
from moto.server import main

_filter_init = utils.PartitionFilter.__init__


def _no_expression_is_no_filter(self, expression, fake_table):
    _filter_init(self, expression or None, fake_table)


utils.PartitionFilter.__init__ = _no_expression_is_no_filter


def _no_statistics(self):
    return json.dumps({"ColumnStatisticsList": [], "Errors": []})


GlueResponse.get_column_statistics_for_table = _no_statistics
GlueResponse.get_column_statistics_for_partition = _no_statistics

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
