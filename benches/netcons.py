"""100,000 NetStim -> ExpSyn connections with weight and delay, three ways: plain neuron.h,
Patch per call (p.NetCon), and Patch in bulk (p.NetStim.many + p.NetCons).

Each variant runs in a fresh process, repeated and interleaved; CPU time per connection
(min and median) and resident memory per connection are reported as ratios to plain NEURON.
Usage: python benches/netcons.py [connections] [repetitions] [--json FILE]
"""

import json
import os
import statistics
import subprocess
import sys

VARIANTS = ["plain neuron.h", "Patch p.NetCon", "Patch bulk p.NetCons"]

WORKLOAD = r"""
import gc, resource, sys, time
variant, n = sys.argv[1], int(sys.argv[2])
from neuron import h
if variant != "plain neuron.h":
    from patch import p
def rss_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1024
section = h.Section(name="target")
targets = [h.ExpSyn(section(0.5)) for _ in range(100)]
if variant != "plain neuron.h":
    targets = [p.ExpSyn(section) for _ in range(100)]
gc.collect()
before = rss_kib()
start_cpu, start_wall = time.process_time(), time.perf_counter()
keep = []
if variant == "plain neuron.h":
    for i in range(n):
        stimulus = h.NetStim()
        connection = h.NetCon(stimulus, targets[i % 100])
        connection.weight[0] = 0.01
        connection.delay = 2
        keep.append((stimulus, connection))
elif variant == "Patch p.NetCon":
    for i in range(n):
        keep.append(p.NetCon(p.NetStim(), targets[i % 100], weight=0.01, delay=2))
else:
    stimuli = p.NetStim.many(n)
    keep.append(p.NetCons(stimuli, [targets[i % 100] for i in range(n)], weight=0.01, delay=2))
cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
grown = rss_kib() - before
count = int(h.List("NetCon").count())
assert count == n, count
print(json.dumps({"cpu_us": 1e6 * cpu / n, "wall_us": 1e6 * wall / n, "bytes": 1024 * grown / n}))
""".replace("json.dumps", "__import__('json').dumps")


def run(variant, connections):
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    finished = subprocess.run(
        [sys.executable, "-c", WORKLOAD, variant, str(connections)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main():
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    connections = int(arguments[0]) if arguments else 100_000
    repetitions = int(arguments[1]) if len(arguments) > 1 else 5
    results = {variant: [] for variant in VARIANTS}
    for repetition in range(repetitions):
        order = VARIANTS[repetition % 3 :] + VARIANTS[: repetition % 3]
        for variant in order:
            results[variant].append(run(variant, connections))
    plain = min(r["cpu_us"] for r in results[VARIANTS[0]])
    plain_bytes = statistics.median(r["bytes"] for r in results[VARIANTS[0]])
    print(f"{connections:,} NetStim->ExpSyn connections, {repetitions} fresh processes each")
    header = ["CPU us/conn min", "median", "wall min", "x plain", "bytes/conn", "x plain"]
    widths = [16, 8, 9, 8, 11, 8]
    print(f"{'variant':24s} " + " ".join(f"{h:>{w}s}" for h, w in zip(header, widths, strict=True)))
    for variant, runs in results.items():
        cpu = [r["cpu_us"] for r in runs]
        wall = [r["wall_us"] for r in runs]
        memory = statistics.median(r["bytes"] for r in runs)
        print(
            f"{variant:24s} {min(cpu):16.2f} {statistics.median(cpu):8.2f} {min(wall):9.2f} "
            f"{min(cpu) / plain:8.2f} {memory:11.0f} {memory / plain_bytes:8.2f}"
        )
    if "--json" in sys.argv:
        path = sys.argv[sys.argv.index("--json") + 1]
        with open(path, "w") as output:
            json.dump({"connections": connections, "runs": results}, output, indent=1)


if __name__ == "__main__":
    main()
