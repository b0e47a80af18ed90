"""Patch's objects: each wraps a genuine NEURON object (``obj.__neuron__()``), behaves like
it, and keeps alive what it depends on."""

from ._patch import (
    Cell,
    Cells,
    Collection,
    HocCallable,
    IClamp,
    Mechanism,
    Morphology,
    NetCon,
    NetStim,
    PointProcess,
    PointProcessFactory,
    PushedSection,
    PythonHocObject,
    SEClamp,
    Section,
    SectionRef,
    Segment,
    VecStim,
    Vector,
)


class SimulationValue(float):
    """A number read from a point process that can also be recorded: ``p.record(syn.g)``
    records ``syn._ref_g``. Otherwise an ordinary float."""

    __slots__ = ("_owner", "_name")

    def __new__(cls, value, owner, name):
        number = super().__new__(cls, value)
        number._owner = owner
        number._name = name
        return number

    def __record__(self):
        return getattr(self._owner.__neuron__(), "_ref_" + self._name)


__all__ = [
    "Cell",
    "Cells",
    "Collection",
    "HocCallable",
    "IClamp",
    "Mechanism",
    "Morphology",
    "NetCon",
    "NetStim",
    "PointProcess",
    "PointProcessFactory",
    "PushedSection",
    "PythonHocObject",
    "SEClamp",
    "Section",
    "SectionRef",
    "Segment",
    "SimulationValue",
    "VecStim",
    "Vector",
]
