"""A ring of cells (hh soma, passive dendrite), each exciting the next; GIDs are spread
round-robin over the MPI ranks. Run it serially (`python examples/ring.py`) or in parallel
(`mpiexec -n 2 python examples/ring.py`): the spikes are the same.

Usage: python examples/ring.py [cells] [duration_ms] [output.npz]
"""

import sys
import time

import numpy as np

from patch import p


def build_ring(cells):
    """Makes this rank's cells (an hh soma and a passive 5-segment dendrite each) and wires
    every cell's soma to a synapse on the next cell's dendrite, by GID."""
    rank, ranks = p.parallel.id(), p.parallel.nhost()
    mine = {}
    for gid in range(rank, cells, ranks):
        soma = p.Section(name=f"soma{gid}").insert("hh")
        soma.set_dimensions(20, 20)
        dendrite = p.Section(name=f"dendrite{gid}").insert("pas")
        dendrite.set_dimensions(100, 2)
        dendrite.set_segments(5)
        dendrite.connect(soma)
        p.ParallelCon(soma, gid, threshold=-10)
        mine[gid] = (soma, dendrite)
    gids = sorted(mine)
    # In bulk, through the Rust core: one synapse per dendrite, one receiver per synapse.
    synapses = p.ExpSyn.many([mine[gid][1](0.5) for gid in gids], tau=2)
    previous = [(gid - 1) % cells for gid in gids]
    receivers = p.parallel.connect_gids(previous, synapses, weight=0.05, delay=1)
    stimulus = synapses[0].stimulate(start=1, number=1, weight=0.1) if 0 in mine else None
    return mine, synapses, receivers, stimulus


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
            f"{p.parallel.nhost()} rank(s): {cells} cells, {cells + 1} connections, "
            f"{len(times)} spikes in {duration:g} ms; "
            f"built in {built - started:.2f} s, ran in {ran - built:.2f} s"
        )
        if output:
            np.savez(output, times=times, gids=gids, ranks=p.parallel.nhost())
    del ring
    p.parallel.barrier()


if __name__ == "__main__":
    main()
