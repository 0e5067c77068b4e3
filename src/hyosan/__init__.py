"""hyosan: a fast, stochastic, spatial outbreak simulator on a graph of places."""

from hyosan import models, places
from hyosan.errors import HyosanError, ModelError, PlacesError
from hyosan.io import load, save
from hyosan.scenario import Scenario
from hyosan.simulate import simulate
from hyosan.version import __version__

__all__ = [
    "HyosanError", "ModelError", "PlacesError", "Scenario", "__version__", "load", "models",
    "places", "save", "simulate",
]  # fmt: skip
