"""Create-connect-drop cycles: resident memory must stay flat after warm-up and NEURON's
object counts must return to where they started.

Usage: python tests/soak.py CYCLES  (prints one JSON line)
"""

import gc
import json
import resource
import sys

from neuron import h

from patch import p


def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def counts():
    names = ["NetCon", "NetStim", "ExpSyn", "Vector"]
    return {name: int(h.List(name).count()) for name in names} | {
        "sections": sum(1 for _ in h.allsec())
    }


def cycle():
    # No Vectors and no NetCons watching a membrane potential: NEURON 9.0.2 itself keeps
    # about 96 bytes of every Vector and 200 of every such NetCon ever made (measured with
    # plain `neuron.h`), which would hide Patch's own behaviour.
    cell = p.Section(name="soak").insert("pas")
    synapse = p.ExpSyn(cell)
    p.NetCon(p.NetStim(number=1), synapse, weight=0.01)
    p.NetCon(p.IntFire1(), synapse, weight=0.01)


def main():
    cycles = int(sys.argv[1])
    gc.collect()
    baseline = counts()
    warm_up = max(cycles // 10, 100)
    for index in range(cycles):
        cycle()
        if index % 100 == 99:
            gc.collect()
        if index == warm_up:
            gc.collect()
            after_warm_up = rss()
    gc.collect()
    print(
        json.dumps(
            {
                "cycles": cycles,
                "rss_after_warm_up": after_warm_up,
                "rss_at_end": rss(),
                "growth": rss() / after_warm_up - 1,
                "counts_back": counts() == baseline,
                "baseline": baseline,
                "end": counts(),
            }
        )
    )


if __name__ == "__main__":
    main()
