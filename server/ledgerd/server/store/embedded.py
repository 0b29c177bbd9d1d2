"""The zero-setup database: an embedded PostgreSQL (the pgserver wheel) in a local data folder,
used when DATABASE_URL is not set. It listens on a Unix socket in that folder only."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DEFAULT_DATA_DIR = Path(".ledgerd") / "pgdata"


def data_dir() -> Path:
    return Path(os.environ.get("LEDGERD_DATA_DIR") or DEFAULT_DATA_DIR).absolute()


def start_embedded(folder: Path) -> str:
    """Starts the embedded server in `folder`, or joins the one already running there, and returns
    its connection URL. It stops when the last process using it exits; the data stays."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in containers and CI); harmless here.
        warnings.simplefilter("ignore")
        import pgserver  # imported late: only the embedded default needs it

    folder.mkdir(parents=True, exist_ok=True)
    return str(pgserver.get_server(folder, cleanup_mode="stop").get_uri())


def database_url() -> str:
    """DATABASE_URL when set, else the embedded server's."""
    return os.environ.get("DATABASE_URL") or start_embedded(data_dir())
