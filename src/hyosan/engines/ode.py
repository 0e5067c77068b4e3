"""The mean-field limit: ODEs generated from the same compiled arrays, solved by scipy.

Each count becomes a continuous density; reactions fire at their mass-action rate (x**m, not the
falling factorial of the stochastic engines) and hops flow along links. This is the deterministic
limit that the stochastic engines approach as populations grow. A reaction across links reads its
neighbour field, computed from the same densities (``network.contact``).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from hyosan.engines.base import Engine
from hyosan.network.compiled import SCALE_AREA, CompiledNetwork
from hyosan.network.contact import neighbour_fields


class MeanField:
    """Right-hand side of the mean-field equations for one network."""

    def __init__(self, net: CompiledNetwork) -> None:
        self.net = net
        n_links = len(net.link_dest)
        self.link_source = np.repeat(np.arange(net.n_places), np.diff(net.out_ptr))
        self.link_dest = net.link_dest.astype(np.int64)
        self.n_links = n_links

    def derivative(self, state: np.ndarray) -> np.ndarray:
        """d(counts)/dt for counts of shape (P, S)."""
        net = self.net
        x = np.maximum(state, 0.0)
        dx = np.zeros_like(x)
        units = x  # with the neighbour fields as columns n_species + q, for reactions across links
        if net.has_contact:
            fields = neighbour_fields(x, net.contact, net.out_ptr, self.link_dest)
            units = np.concatenate([x, fields], axis=1)
        if net.scale_mode == SCALE_AREA:
            scale = net.area
        else:
            scale = np.maximum(x[:, net.pop_mask.astype(bool)].sum(axis=1), 1e-300)
        for r in range(len(net.reactions)):
            rate = net.rate[:, r]
            if not np.any(rate):
                continue
            m = int(net.order[r])
            flux = np.broadcast_to(rate, (net.n_places,)).astype(np.float64)
            for u in range(m):
                flux = flux * units[:, net.reactant_species[r, u]]
            if m > 1:
                flux = flux / scale ** (m - 1)
            for s, v in zip(net.delta_species[r], net.delta_value[r], strict=True):
                if s >= 0:
                    dx[:, s] += v * flux
        if self.n_links:
            per_link = net.link_weight[:, None] * net.group_rate[net.link_group]  # (L, S)
            if net.has_bias:
                density = x[:, net.attract_mask.astype(bool)].sum(axis=1) / net.area
                d = density[self.link_dest][:, None]
                b, pace = net.bias[None, :], net.wander[None, :]
                factor = np.where(b >= 0, pace + b * d, pace / (1.0 - np.minimum(b, 0.0) * d))
                per_link = per_link * factor
            flow = per_link * x[self.link_source]
            for s in range(x.shape[1]):
                if np.any(flow[:, s]):
                    dx[:, s] += np.bincount(self.link_dest, flow[:, s], net.n_places)
                    dx[:, s] -= np.bincount(self.link_source, flow[:, s], net.n_places)
        return dx


class OdeEngine(Engine):
    """Advances the mean field between chunk boundaries; every 'run' is the same curve."""

    name = "ode"

    def __init__(
        self,
        net: CompiledNetwork,
        runs: int,
        method: str = "RK45",
        rtol: float = 1e-8,
        atol: float = 1e-8,
    ) -> None:
        self.net = net
        self.state = np.repeat(net.initial[None].astype(np.float64), runs, axis=0)
        self.method, self.rtol, self.atol = method, rtol, atol
        self.field = MeanField(net)

    def advance(self, t0: float, t1: float, cohorts: list | None = None) -> None:
        """Integrate from t0 to t1 (interventions may have changed the arrays in between).

        The mean field is deterministic, so every run is in the same cohort.
        """
        if t1 <= t0:
            return
        if cohorts:
            self.field.net = cohorts[0][1]
        shape = self.state.shape[1:]

        def rhs(_t: float, y: np.ndarray) -> np.ndarray:
            return self.field.derivative(y.reshape(shape)).reshape(-1)

        solution = solve_ivp(
            rhs,
            (t0, t1),
            self.state[0].reshape(-1),
            method=self.method,
            rtol=self.rtol,
            atol=self.atol,
            t_eval=[t1],
        )
        if not solution.success:
            raise RuntimeError(f"ode engine: solver failed at t={t0}: {solution.message}")
        self.state[:] = np.maximum(solution.y[:, -1].reshape(shape), 0.0)

    def state_edited(self, run: int) -> None:
        """Counts of ``run`` were changed between calls: nothing to redo (each call starts from
        the counts)."""

    def counters(self) -> dict[str, np.ndarray]:
        return {}
