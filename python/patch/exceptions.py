"""The exceptions Patch raises. Every one is a :class:`PatchError`; HOC errors are also
:class:`RuntimeError`, so code written for ``neuron.h`` keeps catching them."""

__all__ = [
    "PatchError",
    "NotConnectableError",
    "NotConnectedError",
    "TransformError",
    "HocError",
    "HocConnectError",
    "HocRecordError",
    "HocSectionAccessError",
    "DeletedSectionError",
    "SimulationError",
    "UninitializedError",
    "EngineError",
    "ErrorHandlingError",
    "MechanismError",
    "MorphologyError",
    "ParallelError",
    "ParallelConnectError",
    "BroadcastError",
]


class PatchError(Exception):
    """Root of every exception Patch raises."""


class NotConnectableError(PatchError):
    """The object cannot take part in a NetCon connection."""


class NotConnectedError(PatchError):
    """The two objects are not connected."""


class TransformError(PatchError):
    """An object could not be turned into the NEURON object a call needs."""


class HocError(PatchError, RuntimeError):
    """NEURON reported an error; the message is NEURON's, with where it happened."""


class HocConnectError(HocError):
    """NEURON refused to connect the given source and target."""


class HocRecordError(HocError):
    """NEURON refused to record the given target."""


class HocSectionAccessError(HocError):
    """No section is accessed, or the section was deleted."""


class DeletedSectionError(HocSectionAccessError, ReferenceError):
    """The section was deleted (for example with ``h.delete_section``); the Patch objects
    on it can no longer be used. Also a :class:`ReferenceError`, as in NEURON."""


class SimulationError(PatchError):
    """The simulation could not run."""


class UninitializedError(SimulationError):
    """The simulation must be initialised first."""


class EngineError(SimulationError):
    """The chosen engine (CoreNEURON, or NEURON on several threads) cannot run the model;
    the message names each object in the way and what to do. Raised before anything
    runs."""


class ErrorHandlingError(PatchError):
    """Translating a NEURON error failed."""


class MechanismError(PatchError):
    """NMODL mechanisms could not be compiled or loaded (the message has nrnivmodl's
    report)."""


class MorphologyError(PatchError, ValueError):
    """A morphology file is malformed (the message names the file and the line), or a
    morphology cannot be built as asked."""


class ParallelError(PatchError, RuntimeError):
    """A parallel (MPI) operation failed. Also a :class:`RuntimeError`, as nrn-patch 8
    raised for a receiver's threshold."""


class ParallelConnectError(ParallelError):
    """A ParallelCon needs exactly one integer GID and one connectable object."""


class BroadcastError(ParallelError):
    """The data could not be broadcast to every rank."""
