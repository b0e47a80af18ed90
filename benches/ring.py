"""The ring network (examples/ring.py) at 2,000 cells for 100 ms: serial against 2 MPI
ranks, wall time of the whole run (start-up included), repeated and interleaved.

Usage: python benches/ring.py [cells] [repetitions]
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cells, ranks, output):
    command = [sys.executable, str(ROOT / "examples" / "ring.py"), str(cells), "100", output]
    if ranks > 1:
        bin_dir = Path(sys.executable).parent
        command = [
            shutil.which("mpiexec", path=f"{bin_dir}:{os.environ['PATH']}"),
            "-n",
            "2",
            *command,
        ]
    start = time.perf_counter()
    subprocess.run(
        command, check=True, capture_output=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1")
    )
    return time.perf_counter() - start


def main():
    cells = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    times = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as folder:
        for repetition in range(repetitions):
            for ranks in (1, 2) if repetition % 2 == 0 else (2, 1):
                times[ranks].append(run(cells, ranks, str(Path(folder) / f"ring{ranks}.npz")))
    serial, parallel = min(times[1]), min(times[2])
    print(f"ring of {cells} hh cells, 100 ms, {repetitions} runs each (wall s, min / median)")
    print(f"serial   {serial:6.2f} / {statistics.median(times[1]):6.2f}")
    print(f"2 ranks  {parallel:6.2f} / {statistics.median(times[2]):6.2f}")
    print(f"speed-up {serial / parallel:6.2f}x")


if __name__ == "__main__":
    main()
