"""hyosan: a fast, stochastic, spatial outbreak simulator on a graph of places."""

from hyosan import kernel_cache, models, places, scenarios  # noqa: F401 (kernel_cache first)
from hyosan.errors import HyosanError, HyosanWarning, ModelError, PlacesError
from hyosan.results.io import load, save
from hyosan.run.ensemble import Ensemble, run_ensemble
from hyosan.run.progress import ProgressBar
from hyosan.run.provenance import rerun, run_source
from hyosan.run.simulate import simulate
from hyosan.scenarios.scenario import Scenario
from hyosan.sweeps import sweep
from hyosan.version import __version__

__all__ = [
    "Ensemble", "HyosanError", "HyosanWarning", "ModelError", "PlacesError", "ProgressBar",
    "Scenario", "__version__", "load", "models", "places", "rerun", "run_ensemble", "run_source",
    "save", "scenarios", "simulate", "sweep",
]  # fmt: skip
