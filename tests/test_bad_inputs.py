"""Every row of the bad-input table (tests/support/bad_inputs.py) raises its exception, with a
message, and leaves NEURON simulating exactly as before; docs/bad-inputs.md is the table."""

import builtins
import gc
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import BAD_INPUTS, SETUP, markdown
from neuron import h

import patch
import patch.exceptions
from patch import p

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bad-inputs.md"


def exception_class(name):
    return getattr(patch.exceptions, name, None) or getattr(builtins, name)


def reference_trace():
    """A small hh cell, simulated: the same trace every time NEURON is still sound."""
    cell = p.Section(name="reference")
    cell.insert("hh")
    cell.iclamp(delay=1, duration=2, amplitude=0.5)
    voltage = cell.record()
    p.run(5)
    return np.array(voltage)


@pytest.fixture(scope="module")
def expected_trace():
    return reference_trace()


@pytest.mark.parametrize("row", BAD_INPUTS, ids=[f"{row.call}: {row.kind}" for row in BAD_INPUTS])
def test_a_bad_input_raises_its_exception(row, expected_trace, capfd):
    namespace = {"p": p, "h": h, "patch": patch, "gc": gc}
    exec(SETUP, namespace)
    expected = exception_class(row.exception)
    with pytest.raises(expected) as raised:
        exec(row.code, namespace)
    assert type(raised.value) is expected or row.exception in {"TypeError", "ValueError"}
    assert str(raised.value).strip(), "the exception says what went wrong"
    assert "near line 0" not in str(raised.value), "no HOC position junk"
    assert capfd.readouterr().err == "", "NEURON prints nothing of an error Patch raises"
    namespace.clear()
    gc.collect()
    np.testing.assert_array_equal(reference_trace(), expected_trace)


def test_the_documented_table_is_the_tested_one():
    assert DOCS.read_text() == markdown(), (
        "regenerate: python tests/support/bad_inputs.py > docs/bad-inputs.md"
    )
