"""The HOC interpreter of Patch; :data:`patch.p` is its one instance."""

from ._patch import ParallelContext, PythonHocInterpreter

__all__ = ["ParallelContext", "PythonHocInterpreter"]
