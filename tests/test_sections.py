"""Sections and segments with Patch's sugar."""

import gc
import weakref

import numpy as np
import pytest
from neuron import h

from patch import p
from patch.exceptions import HocSectionAccessError
from patch.objects import IClamp, SEClamp, Section, Segment


def test_section_by_name_with_neuron_properties():
    section = p.Section(name="props")
    section.L, section.diam, section.nseg, section.Ra = 40, 0.4, 11, 100
    assert (section.L, section.diam, section.nseg, section.Ra) == (40, 0.4, 11, 100)
    assert isinstance(section, Section)


def test_calling_a_section_gives_segments():
    section = p.Section(name="calls")
    section.nseg = 5
    segment = section(0.5)
    assert isinstance(segment, Segment)
    assert segment.x == 0.5 and segment.section is section and segment.sec is section
    assert [round(s.x, 2) for s in section] == [0.1, 0.3, 0.5, 0.7, 0.9]
    for bad in [-0.1, 1.5]:
        with pytest.raises(ValueError, match="from 0 to 1"):
            section(bad)


def test_segment_mechanism_access():
    section = p.Section(name="mechanisms").insert("hh")
    section(0.5).hh.gnabar = 0.2
    assert section(0.5).gnabar_hh == 0.2


def test_insert_returns_the_section_and_unknown_mechanisms_are_errors():
    section = p.Section(name="inserted")
    assert section.insert("pas") is section
    with pytest.raises(ValueError):
        section.insert("no_such_mechanism")


def test_connect_keeps_both_sections_alive():
    soma = p.Section(name="keeper")

    def grow():
        child = p.Section(name="grown")
        child.connect(soma)
        return weakref.ref(child)

    child = grow()
    gc.collect()
    assert child() is not None, "the child lives as long as its parent"
    assert child().parent is soma
    assert [s.name() for s in soma.wholetree()] == ["keeper", "grown"]


def test_parent_is_none_for_a_root():
    assert p.Section(name="root").parent is None


def test_set_dimensions_and_segments():
    section = p.Section(name="dims")
    section.set_dimensions(30, 2)
    section.set_segments(3)
    assert (section.L, section.diam, section.nseg) == (30, 2, 3)
    for bad in [(0, 1), (10, -1), (float("nan"), 1)]:
        with pytest.raises(ValueError, match="positive"):
            section.set_dimensions(*bad)
    for bad in [0, -1, 40000]:
        with pytest.raises(ValueError, match="nseg"):
            section.set_segments(bad)


@pytest.mark.parametrize(
    ("diameters", "expected"),
    [(None, [5.0, 5.0]), (2, [2.0, 2.0]), ([1, 3], [1.0, 3.0]), (np.array([4, 6]), [4.0, 6.0])],
)
def test_add_3d_with_scalar_array_or_default_diameters(diameters, expected):
    section = p.Section(name="in_space")
    section.diam = 5
    section.add_3d([[0, 0, 0], [2, 2, 2]], diameters)
    assert section.points.shape == (2, 3)
    assert section.points.tolist() == [[0, 0, 0], [2, 2, 2]]
    assert [section.diam3d(i) for i in range(2)] == expected


def test_add_3d_refuses_malformed_points():
    section = p.Section(name="malformed")
    with pytest.raises(ValueError, match="x, y and z"):
        section.add_3d([[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="2 points need 2 diameters, got 3"):
        section.add_3d([[0, 0, 0], [1, 1, 1]], [1, 2, 3])


def test_push_context_manager_and_pop():
    section = p.Section(name="stacked")
    with section.push() as pushed:
        assert pushed is section
        assert p.cas() is section
        clamp = p.IClamp()
        assert clamp.get_segment().sec == section.__neuron__()
    section.push()
    assert p.cas() is section
    section.pop()


def test_popping_a_section_not_on_top_is_an_error():
    first, second = p.Section(name="first"), p.Section(name="second")
    first.push()
    second.push()
    with pytest.raises(HocSectionAccessError, match="not on top"):
        first.pop()
    second.pop()
    first.pop()
    with pytest.raises(HocSectionAccessError):
        first.pop()


def test_record_is_memoised_per_position():
    section = p.Section(name="recorded")
    middle = section.record()
    assert section.record(0.5) is middle
    end = section.record(1.0)
    assert end is not middle
    assert section.recordings == {0.5: middle, 1.0: end}
    p.finitialize(-65)
    p.continuerun(p.t + 1)
    assert len(middle) == len(end) > 1


def test_iclamp_documented_positional_signature():
    section = p.Section(name="iclamped")
    clamp = section.iclamp(0.3, 2, 10, 0.5)
    assert isinstance(clamp, IClamp)
    assert clamp.get_segment().x == pytest.approx(0.5)  # nseg 1: the only segment
    assert (clamp.delay, clamp.dur, clamp.amp) == (2, 10, 0.5)


def test_iclamp_keyword_spellings():
    section = p.Section(name="iclamped_kw")
    assert section.iclamp(amp=10, delay=0, duration=100).amp == 10
    assert section.iclamp(amplitude=3).amplitude == 3
    with pytest.raises(TypeError, match="once"):
        section.iclamp(amplitude=1, amp=2)


def test_iclamp_list_amplitude_plays_one_value_per_step():
    section = p.Section(name="played")
    clamp = section.iclamp(amp=[0.1, 0.2, 0.3], delay=1)
    assert list(clamp.amplitude) == pytest.approx([0.1, 0.2, 0.3])
    assert clamp.dur == pytest.approx(3 * p.dt)
    current = p.Vector().record(clamp.__neuron__()._ref_i)
    p.finitialize(-65)
    p.continuerun(1.2)
    steps = np.array(current)
    assert steps[: int(1 / p.dt)].max() == 0
    assert {0.1, 0.2, 0.3} <= {round(x, 6) for x in steps}


def test_moving_the_delay_moves_a_played_amplitude():
    clamp = p.Section(name="moved").iclamp(amp=[0.5, 0.5], delay=1)
    clamp.delay = 3
    assert clamp.delay == 3
    current = p.Vector().record(clamp.__neuron__()._ref_i)
    p.finitialize(-65)
    p.continuerun(3.2)
    steps = np.array(current)
    assert steps[: int(2.9 / p.dt)].max() == 0, "nothing is played before the new delay"
    assert steps.max() == pytest.approx(0.5)


def test_vclamp_documented_positional_signature():
    clamp = p.Section(name="vclamped").vclamp(0.5, 5, 10, 20, -20, -65)
    assert isinstance(clamp, SEClamp)
    assert (clamp.dur1, clamp.dur2, clamp.dur3) == (5, 10, 20)
    assert clamp.voltage == [-65, -20, -65]
    assert clamp.holding == -65


def test_vclamp_keywords_and_three_voltages():
    clamp = p.Section(name="vclamped_kw").vclamp(before=1, voltage=[-80, 0, -60])
    assert clamp.delay == 1 and clamp.before == 1
    assert clamp.voltage == [-80, 0, -60]
    with pytest.raises(ValueError, match="three"):
        clamp.voltage = [1, 2]
    with pytest.raises(TypeError, match="once"):
        p.Section(name="twice").vclamp(delay=1, before=2)


def test_synapse_factory_store_and_attributes():
    section = p.Section(name="synaptic")
    synapse = section.synapse(p.ExpSyn, store=True, attributes={"tau": 4})
    assert synapse.tau == 4
    assert section.synapses == [synapse]
    unstored = section.synapse(p.ExpSyn)
    assert unstored not in section.synapses
    assert synapse.get_segment().sec == section.__neuron__()


def test_segments_from_neuron_are_wrapped():
    section = p.Section(name="segments")
    raw = h.Vector()
    raw.record(section(0.5).__neuron__()._ref_v)
    assert isinstance(section(0.5).section, Section)
