"""Numerical truth: models built with Patch give plain NEURON's voltages (1e-9 mV).

Each model is built twice, in separate processes: with plain ``neuron.h`` and with
Patch's sugar. Both print their recordings as JSON.
"""

import json

import numpy as np
import pytest

PLAIN = "from neuron import h\nh.load_file('stdrun.hoc')\nh.celsius = 32\n"
PATCH = "from patch import p\n"
FINISH = "print('RESULT', json.dumps([list(r) for r in recordings]))\n"

TUTORIAL_CELLS = """
recordings, keep = [], []
for i in range(3):
    soma = H.Section(name=f"soma{i}")
    dend = H.Section(name=f"dend{i}")
    dend.connect(soma(1))
    soma.L = soma.diam = 12.6157
    dend.L, dend.diam, dend.nseg = 200, 1, 5
    soma.insert("hh")
    for seg in soma:
        seg.hh.gnabar = 0.12 + 0.01 * i
        seg.hh.gkbar = 0.036
    dend.insert("pas")
    for index, seg in enumerate(dend):
        seg.pas.g = 0.001 * (1 + index / 10)
        seg.e_pas = -65 - index
    synapse = H.ExpSyn(dend(0.5))
    synapse.tau = 2
    stimulus = H.NetStim()
    stimulus.start, stimulus.number, stimulus.interval = 2 + i, 3, 8
    connection = H.NetCon(stimulus, synapse)
    connection.weight[0], connection.delay = 0.05, 1
    keep += [soma, dend, synapse, stimulus, connection]
    recordings += [H.Vector().record(soma(0.5)._ref_v), H.Vector().record(dend(0.9)._ref_v)]
H.finitialize(-65)
H.continuerun(40)
"""

MODELS = {
    "hh soma with IClamp": (
        """
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
clamp = h.IClamp(soma(0.5))
clamp.delay, clamp.dur, clamp.amp = 5, 30, 0.8
recordings = [h.Vector().record(soma(0.5)._ref_v)]
h.finitialize(-65)
h.continuerun(40)
""",
        """
soma = p.Section(name="soma")
soma.set_dimensions(20, 20)
soma.insert("hh")
soma.iclamp(0.5, 5, 30, 0.8)
recordings = [soma.record()]
p.run(40, v_init=-65)
""",
    ),
    "branched pas/hh cell with 3D points": (
        """
soma = h.Section(name="soma")
soma.insert("hh")
soma.pt3dadd(0, 0, 0, 15)
soma.pt3dadd(15, 0, 0, 15)
dendrites = []
for i, angle in enumerate([1, -1]):
    dend = h.Section(name=f"dend{i}")
    dend.insert("pas")
    dend.nseg = 7
    dend.pt3dadd(15, 0, 0, 2)
    dend.pt3dadd(60, 40 * angle, 0, 1)
    dend.connect(soma(1))
    dendrites.append(dend)
clamp = h.IClamp(soma(0.5))
clamp.delay, clamp.dur, clamp.amp = 2, 20, 1.5
recordings = [h.Vector().record(s(0.9)._ref_v) for s in [soma, *dendrites]]
h.finitialize(-65)
h.continuerun(30)
""",
        """
soma = p.Section(name="soma").insert("hh")
soma.add_3d([[0, 0, 0], [15, 0, 0]], 15)
dendrites = []
for i, angle in enumerate([1, -1]):
    dend = p.Section(name=f"dend{i}").insert("pas")
    dend.set_segments(7)
    dend.add_3d([[15, 0, 0], [60, 40 * angle, 0]], [2, 1])
    dend.connect(soma(1))
    dendrites.append(dend)
soma.iclamp(delay=2, duration=20, amplitude=1.5)
recordings = [s.record(0.9) for s in [soma, *dendrites]]
p.finitialize(-65)
p.continuerun(30)
""",
    ),
    "SEClamp on an hh soma": (
        """
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
clamp = h.SEClamp(soma(0.5))
clamp.dur1, clamp.dur2, clamp.dur3 = 5, 10, 5
clamp.amp1, clamp.amp2, clamp.amp3 = -70, -10, -70
recordings = [h.Vector().record(soma(0.5)._ref_v), h.Vector().record(clamp._ref_i)]
h.finitialize(-70)
h.continuerun(20)
""",
        """
soma = p.Section(name="soma").insert("hh")
soma.set_dimensions(20, 20)
clamp = soma.vclamp(0.5, 5, 10, 5, -10, -70)
recordings = [soma.record(), p.record(clamp)]
p.run(20, v_init=-70)
""",
    ),
    "ExpSyn driven by a NetStim": (
        """
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
synapse = h.ExpSyn(soma(0.5))
synapse.tau = 2
stimulus = h.NetStim()
stimulus.start, stimulus.number, stimulus.interval = 2, 4, 6
connection = h.NetCon(stimulus, synapse, 0, 1, 0.02)
recordings = [h.Vector().record(soma(0.5)._ref_v), h.Vector().record(synapse._ref_i)]
h.finitialize(-65)
h.continuerun(30)
""",
        """
soma = p.Section(name="soma").insert("hh")
soma.set_dimensions(20, 20)
synapse = p.ExpSyn(soma, tau=2)
stimulus = p.NetStim(start=2, number=4, interval=6)
connection = p.NetCon(stimulus, synapse, 0, 1, 0.02)
recordings = [soma.record(), p.record(synapse)]
p.run(30, v_init=-65)
""",
    ),
    "list-amplitude IClamp": (
        """
soma = h.Section(name="soma")
soma.L = soma.diam = 20
soma.insert("hh")
clamp = h.IClamp(soma(0.5))
amplitudes = [0.01 * i for i in range(400)]
clamp.delay, clamp.dur = 3, len(amplitudes) * h.dt
played = h.Vector(amplitudes)
times = h.Vector([3 + i * h.dt for i in range(len(amplitudes))])
played.play(clamp._ref_amp, times)
recordings = [h.Vector().record(soma(0.5)._ref_v), h.Vector().record(clamp._ref_i)]
h.finitialize(-65)
h.continuerun(20)
""",
        """
soma = p.Section(name="soma").insert("hh")
soma.set_dimensions(20, 20)
clamp = soma.iclamp(delay=3, amplitude=[0.01 * i for i in range(400)])
recordings = [soma.record(), p.record(clamp)]
p.run(20, v_init=-65)
""",
    ),
    # The same NEURON-tutorial code for both, `H` being `h` or `p`: segments, their
    # mechanisms and parameters, connect and a synapse on a segment go through Patch's
    # fast paths.
    "tutorial ball-and-stick cells, parameters per segment": (
        "H = h\n" + TUTORIAL_CELLS,
        "H = p\n" + TUTORIAL_CELLS,
    ),
}


def run_model(run_python, prelude, code):
    out = run_python("import json\n" + prelude + code + FINISH)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return [np.array(trace) for trace in json.loads(line[len("RESULT ") :])]


@pytest.mark.parametrize("model", MODELS)
def test_patch_model_equals_plain_neuron(run_python, model):
    plain_code, patch_code = MODELS[model]
    plain = run_model(run_python, PLAIN, plain_code)
    patched = run_model(run_python, PATCH, patch_code)
    assert len(plain) == len(patched)
    for expected, actual in zip(plain, patched, strict=True):
        assert len(actual) == len(expected) > 100
        assert np.max(np.abs(actual - expected)) <= 1e-9
        assert np.ptp(expected) > 1e-3, "the model does something"
