"""The interpreter p: NEURON's h with stdrun, Patch's defaults and loud typos."""

import neuron
import pytest
from neuron import h

import patch
from patch import p
from patch.exceptions import HocError, PatchError


def test_p_is_one_interpreter_also_named_h():
    assert patch.h is p
    assert isinstance(p, patch.PythonHocInterpreter)


def test_documented_first_line_works(capsys):
    print(p.Section(), p.celsius, p.tstop)
    printed = capsys.readouterr().out.split()
    assert printed[1:] == ["32.0", "5.0"]


def test_celsius_defaults_to_32_like_nrn_patch():
    fresh = patch.PythonHocInterpreter()
    assert fresh.celsius == 32.0
    assert h.celsius == 32.0


def test_stdrun_is_loaded(run_python):
    out = run_python(
        "from neuron import h\n"
        "print(hasattr(h, 'continuerun'))\n"
        "from patch import p\n"
        "print(hasattr(h, 'continuerun'), p.tstop, callable(p.continuerun))\n"
    )
    assert out.split() == ["False", "True", "5.0", "True"]


def test_everything_else_falls_through_to_neuron_h():
    section = p.Section(name="fallthrough")
    assert isinstance(section.__neuron__(), neuron.nrn.Section)
    assert section.name() == "fallthrough"
    assert p.dt == h.dt
    assert p.Vector([1, 2, 3]).sum() == 6
    assert p.List().count() == 0


def test_setting_a_neuron_variable_sets_it_in_neuron():
    saved = h.dt
    try:
        p.dt = 0.0125
        assert h.dt == 0.0125
    finally:
        h.dt = saved


def test_typo_on_set_raises_attribute_error_naming_the_real_name():
    with pytest.raises(AttributeError, match="celcius.*Did you mean: celsius"):
        p.celcius = 37
    assert not hasattr(p, "celcius"), "nothing is stored silently"
    assert not hasattr(h, "celcius")
    assert p.celsius == 32.0


def test_typo_on_get_raises_attribute_error_with_suggestions():
    with pytest.raises(AttributeError, match="tstpo.*Did you mean: tstop"):
        _ = p.tstpo


def test_unknown_name_without_lookalikes_has_no_suggestion():
    with pytest.raises(AttributeError) as caught:
        p.qqqqqqqqqq = 1
    assert "Did you mean" not in str(caught.value)


def test_neuron_variables_cannot_be_deleted():
    with pytest.raises(AttributeError, match="cannot be deleted"):
        del p.celsius
    assert p.celsius == 32.0


def test_dir_lists_neuron_and_patch_names():
    names = dir(p)
    assert {"celsius", "Section", "NetCon", "continuerun"} <= set(names)
    assert names == sorted(names)


def test_hoc_code_runs_and_returns_true():
    assert p("patch_test_value = 6 * 7") is True
    assert h.patch_test_value == 42


def test_hoc_syntax_error_is_a_hoc_error_with_neurons_message(capfd):
    with pytest.raises(HocError) as caught:
        p("x = = 1")
    message = str(caught.value)
    assert message.startswith("syntax error")
    assert "x = = 1" in message, "the offending HOC line is in the message"
    printed = capfd.readouterr()
    assert "syntax error" not in printed.err + printed.out, "NEURON's text is not sprayed"


def test_hoc_errors_are_runtime_errors_for_existing_code():
    with pytest.raises(RuntimeError, match="undefined function"):
        p("no_such_function_anywhere()")
    with pytest.raises(PatchError):
        p("no_such_function_anywhere()")


def test_neuron_still_works_after_hoc_errors():
    for bad in ["x = = 1", "no_such()", "objref o\no.foo()"]:
        with pytest.raises(HocError):
            p(bad)
    assert p("patch_after_errors = 1 + 1")
    assert h.patch_after_errors == 2
    vector = p.Vector([1, 2, 3])
    assert vector.sum() == 6


@pytest.mark.parametrize("bad", [None, 1, b"x = 1", ["x = 1"]])
def test_hoc_code_must_be_a_string(bad):
    with pytest.raises(TypeError):
        p(bad)


def test_hoc_code_with_a_nul_byte_is_a_value_error():
    with pytest.raises(ValueError, match="NUL"):
        p("x = 1\0")
