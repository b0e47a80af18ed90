"""nrn-patch 8's error translation, for code that uses it directly. Patch itself raises
typed exceptions without it: ``catch_hoc_error`` is only needed around raw ``neuron.h``
calls. Inside ``with catch_hoc_error(*handlers, **context):`` what NEURON prints is
kept, and NEURON's ``RuntimeError`` becomes the exception of the first handler that
recognises it, else a :class:`~patch.exceptions.HocError` with NEURON's report."""

import io
import os
import sys
from contextlib import contextmanager

from .exceptions import (
    ErrorHandlingError,
    HocConnectError,
    HocError,
    HocRecordError,
    HocSectionAccessError,
    PatchError,
)

__all__ = [
    "CatchNetCon",
    "CatchRecord",
    "CatchSectionAccess",
    "ErrorHandler",
    "catch_hoc_error",
    "detector",
]


@contextmanager
def _suppress_nrn(stream=None):
    """Sends Python-level stdout and stderr (where NEURON prints) to ``stream``, or
    nowhere."""
    sink = stream if stream is not None else open(os.devnull, "w")  # noqa: SIM115
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = sink
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        if stream is None:
            sink.close()


@contextmanager
def catch_hoc_error(*handlers, **context):
    """Raises NEURON's errors inside the block as Patch exceptions (see the module)."""
    printed = io.StringIO()
    try:
        with _suppress_nrn(printed):
            yield
    except RuntimeError as error:
        report = printed.getvalue()
        for handler in handlers:
            handler(report, context)
        text = str(error)
        if isinstance(error, PatchError) or not (
            "hoc error" in text or "hocobj_call error" in text
        ):
            raise
        raise HocError(report or text) from None


def detector(report):
    """A test ``trigger -> bool``: whether ``trigger`` occurs in ``report`` (any case)."""
    lowered = report.lower()
    return lambda trigger: trigger.lower() in lowered


class ErrorHandler:
    """A handler for :func:`catch_hoc_error`. Subclasses list the context they need in
    ``required`` and override ``catch(report, context)``, raising a ``PatchError`` when
    they recognise the report; anything else they raise is an ``ErrorHandlingError``."""

    def __init__(self, report, context):
        name = type(self).__name__
        required = getattr(type(self), "required", None)
        if required is None:
            raise ErrorHandlingError(f"{name} does not say which context it requires")
        missing = [item for item in required if item not in context]
        if missing:
            raise ErrorHandlingError(f"{name} requires the context item(s) {missing}")
        self.__dict__.update(context)
        try:
            self.catch(report, context)
        except PatchError:
            raise
        except Exception as failure:
            raise ErrorHandlingError(f"{name} failed while handling an error") from failure

    def catch(self, report, context):
        raise ErrorHandlingError(f"{type(self).__name__} does not implement catch()")


class CatchNetCon(ErrorHandler):
    """NetCon ends NEURON cannot connect."""

    required = ["nrn_source", "nrn_target"]

    def catch(self, report, context):
        found = detector(report)
        if found("must be a point process or nullobject") or found("stack type error"):
            raise HocConnectError(
                f"cannot connect {context['nrn_source']!r} to {context['nrn_target']!r}: "
                + report.strip()
            )


class CatchRecord(ErrorHandler):
    """Targets NEURON cannot record."""

    required = ["target"]

    def catch(self, report, context):
        found = detector(report)
        if (
            found("not a point_process")
            or found("stack type error")
            or found("number was provided instead of a pointer")
        ):
            raise HocRecordError(f"cannot record {context['target']!r}: " + report.strip())


class CatchSectionAccess(ErrorHandler):
    """No section accessed."""

    required = []

    def catch(self, report, context):
        if detector(report)("section access unspecified"):
            raise HocSectionAccessError(report.strip())
