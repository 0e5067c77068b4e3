"""hyosan's benchmarks: one command, one table (``--json`` for one JSON object).

Every ratio compares figures measured side by side in this same run, on this same machine:
- ssa: next-subvolume SZR on a 100x100 lattice (hops included), events per second, over the
  outbreak's first 20 time units and over the whole outbreak (100);
- well-mixed SZR: hyosan ssa against a plain numba Gillespie loop and GillesPy2's C++ SSA;
- tau: cell-steps per second on a 1000x1000 SZR lattice against a vectorised numpy leap (the
  two take turns, three rounds: the medians, and each round's ratio);
- memory: peak resident memory of a 1000x1000 lattice, 5 compartments, 16 runs (a subprocess);
- Seoul: one 30-day tau history of the ``seoul`` world at 250 m (its default adaptive steps),
  timed three times: the median, and each;
- contact across links: Alemi's bond lattice (one person a site, bites and kills across bonds)
  next to the hop-only lattice: ssa events per second, tau site-steps per second
  (``--only contact`` runs these rows alone).

    python benchmarks/run.py [--json] [--quick] [--only contact]
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import references

import hyosan
from hyosan.engines import SsaEngine, TauEngine
from hyosan.models import szr
from hyosan.places import grid, well_mixed
from hyosan.run.simulate import run_keys

WELL_MIXED = references.WELL_MIXED_DEFAULTS
ROUNDS = 3
"""Rounds of the timings that a busy machine disturbs most (medians are reported)."""
LATTICE = {
    "beta": 0.1,
    "kappa": 0.05,
    "hop_rate": 1.0,
    "dt": 0.01,
    "s_per_cell": 10,
    "z_per_cell": 1,
}


def ssa_lattice_events_per_s(
    size: int = 100, t_end: float = 20.0, min_seconds: float = 2.0
) -> float:
    """Next-subvolume SZR on a size x size lattice: 10 humans per cell, an outbreak in the
    middle, zombies hopping; events (reactions + hops) per second of wall time. ``t_end`` 20:
    the outbreak's first stage (a front of bites and hops); 100: the whole outbreak, until no
    human is left and about 50,000 zombies walk."""
    places = grid((size, size), {"S": 10, "Z": 0, "R": 0}, periodic=True)
    places = places.with_outbreak(f"{size // 2},{size // 2}", "Z", 10)
    net = hyosan.Scenario(model=szr(beta=0.1, kappa=0.05, hop=1.0), places=places).compile()
    warm = SsaEngine(net, 1, run_keys(0, 1))
    warm.advance(0.0, 0.01)
    events, elapsed, seed = 0, 0.0, 1
    while elapsed < min_seconds:
        engine = SsaEngine(net, 1, run_keys(seed, 1))
        start = time.perf_counter()
        engine.advance(0.0, t_end)
        elapsed += time.perf_counter() - start
        events += int(engine.events.sum())
        seed += 1
    return events / elapsed


def ssa_wellmixed_events_per_s(min_seconds: float = 2.0) -> float:
    """hyosan ssa on the well-mixed SZR of the references (same rates, same sizes)."""
    places = well_mixed({"S": WELL_MIXED["s0"], "Z": WELL_MIXED["z0"], "R": 0})
    model = szr(beta=WELL_MIXED["beta"], kappa=WELL_MIXED["kappa"])
    net = hyosan.Scenario(model=model, places=places).compile()
    SsaEngine(net, 1, run_keys(0, 1)).advance(0.0, 1e-3)
    events, elapsed, seed = 0, 0.0, 1
    while elapsed < min_seconds:
        engine = SsaEngine(net, 1, run_keys(seed, 1))
        start = time.perf_counter()
        engine.advance(0.0, WELL_MIXED["t_end"])
        elapsed += time.perf_counter() - start
        events += int(engine.events.sum())
        seed += 1
    return events / elapsed


def tau_cell_steps_per_s(shape=(1000, 1000), steps: int = 100, min_seconds: float = 2.0) -> float:
    """hyosan tau on the numpy reference's lattice: periodic, same rates, same dt."""
    places = grid(
        shape, {"S": LATTICE["s_per_cell"], "Z": LATTICE["z_per_cell"], "R": 0}, periodic=True
    )
    # The reference's zombies leave at hop_rate in all; hyosan's rate is per link (4 per cell).
    model = szr(beta=LATTICE["beta"], kappa=LATTICE["kappa"], hop=LATTICE["hop_rate"] / 4)
    net = hyosan.Scenario(model=model, places=places).compile()
    cells = shape[0] * shape[1]
    warm = TauEngine(net, 1, run_keys(0, 1), LATTICE["dt"])
    warm.advance(0.0, LATTICE["dt"])
    total, elapsed, seed = 0, 0.0, 1
    while elapsed < min_seconds:
        engine = TauEngine(net, 1, run_keys(seed, 1), LATTICE["dt"])
        engine.advance(0.0, LATTICE["dt"])
        start = time.perf_counter()
        engine.advance(LATTICE["dt"], LATTICE["dt"] * (steps + 1))
        elapsed += time.perf_counter() - start
        total += steps * cells
        seed += 1
    return total / elapsed


def contact_lattice(size: int, alpha: float = 0.3) -> hyosan.Scenario:
    """Alemi's bond lattice: one human a site, a zombie in the middle, contact across bonds."""
    from hyosan.validation.lattice_cases import bond_lattice_model

    places = grid((size, size), {"S": 1, "Z": 0, "R": 0}, periodic=True)
    places = places.with_outbreak(f"{size // 2},{size // 2}", "Z", 1)
    return hyosan.Scenario(model=bond_lattice_model(alpha), places=places)


def ssa_contact_events_per_s(size: int = 200, min_seconds: float = 2.0) -> float:
    """ssa on the bond lattice, whole outbreaks (alpha 0.3: zombies win), events per second."""
    net = contact_lattice(size).compile()
    SsaEngine(net, 1, run_keys(0, 1)).advance(0.0, 0.01)
    events, elapsed, seed = 0, 0.0, 1
    while elapsed < min_seconds:
        engine = SsaEngine(net, 1, run_keys(seed, 1))
        start = time.perf_counter()
        engine.advance(0.0, 1e9)
        elapsed += time.perf_counter() - start
        events += int(engine.events.sum())
        seed += 1
    return events / elapsed


def tau_contact_site_steps_per_s(size: int = 200, steps: int = 20, dt: float = 0.05,
                                 min_seconds: float = 2.0) -> float:  # fmt: skip
    """tau on the bond lattice (fields taken afresh every step), site-steps per second."""
    net = contact_lattice(size).compile()
    TauEngine(net, 1, run_keys(0, 1), dt).advance(0.0, dt)
    total, elapsed, seed = 0, 0.0, 1
    while elapsed < min_seconds:
        engine = TauEngine(net, 1, run_keys(seed, 1), dt)
        start = time.perf_counter()
        engine.advance(0.0, dt * steps)
        elapsed += time.perf_counter() - start
        total += steps * size * size
        seed += 1
    return total / elapsed


def contact_rows(seconds: float) -> dict[str, float]:
    """The contact-across-links rows, with the hop-only lattice's ssa row beside them."""
    return {
        "ssa_events_per_s": ssa_lattice_events_per_s(min_seconds=seconds),
        "ssa_contact_lattice_events_per_s": ssa_contact_events_per_s(min_seconds=seconds),
        "tau_contact_lattice_site_steps_per_s": tau_contact_site_steps_per_s(min_seconds=seconds),
    }


@functools.cache
def _seoul_world() -> hyosan.Scenario:
    from hyosan.scenarios import seoul

    return seoul.build(250)


def seoul_250m_seconds(days: float = 30.0) -> tuple[float, int]:
    """Wall seconds of one history of Seoul at 250 m over ``days`` (world built and kernels
    compiled beforehand, untimed), and the number of steps it took."""
    scenario = _seoul_world()
    hyosan.simulate(scenario, t_end=0.05, runs=1, seed=0, progress=False)  # compile
    start = time.perf_counter()
    ds = hyosan.simulate(scenario, t_end=24.0 * days, runs=1, seed=1, progress=False)
    return time.perf_counter() - start, int(ds["steps"].values[0])


MEMORY_SCRIPT = """
import resource, sys, numpy as np, hyosan
from hyosan.models import jonas
from hyosan.places import grid
size = int(sys.argv[1])
places = grid((size, size), {"S": 10, "E1": 0, "Z": 0, "H": 0, "R": 0}, periodic=True)
places = places.with_outbreak(f"{size // 2},{size // 2}", "Z", 5)
scenario = hyosan.Scenario(model=jonas(stages=1), places=places)
ds = hyosan.simulate(scenario, t_end=0.05, engine="tau", runs=16, seed=1, dt=0.01,
                     record_every=0.05, progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_memory_mib() -> float:
    """Peak RSS of a 1000x1000, 5-compartment, 16-run tau simulation, in MiB (a subprocess).
    A small world runs first in a subprocess of its own, so that the measured one finds the
    kernels compiled in numba's cache: compiling them takes half a gigabyte of its own."""
    for size in (100, 1000):
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="shorter timings (noisier)")
    parser.add_argument("--only", choices=["contact"], help="run only these rows")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 2.0
    results: dict[str, float | str | None] = {}
    if args.only == "contact":
        rows = contact_rows(seconds)
        lines = "\n".join(f"{key}: {value:,.4g}" for key, value in rows.items())
        print(json.dumps(rows) if args.json else lines)
        return
    results["ssa_events_per_s"] = ssa_lattice_events_per_s(min_seconds=seconds)
    results["ssa_whole_outbreak_events_per_s"] = ssa_lattice_events_per_s(
        t_end=100.0, min_seconds=seconds
    )
    results["ssa_wellmixed_events_per_s"] = ssa_wellmixed_events_per_s(min_seconds=seconds)
    results["reference_wellmixed_events_per_s"] = references.time_numba_gillespie(
        **WELL_MIXED, min_seconds=seconds
    )
    try:
        results["gillespy2_events_per_s"] = references.gillespy2_szr_events_per_s(
            **WELL_MIXED, min_seconds=seconds
        )
    except Exception as error:
        results["gillespy2_events_per_s"] = None
        results["gillespy2_error"] = str(error)
    # Both leaps over the same steps from the same start: the outbreak grows as they go. The
    # machine's load drifts over seconds, so they take turns, and each gives its median round.
    lattice_steps = 20 if args.quick else 50
    rounds = 1 if args.quick else ROUNDS
    tau_rounds, numpy_rounds = [], []
    for _ in range(rounds):
        tau_rounds.append(tau_cell_steps_per_s(steps=lattice_steps, min_seconds=seconds / 2))
        numpy_rounds.append(
            references.time_numpy_leap(steps=lattice_steps, min_seconds=seconds / 2, **LATTICE)
        )
    results["tau_cell_steps_per_s"] = float(np.median(tau_rounds))
    results["numpy_reference_cell_steps_per_s"] = float(np.median(numpy_rounds))
    results["tau_vs_numpy_reference_rounds"] = ", ".join(
        f"{a / b:.1f}" for a, b in zip(tau_rounds, numpy_rounds, strict=True)
    )
    days = 2 if args.quick else 30
    histories = [seoul_250m_seconds(days) for _ in range(rounds)]
    results[f"seoul_250m_{days}d_tau_seconds"] = float(np.median([h[0] for h in histories]))
    results[f"seoul_250m_{days}d_tau_seconds_each"] = ", ".join(f"{h[0]:.2f}" for h in histories)
    results[f"seoul_250m_{days}d_tau_steps"] = float(histories[0][1])
    results.update(contact_rows(seconds))
    results["memory_1000x1000_5comp_16runs_mib"] = peak_memory_mib()
    results["this_process_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratios = {
        "ssa_wellmixed_vs_reference": _ratio(
            results, "ssa_wellmixed_events_per_s", "reference_wellmixed_events_per_s"
        ),
        "ssa_wellmixed_vs_gillespy2": _ratio(
            results, "ssa_wellmixed_events_per_s", "gillespy2_events_per_s"
        ),
        "tau_vs_numpy_reference": _ratio(
            results, "tau_cell_steps_per_s", "numpy_reference_cell_steps_per_s"
        ),
    }
    results.update(ratios)
    if args.json:
        print(json.dumps(results))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="hyosan benchmarks (this machine, one run)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target")
    targets = {
        "ssa_events_per_s": ">= 1e7",
        "ssa_wellmixed_vs_gillespy2": ">= 1",
        "tau_vs_numpy_reference": ">= 10",
        "memory_1000x1000_5comp_16runs_mib": "< 2048",
        "seoul_250m_30d_tau_seconds": "<= 10",
    }
    for key, value in results.items():
        text = f"{value:,.3g}" if isinstance(value, float) else str(value)
        table.add_row(key, text, targets.get(key, ""))
    Console().print(table)


def _ratio(results: dict, top: str, bottom: str) -> float | None:
    a, b = results.get(top), results.get(bottom)
    return float(a) / float(b) if a and b else None


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
