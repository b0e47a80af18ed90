"""Patch's objects: each wraps a genuine NEURON object (``obj.__neuron__()``), behaves like
it, and keeps alive what it depends on."""

from ._patch import (
    HocCallable,
    IClamp,
    PointProcess,
    PointProcessFactory,
    PushedSection,
    PythonHocObject,
    SEClamp,
    Section,
    SectionRef,
    Segment,
    Vector,
)

__all__ = [
    "HocCallable",
    "IClamp",
    "PointProcess",
    "PointProcessFactory",
    "PushedSection",
    "PythonHocObject",
    "SEClamp",
    "Section",
    "SectionRef",
    "Segment",
    "Vector",
]
