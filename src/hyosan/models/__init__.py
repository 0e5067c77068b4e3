"""Reaction networks as data: the spec, the compiler and the built-in models."""

from hyosan.models.compiler import CompiledModel, compile_model
from hyosan.models.library import BUILT_IN, jonas, seir, sir, sizr, szr
from hyosan.models.spec import Character, Model, Parameter, Reaction

__all__ = [
    "BUILT_IN", "Character", "CompiledModel", "Model", "Parameter", "Reaction",
    "compile_model", "jonas", "seir", "sir", "sizr", "szr",
]  # fmt: skip
