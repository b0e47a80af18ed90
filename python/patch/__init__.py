"""Patch: a Pythonic, loud and fast interface to NEURON.

``from patch import p`` gives NEURON's ``h`` with stdrun loaded, ``celsius = 32``, typed
exceptions instead of silent failures, and objects that keep alive what they depend on.
"""

from . import exceptions
from ._patch import __version__, neuron_features
from .core import (
    assert_connectable,
    connection,
    is_density_mechanism,
    is_nrn_scalar,
    is_point_process,
    is_section,
    is_segment,
    transform,
    transform_arc,
    transform_netcon,
    transform_record,
)
from .exceptions import NotConnectableError, NotConnectedError, PatchError
from .interpreter import PythonHocInterpreter

p = PythonHocInterpreter()
h = p

__all__ = [
    "__version__",
    "assert_connectable",
    "connection",
    "exceptions",
    "h",
    "is_density_mechanism",
    "is_nrn_scalar",
    "is_point_process",
    "is_section",
    "is_segment",
    "neuron_features",
    "NotConnectableError",
    "NotConnectedError",
    "p",
    "PatchError",
    "PythonHocInterpreter",
    "transform",
    "transform_arc",
    "transform_netcon",
    "transform_record",
]
