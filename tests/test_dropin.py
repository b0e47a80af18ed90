"""Code written for nrn-patch 8 and its clients (BSB, arborize, glia) runs unchanged."""

import gc
import json
import subprocess
import sys
import warnings
import weakref
from pathlib import Path

import pytest
from neuron import h

import patch
import patch.objects
from patch import p
from patch.exceptions import NotConnectableError, ParallelConnectError

SCRIPTS = Path(__file__).resolve().parent / "scripts"


def run_script(name, *arguments):
    finished = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


# 1. Connections to plug-in objects never vanish


@pytest.mark.parametrize("order", ["senders-first", "per-cell"])
def test_gid_connections_to_plugin_accessors_deliver_as_plain_neuron(order):
    plain = run_script("accessor_network.py", "neuron", "-")
    through_patch = run_script("accessor_network.py", "patch", order)
    assert len(plain["spikes"]) > 20, "the activity goes round the ring"
    assert all(max(map(abs, current)) > 1 for current in plain["currents"])
    assert through_patch == plain, "identical currents and spike times"


class Accessor:
    """A plug-in's handle on a point process (only `__neuron__`, `__ref__`)."""

    def __init__(self, point_process):
        self._point_process = point_process
        self.held = []

    def __neuron__(self):
        return self._point_process.__neuron__()

    def __ref__(self, other):
        self.held.append(other)


def test_a_netcon_to_an_accessor_is_stored_on_it_and_on_its_point_process():
    section = p.Section(name="accessor_target")
    synapse = p.ExpSyn(section)
    accessor = Accessor(synapse)
    netcon = weakref.ref(p.NetCon(p.NetStim(), accessor))
    receiver = weakref.ref(p.ParallelCon(4041, accessor))
    gc.collect()
    assert netcon() is not None and receiver() is not None
    assert accessor.held == [netcon(), receiver()]
    assert netcon() in synapse._references and receiver() in synapse._references
    del accessor
    gc.collect()
    assert netcon() is not None, "the point process keeps it as long as its section lives"


# 2. User attributes on every wrapper


def test_every_wrapper_keeps_the_users_attributes():
    section = p.Section(name="labelled")
    section.labels = ["soma"]
    section.synapses = []
    section._transmitter, section._source_gid = "tm", 7
    synapse, clamp = p.ExpSyn(section), p.IClamp(section)
    synapse.gid = 3
    clamp.purpose = "step"
    netcon = p.NetCon(p.NetStim(), synapse)
    netcon.kind = "drive"
    segment, vector = section(0.5), p.Vector()
    segment.note, vector.unit = "middle", "mV"
    assert section.labels == ["soma"] and section.synapses == []
    assert (section._transmitter, section._source_gid) == ("tm", 7)
    assert (synapse.gid, clamp.purpose, netcon.kind) == (3, "step", "drive")
    assert (segment.note, vector.unit) == ("middle", "mV")
    assert vars(section) == {
        "labels": ["soma"],
        "synapses": [],
        "_transmitter": "tm",
        "_source_gid": 7,
    }
    assert "labels" in dir(section)
    section.labels.append("dend")
    assert section.labels == ["soma", "dend"]
    del section.labels
    assert not hasattr(section, "labels")
    assert not hasattr(section.__neuron__(), "gid"), "nothing reaches NEURON"


@pytest.mark.parametrize(
    "make, typo, meant",
    [
        (lambda: p.Section(name="t"), "nseq", "nseg"),
        (lambda: p.Section(name="t"), "daim", "diam"),
        (lambda: p.IClamp(p.Section(name="t")), "ampl", "amp"),
        (lambda: p.IClamp(p.Section(name="t")), "amplitdue", "amplitude"),
        (lambda: p.ExpSyn(p.Section(name="t")), "tua", "tau"),
    ],
)
def test_a_typo_of_a_neuron_attribute_is_refused_with_the_meant_name(make, typo, meant):
    wrapper = make()
    with pytest.raises(AttributeError, match=f"Did you mean: {meant}"):
        setattr(wrapper, typo, 1)
    assert typo not in vars(wrapper)


def test_names_that_merely_start_like_neuron_attributes_are_the_users():
    synapse = p.ExpSyn(p.Section(name="t"))
    synapse.tau_decay, synapse.locations, synapse._tua = 5, [1], 2
    assert (synapse.tau_decay, synapse.locations, synapse._tua) == (5, [1], 2)


def test_synapse_store_appends_to_the_synapses_attribute():
    section = p.Section(name="stored")
    section.synapse(p.ExpSyn)
    assert not hasattr(section, "synapses"), "only stored when asked, as nrn-patch"
    stored = section.synapse(p.ExpSyn, store=True)
    assert section.synapses == [stored]
    section.synapses = []
    section.synapse(p.ExpSyn, store=True)
    assert len(section.synapses) == 1


def test_references_in_the_order_they_were_made():
    section, other = p.Section(name="a"), p.Section(name="b")
    section.__ref__(other)
    synapse = section.synapse(p.ExpSyn)
    assert section._references == [other, synapse]
    assert synapse._references == [section]
    assert section.__deref__(other) and not section.__deref__(other)
    assert section._references == [synapse]
    assert synapse._interpreter is p


# 3. Type checks answer, never raise


def test_type_checks_of_any_name_answer_false_instead_of_raising():
    for name in ["v", "L", "diam", "nseg", "cm", "capacitance", "morphology", "nosuch"]:
        assert patch.is_point_process(name) is False
        assert patch.is_density_mechanism(name) is False


def test_type_checks_over_neurons_namespace_match_nrn_patch():
    points = [name for name in dir(h) if patch.is_point_process(name)]
    densities = [name for name in dir(h) if patch.is_density_mechanism(name)]
    assert {"ExpSyn", "IClamp", "SEClamp", "AlphaSynapse"} <= set(points)
    assert not {"NetStim", "IntFire1", "PatternStim"} & set(points)
    assert {"hh", "pas", "extracellular", "na_ion", "k_ion", "fastpas"} <= set(densities)
    assert not {"capacitance", "morphology"} & set(densities)
    assert patch.is_density_mechanism(h.hh)
    assert patch.is_point_process(h.ExpSyn) and not patch.is_point_process(h.NetStim)


# 4. nrn-patch's names


def test_classes_by_neuron_name_and_point_process_parameters():
    stimulus = p.NetStim()
    assert type(stimulus) is patch.objects.NetStim
    assert isinstance(stimulus, patch.objects.PointProcess)
    assert type(p.NetCon(stimulus, None)) is patch.objects.NetCon
    assert type(p.Section()) is patch.objects.Section
    assert type(p.ExpSyn(p.Section())) is patch.objects.PointProcess
    assert p.ExpSyn(p.Section()).parameters == ["e", "g", "i", "tau"]
    assert p.IClamp(p.Section()).parameters == ["amp", "del", "dur", "i"]
    assert {"interval", "number", "start", "noise"} <= set(stimulus.parameters)


def test_parallelcon_results_carry_their_gid_and_neuron_version_is_comparable():
    transmitter = p.ParallelCon(p.Section(name="gid_src"), 4051)
    receiver = p.ParallelCon(4051, p.ExpSyn(p.Section(name="gid_dst")))
    assert (transmitter.gid, receiver.gid) == (4051, 4051)
    assert p.NetCon(p.NetStim(), None).gid is None
    from patch.version import NeuronVersion, get_neuron_version

    version = get_neuron_version()
    assert version >= "9.0" and version < "10" and not version < "9.0"
    assert NeuronVersion("9.0a-1422-g8b0b34549").semantic_version == "9.0a"
    assert patch.__version__ == "9.0.0"


# 5. connection()


def test_connection_of_something_unconnectable_is_not_connectable():
    section = p.Section(name="conn")
    synapse = p.ExpSyn(section)
    stimulus = synapse.stimulate()
    assert type(patch.connection(stimulus, synapse)) is patch.objects.NetCon
    with pytest.raises(patch.NotConnectedError):
        patch.connection(section, section)
    with pytest.raises(NotConnectableError, match="cannot be connected"):
        patch.connection(p.Vector(), section)
    with pytest.raises(NotConnectableError):
        patch.connection(section, p.Vector())


# 6. psolve serially


def test_psolve_runs_serially_after_finitialize(run_python):
    out = run_python(
        "from patch import p\n"
        "s = p.Section(); s.L = s.diam = 10; syn = p.ExpSyn(s)\n"
        "syn.stimulate(start=1, number=1, weight=0.01)\n"
        "p.ParallelCon(s, 1, threshold=-60)\n"
        "v = s.record()\n"
        "p.finitialize()\n"
        "p.parallel.psolve(20)\n"
        "print(round(p.t), max(v) > -60)\n"
    )
    assert out.split() == ["20", "True"]


def test_psolve_initialises_when_nothing_did(run_python):
    out = run_python(
        "from patch import p\n"
        "s = p.Section(); v = s.record()\n"
        "p.parallel.psolve(5)\n"
        "print(round(p.t), len(v) == len(p.time) > 0)\n"
    )
    assert out.split() == ["5", "True"]


# 7. A receiver's threshold


def test_a_receivers_threshold_may_be_set_to_what_the_gid_has_not_changed():
    source = p.Section(name="thr_src")
    p.ParallelCon(source, 4061, threshold=-52)
    receiver = p.ParallelCon(4061, p.ExpSyn(p.Section(name="thr_dst")), threshold=-52)
    receiver.threshold = -52
    with pytest.raises(ParallelConnectError, match="-52"):
        receiver.threshold = -20
    with pytest.raises(RuntimeError):  # nrn-patch 8 raised RuntimeError
        receiver.threshold = -20
    with pytest.raises(ParallelConnectError):
        p.ParallelCon(4061, p.ExpSyn(p.Section(name="thr_dst2")), threshold=0)
    assert receiver.threshold == -52


# 8. gid_clear frees


def test_gid_clear_frees_what_the_gids_held(run_python):
    out = run_python(
        "import gc\n"
        "from patch import p\n"
        "def build():\n"
        "    for gid in range(100):\n"
        "        cell = [p.Section() for _ in range(10)]\n"
        "        for child in cell[1:]: child.connect(cell[0])\n"
        "        p.ParallelCon(cell[0], gid)\n"
        "for _ in range(3):\n"
        "    build()\n"
        "    print(len(list(p.allsec())))\n"
        "    p.parallel.gid_clear()\n"
        "gc.collect()\n"
        "print(len(list(p.allsec())))\n"
    )
    assert out.split() == ["1000", "1000", "1000", "0"]


# 9. GIDs in the natural order; spike recording


def test_receivers_made_before_their_sender_deliver(run_python):
    code = (
        "from patch import p\n"
        "cells = [p.Section(name=f'c{i}').insert('hh') for i in range(3)]\n"
        "for cell in cells:\n"
        "    cell.L = cell.diam = 10\n"
        "synapses = [p.ExpSyn(cell) for cell in cells]\n"
        "def transmitter(i):\n"
        "    p.ParallelCon(cells[i], i, threshold=-10)\n"
        "def receiver(i):\n"
        "    p.ParallelCon((i + 2) % 3, synapses[i], weight=0.5, delay=2)\n"
        "STEPS\n"
        "synapses[0].stimulate(start=1, number=1, weight=0.5)\n"
        "times, gids = p.parallel.spike_record()\n"
        "p.run(40)\n"
        "print(sorted(zip(times, gids)))\n"
    )
    senders_first = "for i in range(3): transmitter(i)\nfor i in range(3): receiver(i)"
    # Each cell with its receiver: cell 0 receives GID 2 before cell 2 sends it.
    per_cell = "for i in range(3):\n    receiver(i)\n    transmitter(i)"
    reference = eval(run_python(code.replace("STEPS", senders_first)))
    assert len(reference) >= 6, "the activity goes round twice"
    assert eval(run_python(code.replace("STEPS", per_cell))) == reference


def test_spike_record_records_gids_made_after_it(run_python):
    out = run_python(
        "from patch import p\n"
        "times, gids = p.parallel.spike_record()\n"
        "cell = p.Section().insert('hh')\n"
        "cell.L = cell.diam = 10\n"
        "p.ParallelCon(cell, 7, threshold=-10)\n"
        "p.ExpSyn(cell).stimulate(start=1, number=1, weight=0.5)\n"
        "p.run(20)\n"
        "print(len(times) > 0, set(gids) == {7})\n"
    )
    assert out.split() == ["True", "True"]


def test_parallelcon_takes_nrn_patch_positional_output():
    source = p.Section(name="out_src")
    transmitter = p.ParallelCon(source, 4071, False)
    assert transmitter.gid == 4071
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p.ParallelCon(4071, p.ExpSyn(p.Section(name="out_dst")), weight=1)
    with pytest.warns(UserWarning, match="ignores the positional values"):
        p.ParallelCon(4071, p.ExpSyn(p.Section(name="out_dst2")), 5, 1)
