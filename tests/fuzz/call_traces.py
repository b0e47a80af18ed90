"""Random traces of public calls, replayed in fresh processes with glibc's MALLOC_PERTURB_
(freed memory is overwritten, so a use after free crashes at once instead of sometimes).
A crashing trace is saved as JSON, to replay or to shrink by hand.

Usage: python tests/fuzz/call_traces.py FIRST_SEED COUNT [LENGTH]   (make fuzz-traces)
       python tests/fuzz/call_traces.py --replay TRACE.json
"""

import gc
import json
import os
import random
import subprocess
import sys
from pathlib import Path

KINDS = [
    # (kind, weight)
    ("section", 20),
    ("segment", 10),
    ("record", 10),
    ("synapse", 10),
    ("connect", 5),
    ("delete", 5),
    ("forget", 15),
    ("run", 5),
    ("clamp", 5),
    ("netcon", 5),
    ("resegment", 3),
    ("netcon_from_segment", 3),
    ("record_spikes", 2),
    ("continue", 2),
    ("bulk_synapses", 3),
    ("bulk_netcons", 3),
    ("bulk_parameters", 3),
    ("drop_bulk", 2),
    ("remove", 3),
    ("point_processes", 2),
    ("membrane", 5),
]


def generate(seed, length):
    """A trace: calls with the random numbers they need, independent of what succeeds."""
    rng = random.Random(seed)
    kinds = [kind for kind, weight in KINDS for _ in range(weight)]
    number = lambda: rng.randrange(10**6)  # noqa: E731
    trace = []
    for _ in range(length):
        kind = rng.choice(kinds)
        x = rng.choice([0.0, 1.0, rng.random()])
        trace.append([kind, number(), number(), x, rng.randint(1, 7), rng.random() < 0.5])
    return trace


def replay(trace):
    from neuron import h

    from patch import p

    pool = []

    def pick(index):
        return pool[index % len(pool)]

    for kind, first, second, x, count, flag in trace:
        try:
            if kind == "section" or not pool:
                section = p.Section(name="traced")
                if flag:
                    section.insert("hh")
                pool.append(section)
            elif kind == "segment":
                pool.append(pick(first)(x))
            elif kind == "record":
                pick(first).record(x)
            elif kind == "synapse":
                pool.append(p.ExpSyn(pick(first)))
            elif kind == "connect":
                pick(first).connect(pick(second))
            elif kind == "delete":
                pick(first).push()
                h.delete_section()
                if flag:
                    h.pop_section()
            elif kind == "forget":
                for _ in range(count % 4):
                    if pool:
                        pool.pop(first % len(pool))
                gc.collect()
            elif kind == "run":
                p.run(0.2)
            elif kind == "clamp":
                pick(first).iclamp(amplitude=0.1)
            elif kind == "netcon":
                pool.append(p.NetCon(pick(first), pick(second)))
            elif kind == "resegment":
                pick(first).nseg = count
            elif kind == "netcon_from_segment":
                pool.append(p.NetCon(pick(first)(x), pick(second)))
            elif kind == "record_spikes":
                pick(first).record()
            elif kind == "continue":
                p.continuerun(p.t + 0.2)
            elif kind == "bulk_synapses":
                places = (pick(first + i)(x) for i in range(count))
                pool.append(p.ExpSyn.many(places))
            elif kind == "bulk_netcons":
                stimuli = p.NetStim.many(count, number=5, interval=0.1, start=0)
                pool.append(p.NetCons(stimuli, [pick(first + i) for i in range(count)]))
            elif kind == "bulk_parameters":
                pick(first).set("tau", x + 0.1) if flag else pick(first).get("tau")
            elif kind == "remove":
                pick(first).remove()
            elif kind == "point_processes":
                pool.extend(pick(first).point_processes())
            elif kind == "membrane":
                segment = pick(first)(x)
                segment.v = segment.v + 1
                segment.hh.gnabar = segment.gnabar_hh * (1 + x)
                for each in pick(second):
                    _ = each.hh.m
            elif kind == "drop_bulk":
                pool[:] = [kept for kept in pool if type(kept).__name__ != "Collection"]
                gc.collect()
                p.continuerun(p.t + 0.2)
        except Exception:  # noqa: S110 - refusals are expected; crashes are what is sought
            pass


def run_traces(first_seed, count, length):
    folder = Path("build") / "call-traces"
    folder.mkdir(parents=True, exist_ok=True)
    crashed = []
    for seed in range(first_seed, first_seed + count):
        path = folder / f"trace-{seed}.json"
        path.write_text(json.dumps(generate(seed, length)))
        finished = subprocess.run(
            [sys.executable, __file__, "--replay", str(path)],
            env=dict(os.environ, MALLOC_PERTURB_="165"),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if finished.returncode != 0:
            crashed.append(str(path))
            print(f"seed {seed}: exit {finished.returncode}, trace kept in {path}")
        else:
            path.unlink()
    print(f"{count} traces of {length} calls, {len(crashed)} crashed")
    return not crashed


if __name__ == "__main__":
    if sys.argv[1] == "--replay":
        replay(json.loads(Path(sys.argv[2]).read_text()))
        sys.exit(0)  # through the interpreter's teardown, which frees everything left
    seeds, count = int(sys.argv[1]), int(sys.argv[2])
    length = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    sys.exit(0 if run_traces(seeds, count, length) else 1)
