"""Patch: a Pythonic, loud and fast interface to NEURON.

``from patch import p`` gives NEURON's ``h`` with stdrun loaded, ``celsius = 32``, and typed
exceptions instead of silent failures.
"""

from . import exceptions
from ._patch import __version__, neuron_features
from .exceptions import NotConnectableError, NotConnectedError, PatchError
from .interpreter import PythonHocInterpreter

p = PythonHocInterpreter()
h = p

__all__ = [
    "__version__",
    "exceptions",
    "h",
    "neuron_features",
    "NotConnectableError",
    "NotConnectedError",
    "p",
    "PatchError",
    "PythonHocInterpreter",
]
