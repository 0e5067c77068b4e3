"""The compiled network: a model on a graph of places as the arrays every engine reads."""

from hyosan.network.compiled import (
    SCALE_AREA,
    SCALE_POPULATION,
    CompiledNetwork,
    NetworkArrays,
)

__all__ = ["SCALE_AREA", "SCALE_POPULATION", "CompiledNetwork", "NetworkArrays"]
