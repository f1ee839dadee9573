"""moto_server for the Athena lane, with one fix to moto's Glue: GetPartitions with an empty
`Expression` (which Trino's Glue metastore sends to list every partition, and AWS Glue accepts)
fails in moto 5.2 with "Unsupported expression ''". Usage: moto_glue_server.py <port>."""

from __future__ import annotations

import sys

from moto.glue import utils
from moto.server import main

_filter_init = utils.PartitionFilter.__init__


def _no_expression_is_no_filter(self, expression, fake_table):
    _filter_init(self, expression or None, fake_table)


utils.PartitionFilter.__init__ = _no_expression_is_no_filter

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
