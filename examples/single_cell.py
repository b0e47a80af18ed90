"""A Hodgkin-Huxley soma driven by a current step, simulated with Patch and plotted.

Usage: python examples/single_cell.py [output.png]
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from patch import p  # noqa: E402


def simulate():
    """Returns time (ms) and membrane potential (mV) at the middle of the soma."""
    soma = p.Section(name="soma")
    soma.L = 20
    soma.diam = 20
    soma.insert("hh")
    clamp = p.IClamp(soma(0.5))
    clamp.delay = 5
    clamp.dur = 30
    clamp.amp = 0.3
    voltage = p.Vector().record(soma(0.5)._ref_v)
    time = p.Vector().record(p._ref_t)
    # Patch runs at 32 degC by default; squid-axon hh kinetics are measured at 6.3 degC
    # and block above about 30 degC.
    p.celsius = 6.3
    p.dt = 0.025
    p.finitialize(-65)
    p.continuerun(40)
    return np.array(time), np.array(voltage)


def plot(time, voltage, output):
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(time, voltage, color="tab:blue")
    axes.set_xlabel("time (ms)")
    axes.set_ylabel("membrane potential (mV)")
    axes.set_title(f"Hodgkin-Huxley soma, 0.3 nA from 5 to 35 ms, {p.celsius:g} degC")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)
    plt.close(figure)


def main():
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "single_cell.png")
    time, voltage = simulate()
    spikes = int(np.sum((voltage[:-1] < 0) & (voltage[1:] >= 0)))
    plot(time, voltage, output)
    print(f"simulated {time[-1]:g} ms: {spikes} spikes, peak {voltage.max():.1f} mV")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
