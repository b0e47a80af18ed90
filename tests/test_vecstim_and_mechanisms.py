"""VecStim, stimulate(), and the user's own NMODL mechanisms."""

import gc
import os
import subprocess
import sys
import textwrap

import pytest

import patch
from patch import p
from patch.exceptions import MechanismError
from patch.objects import PointProcess, VecStim

TWO_WEIGHT_SYNAPSE = """
NEURON {
    POINT_PROCESS TwoWeightSyn
    RANGE g, i
    NONSPECIFIC_CURRENT i
}
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g * v
}
DERIVATIVE state { g' = -g }
NET_RECEIVE (excitatory, inhibitory) { g = g + excitatory - inhibitory }
"""


def test_vecstim_fires_at_its_pattern():
    stimulus = p.VecStim(pattern=[1, 3.5, 7])
    assert isinstance(stimulus, VecStim) and isinstance(stimulus, PointProcess)
    spikes = p.NetCon(stimulus, None).record()
    p.Section(name="vecstim_host")
    p.run(10)
    assert list(spikes) == [1, 3.5, 7]


def test_vecstim_pattern_and_vector_read_and_write():
    stimulus = p.VecStim()
    assert stimulus.pattern == [] and stimulus.vector is None
    stimulus.pattern = [2, 4]
    assert stimulus.pattern == [2, 4]
    assert list(stimulus.vector) == [2, 4]
    stimulus.vector = p.Vector([5])
    assert stimulus.pattern == [5]
    spikes = p.NetCon(stimulus, None).record()
    p.Section(name="vecstim_vector_host")
    p.run(10)
    assert list(spikes) == [5]
    with pytest.raises(TypeError, match="spike times"):
        stimulus.pattern = "soon"
    with pytest.raises(TypeError, match="Vector of spike times"):
        stimulus.vector = p.List()


def test_vecstim_keeps_its_pattern_when_the_user_drops_everything_else():
    section = p.Section(name="vecstim_kept")
    synapse = p.ExpSyn(section)

    def wire():
        p.NetCon(p.VecStim(pattern=[1, 2]), synapse)

    wire()
    gc.collect()
    current = p.record(synapse)
    p.run(5)
    assert min(current) < 0, "both spikes arrived"


def test_stimulate_with_a_netstim_or_a_pattern():
    synapse = p.ExpSyn(p.Section(name="stimulated"))
    netstim = synapse.stimulate(start=1, number=2, interval=3)
    assert (netstim.start, netstim.number, netstim.interval) == (1, 2, 3)
    assert synapse._connections[netstim].weight[0] == 0.04
    vecstim = synapse.stimulate(pattern=[2, 6], weight=0.5, delay=1)
    connection = patch.connection(vecstim, synapse)
    assert (connection.weight[0], connection.delay) == (0.5, 1)
    assert vecstim.pattern == [2, 6]


def test_user_mechanisms_compile_load_and_get_factories(tmp_path):
    (tmp_path / "twoweight.mod").write_text(TWO_WEIGHT_SYNAPSE)
    library = p.load_mechanisms(tmp_path)
    assert library.name == "libnrnmech.so"
    assert patch.is_point_process("TwoWeightSyn")
    synapse = p.TwoWeightSyn(p.Section(name="user_mechanism"))
    assert isinstance(synapse, PointProcess)
    connection = p.NetCon(p.NetStim(), synapse, weight=[0.3, 0.1])
    assert (connection.weight[0], connection.weight[1]) == (0.3, 0.1)
    with pytest.raises(ValueError, match="3 weights given, but the target takes 2"):
        p.NetCon(p.NetStim(), synapse, weight=[1, 2, 3])
    assert p.load_mechanisms(tmp_path) == library, "loading again changes nothing"


def test_bad_mechanism_folders(tmp_path):
    with pytest.raises(FileNotFoundError):
        p.load_mechanisms(tmp_path / "missing")
    with pytest.raises(ValueError, match="no .mod files"):
        p.load_mechanisms(tmp_path)
    (tmp_path / "broken.mod").write_text("NEURON { SUFFIX broken }\nNOT NMODL\n")
    with pytest.raises(MechanismError, match="compiling the mechanisms failed"):
        p.load_mechanisms(tmp_path)


def test_concurrent_first_use_by_several_processes(tmp_path):
    script = tmp_path / "first_use.py"
    script.write_text(
        textwrap.dedent(
            """
            from patch import p
            stimulus = p.VecStim(pattern=[1])
            print("ok", stimulus.pattern)
            """
        )
    )
    environment = dict(os.environ, PATCH_CACHE_DIR=str(tmp_path / "cache"))
    processes = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=environment,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "ok [1.0]" in out
    builds = list((tmp_path / "cache").rglob("libnrnmech.so"))
    assert len(builds) == 1
    leftovers = [path for path in (tmp_path / "cache").rglob(".building-*")]
    assert leftovers == []
