"""Writing a published file so that no reader ever sees half of it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reelcast.errors import FeedError

ROOM = "make room on the disk or make the folder writable, then run the command again (the previous feed is intact)"


def write_atomically(path: Path, data: bytes | str) -> None:
    """Replace `path` whole: a temp file in the same folder, synced, then renamed over it."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        # On a read-only file system even unlinking a file that is not there fails (EROFS, not
        # ENOENT): that must not hide the error the caller undoes the publish on.
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise FeedError(f"could not write {path}: {exc.strerror or exc}; {ROOM}") from exc
