"""Engines: NEURON on one or more threads and CoreNEURON from one switch, with the check
that refuses, before anything runs, a model the chosen engine cannot run."""

import gc
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from mpi_faults import MPIEXEC, run_in_group

from patch import p
from patch.exceptions import EngineError

ROOT = Path(__file__).resolve().parent.parent
NETWORK = ROOT / "tests" / "scripts" / "engine_network.py"
CONFIGURATIONS = [("neuron", 1), ("neuron", 2), ("coreneuron", 1), ("coreneuron", 2)]

# A synapse of the user's, THREADSAFE, to be compiled for CoreNEURON as well.
ENGINE_SYNAPSE = """
NEURON {
    THREADSAFE
    POINT_PROCESS EngineSyn
    RANGE tau, e, i
    NONSPECIFIC_CURRENT i
}
PARAMETER { tau = 2 (ms) e = 0 (mV) }
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g * (v - e)
}
DERIVATIVE state { g' = -g / tau }
NET_RECEIVE (weight (uS)) { g = g + weight }
"""

# Assigns a GLOBAL during the run: nocmodl cannot make it thread safe.
NOT_THREAD_SAFE = """
NEURON {
    SUFFIX sharedleak
    NONSPECIFIC_CURRENT i
    GLOBAL last_g
}
PARAMETER { g = 0.0001 (S/cm2) e = -70 (mV) }
ASSIGNED { v (mV) i (mA/cm2) last_g }
BREAKPOINT {
    last_g = g
    i = g * (v - e)
}
"""


@pytest.fixture(autouse=True)
def without_earlier_models():
    """The check looks at every object NEURON has: the earlier tests' go first."""
    gc.collect()


def run_network(tmp_path, engine, threads, ranks=None, mechanisms=None, env=None):
    """The network script's results on every rank, merged."""
    out = tmp_path / f"{engine}-{threads}-{ranks or 1}"
    command = [sys.executable, str(NETWORK), engine, str(threads), str(out)]
    if mechanisms:
        command.append(str(mechanisms))
    if ranks:
        command = [MPIEXEC, "-n", str(ranks), *command]
    code, output, _, timed_out = run_in_group(command, 600, env)
    assert not timed_out and code == 0, output
    merged = {"soma": {}, "dendrite": {}, "own_spikes": {}, "output": output}
    for rank in range(ranks or 1):
        result = json.loads(Path(f"{out}.{rank}").read_text())
        for part in ("soma", "dendrite", "own_spikes"):
            merged[part].update(result[part])
        if rank == 0:
            merged["spikes"], merged["time"] = result["spikes"], result["time"]
    return merged


def assert_same_simulation(result, reference):
    assert len(reference["spikes"]) > 40, "the activity goes round the ring"
    assert result["spikes"] == reference["spikes"], "identical spike times"
    assert result["own_spikes"] == reference["own_spikes"]
    assert len(result["own_spikes"]["netstim"]) == 3 and len(result["own_spikes"]["vecstim"]) == 3
    assert np.array_equal(result["time"], reference["time"])
    assert sorted(result["soma"]) == [str(gid) for gid in range(8)]
    for part in ("soma", "dendrite"):
        for gid, trace in reference[part].items():
            assert len(result[part][gid]) == len(trace) == 6001
            assert np.max(np.abs(np.array(result[part][gid]) - trace)) < 1e-6


@pytest.fixture(scope="module")
def serial_reference(tmp_path_factory):
    return run_network(tmp_path_factory.mktemp("reference"), "neuron", 1)


@pytest.mark.parametrize("engine, threads", CONFIGURATIONS[1:])
def test_every_engine_gives_the_same_spikes_and_voltages(
    tmp_path, serial_reference, engine, threads
):
    result = run_network(tmp_path, engine, threads)
    assert_same_simulation(result, serial_reference)
    assert "simulating: 100%" in result["output"], "progress=True shows progress on every engine"


@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich)")
@pytest.mark.mpi
@pytest.mark.parametrize("engine, threads", CONFIGURATIONS)
def test_every_engine_on_two_ranks_gives_the_serial_simulation(
    tmp_path, serial_reference, engine, threads
):
    assert_same_simulation(run_network(tmp_path, engine, threads, ranks=2), serial_reference)


def test_the_users_mechanisms_are_compiled_for_coreneuron_too(tmp_path):
    mechanisms = tmp_path / "mechanisms"
    mechanisms.mkdir()
    (mechanisms / "EngineSyn.mod").write_text(ENGINE_SYNAPSE)
    reference = run_network(tmp_path, "neuron", 1, mechanisms=mechanisms)
    # As after `import neuron.nmodl`, which sets NMODLHOME where NMODL's units are not.
    home = Path(p.neuronhome())
    env = {"NMODLHOME": str(home)}
    result = run_network(tmp_path, "coreneuron", 2, mechanisms=mechanisms, env=env)
    assert_same_simulation(result, reference)


def refusal(run=lambda: p.run(5, engine="coreneuron")):
    """The EngineError of `run`, after checking that nothing ran."""
    p.finitialize(-65)
    with pytest.raises(EngineError) as caught:
        run()
    assert p.t == 0, "nothing ran"
    return str(caught.value)


def test_cvode_stops_coreneuron():
    section = p.Section(name="cvode_cell")
    p.cvode.active(1)
    try:
        message = refusal()
    finally:
        p.cvode.active(0)
    assert "CVODE" in message and "p.cvode.active(0)" in message
    assert section


# NEURON keeps the sparse solver it switches to for these (the check refuses threads and
# CoreNEURON after it): they run in a process of their own.
SPARSE_SOLVER_MODELS = """
from patch import p
from patch.exceptions import EngineError, HocError

def refusal(**engine):
    p.finitialize(-65)
    try:
        p.run(5, **engine)
    except EngineError as error:
        assert p.t == 0, "nothing ran"
        return str(error)
    raise AssertionError("not refused")

section = p.Section(name="extracellular_cell")
section.insert("extracellular")
print(refusal(engine="coreneuron"))
print(refusal(threads=2))
try:
    section.uninsert("extracellular")
except HocError as error:
    print("uninsert:", error)
del section
c, g, y, b = p.Matrix(1, 1), p.Matrix(1, 1), p.Vector(1), p.Vector(1)
mechanism = p.LinearMechanism(c, g, y, b)
print(refusal(engine="coreneuron"))
del mechanism
print(refusal(threads=2))
"""


def test_extracellular_and_linear_mechanisms_stop_coreneuron_and_threads(run_python):
    printed = run_python(SPARSE_SOLVER_MODELS)
    core, threads, linear, leftover = printed.split("the model cannot run")[1:]
    assert "extracellular_cell" in core and "CoreNEURON cannot simulate it" in core
    assert "extracellular_cell" in threads and "one thread only" in threads
    assert "LinearMechanism[0]" in linear and "adds its own equations" in linear
    assert "use_mxb" in leftover and "new process" in leftover
    assert "uninsert: NEURON cannot remove the extracellular mechanism" in printed


def test_a_voltage_source_without_a_gid_stops_coreneuron():
    source = p.Section(name="gidless_source")
    target = p.ExpSyn(p.Section(name="gidless_target"))
    connection = p.NetCon(source, target, delay=1)
    message = refusal()
    assert "gidless_source(0.5)" in message and "p.assign_gids()" in message
    assert connection


def test_recorded_spikes_of_a_netstim_without_a_gid_stop_coreneuron():
    stimulus = p.NetStim()
    spikes = p.NetCon(stimulus, None).record()
    message = refusal()
    assert stimulus.hname() in message and "spikes of GIDs only" in message
    assert spikes is not None


def test_python_callbacks_stop_coreneuron():
    stimulus = p.NetStim()
    p.ParallelCon(stimulus, 9_000_001)
    watcher = p.NetCon(stimulus, None)
    watcher.record(lambda: None)
    message = refusal()
    assert watcher.hname() in message and "never calls Python" in message
    p.parallel.gid_clear()


def test_a_mechanism_coreneuron_lacks_stops_it():
    counter = p.APCount(p.Section(name="counted"))
    message = refusal()
    assert "APCount" in message and "not compiled for CoreNEURON" in message
    assert counter


def test_delays_shorter_than_two_steps_stop_threads():
    stimulus = p.NetStim()
    connection = p.NetCon(stimulus, p.ExpSyn(p.Section(name="short_delay")), delay=0.03)
    message = refusal(lambda: p.run(5, threads=2))
    assert f"{connection.hname()} (0.03 ms)" in message and "at least 2 dt" in message


def test_a_mechanism_that_is_not_thread_safe_stops_threads(tmp_path):
    (tmp_path / "sharedleak.mod").write_text(NOT_THREAD_SAFE)
    p.load_mechanisms(tmp_path)
    # NEURON puts one such cell on the first thread; two cannot both be there.
    cells = [p.Section(name=f"shared_leak{i}").insert("sharedleak") for i in range(2)]
    with pytest.raises(EngineError, match="sharedleak is not thread safe.*threads=1"):
        p.run(5, threads=2)
    assert p.parallel.nthread() == 1, "the threads are put back"
    for cell in cells:
        cell.uninsert("sharedleak")


def test_the_thread_count_is_chosen_when_a_run_starts():
    section = p.Section(name="thread_count")
    p.run(1)
    with pytest.raises(EngineError, match="initialised with 1 thread.*p.run"):
        p.continuerun(2, threads=2)
    assert section


@pytest.mark.parametrize("engine", ["nest", "", 1, None.__class__])
def test_unknown_engines_are_refused(engine):
    with pytest.raises(ValueError, match='"neuron" or "coreneuron"'):
        p.run(1, engine=engine)


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "many", [2]])
def test_bad_thread_counts_are_refused(threads):
    with pytest.raises(ValueError, match="whole number from 1"):
        p.run(1, threads=threads)


def test_assign_gids_numbers_the_sources_coreneuron_needs(tmp_path):
    script = tmp_path / "assign.py"
    script.write_text(
        textwrap.dedent(
            """
            from patch import p
            cells = [p.Section(name=f"cell{i}") for i in range(3)]
            for cell in cells:
                cell.L = cell.diam = 12.6
                cell.insert("hh")
            p.ParallelCon(cells[2], 5)
            synapses = [p.ExpSyn(cell) for cell in cells]
            connections = [p.NetCon(cells[i], synapses[(i + 1) % 3], weight=0.1, delay=2)
                           for i in range(3)]
            stimulus = p.NetStim()
            stimulus.number, stimulus.start = 1, 10
            p.NetCon(stimulus, synapses[0], weight=0.1, delay=1)
            spikes = p.NetCon(stimulus, None).record()
            given = p.assign_gids()
            assert given == [6, 7, 8], given
            assert p.assign_gids() == [], "numbered once"
            voltage = cells[1].record()
            p.run(30, engine="coreneuron")
            print("spikes", list(spikes), "peak", max(voltage))
            """
        )
    )
    finished = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stderr
    assert "spikes [10.0] peak" in finished.stdout
    assert float(finished.stdout.split("peak")[1]) > 0, "the spike went round"


def test_a_model_the_check_passes_never_fails_inside_the_engine():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scripts" / "engine_models.py"), "19", "40"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    outcomes = [line.split()[0] for line in finished.stdout.splitlines()]
    assert len(outcomes) == 40
    assert outcomes.count("ran") >= 5 and outcomes.count("refused") >= 5, outcomes


def test_python_m_patch_info_says_which_engines_are_usable():
    finished = subprocess.run(
        [sys.executable, "-m", "patch", "info"], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    assert re.search(r"engine neuron\s+usable, threads=1\.\.\d", finished.stdout)
    assert re.search(r"engine coreneuron\s+usable", finished.stdout), finished.stdout


ONE_RANK_IN_THE_WAY = r"""
import sys
from patch import p
from patch.exceptions import EngineError, ParallelError
rank = int(p.parallel.id())
report = open(f"{sys.argv[1]}.{rank}", "w")
section = p.Section(name=f"cell_on_rank_{rank}")
if rank == 1:
    p.NetCon(section, p.ExpSyn(section), delay=1)
try:
    p.run(5, engine="coreneuron")
    report.write("ran\n")
except EngineError as error:
    report.write(f"refused: {error}\n")
try:
    p.run(5, engine="coreneuron" if rank == 0 else "neuron")
except ParallelError as error:
    report.write(f"disagreed: {error}\n")
"""


@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich)")
@pytest.mark.mpi
def test_under_mpi_every_rank_stops_when_one_is_in_the_way(tmp_path):
    script = tmp_path / "one_rank.py"
    script.write_text(ONE_RANK_IN_THE_WAY)
    code, output, _, timed_out = run_in_group(
        [MPIEXEC, "-n", "2", sys.executable, str(script), str(tmp_path / "report")], 300, None
    )
    assert not timed_out and code == 0, output
    for rank in (0, 1):
        report = (tmp_path / f"report.{rank}").read_text()
        assert "refused:" in report and "rank 1: NetCons watch" in report, report
        assert "cell_on_rank_1(0.5)" in report and "ran" not in report.split()
        assert "disagreed:" in report, report


def test_mechanisms_loaded_after_the_first_coreneuron_run_are_refused(tmp_path, run_python):
    mechanisms = tmp_path / "late"
    mechanisms.mkdir()
    (mechanisms / "EngineSyn.mod").write_text(ENGINE_SYNAPSE)
    printed = run_python(
        textwrap.dedent(
            f"""
            from patch import p
            from patch.exceptions import EngineError
            p.Section(name="first")
            p.run(1, engine="coreneuron")
            p.load_mechanisms({str(mechanisms)!r})
            p.EngineSyn(p.Section(name="second"))
            try:
                p.run(1, engine="coreneuron")
            except EngineError as error:
                print(error)
            p.run(1)
            print("NEURON's engine still runs:", p.t)
            """
        ),
        timeout=600,
    )
    assert "loaded after CoreNEURON first ran" in printed and "new process" in printed
    assert abs(float(printed.split("still runs:")[1]) - 1) < 1e-9
