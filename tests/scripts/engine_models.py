"""Random small models on random engines: each run either goes through or is refused by
Patch's check with EngineError before it starts; anything else (a HOC error from inside
the engine, a crash) is a failure. ``python engine_models.py SEED COUNT`` prints one line
per model: "ran" or "refused"."""

import gc
import random
import sys

from patch import p
from patch.exceptions import EngineError

seed, count = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
p.celsius = 6.3


def model(rng):
    """A few cells, wired with and without GIDs, with some of what stops an engine."""
    kept = []
    cells = []
    for index in range(rng.randint(1, 4)):
        soma = p.Section(name=f"cell{index}")
        soma.L = soma.diam = 12.6
        soma.insert("hh")
        if rng.random() < 0.1:
            soma.insert("extracellular")
        synapse = p.ExpSyn(soma)
        cells.append((soma, synapse))
        if rng.random() < 0.6:
            p.ParallelCon(soma, index)
    for index, (soma, _) in enumerate(cells):
        target = cells[(index + 1) % len(cells)][1]
        delay = rng.choice([0, 0.03, 1, 5])
        kept.append(p.NetCon(soma, target, weight=0.05, delay=delay))
    stimulus = p.NetStim()
    stimulus.number, stimulus.start = 2, 1
    kept.append(p.NetCon(stimulus, cells[0][1], weight=0.1, delay=rng.choice([0, 1])))
    if rng.random() < 0.3:
        kept.append(p.NetCon(stimulus, None).record())
    if rng.random() < 0.1:
        kept.append(p.APCount(cells[0][0]))
    if rng.random() < 0.1:
        watcher = p.NetCon(stimulus, None)
        watcher.record(lambda: None)
        kept.append(watcher)
    if rng.random() < 0.2:
        p.assign_gids()
    kept.append(cells[-1][0].record())
    return cells, stimulus, kept


for _ in range(count):
    built = model(rng)
    engine = rng.choice(["neuron", "coreneuron"])
    threads = rng.choice([1, 2])
    p.cvode.active(int(rng.random() < 0.1))
    try:
        p.run(20, engine=engine, threads=threads)
        print("ran", engine, threads, flush=True)
    except EngineError:
        print("refused", engine, threads, flush=True)
    p.cvode.active(0)
    p.parallel.nthread(1)  # threads stay as a run chose them: each model starts on one
    p.parallel.gid_clear()
    del built
    gc.collect()
