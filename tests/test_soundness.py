"""Reproducers of soundness bugs: silently wrong networks, crashes and reads of freed
memory that no ordinary test reached. Crashing ones run in a subprocess."""

import gc
from pathlib import Path

import pytest
from neuron import h

from patch import p
from patch.exceptions import HocSectionAccessError


def test_bulk_places_given_as_temporaries_are_each_their_own():
    h("create soundness_dend[6]")
    synapses = p.ExpSyn.many(h.soundness_dend[i] for i in range(6))
    names = [synapse.get_segment().sec.name() for synapse in synapses]
    assert names == [f"soundness_dend[{i}]" for i in range(6)]


def test_bulk_sources_given_as_temporaries_are_each_their_own():
    stimuli = h.List()
    for _ in range(4):
        stimuli.append(h.NetStim())
    netcons = p.NetCons((stimuli.o(i) for i in range(4)), None)
    assert [netcon.pre() for netcon in netcons] == [stimuli.o(i) for i in range(4)]


def test_objects_given_only_through_a_generator_are_kept(run_python):
    out = run_python(
        "import gc\n"
        "from patch import p\n"
        "cell = p.Section(name='cell')\n"
        "synapses = p.ExpSyn.many([cell] * 3)\n"
        "connections = p.NetCons((p.NetStim(number=1, start=1) for _ in range(3)), synapses)\n"
        "gc.collect()\n"
        "print([c.pre() is not None for c in connections])\n"
        "current = p.record(synapses[0])\n"
        "p.run(5)\n"
        "print(min(current) < 0)\n"
    )
    assert out.split() == ["[True,", "True,", "True]", "True"]


@pytest.mark.parametrize("lost", [0, 1, 2])
def test_bulk_parameters_of_a_point_process_that_lost_its_section_raise(lost):
    sections = [p.Section(name=f"lost{i}") for i in range(3)]
    synapses = p.ExpSyn.many(sections)
    h.delete_section(sec=sections[lost].__neuron__())
    with pytest.raises(HocSectionAccessError, match="lost its section"):
        synapses.get("tau")
    with pytest.raises(HocSectionAccessError, match="lost its section"):
        synapses.set("tau", 3)


def test_freeing_a_bulk_network_mid_run_refuses_to_continue(run_python):
    out = run_python(
        "import gc\n"
        "from patch import p\n"
        "from patch.exceptions import UninitializedError\n"
        "keep = p.Section(name='keep')\n"
        "cells = [p.Section(name=f'c{i}') for i in range(20)]\n"
        "synapses = p.ExpSyn.many(cells)\n"
        "stimuli = p.NetStim.many(20, number=100, interval=1, start=0)\n"
        "connections = p.NetCons(stimuli, synapses, delay=3)\n"
        "p.run(5)\n"
        "del stimuli, cells, connections, synapses\n"
        "gc.collect()\n"
        "try:\n"
        "    p.continuerun(20)\n"
        "except UninitializedError:\n"
        "    print('refused')\n"
        "p.run(20)\n"
        "print('ran', round(p.t))\n"
    )
    assert out.split() == ["refused", "ran", "20"]


def test_a_temporary_wrapper_of_a_collection_item_does_not_stop_a_run():
    cell = p.Section(name="touched")
    synapses = p.ExpSyn.many([cell] * 3)
    stimuli = synapses.stimulate(number=5, interval=2, start=1)
    p.run(5)
    synapses[0].tau = 3
    stimuli[1].interval = 3
    gc.collect()
    p.continuerun(10)
    assert p.t == pytest.approx(10)


def test_patch_runs_only_on_the_neuron_releases_it_was_checked_against():
    import neuron

    import patch

    features = patch.neuron_features()
    assert features["neuron_release"] == neuron.__version__
    assert features["neuron_release"].startswith("9.0.")
    assert features["restores_state_on_error"], "OcJump::fpycall found"


def test_the_mechanism_cache_refuses_a_folder_others_may_write_to(tmp_path, run_python):
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    mod = Path(__file__).resolve().parent / "mod" / "gap"
    out = run_python(
        "import os\n"
        f"os.environ['PATCH_CACHE_DIR'] = {str(shared)!r}\n"
        "from patch import p\n"
        "from patch.exceptions import MechanismError\n"
        "try:\n"
        f"    p.load_mechanisms({str(mod)!r})\n"
        "except MechanismError as error:\n"
        "    print('refused', 'PATCH_CACHE_DIR' in str(error))\n"
    )
    assert out.split() == ["refused", "True"]
