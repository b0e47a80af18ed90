"""A ring of hh cells wired by GID onto synapses that the user reaches only through
plug-in accessor objects (like glia's MechAccessor, which BSB uses: `__neuron__`,
`__ref__`, `__deref__`, nothing else), with every ParallelCon result dropped.

`python accessor_network.py neuron|patch senders-first|per-cell` prints the synaptic
currents and spike times as JSON. `neuron` is the same model in plain NEURON; `patch`
runs with whichever `patch` is installed (Patch, or nrn-patch 8.0.2 for comparison,
which only supports `senders-first`). `per-cell` builds each cell with its receivers
before the next cell's transmitter exists, so a receiver of the last GID comes first."""

import gc
import json
import sys
import weakref

CELLS = 4
mode, order = sys.argv[1], sys.argv[2]


class SynapseAccessor:
    """What a plug-in hands out for a synapse: the user keeps only this."""

    def __init__(self, section, point_process):
        self._section = weakref.proxy(section)
        self._point_process = point_process
        self._references = []

    def __neuron__(self):
        return self._point_process.__neuron__()

    def __ref__(self, other):
        self._references.append(other)

    def __deref__(self, other):
        self._references.remove(other)

    def __record__(self):
        return self._point_process.__neuron__()._ref_i

    @property
    def _connections(self):
        # nrn-patch 8 connects only objects with `_connections`; glia's accessor lends
        # its point process's.
        return self._point_process._connections


def build_with_patch():
    from patch import p

    p.celsius = 6.3
    cells = []

    def transmitter(cell, gid):
        p.ParallelCon(cell["soma"](0.5), gid, threshold=-10, delay=2)

    for gid in range(CELLS):
        soma = p.Section(name=f"soma{gid}")
        soma.L = soma.diam = 15
        soma.insert("hh")
        dend = p.Section(name=f"dend{gid}")
        dend.L, dend.diam, dend.nseg = 200, 1, 5
        dend.insert("pas")
        dend.connect(soma)
        synapse = SynapseAccessor(dend, p.ExpSyn(dend(0.7)))
        synapse.__neuron__().tau = 2
        dend.synapses = [synapse]  # the only reference the user keeps
        cell = {"soma": soma, "dend": dend, "gid": gid}
        cells.append(cell)
        if order == "per-cell":
            transmitter(cell, gid)
            p.ParallelCon((gid - 1) % CELLS, synapse, weight=0.05, delay=1)
    if order == "senders-first":
        for cell in cells:
            transmitter(cell, cell["gid"])
        for cell in cells:
            p.ParallelCon((cell["gid"] - 1) % CELLS, cell["dend"].synapses[0], weight=0.05, delay=1)
    stimulus = p.NetStim()
    stimulus.number, stimulus.start = 1, 5
    p.NetCon(stimulus, cells[0]["dend"].synapses[0], weight=0.1, delay=1)
    gc.collect()
    currents = [p.record(cell["dend"].synapses[0]) for cell in cells]
    times, gids = p.parallel.spike_record()
    p.finitialize(-65)
    p.parallel.psolve(100)
    return cells, stimulus, currents, (times, gids)


def build_with_neuron():
    from neuron import h

    h.load_file("stdrun.hoc")
    h.celsius = 6.3
    pc = h.ParallelContext()
    cells, kept = [], []
    for gid in range(CELLS):
        soma = h.Section(name=f"soma{gid}")
        soma.L = soma.diam = 15
        soma.insert("hh")
        dend = h.Section(name=f"dend{gid}")
        dend.L, dend.diam, dend.nseg = 200, 1, 5
        dend.insert("pas")
        dend.connect(soma)
        synapse = h.ExpSyn(dend(0.7))
        synapse.tau = 2
        cells.append({"soma": soma, "dend": dend, "synapse": synapse})
    for gid, cell in enumerate(cells):
        detector = h.NetCon(cell["soma"](0.5)._ref_v, None, sec=cell["soma"])
        detector.threshold, detector.delay = -10, 2
        pc.set_gid2node(gid, pc.id())
        pc.cell(gid, detector)
        pc.outputcell(gid)
        kept.append(detector)
    for gid, cell in enumerate(cells):
        receiver = pc.gid_connect((gid - 1) % CELLS, cell["synapse"])
        receiver.weight[0], receiver.delay = 0.05, 1
        kept.append(receiver)
    stimulus = h.NetStim()
    stimulus.number, stimulus.start = 1, 5
    drive = h.NetCon(stimulus, cells[0]["synapse"])
    drive.weight[0], drive.delay = 0.1, 1
    currents = [h.Vector().record(cell["synapse"]._ref_i) for cell in cells]
    times, gids = h.Vector(), h.Vector()
    pc.spike_record(-1, times, gids)
    pc.set_maxstep(10)
    h.finitialize(-65)
    pc.psolve(100)
    return cells, kept, stimulus, drive, currents, (times, gids)


built = build_with_patch() if mode == "patch" else build_with_neuron()
currents, (times, gids) = built[-2], built[-1]
print(
    json.dumps(
        {
            "currents": [list(current) for current in currents],
            "spikes": sorted(zip(list(times), list(gids), strict=True)),
        }
    )
)
