"""Output paths checked before any work starts, by one rule for every format.

A simulation that fails after an hour because its folder is missing loses the hour, so every
command that writes (results, summaries, images, the schema) checks its path first: the folder
exists and can be written to, the name is not a folder, and an existing file is replaced only
when asked (``overwrite``). A Zarr store is a folder: one that hyosan did not write is never
replaced, whatever ``overwrite`` says. Writing itself is atomic (:mod:`hyosan.results.writer`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hyosan.errors import HyosanError

ZARR_SUFFIX = ".zarr"


class OutputError(HyosanError):
    """An output path that cannot be written, or a write that failed (a full disk)."""


def is_hyosan_store(path: Path) -> bool:
    """Whether ``path`` is a Zarr store that hyosan wrote (its attributes name hyosan's version)."""
    attrs = path / ".zattrs"
    if not (path / ".zgroup").is_file() or not attrs.is_file():
        return False
    try:
        return "hyosan_version" in json.loads(attrs.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def check_output(path: str | Path, *, overwrite: bool = False, key: str = "out") -> Path:
    """``path`` if it can be written now; otherwise an :class:`OutputError` naming it and ``key``.

    The rule: the folder exists, is a folder and is writable (a file is created and removed there
    to find out, so read-only disks are caught too); the name is not a folder (except a Zarr
    store that hyosan wrote); an existing output is replaced only with ``overwrite``.
    """
    path = Path(path)
    folder = path.parent
    shown = str(path)
    if not folder.exists():
        raise OutputError(f"{shown!r}: the folder {str(folder)!r} does not exist", key=key)
    if not folder.is_dir():
        raise OutputError(f"{shown!r}: {str(folder)!r} is a file, not a folder", key=key)
    _probe(folder, shown, key)
    from hyosan.results.writer import restore_moved_aside  # writer imports this module

    restore_moved_aside(path)  # an earlier store a killed writer left aside counts as there
    zarr = path.suffix.lower() == ZARR_SUFFIX
    if path.is_dir():
        if not zarr:
            raise OutputError(f"{shown!r} is a folder; give a file name", key=key)
        if not is_hyosan_store(path):
            raise OutputError(
                f"{shown!r} is a folder that is not a hyosan Zarr store; refusing to replace it",
                key=key,
            )
    elif zarr and path.exists():
        raise OutputError(f"{shown!r} is a file, not a Zarr store; refusing to replace it", key=key)
    elif path.exists() and not path.is_file():
        raise OutputError(
            f"{shown!r} is not a regular file (a device, a pipe); refusing to replace it", key=key
        )
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputError(
            f"{shown!r} already exists; pass --overwrite (overwrite=True) to replace it", key=key
        )
    return path


def _probe(folder: Path, shown: str, key: str) -> None:
    """Create and remove a file in ``folder``: the one test of writability that holds for root
    and for read-only disks alike."""
    try:
        handle, name = tempfile.mkstemp(prefix=".hyosan-probe-", dir=folder)
    except OSError as error:
        raise OutputError(
            f"{shown!r}: cannot write in {str(folder)!r} ({error.strerror or error})", key=key
        ) from None
    os.close(handle)
    os.unlink(name)


def write_failed(path: Path, error: OSError, key: str = "out") -> OutputError:
    """The error for a write that failed midway (a full disk): the path, the reason, and that
    any earlier file there is kept."""
    return OutputError(
        f"could not write {str(path)!r}: {error.strerror or error}; any earlier file there is "
        "unchanged",
        key=key,
    )
