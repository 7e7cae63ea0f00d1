"""Write files so that a crash leaves either the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from salondesk.errors import StorageError
from salondesk.i18n import _


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage_error(exc: OSError, path: Path) -> StorageError:
    """Turn an OSError into a message the IT helper can act on."""
    if exc.errno == errno.ENOSPC:
        return StorageError(_("The disk is full; nothing was changed. Free some space on {path}.")
                            .format(path=path.anchor or path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(_("SalonDesk may not write to {path}; nothing was changed.")
                            .format(path=path))
    return StorageError(_("Could not write {path} ({reason}); nothing was changed.")
                        .format(path=path, reason=exc.strerror or exc))


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success fsync it and rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically, readable by the owner only."""
    with atomic_path(target) as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_bytes(data)
