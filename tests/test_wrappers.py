"""Every Patch object wraps a genuine NEURON object and behaves like it."""

import gc
import pickle
import weakref

import numpy as np
import pytest
from neuron import h, nrn

import patch
from patch import p
from patch.objects import PointProcess, PythonHocObject, Section, Segment, Vector


def test_neuron_returns_the_genuine_object():
    section = p.Section(name="genuine")
    assert type(section.__neuron__()) is nrn.Section
    vector = p.Vector([1])
    assert type(vector.__neuron__()).__name__ == "Vector"
    assert patch.transform(vector) is vector.__neuron__()
    raw = h.Vector()
    assert patch.transform(raw) is raw


def test_transforms_of_sections_segments_and_point_processes():
    section = p.Section(name="transforms")
    section.nseg = 5
    assert patch.is_nrn_scalar(patch.transform_netcon(section))
    assert patch.transform_arc(section) == section.__neuron__()(0.5)
    assert patch.transform_record(section(0.1)) == section(0.1).__neuron__()._ref_v
    synapse = p.ExpSyn(section)
    assert str(patch.transform_record(synapse)) == str(synapse.__neuron__()._ref_i)
    assert patch.is_section(section) and patch.is_section(section.__neuron__())
    assert patch.is_segment(section(0.5)) and not patch.is_segment(section)
    assert not patch.is_nrn_scalar(1.0) and not patch.is_nrn_scalar(section)


def test_point_process_checks_include_wrappers_not_artificial_cells():
    section = p.Section(name="pp_checks")
    assert patch.is_point_process(p.ExpSyn(section))
    assert patch.is_point_process(h.ExpSyn(section.__neuron__()(0.5)))
    assert patch.is_point_process("ExpSyn") and patch.is_point_process(h.ExpSyn)
    # nrn-patch's meaning: a point process sits in a section; artificial cells do not.
    assert not patch.is_point_process("IntFire1")
    assert not patch.is_point_process(p.IntFire1())
    assert not patch.is_point_process(p.NetStim())
    assert not patch.is_point_process(p.Vector())
    assert not patch.is_point_process("hh")
    assert patch.is_density_mechanism("hh")
    assert patch.is_density_mechanism(section.insert("hh")(0.5).hh)
    assert not patch.is_density_mechanism("ExpSyn")


def test_assert_connectable():
    section = p.Section(name="connectable")
    for good in [section, section(0.5), p.ExpSyn(section), p.NetStim(), h.NetStim()]:
        patch.assert_connectable(good)
    with pytest.raises(patch.NotConnectableError, match="my vector cannot be connected"):
        patch.assert_connectable(p.Vector(), label="my vector")
    with pytest.raises(patch.NotConnectableError):
        patch.assert_connectable(12)


def test_attributes_and_methods_forward_to_neuron():
    section = p.Section(name="forward")
    section.L = 123
    assert section.__neuron__().L == 123
    assert section.L == 123
    assert section.name() == "forward"


def test_wrappers_passed_to_neuron_methods_are_unwrapped():
    v = p.Vector([1, 2, 3])
    w = p.Vector([1, 1, 1])
    assert v.add(w) is v, "NEURON returns v itself: the user's own wrapper comes back"
    assert list(v) == [2, 3, 4]
    copy = p.Vector().copy(w)
    assert list(copy) == [1, 1, 1]
    assert isinstance(copy, Vector)


def test_raw_neuron_objects_are_accepted_and_wrapped():
    raw_section = h.Section(name="raw")
    synapse = p.ExpSyn(raw_section)
    assert isinstance(synapse, PointProcess)
    assert synapse.get_segment().sec == raw_section
    assert isinstance(synapse.segment.section, Section)
    assert list(p.Vector().copy(h.Vector([7]))) == [7]


def test_typos_on_wrappers_are_loud():
    section = p.Section(name="typo")
    with pytest.raises(AttributeError, match="no attribute 'nsegg'.*Did you mean: nseg"):
        section.nsegg = 3
    with pytest.raises(AttributeError, match="nsegg"):
        section.nsegg  # noqa: B018
    assert not hasattr(section, "nsegg")


def test_python_subclasses_store_their_own_attributes():
    class TaggedSection(Section):
        pass

    tagged = TaggedSection(h.Section(name="tagged"))
    tagged.tag = "soma"
    tagged.L = 7
    assert tagged.tag == "soma"
    assert tagged.__neuron__().L == 7
    assert "tag" in dir(tagged)
    del tagged.tag
    assert not hasattr(tagged, "tag")


def test_vector_protocols_behave_as_neurons():
    v = p.Vector([1, 2, 3])
    assert len(v) == 3
    assert bool(v) and not bool(p.Vector())
    assert v[0] == 1 and v[-1] == 3
    assert list(v[1:]) == [2, 3]
    v[0] = 10
    assert v[0] == 10
    assert 2 in v and 99 not in v
    assert [x for x in v] == [10, 2, 3]
    assert list(v + v) == [20, 4, 6]
    assert list(v - 1) == [9, 1, 2]
    assert list(2 * v) == [20, 4, 6]
    assert list(v / 2) == [5, 1, 1.5]
    assert list(-v) == [-10, -2, -3]
    assert v == v and v != p.Vector([10, 2, 3])


def test_numpy_sees_the_vector_without_a_copy():
    v = p.Vector([1.0, 2.0, 3.0])
    array = np.asarray(v)
    assert array.tolist() == [1, 2, 3]
    assert array.ctypes.data == v.__array_interface__["data"][0]
    v[1] = 20
    assert array[1] == 20


def test_vectors_pickle_as_patch_vectors():
    v = p.Vector([1.5, 2.5])
    restored = pickle.loads(pickle.dumps(v))
    assert isinstance(restored, Vector)
    assert list(restored) == [1.5, 2.5]


def test_repr_and_dir():
    section = p.Section(name="shown")
    assert "shown" in repr(section) and "Section" in repr(section)
    names = dir(section)
    assert {"L", "nseg", "add_3d", "record", "__neuron__"} <= set(names)


def test_one_neuron_object_one_wrapper():
    soma = p.Section(name="id_soma")
    dend = p.Section(name="id_dend")
    dend.connect(soma)
    assert dend.parent is soma
    assert p.SectionRef(soma).child == [dend]
    assert p.SectionRef(dend).sec is dend
    assert soma.wholetree()[1] is dend
    with soma.push():
        assert p.cas() is soma
    for segment in soma:
        assert isinstance(segment, Segment)
        assert segment.section is soma
    assert soma(0.5) == soma(0.5)
    assert hash(soma(0.5)) == hash(soma(0.5))
    assert {soma(0.5), soma(0.5)} == {soma(0.5)}


def test_objects_patch_makes_are_the_same_objects_before_and_after_neuron_sees_them():
    # Patch keeps NEURON's own Object for what it makes and makes NEURON's Python object
    # only when asked: identity, hashing and equality must not notice.
    section = p.Section(name="lazy_host")
    stimulus, synapse = p.NetStim(), p.ExpSyn(section)
    connection = p.NetCon(stimulus, synapse)
    assert connection.syn() is synapse and connection.pre() is stimulus
    assert p.List("NetCon").o(p.List("NetCon").count() - 1) is connection
    neuron = connection.__neuron__()
    assert connection.__neuron__() is neuron, "made once, then kept"
    assert hash(connection) == hash(neuron) and connection == neuron
    assert {connection, connection.syn().__neuron__()} == {connection, synapse}
    assert patch.transform(stimulus) is stimulus.__neuron__()
    assert h.NetCon(stimulus.__neuron__(), None).pre() == stimulus.__neuron__()


def test_numbers_of_objects_patch_made_read_and_write_as_neurons_do():
    stimulus = p.NetStim()
    stimulus.interval, stimulus.number = 5, 3
    assert (stimulus.interval, stimulus.number) == (5, 3)
    neuron = stimulus.__neuron__()
    assert (neuron.interval, neuron.number) == (5, 3)
    stimulus.start = 2
    assert neuron.start == stimulus.start == 2
    with pytest.raises(TypeError):
        p.NetStim().interval = "often"
    with pytest.raises(AttributeError, match="Did you mean: interval"):
        p.NetStim().intervl = 5
    connection = p.NetCon(p.NetStim(), None, delay=2)
    connection.delay = 4
    assert connection.delay == connection.__neuron__().delay == 4


def test_an_object_made_by_patch_and_dropped_frees_neuron_s_object():
    gc.collect()
    baseline = h.List("NetStim").count()
    first, second = p.NetStim(), p.NetStim()
    second.__neuron__()  # this one has NEURON's Python object as well
    assert h.List("NetStim").count() == baseline + 2
    del first, second
    gc.collect()
    assert h.List("NetStim").count() == baseline


def test_ref_and_deref():
    holder = p.Vector()
    kept = p.Vector([1])
    reference = weakref.ref(kept)
    holder.__ref__(kept)
    holder.__ref__(kept)
    del kept
    gc.collect()
    assert reference() is not None
    assert holder.__deref__(reference()) is True
    assert holder.__deref__(p.Vector()) is False
    gc.collect()
    assert reference() is None


def test_base_wrapper_for_other_neuron_objects():
    netcon = h.NetCon(None, None)
    wrapped = PythonHocObject(netcon)
    assert wrapped.__neuron__() is netcon
    assert wrapped.weight[0] == 0


def test_patchs_h_unwraps_and_raw_neuron_needs_transform():
    # nrn-patch 8 failed `h.Vector().copy(wrapped)` with `h` its interpreter (B5).
    wrapped = p.Vector([4, 5])
    assert list(patch.h.Vector().copy(wrapped)) == [4, 5]
    # Raw neuron.h takes NEURON's own objects only: transform() when mixing interpreters.
    assert list(h.Vector().copy(patch.transform(wrapped))) == [4, 5]
    with pytest.raises(RuntimeError, match="instead of Vector"):
        h.Vector().copy(wrapped)
