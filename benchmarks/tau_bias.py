"""Bias and cost of tau's step choices, side by side with the exact engine (issue 22).

Two cases:
- final size: ``szr(beta=1, kappa=1.5)``, well mixed, S = 20,000, Z = 400. Zombies die out; the
  humans left at the end (about 19,200) are the final size.
- lattice: the SZR of ``szr-lattice`` on a 40 x 40 lattice of 20 people a cell, five zombies in
  the middle (one is often killed before it bites: the spread of such runs would hide any
  bias), to t = 30 hours: humans left while the front moves; the cost of a spatial world.

For each step choice: the mean over ``runs`` histories and its standard error, the bias against
``ssa`` in per cent, the mean number of steps, and the CPU seconds of the runs (the least of
``repeats``; kernels compiled beforehand). Run it with one thread for stable CPU times:

    NUMBA_NUM_THREADS=1 python benchmarks/tau_bias.py [runs] [repeats]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from hyosan import Scenario, simulate
from hyosan.models import szr
from hyosan.places import well_mixed
from hyosan.run.options import DEFAULT_STEP_ACCURACY
from hyosan.run.simulate import choose_dt
from hyosan.scenarios.lattice import szr_lattice

CHOICES = {
    "ssa (exact)": {"engine": "ssa"},
    "fixed, 0.2 events/step (old default)": {"engine": "tau", "step_accuracy": 0.2},
    "fixed, 0.05 events/step": {"engine": "tau", "step_accuracy": 0.05},
    "fixed, 0.02 events/step": {"engine": "tau", "step_accuracy": 0.02},
    "adaptive, accuracy=0.2": {"engine": "tau", "accuracy": 0.2},
    "adaptive, accuracy=0.1": {"engine": "tau", "accuracy": 0.1},
    "adaptive, accuracy=0.05": {"engine": "tau", "accuracy": 0.05},
    "adaptive, accuracy=0.02": {"engine": "tau", "accuracy": 0.02},
    f"default (adaptive {DEFAULT_STEP_ACCURACY:g})": {"engine": "tau"},
}


def final_size_case() -> tuple[Scenario, float]:
    world = Scenario(model=szr(beta=1.0, kappa=1.5), places=well_mixed({"S": 20_000, "Z": 400}))
    return world, 0.003  # zombies are gone by then (they fall at (kappa - beta) S ~ 9,600/unit)


def lattice_case() -> tuple[Scenario, float]:
    world = szr_lattice(size=40)
    places = world.places.with_outbreak("20,20", "Z", 4)
    return Scenario(model=world.model, places=places, name="lattice"), 30.0


def options(choice: dict, world: Scenario, t_end: float) -> dict:
    kwargs = dict(choice)
    step_accuracy = kwargs.pop("step_accuracy", None)
    if step_accuracy is not None:
        kwargs["dt"] = choose_dt(world.compile(), t_end / 100, step_accuracy)
    return kwargs


def table(label: str, world: Scenario, t_end: float, runs: int, repeats: int) -> None:
    rows = []
    for name, choice in CHOICES.items():
        kwargs = options(choice, world, t_end)
        simulate(world, t_end=t_end / 50, runs=1, seed=1, **kwargs)  # compile
        cpu = []
        for _ in range(repeats):
            started = time.process_time()
            ds = simulate(world, t_end=t_end, runs=runs, seed=7, **kwargs)
            cpu.append(time.process_time() - started)
        final = ds["final_susceptible"].values.astype(float)
        steps = float(ds["steps"].mean()) if "steps" in ds else float("nan")
        rows.append((name, final.mean(), final.std(ddof=1) / np.sqrt(runs), steps, min(cpu)))
    exact = rows[0][1]
    print(f"\n{label}: humans left, {runs} runs each")
    print(f"| {'step choice':38s} | {'mean':>9s} | {'s.e.':>5s} | {'bias %':>6s} | "
          f"{'steps':>6s} | {'CPU s':>6s} |")  # fmt: skip
    print(f"|{'-' * 40}|{'-' * 11}|{'-' * 7}|{'-' * 8}|{'-' * 8}|{'-' * 8}|")
    for name, mean, se, steps, cpu in rows:
        bias = 100 * (mean - exact) / exact
        print(f"| {name:38s} | {mean:9,.0f} | {se:5.1f} | {bias:6.2f} | {steps:6.0f} | "
              f"{cpu:6.2f} |", flush=True)  # fmt: skip


def main(runs: int = 400, repeats: int = 3) -> None:
    world, t_end = final_size_case()
    table("final size (well mixed, S = 20,000, Z = 400)", world, t_end, runs, repeats)
    world, t_end = lattice_case()
    table("lattice (40 x 40, t = 30 hours)", world, t_end, max(runs // 10, 2), repeats)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
