"""NetCons: safe, loud, and remembered by both ends."""

import gc
import weakref

import pytest
from neuron import h

import patch
from patch import p
from patch.exceptions import HocConnectError, NotConnectableError, NotConnectedError
from patch.objects import NetCon


@pytest.fixture
def cell():
    soma = p.Section(name="nc_soma").insert("hh")
    soma.set_dimensions(20, 20)
    return soma


def test_defaults_are_nrn_patchs(cell):
    connection = p.NetCon(p.NetStim(), p.ExpSyn(cell))
    assert isinstance(connection, NetCon)
    assert (connection.weight[0], connection.delay, connection.threshold) == (0.1, 1, -20)


def test_neurons_positional_threshold_delay_weight_are_honoured(cell):
    connection = p.NetCon(p.NetStim(), p.ExpSyn(cell), 10, 2, 0.5)
    assert (connection.threshold, connection.delay, connection.weight[0]) == (10, 2, 0.5)
    # NEURON's spelling: what is not given takes NEURON's defaults (delay 1, weight 0).
    connection = p.NetCon(cell, p.ExpSyn(cell), 0)
    assert (connection.threshold, connection.delay, connection.weight[0]) == (0, 1, 0)


def test_keywords(cell):
    connection = p.NetCon(p.NetStim(), p.ExpSyn(cell), weight=0.3, delay=4, threshold=5)
    assert (connection.weight[0], connection.delay, connection.threshold) == (0.3, 4, 5)


def test_a_value_given_twice_is_an_error(cell):
    with pytest.raises(TypeError, match="threshold twice"):
        p.NetCon(p.NetStim(), p.ExpSyn(cell), 1, threshold=3)
    with pytest.raises(TypeError, match="at most three"):
        p.NetCon(p.NetStim(), p.ExpSyn(cell), 1, 2, 3, 4)


def test_list_weights_must_fit_the_target(cell):
    with pytest.raises(ValueError, match="2 weights given, but the target takes 1"):
        p.NetCon(p.NetStim(), p.ExpSyn(cell), weight=[1, 2])
    connection = p.NetCon(p.NetStim(), p.ExpSyn(cell), weight=[0.7])
    assert connection.weight[0] == 0.7


def test_section_and_segment_sources_mean_their_membrane_potential(cell):
    cell.nseg = 3
    from_section = p.NetCon(cell, p.ExpSyn(cell))
    from_segment = p.NetCon(cell(0.9), p.ExpSyn(cell))
    assert from_section.preseg() == cell(0.5)
    assert from_segment.preseg() == cell(0.9)
    from_pointer = p.NetCon(cell(0.1)._ref_v, p.ExpSyn(cell), sec=cell)
    assert from_pointer.preseg() == cell(0.1)


def test_every_point_process_and_artificial_cell_connects(cell):
    for source in [p.NetStim(), p.IntFire1(), p.IntFire2(), p.IntFire4(), h.NetStim()]:
        for target in [
            p.ExpSyn(cell),
            p.IntFire1(),
            h.IntFire4(),
            h.ExpSyn(cell.__neuron__()(0.5)),
        ]:
            assert isinstance(p.NetCon(source, target), NetCon)


def test_connections_are_remembered_both_ways(cell):
    stimulus, synapse = p.NetStim(), p.ExpSyn(cell)
    connection = p.NetCon(stimulus, synapse)
    assert stimulus._connections[synapse] is connection
    assert synapse._connections[stimulus] is connection
    assert patch.connection(stimulus, synapse) is connection
    assert connection.source is stimulus and connection.target is synapse


def test_each_end_holds_a_connection_once(cell):
    from_section = p.NetCon(cell, p.ExpSyn(cell))
    assert cell.__deref__(from_section) is True
    assert cell.__deref__(from_section) is False, "the section source is its own section"
    neuron_cell = p.IntFire1()
    to_itself = p.NetCon(neuron_cell, neuron_cell)
    assert neuron_cell.__deref__(to_itself) is True
    assert neuron_cell.__deref__(to_itself) is False


def test_connection_honours_direction_when_strict(cell):
    stimulus, synapse = p.NetStim(), p.ExpSyn(cell)
    connection = p.NetCon(stimulus, synapse)
    with pytest.raises(NotConnectedError, match="strict"):
        patch.connection(synapse, stimulus)
    assert patch.connection(synapse, stimulus, strict=False) is connection
    with pytest.raises(NotConnectedError):
        patch.connection(stimulus, p.ExpSyn(cell))
    with pytest.raises(NotConnectableError):
        patch.connection(stimulus, 12)


def test_a_spike_detector_is_kept_by_its_source(cell):
    def detect():
        return weakref.ref(p.NetCon(cell))

    detector = detect()
    gc.collect()
    assert detector() is not None
    spikes = detector().record()
    assert detector().record() is spikes
    cell.iclamp(delay=1, duration=5, amplitude=1)
    p.run(10)
    assert len(spikes) >= 1


def test_record_into_a_given_vector(cell):
    spikes = p.Vector()
    connection = p.NetCon(cell, None)
    assert connection.record(spikes) is spikes
    assert connection.record() is spikes


@pytest.mark.parametrize(
    ("source", "target", "error", "advice"),
    [
        (5, 12, HocConnectError, "cannot be a NetCon source"),
        ("stim", None, HocConnectError, "cannot be a NetCon source"),
        ("netstim", "section", HocConnectError, r"connect to p.ExpSyn\(section\)"),
        ("netstim", "vector", HocConnectError, "must be a point process"),
    ],
)
def test_bad_wiring_says_what_to_pass_instead(cell, source, target, error, advice):
    things = {
        "netstim": p.NetStim(),
        "section": cell,
        "vector": p.Vector(),
        "synapse": p.ExpSyn(cell),
    }
    with pytest.raises(error, match=advice):
        p.NetCon(things.get(source, source), things.get(target, target))


def test_a_patch_pointer_knows_its_section_and_keeps_it():
    def pointer_only():
        section = p.Section(name="pointed")
        return section(0.5)._ref_v

    pointer = pointer_only()
    gc.collect()
    assert patch.is_nrn_scalar(pointer)
    assert pointer.owner.section.name() == "pointed"
    detector = p.NetCon(pointer, None)
    assert detector.source is pointer.owner.section
    assert (detector.threshold, detector.weight[0]) == (10, 0), "NEURON's spelling"
    recording = p.Vector().record(pointer)
    del pointer, detector
    gc.collect()
    p.finitialize(-65)
    p.continuerun(1)
    assert len(recording) > 1, "the recording kept the section"


def test_connect_points_and_connect_synapse(cell):
    cell.nseg = 3
    synapse = p.Section(name="nc_post").synapse(p.ExpSyn)
    middle = cell.connect_points(synapse, weight=0.2)
    end = cell.connect_points(synapse, x=1.0)
    old_name = cell.connect_synapse(synapse, delay=3)
    assert middle.preseg() == cell(0.5) and middle.weight[0] == 0.2
    assert end.preseg() == cell(1.0)
    assert old_name.delay == 3


def test_threshold_property(cell):
    connection = p.NetCon(cell, None)
    connection.threshold = 5
    assert connection.threshold == 5 == connection.__neuron__().threshold


def test_duck_typed_ends_connect(cell):
    class Receptor:
        def __init__(self, section):
            self.synapse = p.ExpSyn(section)

        def __neuron__(self):
            return self.synapse.__neuron__()

    receptor = Receptor(cell)
    connection = p.NetCon(p.NetStim(), receptor, weight=0.3)
    assert connection.syn() == receptor.synapse.__neuron__()
    assert connection.weight[0] == 0.3


def test_a_spike_detector_at_the_0_end_of_a_child_survives_its_deletion(run_python):
    # NEURON 9.0.2 names the child in the detector of its 0 end (its parent's node) and
    # crashes at the next initialisation once the child is deleted; Patch names the parent.
    out = run_python(
        """
from neuron import h
from patch import p
parent, child = p.Section(name="parent"), p.Section(name="child")
child.connect(parent)
parent.L = parent.diam = child.L = child.diam = 10
parent.insert("hh")
stimulus = parent.iclamp(delay=1, duration=1, amplitude=1)
synapse = p.ExpSyn(parent)
detectors = [p.NetCon(child(0), synapse), p.NetCons([child(0)], [synapse])[0]]
spikes = detectors[0].record()
p.run(10)
assert len(spikes) > 0
h.delete_section(sec=child.__neuron__())
p.run(10)
print("ran", len(spikes))
"""
    )
    assert out.startswith("ran ")


def test_netcons_of_one_source_record_into_one_vector():
    # NEURON records a spike source into one Vector: a second Vector would silently stop
    # the first one.
    soma = p.Section(name="shared_source")
    soma.L = soma.diam = 10
    soma.insert("hh")
    soma.iclamp(delay=1, duration=5, amplitude=1)
    synapse = p.ExpSyn(p.Section(name="shared_target"))
    first, second = p.NetCon(soma, synapse), p.NetCon(soma(0.5), None)
    spikes = first.record()
    assert second.record() is spikes
    p.run(10)
    assert len(spikes) > 0
    with pytest.warns(UserWarning, match="one Vector"):
        second.record(p.Vector())


def test_threshold_and_x_of_a_netcon_without_source_do_not_abort():
    # NEURON aborts the process reading `threshold` or `x` of a NetCon without a source
    # through Python; Patch reads them through the Rust core.
    synapse = p.ExpSyn(p.Section(name="sourceless"))
    netcon = p.NetCon(None, synapse)
    assert netcon.threshold == 10
    netcon.threshold = -5
    assert netcon.threshold == -5
    assert netcon.x == 0
    detector = p.NetCon(p.Section(name="with_source"), None, threshold=-30)
    assert (detector.threshold, detector.x) == (-30, -65)
