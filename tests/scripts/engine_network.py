"""A small network run on the engine and thread count given on the command line:
``python engine_network.py ENGINE THREADS OUT [MECHANISMS]``, serially or under mpiexec;
each rank writes OUT.<rank>. With MECHANISMS (a folder holding EngineSyn.mod), the
synapses are the user's EngineSyn instead of ExpSyn.

Eight ball-and-stick cells in a ring wired by GID (cell i on rank i % ranks), a NetStim
and a VecStim driving synapses, and every kind of recording: a section, a Vector of a
dendrite's voltage, p.time, a NetStim's spike Vector and the spikes of every GID. The run
goes to 100 ms with p.run and on to 150 ms with p.continuerun."""

import json
import sys

from patch import p

CELLS = 8

engine, threads, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if len(sys.argv) > 4:
    p.load_mechanisms(sys.argv[4])
Synapse = p.EngineSyn if len(sys.argv) > 4 else p.ExpSyn
rank, ranks = int(p.parallel.id()), int(p.parallel.nhost())
cells = {}
for gid in range(rank, CELLS, ranks):
    soma = p.Section(name=f"soma{gid}")
    dendrite = p.Section(name=f"dendrite{gid}")
    dendrite.connect(soma)
    soma.L = soma.diam = 12.6
    dendrite.L, dendrite.diam, dendrite.nseg = 200, 1, 5
    soma.insert("hh")
    dendrite.insert("pas")
    synapse = Synapse(dendrite(0.5))
    synapse.tau = 2
    p.ParallelCon(soma, gid)
    cells[gid] = (soma, dendrite, synapse)
receivers = [
    p.ParallelCon((gid - 1) % CELLS, synapse, weight=0.05, delay=5)
    for gid, (_, _, synapse) in cells.items()
]
stimuli = {}
if 0 in cells:
    stimulus = p.NetStim()
    stimulus.number, stimulus.start, stimulus.interval = 3, 5, 40
    stimuli["netstim"] = (stimulus, p.NetCon(stimulus, cells[0][2], weight=0.1, delay=1))
if 5 in cells:
    pattern = p.VecStim(pattern=[30, 60, 90])
    stimuli["vecstim"] = (pattern, p.NetCon(pattern, cells[5][2], weight=0.1, delay=1))
somas = {gid: soma.record() for gid, (soma, _, _) in cells.items()}
dendrites = {gid: p.record(dendrite(0.5)) for gid, (_, dendrite, _) in cells.items()}
# A source with a GID records into spike_record's Vectors: a NetStim's own NetCon instead.
own_spikes = {name: p.NetCon(source, None).record() for name, (source, _) in stimuli.items()}
p.parallel.spike_record()
# CoreNEURON returns the spikes of GIDs only: the NetStim and VecStim get GIDs too.
p.assign_gids()

p.run(100, engine=engine, threads=threads, progress=True)
p.continuerun(150, engine=engine, threads=threads)

times, gids = p.parallel.gather_spikes()
result = {
    "time": list(p.time),
    "soma": {gid: list(vector) for gid, vector in somas.items()},
    "dendrite": {gid: list(vector) for gid, vector in dendrites.items()},
    "own_spikes": {name: list(vector) for name, vector in own_spikes.items()},
    "spikes": sorted(zip(map(float, times), map(int, gids), strict=True)),
}
with open(f"{out}.{rank}", "w") as file:
    json.dump(result, file)
