"""The exact engine: a Gillespie simulation of reactions and hops on the whole graph, compiled
with numba.

Every place has a total propensity, "something happens here": its reactions and its hops out (the
subvolumes of Elf & Ehrenberg's next-subvolume method). The next event is drawn by the direct
method over places: its time from the sum a0 of all totals (one exponential, by the ziggurat),
its place in proportion to the totals (composition and rejection over bins of places,
``bins``), then the event inside the place in proportion to its propensity (``events``, and
``hops`` for a hop's link). Hops of a species that walks without attraction, usually most events,
skip the places' bins: they are drawn from a list of the species' units (``walkers``).

A call advances one chunk ``[t_start, t_stop]`` (``advance``). Because waiting times are
memoryless each call starts afresh from its counts, so rates, open link groups and counts may
change between chunks. Runs are independent and each draws only from its own stream, so the
result does not depend on the number of numba threads (a single run is simulated without starting
any).

Speed comes from memory more than arithmetic: each place keeps its counts (as floats), total,
reaction propensities, per-unit hop rates of the species that move and its slot in its bin in one
64-byte-aligned row (``rows``), and the bins keep the totals of their members next to them. The
event loop (``loop``) inlines its helpers.

Modules: ``tables`` (what all runs of a chunk share), ``rows``, ``bins``, ``walkers``, ``events``,
``hops``, ``loop``, ``advance`` (the entry point ``ssa_advance``), ``engine`` (``SsaEngine``).
"""

from hyosan.engines.ssa.advance import ssa_advance
from hyosan.engines.ssa.engine import SsaEngine
from hyosan.engines.ssa.tables import SharedTables, shared_tables

__all__ = ["SharedTables", "SsaEngine", "shared_tables", "ssa_advance"]
