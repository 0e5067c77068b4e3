"""Running a scenario: ``simulate`` and what surrounds it (ensembles, provenance, progress)."""

from hyosan.run.simulate import simulate

__all__ = ["simulate"]
