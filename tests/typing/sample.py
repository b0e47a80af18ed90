"""A user script that `mypy --strict` checks against Patch's stubs (make lint)."""

import numpy as np

import patch
from patch import p
from patch.exceptions import HocError
from patch.objects import Collection, NetCon, Section, Vector


def build(count: int) -> tuple[list[Section], Collection]:
    cells = [p.Section(name=f"cell{index}").insert("hh") for index in range(count)]
    for cell in cells:
        cell.set_dimensions(20, 20)
    synapses = p.ExpSyn.many(cells, tau=2)
    return cells, synapses


def main() -> float:
    p.celsius = 6.3
    cells, synapses = build(10)
    ring = p.NetCons(cells, [synapses[(i + 1) % 10] for i in range(10)], weight=0.05)
    stimulus = p.NetStim(number=1, start=1)
    kick: NetCon = p.NetCon(stimulus, synapses[0], weight=0.1)
    clamp = cells[0].iclamp(0.5, delay=1, duration=5, amplitude=0.5)
    voltage: Vector = cells[0].record()
    try:
        p("x = = 1")
    except HocError:
        pass
    p.run(20, progress=False)
    data = cells[0].recorded()
    assert patch.connection(stimulus, synapses[0]) is kick
    del ring, kick, clamp, data
    return float(np.max(np.asarray(voltage)))


if __name__ == "__main__":
    print(main())
