"""Threads under load: quiet vs one core busy with another program, 1 vs 2 threads vs the default.

Three works: a 200x200 SZR lattice (tau, fixed steps), a well-mixed SIR ensemble (1 M people,
100 daily tau steps, ``--ensemble-runs`` runs) and Seoul at 250 m (tau, a short ``--seoul-hours``).
"One core busy" is a ``while :; do :; done`` shell started beside the timings. Each cell is the
best of ``--rounds`` wall times (kernels compiled and worlds built beforehand, untimed); the last
column says how much slower the default is than the better of 1 and 2 threads in the same
condition (the target: at most ~10 %), and the default's thread count.

    python benchmarks/threads_load.py [--only lattice,ensemble,seoul] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

SETTINGS: tuple[Any, ...] = (1, 2, None)  # None: hyosan's default


def lattice() -> Callable[[Any], Any]:
    import hyosan
    from hyosan.scenarios.lattice import szr_lattice

    scenario = szr_lattice(200)
    return lambda threads: hyosan.simulate(
        scenario, engine="tau", dt=0.1, t_end=20.0, seed=1, threads=threads
    )


def ensemble(runs: int) -> Callable[[Any], Any]:
    import hyosan
    from hyosan.models import sir
    from hyosan.places import well_mixed

    places = well_mixed({"S": 1_000_000 - 10, "I": 10, "R": 0})
    scenario = hyosan.Scenario(model=sir(beta=0.3, gamma=0.1), places=places, t_end=100.0)
    return lambda threads: hyosan.simulate(
        scenario, engine="tau", dt=1.0, runs=runs, seed=1, threads=threads
    )


def seoul(hours: float) -> Callable[[Any], Any]:
    import hyosan
    from hyosan.scenarios import seoul as world

    scenario = world.build(250)
    return lambda threads: hyosan.simulate(scenario, t_end=hours, seed=1, threads=threads)


@contextmanager
def busy_core(busy: bool):
    """One core kept busy by another program while the block runs."""
    if not busy:
        yield
        return
    spinner = subprocess.Popen(["bash", "-c", "while :; do :; done"])
    time.sleep(0.5)
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def best_of(work: Callable[[Any], Any], threads: Any, rounds: int) -> tuple[float, int]:
    """Best wall seconds of ``rounds`` runs, and the thread count the run used."""
    times, used = [], 0
    for _ in range(rounds):
        began = time.perf_counter()
        ds = work(threads)
        times.append(time.perf_counter() - began)
        used = int(ds.attrs.get("threads", 0))
    return min(times), used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="lattice,ensemble,seoul")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ensemble-runs", type=int, default=100)
    parser.add_argument("--seoul-hours", type=float, default=6.0)
    args = parser.parse_args()
    makers = {
        "lattice": lattice,
        "ensemble": lambda: ensemble(args.ensemble_runs),
        "seoul": lambda: seoul(args.seoul_hours),
    }
    print(f"cores available: {len(os.sched_getaffinity(0))}; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")  # fmt: skip
    print(f"{'work':<10} {'condition':<10} {'1 thread':>9} {'2 threads':>10} {'default':>9} "
          f"{'default vs best':>16}")  # fmt: skip
    for name in args.only.split(","):
        work = makers[name]()
        work(1)  # compile and warm up, untimed
        import numba

        print(f"  (threading layer: {numba.threading_layer()})", flush=True)
        for condition in ("quiet", "one busy"):
            with busy_core(condition == "one busy"):
                cells = {t: best_of(work, t, args.rounds) for t in SETTINGS}
            best = min(cells[1][0], cells[2][0])
            default, used = cells[None]
            print(
                f"{name:<10} {condition:<10} {cells[1][0]:>8.3f}s {cells[2][0]:>9.3f}s "
                f"{default:>8.3f}s {100 * (default / best - 1):>+10.0f} % ({used} thr)",
                flush=True,
            )


if __name__ == "__main__":
    main()
