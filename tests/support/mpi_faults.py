"""MPI fault scenarios: each one is a script that goes wrong on one rank of two, and what
the job must do about it. `python tests/support/mpi_faults.py` runs them all under mpiexec and
prints the table in docs/reliability.md; tests/test_mpi_faults.py asserts it."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

RANKS = 2
TIMEOUT = 60
MPIEXEC = shutil.which("mpiexec", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


@dataclass(frozen=True)
class Fault:
    name: str
    code: str
    # Texts the output must contain (the failing rank and the cause); a clean scenario
    # (`fails=False`) must end with exit status 0 instead.
    expected: tuple[str, ...]
    fails: bool = True


FAULTS = [
    Fault(
        "uncaught Python exception on rank 1",
        """
        if p.parallel.id() == 1:
            raise ValueError("rank one failed on purpose")
        p.parallel.barrier()
        """,
        ("rank 1 stopped the parallel run", "rank one failed on purpose"),
    ),
    Fault(
        "uncaught HOC error on rank 1",
        """
        if p.parallel.id() == 1:
            p("x = = 1")
        p.parallel.barrier()
        """,
        ("rank 1 stopped the parallel run", "HocError", "syntax error"),
    ),
    Fault(
        "rank 1 ends its script early (sys.exit(0)) while rank 0 runs",
        """
        import sys
        if p.parallel.id() == 1:
            sys.exit(0)
        p.Section(name="soma")
        p.run(5)
        """,
        ("rank 1 reached the end of its script", "rank 0 called finitialize()"),
    ),
    Fault(
        "rank 1 vanishes (os._exit(3)) while rank 0 waits in a barrier",
        """
        import os, time
        if p.parallel.id() == 1:
            time.sleep(1)
            os._exit(3)
        p.parallel.barrier()
        """,
        (),
    ),
    Fault(
        "rank 1 is killed (SIGKILL) while rank 0 runs",
        """
        import os, signal
        if p.parallel.id() == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        p.Section(name="soma")
        p.run(5)
        """,
        ("signal 9",),
    ),
    Fault(
        "mismatched collectives: barrier on rank 0, broadcast on rank 1",
        """
        if p.parallel.id() == 1:
            p.parallel.broadcast({"a": 1})
        else:
            p.parallel.barrier()
        """,
        ("rank 0 called barrier()", "rank 1 called broadcast(root=0)"),
    ),
    Fault(
        "mismatched run lengths: p.run(10) on rank 0, p.run(5) on rank 1",
        """
        p.Section(name="soma")
        p.run(10 if p.parallel.id() == 0 else 5)
        """,
        ("rank 0 runs to t = 10 ms", "rank 1 runs to t = 5 ms"),
    ),
    Fault(
        "gather_spikes without spike_record on rank 0",
        """
        if p.parallel.id() == 1:
            p.parallel.spike_record()
        p.parallel.gather_spikes()
        """,
        ("rank 0 called gather_spikes() without spike_record()",),
    ),
    Fault(
        "a caught HOC error on rank 1 (the job goes on)",
        """
        from patch.exceptions import HocError
        if p.parallel.id() == 1:
            try:
                p("x = = 1")
            except HocError:
                pass
        p.parallel.barrier()
        print(f"finished on rank {p.parallel.id()}", flush=True)
        """,
        ("finished on rank 0", "finished on rank 1"),
        fails=False,
    ),
    Fault(
        "rank 0 works on alone after rank 1 finished (no false alarm)",
        """
        import time
        p.parallel.barrier()
        if p.parallel.id() == 0:
            time.sleep(3)
        print(f"finished on rank {p.parallel.id()}", flush=True)
        """,
        ("finished on rank 0", "finished on rank 1"),
        fails=False,
    ),
]


@dataclass(frozen=True)
class Outcome:
    exit_status: int
    seconds: float
    output: str
    leftover: str


def run_in_group(command, timeout, env=None):
    """Runs `command` in its own process group, output and errors together; a run past
    `timeout` kills the whole group. Returns (exit status, output, seconds, timed out)."""
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1", **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        timed_out = True
    return process.returncode, output, time.monotonic() - start, timed_out


def run(fault: Fault, folder: Path) -> Outcome:
    """Runs the scenario under mpiexec; a hang past TIMEOUT is killed (and shows up as the
    exit status of the kill)."""
    path = folder / f"fault_{FAULTS.index(fault)}.py"
    path.write_text("from patch import p\n" + textwrap.dedent(fault.code))
    command = [MPIEXEC, "-n", str(RANKS), sys.executable, str(path)]
    status, output, seconds, _ = run_in_group(command, TIMEOUT)
    leftover = subprocess.run(["pgrep", "-f", str(path)], capture_output=True, text=True)
    return Outcome(status, seconds, output, leftover.stdout.strip())


def first_patch_line(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("patch:") or "EXIT STRING" in line:
            return line.strip()
    return "(no message)"


def table() -> str:
    rows = [
        "| scenario (mpiexec -n 2) | exit status | seconds | processes left | first message |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        for fault in FAULTS:
            outcome = run(fault, Path(folder))
            message = first_patch_line(outcome.output).replace("|", "\\|")
            if len(message) > 160:
                message = message[:157] + "..."
            rows.append(
                f"| {fault.name} | {outcome.exit_status} | {outcome.seconds:.1f} | "
                f"{len(outcome.leftover.split())} | {message} |"
            )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
