"""MPI: real mpiexec ranks as subprocesses, checked by what they write."""

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from mpi_faults import MPIEXEC, run_in_group

from patch import p
from patch.exceptions import ParallelConnectError

ROOT = Path(__file__).resolve().parent.parent
needs_mpi = pytest.mark.skipif(
    MPIEXEC is None, reason="no mpiexec (pip install mpich, Patch's mpi extra)"
)


def launch(arguments, ranks=None, timeout=180, env=None):
    """Runs Python (under mpiexec with `ranks`) in its own process group; returns
    (exit code, output, seconds). A hang kills the whole group."""
    command = [sys.executable, *arguments]
    if ranks:
        command = [MPIEXEC, "-n", str(ranks), *command]
    code, out, seconds, timed_out = run_in_group(command, timeout, env)
    if timed_out:
        raise TimeoutError(f"{command} ran over {timeout} s:\n{out}")
    return code, out, seconds


def script(tmp_path, code):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(code))
    return str(path)


def ring(tmp_path, ranks, cells=200):
    output = tmp_path / f"ring-{ranks or 1}.npz"
    code, out, _ = launch(
        [str(ROOT / "examples" / "ring.py"), str(cells), "100", str(output)], ranks
    )
    assert code == 0, out
    assert output.exists(), out
    return np.load(output)


@needs_mpi
@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [2, 4])
def test_a_ring_gives_the_same_spikes_on_any_number_of_ranks(tmp_path, ranks):
    serial = ring(tmp_path, None)
    parallel = ring(tmp_path, ranks)
    assert int(parallel["ranks"]) == ranks, "NEURON saw every rank"
    assert len(serial["times"]) > 50, "the activity goes round the ring"
    assert set(serial["gids"]) == set(range(200)) or len(set(serial["gids"])) > 50
    assert np.array_equal(serial["times"], parallel["times"])
    assert np.array_equal(serial["gids"], parallel["gids"])


BROADCAST = """
import pickle, sys
import numpy as np
from patch import p
from patch.exceptions import BroadcastError
rank = p.parallel.id()
results = []
data = {"a": 1, "rank": 0} if rank == 0 else None
results.append(p.parallel.broadcast(data) == {"a": 1, "rank": 0})
array = np.arange(5.0) if rank == 1 else None
results.append(np.array_equal(p.parallel.broadcast(array, root=1), np.arange(5.0)))
vector = p.Vector([1, 2, 3]) if rank == 0 else p.Vector()
filled = p.parallel.broadcast(vector)
results.append(filled is vector and list(vector) == [1, 2, 3])
for bad in [p.List(), lambda: None]:
    try:
        p.parallel.broadcast(bad if rank == 0 else None)
        results.append(False)
    except BroadcastError as error:
        results.append("broadcast" in str(error))
with open(sys.argv[1] + f".{rank}", "w") as out:
    out.write(repr(results))
p.parallel.barrier()
"""


@needs_mpi
@pytest.mark.mpi
def test_broadcast_of_dicts_arrays_and_vectors_and_its_failures(tmp_path):
    code, out, _ = launch([script(tmp_path, BROADCAST), str(tmp_path / "result")], 2)
    assert code == 0, out
    for rank in range(2):
        assert (tmp_path / f"result.{rank}").read_text() == repr([True] * 5), out


@needs_mpi
@pytest.mark.mpi
def test_a_launcher_whose_ranks_neuron_cannot_see_is_a_parallel_error(tmp_path):
    check = script(tmp_path, "import patch\nprint('imported')\n")
    code, out, _ = launch(
        [check], 2, timeout=60, env={"NEURON_INIT_MPI": "0", "MPI_LIB_NRN_PATH": "/nonexistent"}
    )
    assert code != 0
    assert "imported" not in out
    assert out.count("ParallelError") >= 2 and "NEURON sees 1" in out


def test_a_serial_run_never_loads_mpi(tmp_path):
    code, out, _ = launch(
        [
            script(
                tmp_path,
                """
                from patch import p
                p.Section(name="serial")
                p.parallel.spike_record()
                p.run(5)
                maps = open("/proc/self/maps").read()
                print("mpi loaded" if "libmpi" in maps else "no mpi", p.parallel.nhost())
                """,
            )
        ]
    )
    assert code == 0, out
    assert "no mpi 1" in out


def test_parallelcon_needs_exactly_one_gid():
    section = p.Section(name="pcon")
    synapse = p.ExpSyn(section)
    with pytest.raises(ParallelConnectError, match="exactly one integer GID"):
        p.ParallelCon(section, synapse)
    with pytest.raises(ParallelConnectError, match="exactly one integer GID"):
        p.ParallelCon(1, 2)
    with pytest.raises(ParallelConnectError, match="0 or more"):
        p.ParallelCon(section, -3)
    # nrn-patch 8 took a receiver's third value as `output` and ignored the fourth.
    with pytest.warns(UserWarning, match="ignores the positional values"):
        receiver = p.ParallelCon(1000, synapse, 5, 1)
    assert receiver.gid == 1000
    assert (receiver.weight[0], receiver.delay) == (0.1, 1)


def test_parallelcon_transmits_and_receives_serially():
    source = p.Section(name="pcon_source").insert("hh")
    target = p.Section(name="pcon_target")
    synapse = p.ExpSyn(target)
    transmitter = p.ParallelCon(source, 2001)
    assert transmitter.threshold == -20
    with pytest.raises(ParallelConnectError, match="already has a transmitter"):
        p.ParallelCon(p.Section(name="pcon_other"), 2001)
    receiver = p.ParallelCon(2001, synapse, weight=0.3, delay=2)
    assert (receiver.weight[0], receiver.delay) == (0.3, 2)
    with pytest.raises(ParallelConnectError, match="transmitting"):
        receiver.threshold = 0
    with pytest.raises(ParallelConnectError, match="threshold"):
        p.ParallelCon(2001, synapse, threshold=5)
    with pytest.raises(ParallelConnectError, match="cannot receive"):
        p.ParallelCon(2001, target)
    second = p.ParallelCon(2001, p.ExpSyn(target))
    assert second is not receiver, "several receivers of one GID"


def test_bulk_gid_wiring():
    cells = [p.Section(name=f"bulk_gid_{i}").insert("hh") for i in range(3)]
    for gid, cell in zip(range(3000, 3003), cells, strict=True):
        p.ParallelCon(cell, gid)
    synapses = p.ExpSyn.many(cells)
    receivers = p.parallel.connect_gids([3002, 3000, 3001], synapses, weight=[0.1, 0.2, 0.3])
    assert len(receivers) == 3
    assert receivers.get("weight").tolist() == [0.1, 0.2, 0.3]
    assert receivers.get("delay").tolist() == [1, 1, 1]
    with pytest.raises(ParallelConnectError, match="0 or more"):
        p.parallel.connect_gids([-1], synapses[:1])


def test_parallel_context_is_one_object():
    assert p.parallel is p.ParallelContext() is p.parallel
    assert p.parallel.nhost() == 1 and p.parallel.id() == 0
    assert p.parallel.broadcast({"x": 1}) == {"x": 1}


SEVERAL = """
import sys
from patch import p
p.celsius = 6.3
rank = p.parallel.id()
keep = []
if rank == 0:
    soma = p.Section(name="source").insert("hh")
    soma.set_dimensions(20, 20)
    keep += [p.ParallelCon(soma, gid) for gid in (10, 11, 12)]
    keep.append(soma.iclamp(delay=1, duration=2, amplitude=1))
else:
    cell = p.Section(name="receiver")
    synapses = [p.ExpSyn(cell) for _ in range(4)]
    for gid, synapse in zip((10, 11, 12, 11), synapses):
        keep.append(p.ParallelCon(gid, synapse, weight=0.01))
    keep += [p.NetCon(synapse, None) for synapse in synapses]
    currents = [p.record(synapse) for synapse in synapses]
p.parallel.spike_record()
p.run(10)
spikes = p.parallel.gather_spikes()
received = None if rank == 0 else [round(min(current), 6) < 0 for current in currents]
everything = p.parallel.py_gather((spikes, received), 0)
if rank == 0:
    (times, gids), _ = everything[0]
    with open(sys.argv[1], "w") as out:
        out.write(repr((times.tolist(), gids.tolist(), everything[1][1])))
"""


@needs_mpi
@pytest.mark.mpi
def test_several_transmitters_on_one_section_and_several_receivers_of_one_gid(tmp_path):
    result = tmp_path / "several.txt"
    code, out, _ = launch([script(tmp_path, SEVERAL), str(result)], 2)
    assert code == 0, out
    times, gids, received = eval(result.read_text())
    assert gids == [10, 11, 12]
    assert len(set(times)) == 1, "every GID of the one source fires with it"
    assert received == [True, True, True, True], "no spike is dropped"


GAP_JUNCTIONS = """
import json, sys
from pathlib import Path
from patch import p
p.load_mechanisms(Path(sys.argv[2]))
rank, ranks = p.parallel.id(), p.parallel.nhost()
cells = {}
for index in range(2):
    if index % ranks != rank:
        continue
    cell = p.Section(name=f"cell{index}").insert("hh")
    cell.set_dimensions(20, 20)
    gap = p.PatchTestGap(cell)
    p.parallel.source_var(cell(0.5).__neuron__()._ref_v, index, sec=cell.__neuron__())
    p.parallel.target_var(gap.__neuron__(), gap.__neuron__()._ref_vgap, 1 - index)
    cells[index] = (cell, gap, cell.record())
if 0 in cells:
    cells[0] += (cells[0][0].iclamp(delay=2, duration=20, amplitude=0.5),)
p.run(30)
mine = {index: list(cell[2]) for index, cell in cells.items()}
everything = p.parallel.py_gather(mine, 0)
if rank == 0:
    merged = {k: v for part in everything for k, v in part.items()}
    Path(sys.argv[1]).write_text(json.dumps(merged))
"""


@needs_mpi
@pytest.mark.mpi
def test_gap_junctions_between_ranks_give_the_serial_voltages(tmp_path):
    code_file = script(tmp_path, GAP_JUNCTIONS)
    mechanisms = str(ROOT / "tests" / "mod" / "gap")
    serial_out, parallel_out = tmp_path / "serial.json", tmp_path / "parallel.json"
    code, out, _ = launch([code_file, str(serial_out), mechanisms])
    assert code == 0, out
    code, out, _ = launch([code_file, str(parallel_out), mechanisms], 2)
    assert code == 0, out
    serial = json.loads(serial_out.read_text())
    parallel = json.loads(parallel_out.read_text())
    driven, coupled = np.array(serial["1"]), np.array(parallel["1"])
    assert np.ptp(driven) > 5, "the gap junction carries the driven cell's activity over"
    assert np.max(np.abs(driven - coupled)) <= 1e-9
    assert np.max(np.abs(np.array(serial["0"]) - np.array(parallel["0"]))) <= 1e-9


PER_CELL_RING = """
import sys
from patch import p
p.celsius = 6.3
rank, ranks = p.parallel.id(), p.parallel.nhost()
cells = {}
times, gids = p.parallel.spike_record()  # before any GID exists: all are recorded
for gid in range(6):
    if gid % ranks != rank:
        continue
    # Natural per-cell order: each cell's receiver first, then its transmitter, so a
    # receiver can come before its sender on the same rank (cell 0 receives GID 5).
    soma = p.Section(name=f"cell{gid}").insert("hh")
    soma.set_dimensions(20, 20)
    synapse = p.ExpSyn(soma)
    p.ParallelCon((gid - 1) % 6, synapse, weight=0.05, delay=2)
    p.ParallelCon(soma, gid, threshold=-10)
    cells[gid] = soma
if 0 in cells:
    cells[0].synapses = [p.ExpSyn(cells[0])]
    cells[0].synapses[0].stimulate(start=1, number=1, weight=0.5)
p.run(60)
times, gids = p.parallel.gather_spikes()  # unpacks on every rank
if rank == 0:
    with open(sys.argv[1], "w") as out:
        out.write(repr((times.tolist(), gids.tolist())))
else:
    assert len(times) == len(gids) == 0
"""


@needs_mpi
@pytest.mark.mpi
def test_gids_wired_cell_by_cell_give_the_serial_spikes_on_two_ranks(tmp_path):
    code_file = script(tmp_path, PER_CELL_RING)
    serial_out, parallel_out = tmp_path / "serial.txt", tmp_path / "parallel.txt"
    code, out, _ = launch([code_file, str(serial_out)])
    assert code == 0, out
    code, out, _ = launch([code_file, str(parallel_out)], 2)
    assert code == 0, out
    serial_times, serial_gids = eval(serial_out.read_text())
    assert sorted(set(serial_gids)) == list(range(6)), "the activity goes round the ring"
    assert eval(parallel_out.read_text()) == (serial_times, serial_gids)
