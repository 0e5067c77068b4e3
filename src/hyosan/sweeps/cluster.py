"""Where a sweep runs: a given Dask client, any Dask scheduler by address, or a LocalCluster.

The local cluster has one process per worker, each running one task at a time whose kernels
use that worker's share of the cores (so never more kernel threads than cores). On a remote
scheduler each task's kernels use its machine's cores divided by its worker's Dask threads.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hyosan.errors import HyosanError
from hyosan.sweeps.tasks import cores


@dataclass
class Workers:
    """A Dask client and the kernel threads each task uses (None: decided on the worker)."""

    client: Any
    threads: int | None
    dashboard: str | None


def local_threads(workers: int) -> int:
    """Kernel threads per local worker: the cores shared evenly, at least one."""
    return max(1, cores() // workers)


@contextlib.contextmanager
def connect(
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
) -> Iterator[Workers]:
    """A client to run on (closed afterwards if made here)."""
    if sum(x is not None for x in (client, workers, scheduler)) > 1:
        raise HyosanError("give one of client, workers (a local cluster) or scheduler (an address)")
    if workers is not None and workers < 1:
        raise HyosanError(f"--workers must be at least 1, got {workers}")
    if client is not None:
        yield Workers(client, threads, _dashboard(client))
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            remote = Client(scheduler, timeout="30s")
        except OSError as error:
            raise HyosanError(f"--scheduler {scheduler!r}: cannot connect ({error})") from None
        with remote:
            yield Workers(remote, threads, _dashboard(remote))
        return
    n = workers or max(1, cores())
    with warnings.catch_warnings():  # "port 8787 is in use": another port is taken instead
        warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0" if _has_dashboard() else None,
            silence_logs=logging.CRITICAL,  # a failed point is reported once, by the sweep
        )
    with cluster, Client(cluster) as local:
        yield Workers(local, threads or local_threads(n), _dashboard(local))


def _has_dashboard() -> bool:
    """The dashboard needs bokeh; without it there is no address to print."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _dashboard(client: Any) -> str | None:
    """The scheduler's dashboard address, when it has one."""
    try:
        return client.dashboard_link or None
    except (KeyError, AttributeError, OSError):  # no dashboard service
        return None
