"""Where numba keeps hyosan's compiled kernels, and whether an engine's are compiled yet.

Compiling an engine's kernels takes most of a minute; numba caches the result, by default in
``__pycache__`` beside the source, which a reinstall wipes and a read-only install cannot write.
Importing hyosan therefore does one thing to numba: it puts a cache locator first in numba's
list that answers only for functions defined in hyosan's own modules and keeps them under
:func:`cache_root` (``NUMBA_CACHE_DIR`` if the user set one, else a per-user directory:
``$XDG_CACHE_HOME/hyosan`` or ``~/.cache/hyosan``, ``~/Library/Caches/hyosan``,
``%LOCALAPPDATA%\\hyosan``). Other libraries' numba functions, numba's settings and the
environment are left as they are; ``NUMBA_CACHE_LOCATOR_CLASSES``, if set, wins over it.

Kernels inline helpers from other modules, and numba checks only the source of the function it
compiled: here the stamp of every kernel is the digest of all the engines' sources, so editing
any of them recompiles, and each digest has a directory of its own (``kernels-<digest>``), so
two versions of hyosan do not overwrite each other's kernels.

An engine's kernels count as compiled once a run with it has finished in this process, or in an
earlier one with the same sources (a marker file next to the kernels, :func:`mark_compiled`):
``simulate`` says so before a run that must compile them first.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_KERNEL_SOURCES = ("engines", "network", "results/recorder.py")
"""What the kernels are compiled from: their modules, the helpers they inline, the named tuples
of their arguments."""

_compiled_here: set[str] = set()


def cache_root() -> Path:
    """The directory under which hyosan's kernels are cached (see the module's docstring)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        return Path(given)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hyosan"


@functools.cache
def sources_digest() -> str:
    """A digest of every source the kernels are compiled from (a few milliseconds, once)."""
    digest = hashlib.sha256()
    for part in _KERNEL_SOURCES:
        path = _PACKAGE / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(_PACKAGE)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def kernels_dir() -> Path:
    """This version's kernels: ``cache_root() / kernels-<sources_digest()>``."""
    return cache_root() / f"kernels-{sources_digest()}"


def is_compiled(engine: str) -> bool:
    """Whether ``engine``'s kernels are compiled: run in this process, or cached by an earlier
    one (a marker written after a run; a cache wiped by hand since then is not noticed)."""
    return engine in _compiled_here or (kernels_dir() / f"{engine}.compiled").exists()


def mark_compiled(engine: str) -> None:
    """Remember that ``engine``'s kernels are compiled (after a run with it)."""
    if engine in _compiled_here:
        return
    _compiled_here.add(engine)
    try:
        directory = kernels_dir()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{engine}.compiled").touch()
    except OSError:  # a read-only cache: numba will not have saved the kernels either
        pass


def _install_locator() -> None:
    """Put :class:`_HyosanLocator` first in numba's list of cache locators."""
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - numba is a dependency
        return

    class _HyosanLocator(caching.UserProvidedCacheLocator):
        """hyosan's functions only: under ``kernels_dir()``, one folder per package, stamped
        with the digest of all the kernels' sources."""

        def __init__(self, py_func, py_file) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            relative = Path(py_file).resolve().parent.relative_to(_PACKAGE)
            self._cache_path = str(kernels_dir() / relative)

        def get_source_stamp(self):
            return (super().get_source_stamp(), sources_digest())

        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                Path(py_file).resolve().relative_to(_PACKAGE)
            except (ValueError, OSError):
                return None  # not hyosan's: numba's own locators decide
            return caching._SourceFileBackedLocatorMixin.from_function.__func__(
                cls, py_func, py_file
            )

    locators = caching.CacheImpl._locator_classes
    if not any(c.__name__ == "_HyosanLocator" for c in locators):
        locators.insert(0, _HyosanLocator)


_install_locator()
