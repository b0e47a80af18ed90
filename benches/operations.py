"""The statements of a tutorial-style cell build, one at a time: plain NEURON against
`from patch import p` in one process, interleaved, best of the repetitions.

Whichever package `import patch` finds is measured (Patch, or nrn-patch 8.0.2 in its own
environment); every row runs the same statement with `H` being NEURON's `h` or `p`.
Prints one JSON object: {row: {"plain": µs per call, "other": µs per call}}.

Usage: python benches/operations.py [N] [REPETITIONS]
"""

import json
import sys
import time

from neuron import h

from patch import p

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
REPETITIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 7


def sections(H, tag, count, nseg=5):
    made = [H.Section(name=f"{tag}{i}") for i in range(count)]
    for section in made:
        section.nseg = nseg
        section.insert("hh")
        section.insert("pas")
    return made


def segments(H, built):
    for section in built:
        section(0.5)


def iterate(H, built):
    for section in built:
        list(section)


def mechanism_parameter(H, built):
    for section in built:
        for segment in section:
            segment.pas.g = 0.001


def suffixed_parameter(H, built):
    for section in built:
        for segment in section:
            segment.g_pas = 0.001


def connect(H, built):
    parents, children = built
    for child, parent in zip(children, parents, strict=True):
        child.connect(parent(1))


def synapse(H, built):
    for section in built:
        H.ExpSyn(section(0.5))


def geometry(H, built):
    for section in built:
        section.L = 20
        section.diam = 2


def insert(H, built):
    for section in built:
        section.insert("hh")


def record(H, built):
    for section in built:
        H.Vector().record(section(0.5)._ref_v)


# Row: (statement, what each repetition works on; fresh objects where the statement
# changes them for good).
ROWS = {
    "s(0.5)": (segments, lambda H, tag: sections(H, tag, N)),
    "list(s), 5 segments": (iterate, lambda H, tag: sections(H, tag, N)),
    "seg.pas.g = v, 5 segments": (mechanism_parameter, lambda H, tag: sections(H, tag, N)),
    "seg.g_pas = v, 5 segments": (suffixed_parameter, lambda H, tag: sections(H, tag, N)),
    "child.connect(parent(1))": (
        connect,
        lambda H, tag: (sections(H, tag + "p", N, 1), sections(H, tag + "c", N, 1)),
    ),
    "H.ExpSyn(s(0.5))": (synapse, lambda H, tag: sections(H, tag, N)),
    "s.L = 20; s.diam = 2": (geometry, lambda H, tag: sections(H, tag, N)),
    'insert("hh")': (insert, lambda H, tag: [H.Section(name=f"{tag}{i}") for i in range(N)]),
    "Vector().record(s(0.5)._ref_v)": (record, lambda H, tag: sections(H, tag, N)),
}


def main():
    results = {}
    interpreters = {"plain": h, "other": p}
    for row, (statement, prepare) in ROWS.items():
        best = {"plain": float("inf"), "other": float("inf")}
        for repetition in range(REPETITIONS):
            order = ["plain", "other"] if repetition % 2 else ["other", "plain"]
            for variant in order:
                H = interpreters[variant]
                built = prepare(H, f"{variant}{repetition}_")
                start = time.perf_counter()
                statement(H, built)
                best[variant] = min(best[variant], (time.perf_counter() - start) / N)
        results[row] = {variant: 1e6 * seconds for variant, seconds in best.items()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
