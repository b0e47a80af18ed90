"""Point processes, clamps, recordings and simulation control."""

import gc
import warnings
import weakref

import numpy as np
import pytest
from neuron import h

from patch import p
from patch.exceptions import HocError, HocRecordError, HocSectionAccessError
from patch.objects import IClamp, PointProcess, SEClamp, SectionRef, Vector


def test_point_process_on_a_section_means_its_middle():
    section = p.Section(name="pp_middle")
    section.nseg = 3
    synapse = p.ExpSyn(section)
    assert isinstance(synapse, PointProcess)
    assert synapse.get_loc() == pytest.approx(0.5)
    h.pop_section()
    assert synapse.segment == section(0.5)


def test_point_process_on_a_segment_and_attributes_from_keywords():
    section = p.Section(name="pp_segment")
    section.nseg = 5
    synapse = p.Exp2Syn(section(0.1), tau1=0.5, tau2=3)
    assert synapse.segment == section(0.1)
    assert (synapse.tau1, synapse.tau2) == (0.5, 3)
    with pytest.raises(AttributeError, match="taau"):
        p.ExpSyn(section, taau=1)


def test_point_process_and_section_keep_each_other():
    def make():
        section = p.Section(name="pp_kept")
        synapse = p.ExpSyn(section)
        return weakref.ref(section), synapse

    section, synapse = make()
    gc.collect()
    assert section() is not None, "the synapse keeps its section"
    assert synapse.segment.section is section()


def test_artificial_cells_are_point_processes_without_a_target():
    for factory in [p.NetStim, p.IntFire1, p.IntFire2, p.IntFire4]:
        cell = factory()
        assert isinstance(cell, PointProcess)
        assert cell.segment is None
    stim = p.NetStim(number=3, interval=5)
    assert (stim.number, stim.interval) == (3, 5)


def test_iclamp_has_nrn_patch_defaults():
    clamp = p.IClamp(p.Section(name="ic_defaults"))
    assert isinstance(clamp, IClamp)
    assert (clamp.amp, clamp.delay, clamp.dur) == (1, 0, 1e200)
    assert (clamp.amplitude, clamp.duration) == (1, 1e200)


def test_iclamp_nrn_patch_spellings():
    section = p.Section(name="ic_spellings")
    section.nseg = 5
    at_x = p.IClamp(0.1, sec=section)
    assert at_x.segment == section(0.1)
    with section.push():
        accessed = p.IClamp(x=0.9)
    assert accessed.segment == section(0.9)
    with pytest.raises(ValueError, match="from 0 to 1"):
        p.IClamp(2, sec=section)
    with pytest.raises(TypeError, match="once"):
        p.IClamp(section, sec=section)


def test_seclamp_has_nrn_patch_defaults_and_friendly_names():
    clamp = p.SEClamp(p.Section(name="se_defaults"))
    assert isinstance(clamp, SEClamp)
    assert (clamp.dur1, clamp.dur2, clamp.dur3) == (100, 100, 100)
    assert clamp.voltage == [-70, -50, -70]
    clamp.holding = -60
    clamp.voltage = 10
    clamp.duration, clamp.after = 5, 6
    assert (clamp.amp1, clamp.amp2, clamp.amp3) == (-60, 10, -60)
    assert (clamp.dur2, clamp.dur3) == (5, 6)


def test_point_process_without_any_section_is_a_typed_error(run_python):
    out = run_python(
        "from patch import p\n"
        "from patch.exceptions import HocSectionAccessError\n"
        "try:\n"
        "    p.IClamp()\n"
        "except HocSectionAccessError as error:\n"
        "    print('typed:', error)\n"
        "try:\n"
        "    p.cas()\n"
        "except HocSectionAccessError as error:\n"
        "    print('typed:', error)\n"
    )
    assert out.count("typed: no section is accessed") == 2


def test_point_process_on_something_that_is_not_a_location():
    with pytest.raises(TypeError, match="Section or a Segment"):
        p.ExpSyn(p.Vector())


def test_section_ref_spellings():
    section = p.Section(name="sref")
    assert p.SectionRef(section).sec is section
    assert p.SectionRef(sec=section).section is section
    with section.push():
        assert p.SectionRef().sec is section
    assert isinstance(p.SectionRef(section), SectionRef)
    with pytest.raises(TypeError, match="one section"):
        p.SectionRef(section, section)


def test_vector_record_accepts_everything_recordable():
    section = p.Section(name="recordables")
    synapse = p.ExpSyn(section)
    targets = [section, section(0.5), synapse, p._ref_t, section(0.5)._ref_v]
    vectors = [p.Vector().record(target) for target in targets]
    assert all(isinstance(vector, Vector) for vector in vectors)
    p.finitialize(-65)
    p.continuerun(p.t + 0.5)
    voltage_from_section, voltage_from_segment, current, time, raw = (np.array(v) for v in vectors)
    assert np.array_equal(voltage_from_section, voltage_from_segment)
    assert np.array_equal(voltage_from_section, raw)
    assert current.max() == 0
    assert time[1] - time[0] == pytest.approx(p.dt)


def test_recording_keeps_the_target_alive():
    vector = p.Vector()

    def record_temporary():
        section = p.Section(name="temporary_target")
        vector.record(section)
        return weakref.ref(section)

    section = record_temporary()
    gc.collect()
    assert section() is not None


@pytest.mark.parametrize("bad", [4, "v"])
def test_recording_something_unrecordable_is_a_hoc_record_error(bad):
    with pytest.raises(HocRecordError, match="cannot record"):
        p.Vector().record(bad)


def test_recording_a_section_ref_is_a_hoc_record_error():
    with pytest.raises(HocRecordError, match="Record a Section"):
        p.record(p.SectionRef(p.Section(name="sref_rec")))


def test_p_record_returns_a_recording_vector():
    section = p.Section(name="p_record")
    vector = p.record(section)
    assert isinstance(vector, Vector)
    p.run(1)
    assert len(vector) == int(round(1 / p.dt)) + 1


def test_time_is_one_vector_and_records(run_python):
    out = run_python(
        "from patch import p\n"
        "t = p.time\n"
        "print(t is p.time, len(list(p.allsec())))\n"
        "s = p.Section(name='late')\n"
        "p.run(1)\n"
        "print(len(t), t[-1], len(list(p.allsec())))\n"
        "for _ in range(100):\n"
        "    p.time\n"
        "print(p.List('Vector').count())\n"
    )
    first, second, third = out.split("\n")[:3]
    assert first == "True 0", "no dud section"
    count, last, sections = second.split()
    assert float(last) == pytest.approx(1.0) and int(sections) == 1
    assert int(count) == int(round(1 / 0.025)) + 1
    assert third == "1", "accessing p.time creates nothing new"


def test_run_defaults_to_tstop_and_continuerun_is_absolute():
    p.Section(name="runner")
    p.tstop = 2
    p.run()
    assert p.t == pytest.approx(2)
    p.run(1)
    assert p.t == pytest.approx(1)
    p.continuerun(1.5)
    assert p.t == pytest.approx(1.5), "continuerun runs until, not for"
    p.fadvance()
    assert p.t == pytest.approx(1.5 + p.dt)


def test_continuerun_into_the_past_warns_and_says_how_to_run_for_a_duration():
    p.Section(name="past")
    p.run(2)
    with pytest.warns(UserWarning, match=r"p.continuerun\(p.t \+ duration\)"):
        p.continuerun(1)
    assert p.t == pytest.approx(2)


def test_finitialize_sets_the_voltage():
    section = p.Section(name="init_v")
    p.finitialize(-42)
    assert section(0.5).v == pytest.approx(-42)
    p.finitialize()
    assert p.t == 0


def test_errors_in_neuron_calls_are_hoc_errors_without_noise(capfd):
    vector = p.Vector()
    with pytest.raises(HocError, match="expecting double"):
        vector.resize("abc")
    printed = capfd.readouterr()
    assert "bad stack" not in printed.out + printed.err
    assert isinstance(HocSectionAccessError("x"), HocError)


def test_successful_neuron_output_still_reaches_stdout(capfd):
    section = p.Section(name="printed")
    section.psection()
    p("print 12345")
    out = capfd.readouterr().out
    assert "12345" in out


def test_warnings_module_is_untouched():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p.Section(name="quiet")


def test_point_process_numbers_are_floats_that_can_be_recorded():
    section = p.Section(name="simulation_values")
    synapse = p.ExpSyn(section, tau=2)
    assert synapse.tau == 2 and isinstance(synapse.tau, float)
    assert repr(synapse.tau) == "2.0"
    conductance = p.record(synapse.g)
    reference = p.Vector().record(synapse.__neuron__()._ref_g)
    stimulus = p.NetStim(number=1, start=1)
    connection = p.NetCon(stimulus, synapse, 0, 0, 0.1)
    p.run(5)
    assert connection is not None
    assert max(conductance) > 0.05
    assert list(conductance) == list(reference)
