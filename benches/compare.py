"""Patch side by side with plain NEURON and nrn-patch 8.0.2, as ratios to plain NEURON.

Every workload runs in a fresh process per variant and repetition, the variants
interleaved. nrn-patch 8.0.2 runs from its own environment (it is also imported as
`patch`): pass its Python with --nrn-patch-python. Workloads (n items each):

  sections     n sections: create, insert hh, set L, diam, nseg and gnabar_hh
  netcons      n NetStim -> ExpSyn connections with weight and delay (+ Patch bulk:
               p.NetCons of p.NetStim.many, and Collection.stimulate)
  parameters   n NetStim.interval writes on existing NetStims (+ Patch bulk)
  ring         a ring of n hh cells, recorded, run for 1,000 ms (total time)
  cells        n ball-and-stick cells built the way NEURON's tutorial builds them, one
               call at a time (`h` is NEURON's, or Patch's `p`): sections, connect,
               L/diam/nseg, insert, per-segment mechanism parameters, an ExpSyn
  operations   the statements of such a build one at a time (benches/operations.py):
               plain NEURON and `p` interleaved in one process, per package

Usage: python benches/compare.py --nrn-patch-python PATH [--repetitions 5]
       [--json FILE] [--quick] [--only WORKLOAD ...]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

PRELUDE = r"""
import gc, json, resource, sys, time
variant, n = sys.argv[1], int(sys.argv[2])
from neuron import h
h.load_file("stdrun.hoc")
if variant != "plain":
    from patch import p
def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()
def report(cpu, wall, grown):
    print("RESULT " + json.dumps({"cpu_us": 1e6 * cpu / n, "wall_us": 1e6 * wall / n, "bytes": grown / n}))
"""

START = r"""
gc.collect()
before = rss()
cpu0, wall0 = time.process_time(), time.perf_counter()
"""

FINISH = r"""
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
report(cpu, wall, rss() - before)
import os
os._exit(0)  # NEURON's teardown is not part of the workload
"""

# The per-call code that reads the same for nrn-patch 8.0.2 and Patch (both `from patch
# import p`), and for every variant of the parameter writes.
SECTIONS_WITH_P = """
keep = []
for i in range(n):
    s = p.Section(name=f"s{i}")
    s.insert("hh")
    s.L, s.diam, s.nseg = 20, 2, 3
    s.gnabar_hh = 0.2
    keep.append(s)
"""

NETCONS_WITH_P = """
keep = [p.NetCon(p.NetStim(), targets[i % 100], weight=0.01, delay=2) for i in range(n)]
"""

# NEURON's tutorial style, the same code for every variant: only `H` differs.
BALL_AND_STICK = """
H = h if variant == "plain" else p
cells = []
for i in range(n):
    soma = H.Section(name=f"soma{i}")
    dend = H.Section(name=f"dend{i}")
    dend.connect(soma(1))
    soma.L = soma.diam = 12.6157
    dend.L, dend.diam, dend.nseg = 200, 1, 5
    soma.insert("hh")
    for seg in soma:
        seg.hh.gnabar = 0.12
        seg.hh.gkbar = 0.036
    dend.insert("pas")
    for seg in dend:
        seg.pas.g = 0.001
        seg.pas.e = -65
    synapse = H.ExpSyn(dend(0.5))
    synapse.tau = 2
    cells.append((soma, dend, synapse))
"""

PARAMETER_WRITES = """
for stimulus, value in zip(stimuli, values):
    stimulus.interval = value
"""

WORKLOADS = {
    "sections": {
        "plain": """
keep = []
for i in range(n):
    s = h.Section(name=f"s{i}")
    s.insert("hh")
    s.L, s.diam, s.nseg = 20, 2, 3
    s.gnabar_hh = 0.2
    keep.append(s)
""",
        "nrn-patch 8.0.2": SECTIONS_WITH_P,
        "Patch": SECTIONS_WITH_P,
    },
    "netcons": {
        "setup": {
            "plain": "s = h.Section(name='t'); targets = [h.ExpSyn(s(0.5)) for _ in range(100)]",
            "other": "s = p.Section(name='t'); targets = [p.ExpSyn(s) for _ in range(100)]",
            "Patch bulk": "import numpy as np; s = p.Section(name='t'); synapses = p.ExpSyn.many([s] * 100)",
            "Patch stimulate": "import numpy as np; s = p.Section(name='t'); synapses = p.ExpSyn.many([s] * 100)",
        },
        "plain": """
keep = []
for i in range(n):
    stimulus = h.NetStim()
    connection = h.NetCon(stimulus, targets[i % 100])
    connection.weight[0] = 0.01
    connection.delay = 2
    keep.append((stimulus, connection))
""",
        "nrn-patch 8.0.2": NETCONS_WITH_P,
        "Patch": NETCONS_WITH_P,
        "Patch bulk": """
keep = p.NetCons(p.NetStim.many(n), synapses[np.arange(n) % 100], weight=0.01, delay=2)
""",
        "Patch stimulate": """
keep = synapses[np.arange(n) % 100].stimulate(weight=0.01, delay=2)
""",
    },
    "parameters": {
        "setup": {
            "plain": "stimuli = [h.NetStim() for _ in range(n)]; values = [1 + i % 7 for i in range(n)]",
            "other": "stimuli = [p.NetStim() for _ in range(n)]; values = [1 + i % 7 for i in range(n)]",
            "Patch bulk": "stimuli = p.NetStim.many(n); values = [1 + i % 7 for i in range(n)]",
        },
        "plain": PARAMETER_WRITES,
        "nrn-patch 8.0.2": PARAMETER_WRITES,
        "Patch": PARAMETER_WRITES,
        "Patch bulk": """
stimuli.set("interval", values)
""",
    },
    "cells": {
        "plain": BALL_AND_STICK,
        "nrn-patch 8.0.2": BALL_AND_STICK,
        "Patch": BALL_AND_STICK,
    },
    "ring": {
        "plain": """
cells, synapses, keep = [], [], []
for i in range(n):
    s = h.Section(name=f"c{i}"); s.insert("hh"); s.L = s.diam = 20
    cells.append(s); synapses.append(h.ExpSyn(s(0.5)))
for i in range(n):
    keep.append(h.NetCon(cells[i](0.5)._ref_v, synapses[(i + 1) % n], -20, 1, 0.05, sec=cells[i]))
stimulus = h.NetStim(); stimulus.number = 1; stimulus.start = 1
keep.append(h.NetCon(stimulus, synapses[0], -20, 0, 0.1))
recordings = [h.Vector().record(s(0.5)._ref_v) for s in cells]
h.celsius = 6.3
h.finitialize(-65)
h.continuerun(1000)
""",
        "nrn-patch 8.0.2": """
cells = [p.Section(name=f"c{i}") for i in range(n)]
synapses = []
for s in cells:
    s.insert("hh"); s.L = s.diam = 20
    synapses.append(p.ExpSyn(s))
for i in range(n):
    p.NetCon(cells[i], synapses[(i + 1) % n], weight=0.05, delay=1)
p.NetCon(p.NetStim(), synapses[0], weight=0.1, delay=0)
recordings = [s.record() for s in cells]
p.celsius = 6.3
h.finitialize(-65)
h.continuerun(1000)
""",
        "Patch": """
cells = [p.Section(name=f"c{i}").insert("hh") for i in range(n)]
for s in cells:
    s.L = s.diam = 20
synapses = p.ExpSyn.many(cells)
ring = p.NetCons(cells, [synapses[(i + 1) % n] for i in range(n)], weight=0.05, delay=1)
stimulus = p.NetStim(number=1, start=1)
p.NetCon(stimulus, synapses[0], weight=0.1, delay=0)
recordings = [s.record() for s in cells]
p.celsius = 6.3
p.run(1000, v_init=-65)
""",
    },
}


def setup_for(workload, variant):
    setups = WORKLOADS[workload].get("setup", {})
    if variant in setups:
        return setups[variant]
    return setups.get("plain" if variant == "plain" else "other", "")


def measure(python, workload, variant, n):
    code = PRELUDE + setup_for(workload, variant) + START + WORKLOADS[workload][variant] + FINISH
    finished = subprocess.run(
        [python, "-c", code, "plain" if variant == "plain" else variant, str(n)],
        capture_output=True,
        text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
        timeout=1800,
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(f"{workload}/{variant} failed:\n{finished.stdout}\n{finished.stderr}")
    return json.loads(lines[-1][len("RESULT ") :])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nrn-patch-python", required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", nargs="*", help="run only these workloads")
    arguments = parser.parse_args()
    sizes = {
        "sections": 10_000,
        "netcons": 100_000,
        "parameters": 100_000,
        "cells": 2_000,
        "ring": 1_000,
    }
    if arguments.quick:
        sizes = {name: max(10, size // 100) for name, size in sizes.items()}
    if arguments.only:
        sizes = {name: size for name, size in sizes.items() if name in arguments.only}
    run_operations = not arguments.only or "operations" in arguments.only
    pythons = {"plain": sys.executable, "nrn-patch 8.0.2": arguments.nrn_patch_python}
    results = {}
    for workload, size in sizes.items():
        variants = [name for name in WORKLOADS[workload] if name != "setup"]
        runs = {variant: [] for variant in variants}
        for repetition in range(arguments.repetitions):
            shift = repetition % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                python = pythons.get(variant, sys.executable)
                runs[variant].append(measure(python, workload, variant, size))
        results[workload] = {"items": size, "runs": runs}
        report(workload, size, runs)
    if run_operations:
        calls = 100 if arguments.quick else 1000
        results["operations"] = {
            variant: operations(python, calls)
            for variant, python in (
                ("Patch", sys.executable),
                ("nrn-patch 8.0.2", arguments.nrn_patch_python),
            )
        }
        report_operations(calls, results["operations"])
    if arguments.json:
        with open(arguments.json, "w") as output:
            json.dump(results, output, indent=1)


def operations(python, calls):
    """benches/operations.py under `python`: µs per call of plain NEURON and of `p`."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "operations.py")
    finished = subprocess.run(
        [python, script, str(calls)],
        capture_output=True,
        text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
        timeout=1800,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"operations under {python} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def report_operations(calls, measured):
    print(
        f"\noperations: µs per call, best of 7, {calls:,} calls; plain NEURON and `p` interleaved in one process"
    )
    print(
        f"{'statement':34s} {'plain':>7s} {'Patch':>7s} {'x plain':>8s} {'nrn-patch 8':>12s} {'x plain':>8s}"
    )
    for row, patch in measured["Patch"].items():
        old = measured["nrn-patch 8.0.2"][row]
        print(
            f"{row:34s} {patch['plain']:7.2f} {patch['other']:7.2f} {patch['other'] / patch['plain']:8.2f} "
            f"{old['other']:12.2f} {old['other'] / old['plain']:8.2f}"
        )


def report(workload, size, runs):
    plain_cpu = min(run["cpu_us"] for run in runs["plain"])
    plain_bytes = statistics.median(run["bytes"] for run in runs["plain"])
    print(f"\n{workload}: {size:,} items, {len(runs['plain'])} fresh processes per variant")
    print(
        f"{'variant':18s} {'CPU us/item min':>15s} {'median':>8s} {'wall min':>9s} {'x plain':>8s} {'bytes/item':>11s}"
    )
    for variant, measured in runs.items():
        cpu = [run["cpu_us"] for run in measured]
        wall = [run["wall_us"] for run in measured]
        memory = statistics.median(run["bytes"] for run in measured)
        print(
            f"{variant:18s} {min(cpu):15.2f} {statistics.median(cpu):8.2f} {min(wall):9.2f} "
            f"{min(cpu) / plain_cpu:8.2f} {memory:11.0f}"
            + (f" ({memory / plain_bytes:.2f}x)" if plain_bytes > 0 else "")
        )


if __name__ == "__main__":
    main()
