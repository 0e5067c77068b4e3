"""Interventions: the kinds as data (:mod:`~hyosan.interventions.kinds`) and the plan that
applies them between chunks of a run (:mod:`~hyosan.interventions.plan`)."""

from hyosan.interventions.kinds import (
    Bomb,
    CloseLinks,
    Cull,
    Cure,
    Evacuate,
    Intervention,
    ScaleLinks,
    SetParameter,
    Start,
    Trigger,
)
from hyosan.interventions.plan import InterventionPlan, RunTimeline

__all__ = [
    "Bomb",
    "CloseLinks",
    "Cull",
    "Cure",
    "Evacuate",
    "Intervention",
    "InterventionPlan",
    "RunTimeline",
    "ScaleLinks",
    "SetParameter",
    "Start",
    "Trigger",
]
