"""hyosan against an independent engine: GillesPy2's C++ SSA, and scipy for the mean field.

The GillesPy2 models are written here from the same parameter values, not generated from
hyosan's: a rate, a stoichiometry or a contact scaling that hyosan got wrong shows up as two
distributions that differ. Samples are compared with a chi-square two-sample test on final
sizes (valid for lumpy discrete distributions), a two-proportion test on the chance of a minor
outbreak, and a Kolmogorov-Smirnov p-value reported alongside.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from hyosan.models.library import seir, sir, szr
from hyosan.validation import figures
from hyosan.validation.core import Case, CaseResult, Settings, close, same_distribution
from hyosan.validation.runs import run, series
from hyosan.validation.stats import chi2_two_sample_p, ks_two_sample_p, two_proportion_p

SOURCE = (
    "GillesPy2 (Drawert et al. 2016; Matthew et al. 2023, StochSS), SSACSolver; "
    "scipy.integrate.solve_ivp"
)


def gillespy2_module() -> Any | None:
    """GillesPy2, with the venv's bin on PATH so that its SCons build of the C++ solver works
    when the venv is not activated (it runs ``scons`` from PATH); None if not installed."""
    try:
        import gillespy2
    except ImportError:
        return None
    if shutil.which("scons") is None:
        venv_bin = Path(sys.executable).parent
        if (venv_bin / "scons").exists():
            os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    return gillespy2


def gillespy2_final(
    species: dict[str, int],
    reactions: list[tuple[str, dict[str, int], dict[str, int], float]],
    t_end: float,
    runs: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Final counts of ``runs`` SSACSolver trajectories of a mass-action network (volume 1)."""
    gillespy2 = gillespy2_module()
    model = gillespy2.Model(name="crosscheck")
    made = {
        name: gillespy2.Species(name=name, initial_value=int(n), mode="discrete")
        for name, n in species.items()
    }
    model.add_species(list(made.values()))
    for name, reactants, products, rate in reactions:
        parameter = gillespy2.Parameter(name=f"k_{name}", expression=float(rate))
        model.add_parameter(parameter)
        model.add_reaction(
            gillespy2.Reaction(
                name=name,
                reactants={made[s]: k for s, k in reactants.items()},
                products={made[s]: k for s, k in products.items()},
                rate=parameter,
            )
        )
    model.timespan(np.array([0.0, float(t_end)]))
    solver = gillespy2.SSACSolver(model=model)
    trajectories = model.run(solver=solver, number_of_trajectories=int(runs),
                             seed=int(seed) % (2**31 - 2) + 1)  # fmt: skip
    return {name: np.array([t[name][-1] for t in trajectories], float) for name in species}


def _hyosan_final(model, counts, t_end, engine, runs, seed, **options) -> dict[str, np.ndarray]:
    ds = run(model, counts, t_end, engine, runs, seed, t_end, **options)
    return {comp: series(ds, comp)[:, -1] for comp in ds["compartment"].values}


def _compare(result: CaseResult, label: str, mine: np.ndarray, theirs: np.ndarray,
             minor: tuple[np.ndarray, np.ndarray]) -> None:  # fmt: skip
    """Chi-square on the distribution, two-proportion on a minor outbreak; KS as a note."""
    result.add(
        same_distribution(f"{label}: final-size distributions (chi-square p)",
                          chi2_two_sample_p(mine, theirs),
                          "binned on pooled quantiles, every expected count >= 5"),
        same_distribution(f"{label}: P(minor outbreak) (two-proportion p)",
                          two_proportion_p(int(minor[0].sum()), len(minor[0]),
                                           int(minor[1].sum()), len(minor[1]))),
    )  # fmt: skip
    result.note(
        f"{label}: means {mine.mean():.2f} vs {theirs.mean():.2f}; minor outbreaks "
        f"{minor[0].mean():.3f} vs {minor[1].mean():.3f}; KS p = "
        f"{ks_two_sample_p(mine, theirs):.3f} (conservative with ties)"
    )


def _sir_gillespy2(settings: Settings, result: CaseResult) -> None:
    if gillespy2_module() is None:
        result.skipped = "gillespy2 is not installed (pip install 'hyosan[bench]')"
        return
    runs = settings.runs(2000, 10_000)
    beta, gamma, n = 2.0, 1.0, 200
    counts, t_end = {"S": n - 1, "I": 1, "R": 0}, 40.0
    theirs = gillespy2_final(
        counts,
        [("infect", {"S": 1, "I": 1}, {"I": 2}, beta / n), ("recover", {"I": 1}, {"R": 1}, gamma)],
        t_end, runs, settings.seed + 40,
    )  # fmt: skip
    engines = {"ssa": {}, "tau": {"dt": 0.005}}
    finals = {}
    for engine, options in engines.items():
        mine = _hyosan_final(sir(beta=beta, gamma=gamma), counts, t_end, engine, runs,
                             settings.seed + 41, **options)  # fmt: skip
        finals[engine] = mine["R"]
        _compare(result, f"SIR hyosan {engine} vs GillesPy2", mine["R"], theirs["R"],
                 (mine["R"] < 20, theirs["R"] < 20))  # fmt: skip
    result.note(f"SIR, frequency-dependent (beta S I / N), N = {n}, one infectious, R0 = "
                f"{beta / gamma:g}; GillesPy2 mass action with rate beta/N; {runs} runs each; "
                f"tau with dt = 0.005.")  # fmt: skip
    _histograms(settings, result, {**finals, "GillesPy2": theirs["R"]}, "final R (SIR)")


def _szr_gillespy2(settings: Settings, result: CaseResult) -> None:
    if gillespy2_module() is None:
        result.skipped = "gillespy2 is not installed (pip install 'hyosan[bench]')"
        return
    runs = settings.runs(2000, 10_000)
    beta, kappa = 1.0, 0.5
    counts, t_end = {"S": 100, "Z": 1, "R": 0}, 1.0
    theirs = gillespy2_final(
        counts,
        [("bite", {"S": 1, "Z": 1}, {"Z": 2}, beta),
         ("kill", {"S": 1, "Z": 1}, {"S": 1, "R": 1}, kappa)],
        t_end, runs, settings.seed + 42,
    )  # fmt: skip
    finals = {}
    for engine, options in {"ssa": {}, "tau": {"dt": 0.0002}}.items():
        mine = _hyosan_final(szr(beta=beta, kappa=kappa), counts, t_end, engine, runs,
                             settings.seed + 43, **options)  # fmt: skip
        finals[engine] = mine["R"]
        _compare(result, f"SZR hyosan {engine} vs GillesPy2 (final R)", mine["R"], theirs["R"],
                 (mine["Z"] == 0, theirs["Z"] == 0))  # fmt: skip
        _compare(result, f"SZR hyosan {engine} vs GillesPy2 (final S)", mine["S"], theirs["S"],
                 (mine["S"] > 0, theirs["S"] > 0))  # fmt: skip
    result.note(
        f"SZR (Alemi), density contact on area 1, S0 = 100, Z0 = 1, alpha = "
        f"{kappa / beta:g}; 'minor outbreak' is the zombies dying out (P = alpha = "
        f"{kappa / beta:g} for large S0); {runs} runs each; tau with dt = 0.0002."
    )
    _histograms(settings, result, {**finals, "GillesPy2": theirs["R"]}, "final R (SZR)")


def _histograms(settings: Settings, result: CaseResult, samples: dict[str, np.ndarray],
                xlabel: str) -> None:  # fmt: skip
    with figures.panels(settings.figure_path(result.name), result, ncols=1) as axes:
        if axes is not None:
            top = max(float(s.max()) for s in samples.values())
            edges = np.arange(-0.5, top + 1.5, max(1.0, np.ceil(top / 60)))
            for label, sample in samples.items():
                axes[0].hist(sample, edges, histtype="step", density=True, label=label)
            axes[0].set_yscale("log")
            figures.style(axes[0], xlabel, "share of runs", result.title)


def _seir_scipy(settings: Settings, result: CaseResult) -> None:
    beta, sigma, gamma, n = 0.5, 0.2, 0.1, 1000.0
    t_end = 200.0
    ds = run(seir(beta=beta, sigma=sigma, gamma=gamma), {"S": 990, "E": 0, "I": 10, "R": 0},
             t_end, record_every=1.0)  # fmt: skip
    times = ds["time"].values

    def rhs(_t, y):  # SEIR, frequency-dependent, written out by hand
        s, e, i, _r = y
        infection = beta * s * i / n
        return [-infection, infection - sigma * e, sigma * e - gamma * i, gamma * i]

    reference = solve_ivp(rhs, (0.0, t_end), [990.0, 0.0, 10.0, 0.0], t_eval=times,
                          method="LSODA", rtol=1e-10, atol=1e-10).y  # fmt: skip
    gap = max(float(np.max(np.abs(series(ds, c)[0] - reference[k])))
              for k, c in enumerate("SEIR"))  # fmt: skip
    result.add(close("hyosan ode vs scipy solve_ivp, max |gap| (people)", gap, 0.0, 1e-4 * n,
                     "both solvers' tolerances (rtol 1e-8 / 1e-10)"))  # fmt: skip
    with figures.panels(settings.figure_path(result.name), result, ncols=1) as axes:
        if axes is not None:
            for k, comp in enumerate("SEIR"):
                axes[0].plot(times, reference[k], color="k", lw=0.8)
                axes[0].plot(times[::5], series(ds, comp)[0, ::5], "o", ms=2.5, label=comp)
            figures.style(axes[0], "time (day)", "people", "SEIR: hyosan ode (dots), scipy (line)")


CASES = [
    Case("gillespy2-sir", "SIR: hyosan ssa and tau vs GillesPy2 SSACSolver", SOURCE,
         _sir_gillespy2),
    Case("gillespy2-szr", "SZR: hyosan ssa and tau vs GillesPy2 SSACSolver", SOURCE,
         _szr_gillespy2),
    Case("scipy-seir", "SEIR: hyosan ode vs scipy solve_ivp", SOURCE, _seir_scipy),
]  # fmt: skip
