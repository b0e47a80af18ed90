"""Patch's demo: a Hodgkin-Huxley cell with dendrites, and a 200-cell ring network run
serially and on 2 MPI ranks, plotted in one figure with `patch.plot`.

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

import patch.plot  # noqa: E402
from patch import p  # noqa: E402

HERE = Path(__file__).resolve().parent
RING_CELLS, RING_DURATION = 200, 300
# The ring's first cells, drawn large enough to see each spike.
ZOOM_CELLS = 12


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


def dendrite(name, parent, x, points, diameters):
    """A passive dendrite along `points` (µm), attached to `parent(x)`."""
    section = p.Section(name=name).insert("pas")
    section.add_3d(points, diameters)
    section.connect(parent(x))
    section.set_segments(9)
    # A cortical axial resistance: the dendrites are long enough to lag behind the soma.
    section.Ra = 150
    for segment in section:
        segment.pas.g = 1e-4
        segment.pas.e = -65
    return section


def build_cell():
    """An hh soma with an apical trunk branching in two and two basal dendrites; the dict
    holds every section, which NEURON deletes once nothing refers to it."""
    soma = p.Section(name="soma").insert("hh")
    soma.add_3d([[0, -10, 0], [0, 10, 0]], 20)
    trunk = dendrite("trunk", soma, 1, [[0, 10, 0], [3, 70, 0], [5, 130, 0]], [3, 2.5, 2])
    tufts = [
        dendrite(f"tuft_{side}", trunk, 1, [[5, 130, 0], [*middle, 5], [*tip, 10]], [1.5, 1.2, 1])
        for side, middle, tip in [
            ("left", (-50, 210), (-80, 290)),
            ("right", (60, 200), (100, 270)),
        ]
    ]
    basals = [
        dendrite(f"basal_{side}", soma, 0, [[0, -10, 0], [*middle, 0], [*tip, 0]], [1.5, 1, 0.8])
        for side, middle, tip in [
            ("left", (-60, -70), (-100, -140)),
            ("right", (50, -80), (70, -150)),
        ]
    ]
    return {"soma": soma, "trunk": trunk, "tufts": tufts, "basals": basals}


def simulate_cell(cell_axes, shape_axes):
    """Steps 0.3 nA into the soma: traces of the soma and a tuft tip, and the cell coloured
    by membrane potential at the peak of the first spike."""
    cell = build_cell()
    cell["soma"].iclamp(delay=5, duration=30, amplitude=0.3)
    at_soma = p.Vector().record(cell["soma"](0.5)._ref_v)
    at_tuft = p.Vector().record(cell["tufts"][0](1)._ref_v)
    # Patch runs at 32 degC by default; squid-axon hh kinetics are measured at 6.3 degC
    # and block above about 30 degC.
    p.celsius = 6.3
    p.dt = 0.025
    p.finitialize(-65)
    p.continuerun(40)
    patch.plot.trace(
        at_soma, at_tuft, ax=cell_axes, label=["soma", "tuft tip"], ylabel="membrane potential (mV)"
    )
    peak = float(np.asarray(p.time)[np.argmax(at_soma)])
    cell_axes.axvline(peak, color="0.5", linestyle="--", linewidth=1)
    cell_axes.set_title("hh cell with passive dendrites, 0.3 nA into the soma")
    # The same run again, stopped at the peak to read every segment's voltage.
    p.finitialize(-65)
    p.continuerun(peak)
    patch.plot.morphology(p.allsec(), ax=shape_axes, values="v", colorbar="membrane potential (mV)")
    shape_axes.set_title(f"The same cell at the spike's peak (t = {peak:g} ms, dashed)")


def plot_ring(full_axes, zoom_axes, serial, parallel):
    """The serial spikes as grey rings; the parallel ones as ticks coloured by the rank that
    simulated the cell (GIDs are dealt round-robin); the right panel zooms in."""
    for axes in (full_axes, zoom_axes):
        patch.plot.raster(
            serial["times"],
            serial["gids"],
            ax=axes,
            marker="o",
            s=36,
            facecolors="none",
            color="0.55",
            label="serial",
        )
    verdict = "serial only (no mpiexec)"
    if parallel is not None:
        ranks = int(parallel["ranks"])
        by_rank = {f"rank {rank}": range(rank, RING_CELLS, ranks) for rank in range(ranks)}
        for axes in (full_axes, zoom_axes):
            patch.plot.raster(
                parallel["times"], parallel["gids"], ax=axes, populations=by_rank, s=60
            )
        same = np.array_equal(serial["times"], parallel["times"]) and np.array_equal(
            serial["gids"], parallel["gids"]
        )
        verdict = f"serial and {ranks} ranks: {'identical' if same else 'DIFFERENT'} spikes"
        print(verdict)
    full_axes.set_title(f"{RING_CELLS}-cell ring, {verdict}")
    first = serial["gids"] < ZOOM_CELLS
    zoom_axes.set_xlim(0, serial["times"][first].max() + 2)
    zoom_axes.set_ylim(-0.7, ZOOM_CELLS - 0.3)
    zoom_axes.set_title(f"Its first {ZOOM_CELLS} cells")


def main():
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "demo.png")
    output.parent.mkdir(parents=True, exist_ok=True)
    serial = run_ring(str(output.with_name("ring-serial.npz")), 1)
    parallel = run_ring(str(output.with_name("ring-2-ranks.npz")), 2)

    figure, ((cell_axes, shape_axes), (ring_axes, zoom_axes)) = plt.subplots(
        2, 2, figsize=(13, 9.5)
    )
    simulate_cell(cell_axes, shape_axes)
    plot_ring(ring_axes, zoom_axes, serial, parallel)
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
