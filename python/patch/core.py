"""The transform protocol (``__neuron__``, ``__netcon__``, ``__record__``, ``__arc__``) and
type checks; they accept Patch objects and raw NEURON objects alike."""

from ._patch import (
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

__all__ = [
    "assert_connectable",
    "connection",
    "is_density_mechanism",
    "is_nrn_scalar",
    "is_point_process",
    "is_section",
    "is_segment",
    "transform",
    "transform_arc",
    "transform_netcon",
    "transform_record",
]
