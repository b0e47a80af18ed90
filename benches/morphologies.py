"""Building cells from reconstructed morphologies: Patch vs NEURON's Import3d vs the
fastest plain-NEURON loop, per cell, for every SWC file in ../shared/data/morphologies.

Variants, each in fresh processes, interleaved (n copies of one file per process):

  Import3d    per cell: Import3d_SWC_read().input(file), Import3d_GUI(reader, False)
              .instantiate(cell) into a Python cell object (NEURON's standard way)
  plain loop  per cell: h.Section(name=..., cell=...), connect, and h.pt3dadd with four
              Vectors per section made once beforehand (the section structure comes from
              Import3d in the untimed set-up): the fastest plain loop we could write
  Patch       p.load_morphology(file) once, then .instantiate(n)

Usage: python benches/morphologies.py [--copies 100] [--repetitions 3] [--json FILE]
       [--folder DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "morphologies"

PRELUDE = r"""
import ctypes, gc, json, sys, time
variant, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
from neuron import h
h.load_file("stdlib.hoc")
h.load_file("import3d.hoc")
from pathlib import Path as _Path
STEM = _Path(path).stem
class Cell:
    # Named as Patch names its cells, so that NEURON's section names are as long.
    def __init__(self, index):
        self.name = f"{STEM}[{index}]"
    def __str__(self):
        return self.name
class MallocInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallocInfo
def heap():
    # Bytes in use on the C heap (glibc): NEURON's sections and points, Python's objects.
    # Exact where resident memory moves in whole pages.
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd
def import3d(cell):
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    reader.input(path)
    h.Import3d_GUI(reader, False).instantiate(cell)
"""

SETUP = {
    "Import3d": "import3d(Cell(-1))\ngc.collect()\n",
    "plain loop": r"""
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    reader = h.Import3d_SWC_read()
    reader.input(path)
    h.Import3d_GUI(reader, False).instantiate(None)
sections = list(h.allsec())
index = {section: i for i, section in enumerate(sections)}
structure = []
for section in sections:
    parent = section.parentseg()
    points = [h.Vector([getattr(section, f"{axis}3d")(i) for i in range(section.n3d())])
              for axis in ("x", "y", "z", "diam")]
    structure.append((section.name(), None if parent is None else (index[parent.sec], parent.x), points))
# Parents first, whatever order NEURON lists the sections in.
order, placed = [], set()
while len(order) < len(structure):
    for i, (_, parent, _) in enumerate(structure):
        if i not in placed and (parent is None or parent[0] in placed):
            order.append(i)
            placed.add(i)
for section in sections:
    h.delete_section(sec=section)
del sections, section
gc.collect()
""",
    "Patch": "from patch import p\nmorphology = p.load_morphology(path)\nmorphology.instantiate()\ngc.collect()\n",
}

RUN = {
    "Import3d": r"""
cells = []
for i in range(n):
    cell = Cell(i)
    import3d(cell)
    cells.append(cell)
""",
    "plain loop": r"""
cells = []
for i in range(n):
    cell = Cell(i)
    made = [None] * len(structure)
    for j in order:
        name, parent, (x, y, z, d) = structure[j]
        section = h.Section(name=name, cell=cell)
        if parent is not None:
            section.connect(made[parent[0]](parent[1]))
        h.pt3dadd(x, y, z, d, sec=section)
        made[j] = section
    cells.append(made)
""",
    "Patch": "cells = morphology.instantiate(n)\n",
}

MEASURE = (
    r"""
gc.collect()
before = heap()
cpu0, wall0 = time.process_time(), time.perf_counter()
"""
    + "{run}"
    + r"""
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
grown = heap() - before
sections = sum(1 for _ in h.allsec())
print("RESULT " + json.dumps({"cpu_ms": 1e3 * cpu / n, "wall_ms": 1e3 * wall / n,
                              "bytes": grown / n, "sections": sections / n}))
import os
os._exit(0)
"""
)


def measure(variant: str, path: Path, copies: int) -> dict:
    code = PRELUDE + SETUP[variant] + MEASURE.replace("{run}", RUN[variant])
    finished = subprocess.run(
        [sys.executable, "-c", code, variant, str(path), str(copies)],
        capture_output=True,
        text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
        timeout=1800,
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(
            f"{variant} on {path.name} failed:\n{finished.stdout}\n{finished.stderr}"
        )
    return json.loads(lines[-1][len("RESULT ") :])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--folder", type=Path, default=FOLDER)
    arguments = parser.parse_args()
    files = sorted(arguments.folder.glob("*.swc"))
    if not files:
        print(f"morphologies: no SWC files in {arguments.folder}; skipped")
        return 0
    variants = list(RUN)
    results = {}
    print(
        f"\nmorphologies: {arguments.copies} copies per process, best of "
        f"{arguments.repetitions} fresh processes; ms per cell (CPU), heap memory per cell"
    )
    print(
        f"{'file':22s} {'sections':>8s} {'Import3d':>9s} {'plain':>8s} {'Patch':>8s} "
        f"{'Import3d/Patch':>15s} {'plain/Patch':>12s} {'KiB plain':>10s} {'KiB Patch':>10s} {'x plain':>8s}"
    )
    for path in files:
        runs = {variant: [] for variant in variants}
        for repetition in range(arguments.repetitions):
            shift = repetition % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                runs[variant].append(measure(variant, path, arguments.copies))
        best = {variant: min(run["cpu_ms"] for run in runs[variant]) for variant in variants}
        memory = {
            variant: statistics.median(run["bytes"] for run in runs[variant])
            for variant in variants
        }
        results[path.name] = {"runs": runs, "best_cpu_ms": best, "median_bytes": memory}
        print(
            f"{path.name:22s} {runs['Patch'][0]['sections']:8.0f} {best['Import3d']:9.3f} "
            f"{best['plain loop']:8.3f} {best['Patch']:8.3f} {best['Import3d'] / best['Patch']:15.1f} "
            f"{best['plain loop'] / best['Patch']:12.1f} {memory['plain loop'] / 1024:10.1f} "
            f"{memory['Patch'] / 1024:10.1f} {memory['Patch'] / max(memory['plain loop'], 1):8.2f}"
        )
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
