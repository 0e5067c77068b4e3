"""The compiled network: a model on a graph of places as the arrays every engine reads.

Built in one place (:func:`build_network`); a changed parameter is rebuilt from the formulas the
network keeps (:class:`ParameterOverrides`); :class:`NetworkLabels` names its indices.
"""

from hyosan.network.build import build_network
from hyosan.network.compiled import (
    SCALE_AREA,
    SCALE_POPULATION,
    CompiledNetwork,
    NetworkArrays,
)
from hyosan.network.contact import ContactArrays, neighbour_fields
from hyosan.network.formulas import NetworkFormulas
from hyosan.network.labels import NetworkLabels
from hyosan.network.overrides import ParameterChange, ParameterOverrides

__all__ = [
    "SCALE_AREA",
    "SCALE_POPULATION",
    "CompiledNetwork",
    "ContactArrays",
    "NetworkArrays",
    "NetworkFormulas",
    "NetworkLabels",
    "ParameterChange",
    "ParameterOverrides",
    "build_network",
    "neighbour_fields",
]
