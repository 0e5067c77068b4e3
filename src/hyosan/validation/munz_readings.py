"""Munz et al. 2009, section 3: under which reading is the latent doomsday "twice as late"?

The chapter says that with latency (rho = 0.005, the other values those of Figure 3) zombies
still take over "but it takes approximately twice as long". The printed equations give 130
times. This module solves the printed equations (scipy, no hyosan code) under each reading of
the figures that the chapter leaves open, so the validation page can say which readings give
"twice" and why the printed one cannot:

* the initial state: the appendix code's (N, 0, 0) seeded by deaths and resurrection, or one
  zombie at t = 0 (what Figure 3's 0-5 axis shows);
* doomsday: susceptibles (S) below 1 % of N, or all humans including the infected (S + I);
* the populations as counts (N = 500, the code) or as fractions (N = 1);
* the time unit: multiplying every rate by the same factor only stretches the time axis, so the
  *ratio* of the two doomsdays cannot depend on it (checked below with rates per hour).

The ratio depends on the dimensionless groups rho / (beta N), alpha / beta, zeta / (beta N)
and delta / (beta N); with the printed rho / (beta N) = 0.001 the bitten wait ~200 days to turn
while an outbreak of the basic model is over in days, so no reading with N = 500 brings the
ratio near 2.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp

BASIC = {"alpha": 0.005, "beta": 0.0095, "zeta": 0.0001, "delta": 0.0001}
RHO = 0.005
N = 500.0
DOOM = 0.01


def _basic(_t, y, a, b, ze, d):
    S, Z, R = y
    return [-b * S * Z - d * S, b * S * Z + ze * R - a * S * Z, d * S + a * S * Z - ze * R]


def _latent(_t, y, a, b, ze, d, rho):
    S, In, Z, R = y
    return [-b * S * Z - d * S, b * S * Z - rho * In - d * In,
            rho * In + ze * R - a * S * Z, d * S + d * In + a * S * Z - ze * R]  # fmt: skip


def doomsday(latent: bool, n: float = N, rho: float = RHO, one_zombie: bool = False,
             with_infected: bool = False, rate_factor: float = 1.0) -> float:  # fmt: skip
    """The time humans fall below 1 % of ``n`` (NaN if never within 10^6 time units)."""
    a, b, ze, d = (BASIC[k] * rate_factor for k in ("alpha", "beta", "zeta", "delta"))
    z0 = n / 500.0 if one_zombie else 0.0  # one zombie in 500, as a count or a fraction
    if latent:
        rhs, y0, args = _latent, [n - z0, 0.0, z0, 0.0], (a, b, ze, d, rho * rate_factor)
    else:
        rhs, y0, args = _basic, [n - z0, z0, 0.0], (a, b, ze, d)

    def doomed(_t, y, *_args):
        humans = y[0] + (y[1] if latent and with_infected else 0.0)
        return humans - DOOM * n

    doomed.terminal = True
    sol = solve_ivp(rhs, (0.0, 1e6), y0, args=args, events=doomed, method="LSODA",
                    rtol=1e-9, atol=1e-12)  # fmt: skip
    hits = sol.t_events[0]
    return float(hits[0]) if len(hits) else math.nan


def readings() -> list[dict[str, float | str]]:
    """Each reading's basic and latent doomsday and their ratio (the page's table)."""
    rows = []
    cases = [
        ("printed: (N, 0, 0), N = 500, S < 1 %", {}),
        ("one zombie at t = 0 (Figure 3's axis)", {"one_zombie": True}),
        ("doomsday when S + I < 1 %", {"with_infected": True}),
        ("rates per hour instead of per day", {"rate_factor": 1 / 24}),
        ("populations as fractions (N = 1)", {"n": 1.0}),
        ("fractions, one zombie in 500", {"n": 1.0, "one_zombie": True}),
    ]
    for label, kw in cases:
        basic_kw = {k: v for k, v in kw.items() if k != "with_infected"}
        t_basic = doomsday(False, **basic_kw)
        t_latent = doomsday(True, **kw)
        rows.append({"reading": label, "basic": t_basic, "latent": t_latent,
                     "ratio": t_latent / t_basic})  # fmt: skip
    return rows


def rho_for_twice(one_zombie: bool = False) -> float:
    """The turning rate rho (per day, N = 500) at which the latent doomsday is twice the basic."""
    target = 2.0 * doomsday(False, one_zombie=one_zombie)
    low, high = RHO, 100.0
    for _ in range(40):
        mid = math.sqrt(low * high)
        low, high = (mid, high) if doomsday(True, rho=mid, one_zombie=one_zombie) > target else (
            low, mid)  # fmt: skip
    return float(np.sqrt(low * high))


def markdown() -> str:
    """The table for docs/validation.md."""
    lines = ["| reading | basic doomsday | latent doomsday | ratio |", "|---|---|---|---|"]
    for row in readings():
        lines.append(f"| {row['reading']} | {row['basic']:,.1f} | {row['latent']:,.1f} | "
                     f"{row['ratio']:.2f} |")  # fmt: skip
    lines.append(f"| ρ for twice, (N, 0, 0) | | | ρ ≈ {rho_for_twice(False):.2f} per day |")
    lines.append(f"| ρ for twice, one zombie | | | ρ ≈ {rho_for_twice(True):.2f} per day |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
