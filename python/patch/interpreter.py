"""The HOC interpreter of Patch; :data:`patch.p` is its one instance."""

from ._patch import PythonHocInterpreter

__all__ = ["PythonHocInterpreter"]
