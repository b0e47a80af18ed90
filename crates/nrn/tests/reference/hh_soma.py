"""The hh_soma example model in plain NEURON: prints 'time voltage' per step at full precision."""

from neuron import h

h.load_file("stdrun.hoc")
soma = h.Section(name="soma")
soma.L = 20
soma.diam = 20
soma.Ra = 100
soma.insert("hh")
clamp = h.IClamp(soma(0.5))
clamp.delay = 5
clamp.dur = 30
clamp.amp = 0.3
voltage = h.Vector().record(soma(0.5)._ref_v)
time = h.Vector().record(h._ref_t)
h.dt = 0.025
h.finitialize(-65)
h.continuerun(40)
for t, v in zip(time, voltage, strict=True):
    print(f"TRACE {t!r} {v!r}")
