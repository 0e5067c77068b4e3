"""The approximate engine: a chain-binomial tau leap of fixed step ``dt``, compiled with numba.

Each step reads the counts at its start (the old state) for every propensity, scale and
attraction. In every place, each unit of a species ``c`` leaves its compartment with probability
``1 - exp(-h dt)``, ``h`` the per-capita hazard of the reactions whose ``source`` is ``c`` plus
its hops along the out-links; the departures are shared among those channels by a multinomial
draw. A binomial never takes more units than there are, so the source of a reaction cannot go
negative; reactions that consume nothing (births) fire Poisson(a dt) times. Only a reaction that
consumes more than its source (``A + B -> C`` with source ``A``, or ``2A -> B``) can overdraw a
species: its firings are then cut back, in a fixed order, and the cut is counted so the caller
can warn that ``dt`` is too coarse.

Hops write into other places, so a step has two phases: the first computes each place's own
changes and its departures per link into scratch buffers, the second gathers arrivals through the
incoming links. Every draw for (run, step, place) comes from ``stream_start(key, step, place)``
(a place's schedule below from place numbers P + i and 2 P + i),
so a history does not depend on the number of threads, on how the work is split, nor on which
other runs share the batch. Large worlds are split over places (one run at a time, so scratch is
one run's size); small worlds over runs (no parallel launch per run and step).

Quiet places sleep. Each step something happens in a place with probability ``1 - exp(-A dt)``
(``A`` its intensity: expected departures and births per unit time), independently of other
steps while its counts stay as they are, so the first step with something happening is drawn
at once (one exponential: ``wake.next_wake``) and the place is visited only then, or earlier if
someone arrives (its intensity changed: the draw is made again, which memorylessness allows).
Places where the expected changes per step reach ``PLACE_TEST_MAX`` are visited every step.
Places are handled in blocks that know their earliest visit, so a map where a few places are
active costs what those places cost. The schedules are kept between calls (``LeapSchedule``).

With adaptive steps (``accuracy``), the step is chosen for the busiest place anywhere: where
zombies meet people it is seconds long, and a city far from them would be visited every step
for a few hops. A place whose units all take part in at most ``LEAP_SHARE * accuracy`` events
per m steps in expectation, and that is busy over them, leaps over m steps at once: its events
for those steps are drawn and applied at the first, and its next visit is the m-th
(``wake.steps_allowed``). Arrivals of kinds already there wait for that visit unless they meet in
pairs there; units of a new kind, a pull felt, or own changes that ask for shorter leaps end
the leap at the next step. Each leap's end is kept as a time, so it survives a new step size.

The loops over places are compiled with ``_nrt=False``: they never allocate, and in
reference-counted code every call that takes arrays costs an atomic increment and decrement per
array, far more than an inert place.

The modules, one job each: ``arrays`` (the kernel's arguments as named tuples, each array
documented there), ``tables`` (the kernels' view of a network), ``rates`` (a place's rates),
``draws`` (the draws of a visit), ``wake`` (when places are visited), ``leap`` and ``gather``
(the two phases of a step), ``sweep`` (work distribution among threads, the parallel kernel),
``schedule`` (what is kept between calls), ``advance`` and ``involvement`` (the entry points),
``engine`` (``TauEngine``).

Numba's cache checks only the source file of the function compiled, not those of the functions
it inlines from the other modules: after editing one of them, clear ``NUMBA_CACHE_DIR``.
"""

from hyosan.engines.tau.advance import tau_advance, tau_prepare
from hyosan.engines.tau.arrays import PreparedNetwork
from hyosan.engines.tau.engine import TauEngine
from hyosan.engines.tau.involvement import tau_involvement
from hyosan.engines.tau.schedule import LeapSchedule
from hyosan.engines.tau.wake import LEAP_STEPS_MAX, PLACE_TEST_MAX

__all__ = [
    "LEAP_STEPS_MAX",
    "PLACE_TEST_MAX",
    "LeapSchedule",
    "PreparedNetwork",
    "TauEngine",
    "tau_advance",
    "tau_involvement",
    "tau_prepare",
]
