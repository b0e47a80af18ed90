"""Patch's demo: a Hodgkin-Huxley cell, and a 200-cell ring network run serially and on
2 MPI ranks, plotted in one figure.

Usage: python examples/demo.py [output.png]
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
RING_CELLS, RING_DURATION = 200, 300


def run_ring(output, ranks):
    """Runs examples/ring.py (under mpiexec for more than one rank); returns its spikes."""
    command = [sys.executable, str(HERE / "ring.py"), str(RING_CELLS), str(RING_DURATION), output]
    if ranks > 1:
        mpiexec = shutil.which(
            "mpiexec", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}"
        )
        if mpiexec is None:
            print("mpiexec not found (pip install mpich): skipping the parallel run")
            return None
        command = [mpiexec, "-n", str(ranks), *command]
    subprocess.run(command, check=True, timeout=300)
    return np.load(output)


def main():
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "demo.png")
    output.parent.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    from single_cell import simulate

    time, voltage = simulate()
    serial = run_ring(str(output.with_name("ring-serial.npz")), 1)
    parallel = run_ring(str(output.with_name("ring-2-ranks.npz")), 2)

    figure, (cell_axes, ring_axes) = plt.subplots(1, 2, figsize=(13, 4.5))
    cell_axes.plot(time, voltage)
    cell_axes.set(xlabel="time (ms)", ylabel="membrane potential (mV)", title="One hh cell, 0.3 nA")
    ring_axes.scatter(serial["times"], serial["gids"], s=14, marker="|", label="serial")
    title = f"{RING_CELLS}-cell ring"
    if parallel is not None:
        ring_axes.scatter(
            parallel["times"],
            parallel["gids"],
            s=40,
            marker="o",
            facecolors="none",
            edgecolors="tab:orange",
            label=f"{int(parallel['ranks'])} MPI ranks",
        )
        same = np.array_equal(serial["times"], parallel["times"]) and np.array_equal(
            serial["gids"], parallel["gids"]
        )
        title += ": identical spikes" if same else ": SPIKES DIFFER"
        verdict = "identical" if same else "different"
        print(f"serial and {int(parallel['ranks'])} ranks: {verdict} spikes")
    ring_axes.set(xlabel="time (ms)", ylabel="cell (GID)", title=title)
    ring_axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
