"""A ring of Hodgkin-Huxley cells, each exciting the next; GIDs are spread round-robin over
the MPI ranks. Run it serially (`python examples/ring.py`) or in parallel
(`mpiexec -n 2 python examples/ring.py`): the spikes are the same.

Usage: python examples/ring.py [cells] [duration_ms] [output.npz]
"""

import sys
import time

import numpy as np

from patch import p


def build_ring(cells):
    """Makes this rank's cells of the ring and wires every cell to the next by GID."""
    rank, ranks = p.parallel.id(), p.parallel.nhost()
    mine = {}
    for gid in range(rank, cells, ranks):
        soma = p.Section(name=f"cell{gid}").insert("hh")
        soma.set_dimensions(20, 20)
        synapse = p.ExpSyn(soma, tau=2)
        p.ParallelCon(soma, gid, threshold=-10)
        mine[gid] = (soma, synapse)
    for gid, (_, synapse) in mine.items():
        p.ParallelCon((gid - 1) % cells, synapse, weight=0.05, delay=1)
    if 0 in mine:
        stimulus = mine[0][1].stimulate(start=1, number=1, weight=0.1)
        mine[0] = (*mine[0], stimulus)
    return mine


def main():
    cells = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    duration = float(sys.argv[2]) if len(sys.argv) > 2 else 100
    output = sys.argv[3] if len(sys.argv) > 3 else None
    p.celsius = 6.3
    started = time.perf_counter()
    ring = build_ring(cells)
    built = time.perf_counter()
    p.parallel.spike_record()
    p.run(duration)
    ran = time.perf_counter()
    spikes = p.parallel.gather_spikes()
    if p.parallel.id() == 0:
        times, gids = spikes
        print(
            f"{p.parallel.nhost()} rank(s): {cells} cells, {cells} connections, "
            f"{len(times)} spikes in {duration:g} ms; "
            f"built in {built - started:.2f} s, ran in {ran - built:.2f} s"
        )
        if output:
            np.savez(output, times=times, gids=gids, ranks=p.parallel.nhost())
    del ring
    p.parallel.barrier()


if __name__ == "__main__":
    main()
