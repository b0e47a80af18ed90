"""The package itself: version, exports, exceptions, attachment to NEURON."""

import importlib.metadata
import os

import neuron
import pytest

import patch
from patch import exceptions


def test_version_is_the_distributions():
    assert patch.__version__ == importlib.metadata.version("nrn-patch")


def test_all_names_exist():
    for name in patch.__all__:
        assert hasattr(patch, name), name
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), exceptions.PatchError), name


E = exceptions


@pytest.mark.parametrize(
    ("child", "parents"),
    [
        (E.NotConnectableError, [E.PatchError]),
        (E.NotConnectedError, [E.PatchError]),
        (E.TransformError, [E.PatchError]),
        (E.HocError, [E.PatchError, RuntimeError]),
        (E.HocConnectError, [E.HocError]),
        (E.HocRecordError, [E.HocError]),
        (E.HocSectionAccessError, [E.HocError]),
        (E.SimulationError, [E.PatchError]),
        (E.UninitializedError, [E.SimulationError]),
        (E.ErrorHandlingError, [E.PatchError]),
        (E.MechanismError, [E.PatchError]),
        (E.ParallelError, [E.PatchError]),
        (E.ParallelConnectError, [E.ParallelError]),
        (E.BroadcastError, [E.ParallelError]),
    ],
)
def test_exception_tree(child, parents):
    for parent in parents:
        assert issubclass(child, parent)


def test_attached_to_the_neuron_that_python_loaded():
    features = patch.neuron_features()
    wheel_lib = os.path.join(os.path.dirname(neuron.__file__), ".data", "lib", "libnrniv.so")
    assert os.path.samefile(features["library"], wheel_lib)
    assert features["restores_state_on_error"] is True
    # The fast conversions are optional; this wheel has them.
    assert features["object_to_python"] and features["python_to_object"]
    assert features["section_to_python"]


def test_type_information_ships():
    package_dir = os.path.dirname(patch.__file__)
    assert os.path.exists(os.path.join(package_dir, "py.typed"))
    assert os.path.exists(os.path.join(package_dir, "_patch.pyi"))
