"""Reference implementations that hyosan's engines are benchmarked against.

Each reference is what a competent programmer would write *without* hyosan, so that the
benchmark numbers answer "how much does hyosan buy you over the obvious alternative?":

* :func:`numba_gillespie_szr` -- a plain textbook Gillespie direct-method loop in numba for the
  well-mixed SZR (susceptible / zombie / removed) model.
* :func:`numpy_leap_szr` -- a careful, fully vectorised numpy chain-binomial tau leap of SZR on
  a periodic 4-neighbour lattice with zombie hops.
* :func:`gillespy2_szr_events_per_s` -- the same well-mixed SZR run by GillesPy2's compiled C++
  SSA solver (``pip install gillespy2``; needs a working ``g++``).

The SZR reactions are ``bite: S + Z -> 2Z`` (propensity ``beta*S*Z``) and
``kill: S + Z -> S + R`` (propensity ``kappa*S*Z``).  Run ``python benchmarks/references.py``
to check correctness and print the throughput of all three.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

# A well-mixed setting with a long-running epidemic: kill rate below bite rate, so the outbreak
# almost surely takes off (extinction probability (kappa/beta)**Z0 = 0.5**10 ~ 1e-3) and then
# runs until every human is bitten, i.e. about S0 * (1 + kappa/beta) = 1.5 million events a run.
WELL_MIXED_DEFAULTS: dict[str, float | int] = {
    "s0": 1_000_000,
    "z0": 10,
    "beta": 1e-6,
    "kappa": 5e-7,
    "t_end": 1_000.0,
}


# --------------------------------------------------------------------------------------------
# numba Gillespie (direct method)
# --------------------------------------------------------------------------------------------


@numba.njit(cache=False)
def numba_gillespie_szr(
    s0: int, z0: int, beta: float, kappa: float, t_end: float, seed: int
) -> tuple[int, int, int, int]:
    """Run one well-mixed SZR trajectory with the textbook Gillespie direct method.

    Deliberately plain (recompute both propensities every event, exponential waiting time,
    one uniform to pick the reaction) so that it represents the obvious numba implementation
    rather than a tuned one.  Uses numba's internal ``np.random`` state, seeded per call.

    Returns ``(events, S, Z, R)`` at ``t_end`` or when no reaction can fire any more.
    """
    np.random.seed(seed)
    s = s0
    z = z0
    r = 0
    t = 0.0
    events = 0
    while True:
        a_bite = beta * s * z
        a_kill = kappa * s * z
        a0 = a_bite + a_kill
        if a0 <= 0.0:
            break
        t += np.random.exponential(1.0 / a0)
        if t > t_end:
            break
        if np.random.random() * a0 < a_bite:
            s -= 1
            z += 1
        else:
            z -= 1
            r += 1
        events += 1
    return events, s, z, r


def time_numba_gillespie(
    s0: int = 1_000_000,
    z0: int = 10,
    beta: float = 1e-6,
    kappa: float = 5e-7,
    t_end: float = 1_000.0,
    seed: int = 0,
    min_seconds: float = 1.0,
) -> float:
    """Return events per second of :func:`numba_gillespie_szr`, compilation excluded.

    A tiny warm-up run triggers JIT compilation first; then whole runs (new seed each) are
    repeated until at least ``min_seconds`` of wall time have been accumulated, so that timer
    resolution and run-to-run variation (e.g. rare early extinctions) are averaged out.
    """
    numba_gillespie_szr(10, 1, beta, kappa, t_end, seed)  # compile
    total_events = 0
    elapsed = 0.0
    run = 0
    while elapsed < min_seconds:
        start = time.perf_counter()
        events, _, _, _ = numba_gillespie_szr(s0, z0, beta, kappa, t_end, seed + 1 + run)
        elapsed += time.perf_counter() - start
        total_events += events
        run += 1
    return total_events / elapsed


# --------------------------------------------------------------------------------------------
# numpy chain-binomial tau leap on a lattice
# --------------------------------------------------------------------------------------------


@dataclass
class NumpyLeapSZR:
    """State and preallocated buffers of a vectorised chain-binomial SZR leap on a torus.

    Each cell has area 1, so counts are densities and the per-cell hazards are
    ``beta*S*Z`` (bites) and ``kappa*S*Z`` (kills), exactly as in the well-mixed model.
    One step of length ``dt``:

    1. reactions, from the state at the start of the step (chain binomial, so never negative):
       each human is bitten with probability ``1 - exp(-beta*Z*dt)``, each zombie is killed
       with probability ``1 - exp(-kappa*S*dt)``;
    2. hops: each zombie leaves its cell with probability ``1 - exp(-hop_rate*dt)`` and the
       departures are split among the 4 neighbours by sequential binomials (1/4, 1/3, 1/2,
       rest), so the split is exactly multinomial and conserves zombies.

    Everything is whole-array numpy: no Python loop over cells.  State is int32 (populations
    per cell are small) and float scratch is reused; only ``Generator.binomial`` allocates,
    because it has no ``out=`` argument.  Boundaries are periodic, done with slice-adds rather
    than ``np.roll`` to avoid extra temporaries.
    """

    shape: tuple[int, int] = (1000, 1000)
    s_per_cell: int = 10
    z_per_cell: int = 1
    z_center: int = 0
    beta: float = 0.1
    kappa: float = 0.05
    hop_rate: float = 1.0
    dt: float = 0.01
    seed: int = 0
    s: np.ndarray = field(init=False, repr=False)
    z: np.ndarray = field(init=False, repr=False)
    r: np.ndarray = field(init=False, repr=False)
    _p: np.ndarray = field(init=False, repr=False)
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.s = np.full(self.shape, self.s_per_cell, dtype=np.int32)
        self.z = np.full(self.shape, self.z_per_cell, dtype=np.int32)
        self.z[self.shape[0] // 2, self.shape[1] // 2] += self.z_center
        self.r = np.zeros(self.shape, dtype=np.int32)
        self._p = np.empty(self.shape, dtype=np.float64)
        self._rng = np.random.default_rng(self.seed)
        self._p_hop = -math.expm1(-self.hop_rate * self.dt)

    def _event_probability(self, other: np.ndarray, rate: float) -> np.ndarray:
        """Fill the scratch buffer with ``1 - exp(-rate*other*dt)`` (in place, via expm1)."""
        p = self._p
        np.multiply(other, -rate * self.dt, out=p)
        np.expm1(p, out=p)
        np.negative(p, out=p)
        return p

    def step(self) -> None:
        """Advance the lattice by one leap of length ``dt`` (reactions, then zombie hops)."""
        rng = self._rng
        s, z, r = self.s, self.z, self.r
        # Both draws use the start-of-step state; n_bite <= S and n_kill <= Z by construction.
        n_bite = rng.binomial(s, self._event_probability(z, self.beta))
        n_kill = rng.binomial(z, self._event_probability(s, self.kappa))
        s -= n_bite
        z += n_bite
        z -= n_kill
        r += n_kill

        movers = rng.binomial(z, self._p_hop)
        up = rng.binomial(movers, 0.25)
        movers -= up
        down = rng.binomial(movers, 1.0 / 3.0)
        movers -= down
        left = rng.binomial(movers, 0.5)
        right = movers - left
        z -= up
        z -= down
        z -= left
        z -= right
        # Arrivals on a torus: interior by shifted slice-adds, then the wrapped row/column.
        z[:-1, :] += up[1:, :]
        z[-1, :] += up[0, :]
        z[1:, :] += down[:-1, :]
        z[0, :] += down[-1, :]
        z[:, :-1] += left[:, 1:]
        z[:, -1] += left[:, 0]
        z[:, 1:] += right[:, :-1]
        z[:, 0] += right[:, -1]


def numpy_leap_szr(
    shape: tuple[int, int] = (1000, 1000),
    steps: int = 100,
    s_per_cell: int = 10,
    z_per_cell: int = 1,
    z_center: int = 0,
    beta: float = 0.1,
    kappa: float = 0.05,
    hop_rate: float = 1.0,
    dt: float = 0.01,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``steps`` chain-binomial leaps of lattice SZR and return the final ``(S, Z, R)``.

    ``z_per_cell`` seeds zombies everywhere (every cell active: the honest throughput case);
    ``z_per_cell=0, z_center=10`` seeds a single outbreak instead.  See :class:`NumpyLeapSZR`.
    """
    sim = NumpyLeapSZR(shape, s_per_cell, z_per_cell, z_center, beta, kappa, hop_rate, dt, seed)
    for _ in range(steps):
        sim.step()
    return sim.s, sim.z, sim.r


def time_numpy_leap(
    shape: tuple[int, int] = (1000, 1000),
    steps: int = 100,
    s_per_cell: int = 10,
    z_per_cell: int = 1,
    z_center: int = 0,
    beta: float = 0.1,
    kappa: float = 0.05,
    hop_rate: float = 1.0,
    dt: float = 0.01,
    seed: int = 0,
    min_seconds: float = 1.0,
) -> float:
    """Return cell-steps per second (cells x steps / seconds) of the numpy leap.

    Each repetition builds a fresh lattice (untimed), does one untimed warm-up step (first-touch
    page faults, allocator warm-up), then times exactly ``steps`` steps, so every repetition
    covers the same stretch of the dynamics.  Repetitions continue until ``min_seconds`` of
    timed wall time have accumulated.
    """
    cells = shape[0] * shape[1]
    total_steps = 0
    elapsed = 0.0
    rep = 0
    while elapsed < min_seconds:
        sim = NumpyLeapSZR(
            shape, s_per_cell, z_per_cell, z_center, beta, kappa, hop_rate, dt, seed + rep
        )
        sim.step()
        start = time.perf_counter()
        for _ in range(steps):
            sim.step()
        elapsed += time.perf_counter() - start
        total_steps += steps
        rep += 1
    return cells * total_steps / elapsed


# --------------------------------------------------------------------------------------------
# GillesPy2 C++ SSA
# --------------------------------------------------------------------------------------------


def _ensure_scons_on_path() -> None:
    """Put the venv's ``scons`` script on PATH when the venv is used without being activated.

    GillesPy2 (1.8.3) runs ``scons`` from PATH, or else ``Path(sys.executable).resolve()
    -m SCons`` -- and ``resolve()`` follows the venv's python symlink to the *base* interpreter,
    which does not have SCons installed, so the C++ build fails unless the venv is activated.
    """
    if shutil.which("scons") is None:
        venv_bin = Path(sys.executable).parent
        if (venv_bin / "scons").exists():
            os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def gillespy2_szr_events_per_s(
    s0: int = 1_000_000,
    z0: int = 10,
    beta: float = 1e-6,
    kappa: float = 5e-7,
    t_end: float = 1_000.0,
    seed: int = 0,
    min_seconds: float = 1.0,
    trajectories_per_call: int = 1,
) -> float | None:
    """Return events per second of GillesPy2's ``SSACSolver`` on well-mixed SZR, or ``None``.

    GillesPy2 is the most widely used Python-facing SSA package and its C++ SSA solver is its
    fastest exact method, so it is the fair "off the shelf" comparison.  The solver is built
    (C++ compiled) once, outside the timing; only ``model.run`` calls are timed.  The timeline
    is just ``[0, t_end]`` so output recording/parsing costs almost nothing.  GillesPy2 does
    not report event counts, so they are reconstructed from the final state: every bite
    removes one human and every kill adds one removed, hence
    ``events = (S0 - S_end) + (R_end - R0)``.

    Returns ``None`` (with the reason printed) when GillesPy2 is missing or fails, so that the
    benchmark run can go on without it.
    """
    try:
        import gillespy2
        from gillespy2 import SSACSolver
    except ImportError as exc:  # pragma: no cover - depends on the environment
        print(f"gillespy2 unavailable: {exc}")
        return None

    _ensure_scons_on_path()
    try:
        model = gillespy2.Model(name="SZR")
        model.add_parameter(
            [
                gillespy2.Parameter(name="beta", expression=beta),
                gillespy2.Parameter(name="kappa", expression=kappa),
            ]
        )
        s_sp = gillespy2.Species(name="S", initial_value=s0, mode="discrete")
        z_sp = gillespy2.Species(name="Z", initial_value=z0, mode="discrete")
        r_sp = gillespy2.Species(name="R", initial_value=0, mode="discrete")
        model.add_species([s_sp, z_sp, r_sp])
        model.add_reaction(
            [
                gillespy2.Reaction(
                    name="bite", reactants={s_sp: 1, z_sp: 1}, products={z_sp: 2}, rate="beta"
                ),
                gillespy2.Reaction(
                    name="kill",
                    reactants={s_sp: 1, z_sp: 1},
                    products={s_sp: 1, r_sp: 1},
                    rate="kappa",
                ),
            ]
        )
        model.timespan(np.array([0.0, t_end]))
        solver = SSACSolver(model=model)  # compiles the C++ simulation here, untimed
        model.run(solver=solver, number_of_trajectories=1, seed=seed + 1)  # warm-up, check

        total_events = 0
        elapsed = 0.0
        call = 0
        while elapsed < min_seconds:
            start = time.perf_counter()
            results = model.run(
                solver=solver,
                number_of_trajectories=trajectories_per_call,
                seed=seed + 2 + call,  # GillesPy2 rejects seed 0
            )
            elapsed += time.perf_counter() - start
            for traj in results:
                s_end = int(traj["S"][-1])
                r_end = int(traj["R"][-1])
                total_events += (s0 - s_end) + r_end
            call += 1
        return total_events / elapsed
    except Exception as exc:  # any GillesPy2 or compiler failure means "no number"
        print(f"gillespy2 failed: {type(exc).__name__}: {exc}")
        return None


# --------------------------------------------------------------------------------------------
# Self-check and report
# --------------------------------------------------------------------------------------------


def _check_numba_extinction(runs: int = 100_000) -> float:
    """Fraction of S0=100, Z0=1, kappa/beta=0.5 runs in which the zombies die out.

    Alemi et al.'s branching-process result gives (kappa/beta)**Z0 = 0.5 for large S0; an exact
    recursion over the embedded jump chain gives 0.49999999 for S0=100 (kills do not use up
    humans, so finite S0 barely matters).  Binomial standard error at 1e5 runs is 0.0016.
    """
    extinct = 0
    for i in range(runs):
        _, _, z, _ = numba_gillespie_szr(100, 1, 1.0, 0.5, math.inf, i)
        extinct += z == 0
    return extinct / runs


def _check_numpy_leap(steps: int = 200) -> None:
    """Assert the leap never goes negative and conserves S+Z+R exactly, step by step."""
    for kwargs in (
        {"z_per_cell": 1},
        {"z_per_cell": 0, "z_center": 10},
        {"z_per_cell": 3, "beta": 2.0, "kappa": 1.0, "hop_rate": 5.0, "dt": 0.5},  # harsh dt
    ):
        sim = NumpyLeapSZR(shape=(64, 80), seed=1, **kwargs)
        total = int(sim.s.sum() + sim.z.sum() + sim.r.sum())
        for _ in range(steps):
            sim.step()
            assert sim.s.min() >= 0 and sim.z.min() >= 0 and sim.r.min() >= 0, kwargs
            assert int(sim.s.sum() + sim.z.sum() + sim.r.sum()) == total, kwargs
        print(f"  numpy leap {kwargs}: conserved {total}, non-negative, final R={sim.r.sum()}")


if __name__ == "__main__":
    frac = _check_numba_extinction()
    print(
        "numba Gillespie extinction fraction (S0=100, Z0=1, kappa/beta=0.5): "
        f"{frac:.4f} (expected 0.5000 +- 0.0016)"
    )
    _check_numpy_leap()
    print(f"numba Gillespie: {time_numba_gillespie():.4g} events/s")
    print(f"numpy leap (1000x1000, 1 zombie/cell): {time_numpy_leap():.4g} cell-steps/s")
    print(
        "numpy leap (1000x1000, 10 zombies at centre): "
        f"{time_numpy_leap(z_per_cell=0, z_center=10):.4g} cell-steps/s"
    )
    rate = gillespy2_szr_events_per_s()
    print(f"GillesPy2 SSACSolver: {'n/a' if rate is None else f'{rate:.4g}'} events/s")
