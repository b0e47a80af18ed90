"""Ctrl-C stops a run within about a second, at a consistent time, with KeyboardInterrupt;
`p.continuerun` then goes on; under MPI every rank stops at the same time, whichever
rank was interrupted. Real signals sent to real processes."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from mpi_faults import MPIEXEC

# A model slow enough that a run of 100 s of simulated time takes minutes.
RUNNER = """
import os, time
from pathlib import Path
from patch import p
rank = int(p.parallel.id()) if {parallel} else 0
report = open(f"report-{{rank}}.txt", "w", buffering=1)
cells = [p.Section(name=f"c{{i}}").insert("hh") for i in range(200)]
for cell in cells:
    cell.nseg = 5
cells[0].iclamp(delay=1, duration=1e9, amplitude=0.2)
voltage = cells[0].record()
Path(f"running-{{rank}}").write_text(str(os.getpid()))
started = time.perf_counter()
try:
    p.run(100_000)
    print("finished", file=report)
except KeyboardInterrupt as error:
    print("interrupted", time.perf_counter() - started, p.t, len(voltage), repr(error), file=report)
stopped = p.t
p.continuerun(stopped + 5)
print("resumed", stopped, p.t, len(voltage), file=report)
"""


def start(tmp_path, ranks=None):
    """Starts the runner (under mpiexec with `ranks`); returns the process and each
    rank's process id, once every rank runs."""
    path = tmp_path / "runner.py"
    path.write_text(textwrap.dedent(RUNNER.format(parallel=bool(ranks))))
    command = [sys.executable, str(path)]
    if ranks:
        command = [MPIEXEC, "-n", str(ranks), *command]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
    )
    markers = [tmp_path / f"running-{rank}" for rank in range(ranks or 1)]
    deadline = time.monotonic() + 120
    while not all(marker.exists() and marker.read_text() for marker in markers):
        assert process.poll() is None, "the runner stopped before running"
        assert time.monotonic() < deadline, "the runner never started running"
        time.sleep(0.05)
    return process, {rank: int(marker.read_text()) for rank, marker in enumerate(markers)}


def reports(tmp_path, ranks=1):
    """Each rank's report: its lines by first word."""
    return [
        {line.split()[0]: line.split()[1:] for line in (tmp_path / f"report-{rank}.txt").open()}
        for rank in range(ranks)
    ]


def test_ctrl_c_stops_a_run_which_continuerun_resumes(tmp_path):
    process, pids = start(tmp_path)
    time.sleep(1.5)
    sent = time.perf_counter()
    os.kill(pids[0], signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0
    [report] = reports(tmp_path)
    interrupted = report["interrupted"]
    assert float(interrupted[0]) < 60, "the run stopped long before its end"
    assert time.perf_counter() - sent < 5, "within about a second (and the resumed 5 ms)"
    stopped_at, samples = float(interrupted[1]), int(interrupted[2])
    assert 0 < stopped_at < 100_000
    assert samples == round(stopped_at / 0.025) + 1, "recorded up to the stop, not beyond"
    resumed = report["resumed"]
    assert float(resumed[1]) == pytest.approx(stopped_at + 5)
    assert int(resumed[2]) == samples + 200, "the recording goes on where it stopped"


def test_a_run_in_pieces_gives_the_same_voltages(run_python):
    # One continuerun and Patch's pieces take the same steps.
    code = """
import json
from neuron import h
from patch import p
cell = p.Section(name="cell").insert("hh")
cell.L = cell.diam = 20
cell.iclamp(delay=1, duration=50, amplitude=0.3)
recording = cell.record()
p.run(200)
pieces = list(recording)
h.finitialize(-65)
h.continuerun(200)
print("RESULT", json.dumps([pieces, list(recording)]))
"""
    out = run_python(code)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    pieces, whole = (np.array(trace) for trace in json.loads(line[len("RESULT ") :]))
    assert len(pieces) == len(whole) == 8001
    assert np.ptp(whole) > 20, "the cell responds"
    assert np.array_equal(pieces, whole)


@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich)")
@pytest.mark.mpi
def test_ctrl_c_on_one_rank_stops_every_rank_at_the_same_time(tmp_path):
    process, pids = start(tmp_path, ranks=2)
    time.sleep(1.5)
    os.kill(pids[1], signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0
    first, second = reports(tmp_path, ranks=2)
    assert first["interrupted"][1] == second["interrupted"][1], "both stopped at one time"
    assert "another rank was interrupted" in " ".join(first["interrupted"])
    assert "another rank" not in " ".join(second["interrupted"]), "rank 1 got the Ctrl-C"
    assert first["resumed"][:2] == second["resumed"][:2], "and went on together"
