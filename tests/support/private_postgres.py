"""A PostgreSQL server of the test's own, to stop and restart while services use it.

The shared server on 127.0.0.1:5432 is never touched: a fault test starts its own from the
binaries the ``pgserver`` wheel ships (a development dependency, so every checkout has them),
listening on loopback only, on a free port, with its data in a fresh temporary directory that
is removed at the end. As root, PostgreSQL refuses to run, so the server runs as the system user
pgserver creates for the same reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.support.processes import free_port

ShutdownMode = Literal["smart", "fast", "immediate"]
# pg_ctl's own wait (-w) is bounded by this; a loaded 2-core machine starts slowly.
PG_CTL_TIMEOUT_S = 120


def _pgserver_bin() -> Path:
    with warnings.catch_warnings():
        # See guarantee_shared.db.embedded: importing pgserver warns without XDG_RUNTIME_DIR.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from pgserver._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _system_user(data_dir: Path, bin_dir: Path) -> str | None:
    """The user to run PostgreSQL as: None unless we are root (it refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    import pwd
    import stat

    from pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    user = "pgserver"
    ensure_user_exists(user)
    # What pgserver does before it runs its binaries as that user.
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    return user


@dataclass
class PrivatePostgres:
    root: Path  # the temporary directory, holding data/
    port: int
    bin_dir: Path
    user: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"  # written by the server's user

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin_dir / program), *args],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=PG_CTL_TIMEOUT_S + 30,
        )

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            str(PG_CTL_TIMEOUT_S),
            "-l",
            str(self.log_path),
            *options,
            action,
        )

    def init(self) -> None:
        self.data_dir.mkdir()
        self.user = _system_user(self.data_dir, self.bin_dir)
        if self.user is not None:
            self.root.chmod(0o755)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",  # the cluster is thrown away; fsync stays on while it runs
        )
        # Loopback only, on this test's port, the socket kept inside the temporary directory.
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.data_dir}'\n"
                "max_connections = 100\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: ShutdownMode = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def restart(self, mode: ShutdownMode = "fast") -> None:
        self._pg_ctl("restart", "-m", mode)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private server; stopped (immediately) and deleted when the block ends."""
    # Not pytest's tmp_path: its parents are private to root, and PostgreSQL runs as another user.
    root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    server = PrivatePostgres(root=root, port=free_port(), bin_dir=_pgserver_bin(), user=None)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if (server.data_dir / "postmaster.pid").exists():
            # Already stopped, or it dies with its data directory below.
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
