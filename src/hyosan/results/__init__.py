"""Results: recording counts during a run, and reading and writing them."""

from hyosan.results.io import load, save

__all__ = ["load", "save"]
