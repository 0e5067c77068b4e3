"""Alemi et al. (2015), section IV: one person per site of a square lattice, bites and kills
across nearest-neighbour bonds; the critical point alpha_c = 0.43734613(57) (2D percolation).

hyosan writes the model with reactions across links (``S@here + Z@there -> Z@here + Z@there``,
rate beta per S-Z bond; ``Z@here + S@there -> R@here + S@there``, kappa per bond), so each event
is a bite with probability 1/(1 + alpha) of the bond picked, as in the paper. The estimate is our
own: zombies fill the left column of an L x L lattice and we ask whether the outbreak reaches the
right column (a spanning probability, which for 2D percolation has an L-independent value at the
critical point); a logistic fit of P_L(alpha) per size, the crossing of the fits of successive
sizes, and the crossing of the two largest sizes as the estimate, its error bar two standard
errors (delta method) widened by the drift between the last two crossings.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.optimize import minimize

from hyosan.models.spec import Model, Reaction
from hyosan.places.builders import grid
from hyosan.validation import figures
from hyosan.validation.alemi_cases import SOURCE
from hyosan.validation.core import Case, CaseResult, Settings, at_least, at_most, close
from hyosan.validation.runs import run

ALPHA_C = 0.43734613
"""Alemi et al.'s critical kill-to-bite ratio (their error: 57 in the last two digits)."""
NU = 4.0 / 3.0
"""2D percolation's correlation-length exponent: the width of P_L(alpha) shrinks as L^(-1/nu)."""


def bond_lattice_model(alpha: float) -> Model:
    """Alemi's lattice SZR: bites (rate 1) and kills (rate alpha) across every S-Z bond."""
    return Model(
        "szr-bonds",
        ("S", "Z", "R"),
        (
            Reaction("bite", "S@here + Z@there -> Z@here + Z@there", "beta"),
            Reaction("kill", "Z@here + S@there -> R@here + S@there", "kappa"),
        ),
        {"beta": 1.0, "kappa": float(alpha)},
        description="Alemi et al. 2015 section IV: one person per site, contact across bonds",
    )


def spanning_lattice(size: int):
    """An L x L lattice of one human a site, zombies on the left column, the right column its
    own region ('far') so that results say whether the outbreak reached it."""
    cells = np.arange(size * size)
    column = cells % size
    regions = np.where(column == size - 1, "far", "bulk")
    places = grid((size, size), {"S": (column > 0).astype(int), "Z": (column == 0).astype(int),
                                 "R": 0}, regions=regions)  # fmt: skip
    return places


def spanned(size: int, alpha: float, runs: int, seed: int, engine: str = "ssa") -> int:
    """How many of ``runs`` outbreaks from the left column reach the right column."""
    # run until the outbreak ends: each site turns and dies at most once (at most 2 L^2 events
    # a run), which the cost check's bound for a 1e9-hour run cannot know, so its limit is off
    ds = run(bond_lattice_model(alpha), spanning_lattice(size), t_end=1e9, engine=engine,
             runs=runs, seed=seed, record_every=1e9, limits={"events": 1e300})  # fmt: skip
    humans_far = ds["counts"].sel(compartment="S", region="far").isel(time=-1).values
    return int(np.sum(humans_far < size))


def logistic_fit(x: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood (a, b) of P = 1 / (1 + exp(-(a + b x))) from k successes of n, and
    their covariance (the inverse Fisher information)."""

    def nll(theta: np.ndarray) -> float:
        z = theta[0] + theta[1] * x
        return float(np.sum(n * np.logaddexp(0.0, z) - k * z))

    start = np.array([0.0, -10.0 / max(np.ptp(x), 1e-9)])
    theta = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12,
                                                                "maxiter": 4000}).x  # fmt: skip
    p = 1.0 / (1.0 + np.exp(-(theta[0] + theta[1] * x)))
    w = n * p * (1.0 - p)
    info = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
    return theta, np.linalg.inv(info)


def crossing(fit1: tuple, fit2: tuple) -> tuple[float, float]:
    """Where two logistic fits cross, and its standard error (delta method)."""
    (a1, b1), c1 = fit1
    (a2, b2), c2 = fit2
    x = (a2 - a1) / (b1 - b2)
    grad1 = np.array([-1.0, -x]) / (b1 - b2)  # d x / d (a1, b1)
    grad2 = np.array([1.0, x]) / (b1 - b2)  # d x / d (a2, b2)
    return float(x), float(math.sqrt(grad1 @ c1 @ grad1 + grad2 @ c2 @ grad2))


def _alphas(size: int, points: int) -> np.ndarray:
    """A grid about alpha_c as wide as P_L's rise (which narrows as L^(-1/nu))."""
    half = 0.9 * size ** (-1.0 / NU)
    return ALPHA_C + np.linspace(-half, half, points)


def _lattice(settings: Settings, result: CaseResult) -> None:
    sizes = [32, 64, 128, 256] if settings.full else [32, 64, 128]
    runs = settings.runs(300, 2000)
    points = 7
    center = ALPHA_C
    table = []
    for k, size in enumerate(sizes):
        alphas = _alphas(size, points)
        hits = np.array([spanned(size, a, runs, settings.seed + 1000 * k + j)
                         for j, a in enumerate(alphas)])  # fmt: skip
        fit = logistic_fit(alphas - center, hits, np.full(points, runs))
        table.append((size, alphas, hits / runs, fit))
    pairs = []
    for (l1, _, _, f1), (l2, _, _, f2) in itertools.pairwise(table):
        x, se = crossing(f1, f2)
        pairs.append((l1, l2, center + x, se))
    _, _, estimate, se = pairs[-1]
    drift = abs(pairs[-1][2] - pairs[-2][2]) if len(pairs) > 1 else 0.0
    error = 2.0 * math.sqrt(se**2 + drift**2)
    result.add(close("alpha_c from the crossing of the two largest sizes", estimate, ALPHA_C,
                     error, f"error bar: 2 SE of the crossing ({se:.4f}) widened by the drift "
                     f"between the last two crossings ({drift:.4f})"))  # fmt: skip
    a, b = table[-1][3][0]
    p_cross = 1.0 / (1.0 + math.exp(-(a + b * (estimate - center))))
    result.add(at_least("P_span at the crossing", p_cross, 0.3,
                        "2D percolation's crossing probability of a square is 1/2 (Cardy)"),
               at_most("P_span at the crossing (upper)", p_cross, 0.7,
                       "2D percolation's crossing probability of a square is 1/2 (Cardy)"),
               at_least("P_L falls with alpha at the largest size (fit slope)", -b, 0.0,
                        "zombies lose more often as kills grow"))  # fmt: skip
    result.note(
        f"estimate {estimate:.4f} ± {error:.4f} (published {ALPHA_C}); crossings "
        + ", ".join(f"L = {l1}/{l2}: {x:.4f} ± {s:.4f}" for l1, l2, x, s in pairs)
        + f"; {runs} ssa runs at each of {points} alphas per size; P_span there {p_cross:.2f}"
    )
    _draw(settings, result, table, pairs, center, estimate, error)


def _draw(settings, result, table, pairs, center, estimate, error) -> None:
    with figures.panels(settings.figure_path("alemi-lattice"), result,
                        title="Alemi's bond lattice: spanning probability") as axes:  # fmt: skip
        if axes is None:
            return
        result.figure = "alemi-lattice.png"
        fine = np.linspace(min(t[1][0] for t in table), max(t[1][-1] for t in table), 200)
        for size, alphas, share, ((a, b), _) in table:
            line = axes[0].plot(fine, 1 / (1 + np.exp(-(a + b * (fine - center)))), lw=1)[0]
            axes[0].plot(alphas, share, "o", ms=3, color=line.get_color(), label=f"L = {size}")
        axes[0].axvline(ALPHA_C, color="k", ls=":", lw=0.8, label="published α_c")
        axes[0].set_xlabel("α = κ/β")
        axes[0].set_ylabel("P(outbreak spans)")
        axes[0].legend(fontsize=7)
        x = [1.0 / l2 for _, l2, _, _ in pairs]
        axes[1].errorbar(x, [p[2] for p in pairs], [2 * p[3] for p in pairs], fmt="o", ms=3,
                         label="crossing of L and 2L (2 SE)")  # fmt: skip
        axes[1].axhspan(estimate - error, estimate + error, alpha=0.2, label="estimate")
        axes[1].axhline(ALPHA_C, color="k", ls=":", lw=0.8, label="published α_c")
        axes[1].set_xlabel("1 / (larger L)")
        axes[1].set_ylabel("α at the crossing")
        axes[1].set_xlim(left=0)
        axes[1].legend(fontsize=7)


CASES = [
    Case("alemi-lattice", "Alemi's bond lattice: the critical point alpha_c = 0.4373", SOURCE,
         _lattice),
]  # fmt: skip
