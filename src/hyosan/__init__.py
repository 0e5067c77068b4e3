"""hyosan: a fast, stochastic, spatial outbreak simulator on a graph of places."""

from hyosan import models, places, scenarios, sweep  # hyosan.sweep(...): a callable package
from hyosan.errors import HyosanError, ModelError, PlacesError
from hyosan.results.io import load, save
from hyosan.run.simulate import simulate
from hyosan.scenarios.scenario import Scenario
from hyosan.version import __version__

__all__ = [
    "HyosanError", "ModelError", "PlacesError", "Scenario", "__version__", "load", "models",
    "places", "save", "scenarios", "simulate", "sweep",
]  # fmt: skip
