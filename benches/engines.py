"""Engines: one network run on NEURON and CoreNEURON, on 1 and 2 threads, through plain
NEURON calls and through Patch's switch (`p.run(tstop, engine=, threads=)`), with
nrn-patch 8.0.2 on NEURON's one thread next to them.

The network: N ball-and-stick cells (hh soma, 21-segment passive dendrite with an
ExpSyn) in a ring wired by GID, kicked by NetStims, run for TSTOP ms: long enough that
the run dominates. Each variant runs in a fresh process; plain and Patch of one
configuration run back to back, so that their ratio (the median over the repetitions)
sees the same machine; times are the best of the repetitions. The run is timed alone
(initialisation included, building excluded); memory is the process's peak resident set.
Every variant's spikes are checked equal.

Usage: python benches/engines.py [--cells 1000] [--tstop 300] [--repetitions 3]
       [--nrn-patch-python PYTHON] [--json FILE]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

CONFIGURATIONS = [("neuron", 1), ("neuron", 2), ("coreneuron", 1), ("coreneuron", 2)]

BUILD = r"""
import json, resource, sys, time
interface, engine, threads, cells, tstop = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
if interface == "patch":
    from patch import p as h
    pc = h.parallel
else:
    from neuron import h
    h.load_file("stdrun.hoc")
    pc = h.ParallelContext()
if interface == "nrn-patch":
    from patch import p
    h = p
    pc = p.parallel
h.celsius = 6.3  # NEURON's default; Patch starts at 32
network = []
for gid in range(cells):
    soma = h.Section(name="soma")
    dendrite = h.Section(name="dendrite")
    dendrite.connect(soma(1))
    soma.L = soma.diam = 12.6
    dendrite.L, dendrite.diam, dendrite.nseg = 200, 1, 21
    soma.insert("hh")
    dendrite.insert("pas")
    synapse = h.ExpSyn(dendrite(0.5))
    synapse.tau = 2
    pc.set_gid2node(gid, 0)
    source = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    pc.cell(gid, source)
    network.append((soma, dendrite, synapse, source))
connections = []
for gid in range(cells):
    connection = pc.gid_connect(gid, network[(gid + 1) % cells][2])
    connection.weight[0], connection.delay = 0.05, 5
    connections.append(connection)
stimuli = []
for gid in range(0, cells, 50):
    stimulus = h.NetStim()
    stimulus.number, stimulus.start = 1, 1 + gid % 7
    kick = h.NetCon(stimulus, network[gid][2])
    kick.weight[0], kick.delay = 0.1, 1
    stimuli.append((stimulus, kick))
times, gids = h.Vector(), h.Vector()
pc.spike_record(-1, times, gids)
pc.set_maxstep(10)
started = time.perf_counter()
"""

RUN = {
    "plain": r"""
from neuron import coreneuron
pc.nthread(threads)
coreneuron.enable = engine == "coreneuron"
coreneuron.verbose = 0
h.finitialize(-65)
pc.psolve(tstop)
""",
    "patch": r"""
h.run(tstop, -65, engine=engine, threads=threads)
""",
    "nrn-patch": r"""
h.finitialize(-65)
pc.psolve(tstop)
""",
}

REPORT = r"""
seconds = time.perf_counter() - started
spikes = sorted(zip(times, gids))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "spikes": len(spikes),
                  "checksum": sum(t * (g + 1) for t, g in spikes)}))
"""


def measure(python, interface, engine, threads, cells, tstop):
    code = BUILD + RUN[interface] + REPORT
    finished = subprocess.run(
        [python, "-c", code, interface, engine, str(threads), str(cells), str(tstop)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"{interface} {engine} {threads}: {finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def order(item):
    """Plain NEURON first, then Patch, then nrn-patch; engines and threads in order."""
    (interface, engine, threads), _ = item
    return (["plain", "patch", "nrn-patch"].index(interface), engine != "neuron", threads)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--tstop", type=float, default=300)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--nrn-patch-python")
    parser.add_argument("--json")
    arguments = parser.parse_args()
    if arguments.nrn_patch_python:
        # Absolute (not resolved: a venv's python is a link that must stay in the venv).
        arguments.nrn_patch_python = str(Path(arguments.nrn_patch_python).absolute())
    variants = [
        (interface, *configuration)
        for configuration in CONFIGURATIONS
        for interface in ("plain", "patch")
    ]
    if arguments.nrn_patch_python:
        variants.append(("nrn-patch", "neuron", 1))
    # Compiles Patch's mechanisms for CoreNEURON into the cache before anything is timed.
    measure(sys.executable, "patch", "coreneuron", 1, 2, 1)
    results = {variant: [] for variant in variants}
    for _ in range(arguments.repetitions):
        for variant in variants:
            python = arguments.nrn_patch_python if variant[0] == "nrn-patch" else sys.executable
            results[variant].append(measure(python, *variant, arguments.cells, arguments.tstop))
    best = {variant: min(runs, key=lambda run: run["seconds"]) for variant, runs in results.items()}
    reference = best[("plain", "neuron", 1)]
    for variant, run in best.items():
        # nrn-patch 8.0.2 builds another network from the same calls (its own defaults and
        # wrappers): it is timed, not compared.
        if variant[0] == "nrn-patch":
            continue
        if (run["spikes"], round(run["checksum"], 6)) != (
            reference["spikes"],
            round(reference["checksum"], 6),
        ):
            raise AssertionError(f"{variant} gave other spikes: {run} vs {reference}")
    print(
        f"engines: {arguments.cells} cells, {arguments.tstop:g} ms, {reference['spikes']} "
        f"spikes (identical on every engine, plain and Patch; nrn-patch 8.0.2's network "
        f"differs), best of {arguments.repetitions}; 'over plain' is the median of the "
        "paired runs"
    )
    print(
        f"{'interface':10s} {'engine':11s} {'threads':>7s} {'run s':>8s} {'speed-up':>9s} "
        f"{'peak MiB':>9s} {'memory':>7s} {'over plain':>12s}"
    )
    rows = []
    for (interface, engine, threads), run in sorted(best.items(), key=order):
        pairs = zip(
            results[(interface, engine, threads)], results[("plain", engine, threads)], strict=True
        )
        ratios = sorted(mine["seconds"] / plain["seconds"] for mine, plain in pairs)
        row = {
            "interface": interface,
            "engine": engine,
            "threads": threads,
            "seconds": run["seconds"],
            "speed_up": reference["seconds"] / run["seconds"],
            "peak_mib": run["peak_bytes"] / 2**20,
            "memory_ratio": run["peak_bytes"] / reference["peak_bytes"],
            "over_plain": ratios[len(ratios) // 2],
        }
        rows.append(row)
        print(
            f"{interface:10s} {engine:11s} {threads:7d} {row['seconds']:8.2f} "
            f"{row['speed_up']:8.2f}x {row['peak_mib']:9.0f} {row['memory_ratio']:6.2f}x "
            f"{row['over_plain']:11.3f}x"
        )
    if arguments.json:
        Path(arguments.json).parent.mkdir(parents=True, exist_ok=True)
        Path(arguments.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
