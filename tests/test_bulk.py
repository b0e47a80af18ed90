"""Bulk construction through the Rust core: many objects in one call, as Collections."""

import gc
import json
import os
import weakref

import numpy as np
import pytest
from neuron import h

from patch import p
from patch.exceptions import HocConnectError, HocSectionAccessError
from patch.objects import Collection, NetCon, PointProcess

# A soma driven by 20 stimuli, built four ways; each script prints its voltage and spikes.
SOMA = """
import json
import numpy as np
from patch import p
p.celsius = 6.3
soma = p.Section(name="soma").insert("hh")
soma.set_dimensions(20, 20)
weights, starts = np.linspace(0.001, 0.05, 20), np.linspace(1, 20, 20)
"""

RUN = """
voltage = soma.record()
p.run(30)
print("RESULT", json.dumps([list(voltage), list(spikes)]))
"""

BULK_NETWORK = (
    SOMA
    + """
stimuli = p.NetStim.many(20, number=1, start=starts)
synapses = p.ExpSyn.many([soma] * 20, tau=2)
connections = p.NetCons(stimuli, synapses, weight=weights, delay=1)
detector = p.NetCons([soma], None, threshold=0)
spikes = detector[0].record()
"""
    + RUN
)

PER_CALL_NETWORK = (
    SOMA
    + """
keep = []
for start, weight in zip(starts, weights):
    synapse = p.ExpSyn(soma, tau=2)
    stimulus = p.NetStim(number=1, start=start)
    keep.append(p.NetCon(stimulus, synapse, weight=weight, delay=1))
spikes = p.NetCon(soma, None, threshold=0).record()
"""
    + RUN
)

STIMULATED_IN_BULK = (
    SOMA
    + """
synapses = p.ExpSyn.many([soma] * 20, tau=2)
synapses.stimulate(weight=weights, delay=1, number=1, start=starts)
spikes = p.NetCon(soma, None, threshold=0).record()
"""
    + RUN
)

STIMULATED_PER_CALL = (
    SOMA
    + """
synapses = [p.ExpSyn(soma, tau=2) for _ in range(20)]
for synapse, weight, start in zip(synapses, weights, starts):
    synapse.stimulate(weight=weight, delay=1, number=1, start=start)
spikes = p.NetCon(soma, None, threshold=0).record()
"""
    + RUN
)


def result_of(out):
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def test_artificial_cells_in_bulk():
    stimuli = p.NetStim.many(5, interval=np.arange(5) + 1.0, number=3)
    assert isinstance(stimuli, Collection) and len(stimuli) == 5
    assert stimuli.class_name == "NetStim"
    assert stimuli.get("interval").tolist() == [1, 2, 3, 4, 5]
    assert stimuli.get("number").tolist() == [3] * 5
    assert isinstance(stimuli[0], PointProcess)
    assert stimuli[0] is stimuli[0] and stimuli[-1].interval == 5
    assert [stimulus.interval for stimulus in stimuli] == [1, 2, 3, 4, 5]
    assert [stimulus.interval for stimulus in stimuli[1:4:2]] == [2, 4]
    with pytest.raises(IndexError):
        stimuli[5]


def test_point_processes_on_sections_and_segments_in_bulk():
    section = p.Section(name="bulk_targets")
    section.nseg = 5
    synapses = p.ExpSyn.many([section, section(0.1), section(0.9).__neuron__()], tau=[1, 2, 3])
    assert [synapse.get_loc() for synapse in synapses] == pytest.approx([0.5, 0.1, 0.9])
    h.pop_section()
    h.pop_section()
    h.pop_section()
    assert synapses.get("tau").tolist() == [1, 2, 3]
    synapses.set("e", -70)
    assert synapses.get("e").tolist() == [-70] * 3


def test_netcons_in_bulk_match_what_was_asked():
    stimuli = p.NetStim.many(4)
    synapses = p.ExpSyn.many([p.Section(name="bulk_syn")] * 4)
    connections = p.NetCons(stimuli, synapses, weight=[0.1, 0.2, 0.3, 0.4], delay=2, threshold=5)
    assert len(connections) == 4
    assert isinstance(connections[0], NetCon)
    assert connections.get("weight").tolist() == [0.1, 0.2, 0.3, 0.4]
    assert connections.get("delay").tolist() == [2] * 4
    assert [c.weight[0] for c in connections] == [0.1, 0.2, 0.3, 0.4]
    assert connections[2].pre() == stimuli[2].__neuron__()
    assert connections[2].syn() == synapses[2].__neuron__()
    connections.set("delay", np.array([1.0, 2.0, 3.0, 4.0]))
    assert [c.delay for c in connections] == [1, 2, 3, 4]


def test_netcons_from_sections_and_lists_of_patch_objects():
    cells = [p.Section(name=f"bulk_cell_{i}").insert("hh") for i in range(3)]
    synapses = [p.ExpSyn(cell) for cell in cells]
    ring = p.NetCons(cells, synapses[1:] + synapses[:1], weight=0.5)
    assert [c.preseg().sec for c in ring] == [cell.__neuron__() for cell in cells]
    detectors = p.NetCons([cells[0](1.0), None], None)
    assert detectors[0].preseg() == cells[0](1.0)


@pytest.mark.parametrize(
    ("in_bulk", "per_call"),
    [(BULK_NETWORK, PER_CALL_NETWORK), (STIMULATED_IN_BULK, STIMULATED_PER_CALL)],
    ids=["NetCons", "stimulate"],
)
def test_a_bulk_network_equals_the_same_network_built_per_call(run_python, in_bulk, per_call):
    bulk = result_of(run_python(in_bulk))
    each = result_of(run_python(per_call))
    assert len(bulk[1]) > 0, "the cell fires"
    assert bulk[1] == each[1], "identical spike times"
    assert np.max(np.abs(np.array(bulk[0]) - np.array(each[0]))) <= 1e-9


def test_stimulated_in_bulk_with_nrn_patchs_defaults_and_one_netstim_each():
    synapses = p.ExpSyn.many([p.Section(name="stimulated")] * 3)
    stimuli = synapses.stimulate(interval=[5, 6, 7])
    assert isinstance(stimuli, Collection) and stimuli.class_name == "NetStim"
    assert stimuli.get("interval").tolist() == [5, 6, 7]
    for index in range(3):
        (connection,) = [c for c in p.List("NetCon") if c.pre() is stimuli[index]]
        assert connection.syn() is synapses[index]
        assert (connection.weight[0], connection.delay) == (0.04, 0)


@pytest.mark.parametrize(
    "build",
    [
        "synapses.stimulate(number=1, start=1, weight=0.5)",
        "synapses[[0, 1]].stimulate(number=1, start=1, weight=0.5)",
        "p.NetCons(p.NetStim.many(2, number=1, start=1), synapses, weight=0.5)",
        "p.NetCons(p.NetStim.many(2, number=1, start=1), synapses[[1, 0]], weight=0.5)",
    ],
    ids=["stimulate", "stimulate a subset", "NetCons", "NetCons to a subset"],
)
def test_what_is_built_in_bulk_lives_while_its_targets_do(run_python, build):
    out = run_python(
        f"""
import gc
from neuron import h
from patch import p
soma = p.Section(name="soma")
synapses = p.ExpSyn.many([soma] * 2)
def drive():
    {build}  # the result is dropped
drive()
gc.collect()
current = p.Vector().record(synapses[0]._ref_i)
p.run(5)
print("DRIVEN", min(current) < 0, h.List("NetStim").count(), h.List("NetCon").count())
del synapses, current, soma
gc.collect()
print("FREED", h.List("NetStim").count(), h.List("NetCon").count(), h.List("ExpSyn").count())
"""
    )
    assert "DRIVEN True 2 2" in out
    assert "FREED 0 0 0" in out


def test_the_public_conversion_fallbacks_give_the_same_network(run_python, monkeypatch):
    fast = result_of(run_python(BULK_NETWORK))
    monkeypatch.setenv("PATCH_PUBLIC_CONVERSIONS", "1")
    public = result_of(run_python(BULK_NETWORK))
    assert fast == public


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: p.NetCons(p.NetStim.many(2), p.NetStim.many(3)),
            ValueError,
            "2 sources need 2 targets",
        ),
        (lambda: p.NetCons(p.NetStim.many(2), None, weight=[1]), ValueError, "2 objects need 2"),
        (lambda: p.NetCons(p.NetStim.many(1), None, delay=-1), ValueError, "negative"),
        (lambda: p.NetCons([12], None), TypeError, "not a NEURON object"),
        (
            lambda: p.NetCons(p.NetStim.many(1), None, weight="heavy"),
            TypeError,
            "weight is a number",
        ),
        (lambda: p.ExpSyn.many([p.Vector()]), TypeError, "not a place on a cell"),
        (
            lambda: p.ExpSyn.many([p.Section(name="bulk_bad")(0.5).__neuron__().sec(0.5)], tau="x"),
            TypeError,
            "tau",
        ),
        (lambda: p.NetStim.many(2).set("no_such", 1), AttributeError, "no_such"),
        (lambda: p.NetStim.many(2).set("has_loc", 1), TypeError, "parameter"),
        (lambda: p.NetStim.many(2).set("interval", [1, 2, 3]), ValueError, "2 objects need 2"),
    ],
)
def test_bad_bulk_input_is_a_typed_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bulk_objects_are_freed_with_their_collection():
    gc.collect()
    baseline = (h.List("NetStim").count(), h.List("NetCon").count())
    stimuli = p.NetStim.many(1000)
    connections = p.NetCons(stimuli, None)
    first = weakref.ref(connections[0])
    assert h.List("NetCon").count() == baseline[1] + 1000
    del stimuli, connections
    gc.collect()
    assert first() is None
    assert (h.List("NetStim").count(), h.List("NetCon").count()) == baseline


def test_a_collection_lives_while_the_patch_objects_it_was_built_on_do():
    section = p.Section(name="bulk_host")

    def build():
        return weakref.ref(p.ExpSyn.many([section] * 3))

    synapses = build()
    gc.collect()
    assert synapses() is not None, "the section keeps its synapses"
    assert h.List("ExpSyn").count() >= 3


def test_items_keep_their_collection():
    stimulus = p.NetStim.many(2)[1]
    gc.collect()
    assert stimulus.interval == 10, "the NEURON object is alive"


def test_netcons_in_bulk_across_chunks_keep_their_order_and_leave_nothing_on_error():
    # p.NetCons hands NEURON 512 NetCons at a time.
    count = 1300
    host = p.Section(name="chunk_host")
    synapses = p.ExpSyn.many([host] * 3)
    stimuli = p.NetStim.many(count)
    connections = p.NetCons(stimuli, synapses[np.arange(count) % 3], weight=np.arange(count) / 10)
    assert connections.get("weight").tolist() == (np.arange(count) / 10).tolist()
    assert connections[1299].pre() is stimuli[1299] and connections[1298].syn() is synapses[2]
    del connections
    gc.collect()
    baseline = h.List("NetCon").count()
    targets = [synapses[0]] * count
    targets[1100] = p.IClamp(host)
    with pytest.raises(HocConnectError, match="IClamp"):
        p.NetCons(stimuli, targets)
    gc.collect()
    assert h.List("NetCon").count() == baseline, "the first two chunks went with the error"


def test_parameters_of_point_processes_that_lost_their_section_are_refused():
    host = p.Section(name="lost_host")
    synapses = p.ExpSyn.many([host] * 2)
    h.delete_section(sec=host.__neuron__())
    with pytest.raises(HocSectionAccessError, match="ExpSyn lost its section"):
        synapses.get("tau")
    with pytest.raises(HocSectionAccessError, match="lost its section"):
        synapses.set("tau", 3)


def test_netcons_made_in_bulk_know_their_ends_from_neuron():
    section = p.Section(name="ends_host")
    synapses = p.ExpSyn.many([section] * 2)
    stimuli = synapses.stimulate()
    from_stimuli = p.NetCons(stimuli, synapses)
    assert from_stimuli[1].source is stimuli[1] and from_stimuli[1].target is synapses[1]
    from_section = p.NetCons([section(0.5)], [synapses[0]])[0]
    assert from_section.source is section, "a voltage source is its section, as per call"
    detector = p.NetCons(stimuli, None)[0]
    assert detector.source is stimuli[0] and detector.target is None


def test_indexing_by_positions_a_mask_or_a_slice_gives_a_collection():
    synapses = p.ExpSyn.many([p.Section(name="subset_host")] * 3, tau=[1, 2, 3])
    repeated = synapses[np.arange(7) % 3]
    assert isinstance(repeated, Collection) and len(repeated) == 7
    assert repeated.get("tau").tolist() == [1, 2, 3, 1, 2, 3, 1]
    assert repeated[4] is synapses[1], "the same NEURON object, the same Patch object"
    assert synapses[[True, False, True]].get("tau").tolist() == [1, 3]
    assert synapses[[-1, 0]].get("tau").tolist() == [3, 1]
    assert len(synapses[[]]) == 0
    first_two = synapses[0:2]
    assert isinstance(first_two, Collection) and first_two.get("tau").tolist() == [1, 2]
    assert synapses[::-2].get("tau").tolist() == [3, 1] and len(synapses[5:]) == 0
    assert first_two[1] is synapses[1]
    assert len(first_two.stimulate()) == 2, "slices take the bulk calls (issue 16)"
    rotated = synapses[1:] + synapses[:1]
    assert isinstance(rotated, list) and rotated == [synapses[1], synapses[2], synapses[0]]
    assert [0] + synapses[:1] == [0, synapses[0]]


def test_a_subset_keeps_its_collection_and_connects_in_bulk():
    subset = p.NetStim.many(3, interval=[5, 6, 7])[[2, 2]]
    gc.collect()
    assert subset.get("interval").tolist() == [7, 7]
    synapses = p.ExpSyn.many([p.Section(name="subset_target")] * 2)
    connections = p.NetCons(subset, synapses[[1, 0]], weight=0.5)
    assert connections[0].syn() is synapses[1] and connections[1].syn() is synapses[0]


@pytest.mark.parametrize(
    ("index", "error", "message"),
    [
        ([3], IndexError, "index 3 is out of range for a collection of 3"),
        (np.array([-4]), IndexError, "index -4 is out of range"),
        ([True], IndexError, "a boolean mask of a collection of 3 needs 3 values, got 1"),
        ([[0]], TypeError, "indexed by an integer, a slice, a sequence of integers"),
        (["a"], TypeError, "indexed by an integer"),
        ([0.5], TypeError, "indexed by an integer"),
        (1.5, TypeError, "indexed by an integer"),
    ],
)
def test_bad_collection_indices_are_typed_errors(index, error, message):
    synapses = p.ExpSyn.many([p.Section(name="bad_index")] * 3)
    with pytest.raises(error, match=message):
        synapses[index]


def test_environment_is_untouched():
    assert "PATCH_PUBLIC_CONVERSIONS" not in os.environ
