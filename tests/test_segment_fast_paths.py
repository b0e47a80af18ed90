"""Segments and the mechanisms on them go through the Rust core (no NEURON Python object
is made for `s(x)`, iteration, `seg.v`, `seg.g_pas` or `seg.pas.g`), and behave exactly as
NEURON's own: the same values, the same errors, nothing printed."""

import math

import pytest
from neuron import h

import patch
from patch import p
from patch.exceptions import DeletedSectionError
from patch.objects import Mechanism


@pytest.fixture
def cable():
    section = p.Section(name="cable")
    section.nseg = 5
    section.L, section.diam = 100, 2
    section.insert("hh").insert("pas")
    return section


def test_values_written_through_the_core_are_neurons(cable):
    for index, segment in enumerate(cable):
        segment.pas.g = 0.001 * (index + 1)
        segment.hh.gnabar = 0.1 + index / 100
        segment.e_pas = -60 - index
        segment.v = -50 - index
    neuron_segments = list(cable.__neuron__())
    assert [segment.x for segment in cable] == [segment.x for segment in neuron_segments]
    for index, segment in enumerate(neuron_segments):
        assert segment.pas.g == pytest.approx(0.001 * (index + 1), abs=0)
        assert segment.hh.gnabar == 0.1 + index / 100
        assert segment.e_pas == -60 - index
        assert segment.v == -50 - index
    for ours, theirs in zip(cable, neuron_segments, strict=True):
        assert ours.g_pas == theirs.g_pas and ours.pas.g == theirs.pas.g
        assert ours.hh.gnabar == theirs.gnabar_hh and ours.v == theirs.v


def test_a_segment_whose_neuron_object_exists_gives_the_same_answers(cable):
    fast, made = cable(0.3), cable(0.3)
    made.__neuron__()
    made.pas.g = 0.0042
    assert fast.pas.g == made.g_pas == 0.0042
    fast.g_pas = 0.0043
    assert made.pas.g == 0.0043
    assert fast == made and hash(fast) == hash(made)


def test_the_mechanism_view_behaves_as_neurons_mechanism(cable):
    mechanism = cable(0.5).pas
    assert isinstance(mechanism, Mechanism)
    assert patch.is_density_mechanism(mechanism)
    assert mechanism.name() == str(mechanism) == "pas"
    assert [variable.name() for variable in mechanism] == ["g_pas", "e_pas", "i_pas"]
    assert mechanism.segment().x == 0.5
    recording = p.Vector().record(cable(0.5).hh._ref_m)
    p.finitialize(-65)
    p.continuerun(1)
    assert len(recording) > 1 and 0 < recording[0] < 1
    with pytest.raises(AttributeError, match="no attribute 'gg'"):
        mechanism.gg = 1
    with pytest.raises(AttributeError, match="no attribute 'gg'"):
        _ = mechanism.gg
    with pytest.raises(ValueError, match="double"):
        mechanism.g = "strong"


def test_a_mechanism_that_is_not_inserted_raises_and_prints_nothing(capfd, cable):
    bare = p.Section(name="bare")
    with pytest.raises(AttributeError, match="hh"):
        _ = bare(0.5).hh
    with pytest.raises(AttributeError, match="gnabar_hh"):
        _ = bare(0.5).gnabar_hh
    with pytest.raises(AttributeError):
        _ = bare(0.5).hh_nothing
    assert capfd.readouterr().err == ""


def test_the_ends_of_a_section_are_neurons_business(cable):
    # NEURON's ends are the 0-area nodes: they have a voltage and no mechanisms, though a
    # range variable read there is the nearest segment's.
    cable(0.5).v = -40
    cable(0.9).g_pas = 0.0031
    neuron_section = cable.__neuron__()
    assert cable(0).v == neuron_section(0).v and cable(1).v == neuron_section(1).v
    assert cable(1).g_pas == neuron_section(1).g_pas == 0.0031
    with pytest.raises(AttributeError, match="pas"):
        _ = cable(0).pas


def test_a_moved_segment_reads_where_it_is_now(cable):
    for index, segment in enumerate(cable):
        segment.g_pas = index
    segment = cable(0.1)
    segment.x = 0.9
    assert segment.g_pas == 4 and segment.pas.g == 4


def test_a_segment_diameter_still_changes_the_area(cable):
    segment = cable(0.5)
    segment.diam = 3
    assert segment.area() == pytest.approx(math.pi * 3 * 100 / 5)
    assert cable(0.1).diam == 2


def test_a_mechanism_of_a_deleted_section_refuses(cable):
    mechanism = cable(0.5).pas
    h.delete_section(sec=cable.__neuron__())
    with pytest.raises(DeletedSectionError):
        _ = mechanism.g
    with pytest.raises(DeletedSectionError):
        mechanism.g = 1


def test_connecting_to_a_segment_is_neurons_connect():
    parent, child = p.Section(name="parent"), p.Section(name="child")
    assert child.connect(parent(0.7)) is child
    assert child.parent is parent
    assert child.__neuron__().parentseg().x == 0.7
    assert child.__neuron__().parentseg().sec == parent.__neuron__()
    del parent
    assert child.parent.name() == "parent", "the child keeps its parent"
    with pytest.raises(patch.exceptions.HocError, match="loop"):
        child.connect(child(1))


def test_a_point_process_goes_where_the_segment_is(cable):
    synapse = p.ExpSyn(cable(0.3))
    assert synapse.get_segment().x == cable.__neuron__()(0.3).x
    assert synapse.get_segment().sec == cable.__neuron__()


def test_section_numbers_are_neurons(cable):
    cable.L, cable.nseg, cable.gnabar_hh = 120, 7, 0.2
    neuron_section = cable.__neuron__()
    assert (cable.L, cable.nseg, cable.gnabar_hh) == (120, 7, 0.2)
    assert (neuron_section.L, neuron_section.nseg) == (120, 7)
    assert all(segment.gnabar_hh == 0.2 for segment in neuron_section)
    with pytest.raises(ValueError, match="positive"):
        cable.L = -1
    with pytest.raises(AttributeError):
        _ = p.Section(name="bare").gnabar_hh


def test_without_reading_neurons_objects_everything_goes_through_neuron(run_python):
    # PATCH_PUBLIC_CONVERSIONS=1 turns Patch's reads of NEURON's objects off: no fast path,
    # the same values and errors.
    out = run_python(
        "import os\n"
        "os.environ['PATCH_PUBLIC_CONVERSIONS'] = '1'\n"
        "from neuron import h\n"
        "from patch import p\n"
        "from patch.exceptions import DeletedSectionError\n"
        "s = p.Section(name='s').insert('pas')\n"
        "s.nseg = 3\n"
        "for i, seg in enumerate(s):\n"
        "    seg.pas.g = i + 1\n"
        "assert [seg.g_pas for seg in s.__neuron__()] == [1, 2, 3]\n"
        "child = p.Section(name='child').connect(s(1))\n"
        "assert child.parent is s\n"
        "segment = s(0.5)\n"
        "h.delete_section(sec=s.__neuron__())\n"
        "try:\n"
        "    segment.v\n"
        "except DeletedSectionError:\n"
        "    print('REFUSED')\n"
    )
    assert "REFUSED" in out
