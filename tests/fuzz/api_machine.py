"""Random sequences of public Patch calls, valid and hostile. Run by tests/test_fuzz.py in a
subprocess (a crash is a failure there) and by `make fuzz` for as long as asked.

Usage: python tests/fuzz/api_machine.py EXAMPLES [SEED]
"""

import gc
import math
import os
import sys

import hypothesis.strategies as st
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from neuron import h

from patch import p
from patch.exceptions import HocSectionAccessError, PatchError
from patch.objects import Collection, Mechanism, NetCon, Segment

ALLOWED = (PatchError, TypeError, ValueError, AttributeError, LookupError)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, 0.5, 1, -1, 1e300]),
)
names = st.sampled_from(["hh", "pas", "L", "diam", "nseg", "tau", "weight", "nosuch", "", "v"])
junk = st.one_of(numbers, names, st.none(), st.lists(numbers, max_size=3))
segment_names = st.sampled_from(["v", "g_pas", "gnabar_hh", "diam", "x", "pas", "hh", "nosuch"])
variable_names = st.sampled_from(["g", "e", "gnabar", "m", "nosuch", "_ref_g", "name"])


def attempt(call, *args, **kwargs):
    """Runs a call: success, or one of the allowed exceptions."""
    try:
        return call(*args, **kwargs)
    except ALLOWED as error:
        assert str(error), f"{type(error).__name__} without a message from {call}"
        return None


def alive(section):
    """Whether NEURON still has the section (not deleted behind Patch's back)."""
    try:
        section.__neuron__().name()
    except ReferenceError:
        return False
    return True


class PatchUnderAttack(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.sections, self.processes, self.others = [], [], []

    def pick(self, data, pool):
        """An element of `pool`, drawn the same way whatever the pool holds: what NEURON
        accepted earlier decides the pool, and hypothesis needs draws that do not depend on
        it."""
        index = data.draw(st.integers(0, 63))
        return pool[index % len(pool)] if pool else None

    @rule(name=st.one_of(st.none(), st.text(max_size=5)))
    def section(self, name):
        made = attempt(p.Section, name=name) if name is not None else attempt(p.Section)
        if made is not None:
            self.sections.append(made)

    @rule(data=st.data(), attribute=names, value=junk)
    def set_attribute(self, data, attribute, value):
        section = self.pick(data, self.sections)
        if section is not None:
            attempt(setattr, section, attribute, value)

    @rule(data=st.data(), x=numbers)
    def segment(self, data, x):
        section = self.pick(data, self.sections)
        made = attempt(section, x) if section is not None else None
        if made is not None:
            self.others.append(made)

    @rule(data=st.data())
    def remove_process(self, data):
        process = self.pick(data, self.processes)
        if process is not None and hasattr(process, "remove"):
            attempt(process.remove)
            # A removed process raises ReferenceError: it leaves the pools.
            self.processes = [kept for kept in self.processes if kept is not process]

    @rule(data=st.data())
    def list_point_processes(self, data):
        section = self.pick(data, self.sections)
        if section is not None and alive(section):
            self.processes.extend(attempt(section.point_processes) or [])

    @rule(data=st.data())
    def iterate(self, data):
        section = self.pick(data, self.sections)
        segments = attempt(list, section) if section is not None else None
        self.others.extend((segments or [])[:3])

    @rule(data=st.data(), name=segment_names, variable=variable_names, value=junk)
    def segment_attribute(self, data, name, variable, value):
        segment = self.pick(data, [made for made in self.others if isinstance(made, Segment)])
        write = data.draw(st.booleans())
        if segment is None:
            return
        found = attempt(getattr, segment, name)
        if write:
            attempt(setattr, segment, name, value)
        if isinstance(found, Mechanism):
            attempt(getattr, found, variable)
            if write:
                attempt(setattr, found, variable, value)
            attempt(lambda: (found.name(), list(found), found.segment(), repr(found)))

    @rule(data=st.data())
    def connect_to_segment(self, data):
        child = self.pick(data, self.sections)
        segment = self.pick(data, [made for made in self.others if isinstance(made, Segment)])
        if child is not None and segment is not None:
            attempt(child.connect, segment)

    @rule(data=st.data(), x=numbers)
    def connect_sections(self, data, x):
        child, parent = self.pick(data, self.sections), self.pick(data, self.sections)
        if child is not None and parent is not None:
            attempt(child.connect, parent, x)

    @rule(data=st.data(), amplitude=st.one_of(numbers, st.lists(numbers, max_size=4)))
    def clamp(self, data, amplitude):
        section = self.pick(data, self.sections)
        made = attempt(section.iclamp, amplitude=amplitude) if section is not None else None
        if made is not None:
            self.processes.append(made)

    @rule(pattern=st.one_of(junk, st.lists(numbers, max_size=4)))
    def vecstim_pattern(self, pattern):
        made = attempt(p.VecStim, pattern=pattern)
        if made is not None:
            self.processes.append(made)

    @rule(data=st.data())
    def record_spikes(self, data):
        netcon = self.pick(data, self.others)
        if isinstance(netcon, NetCon):
            attempt(netcon.record)

    @rule(data=st.data(), mechanism=names)
    def insert(self, data, mechanism):
        section = self.pick(data, self.sections)
        if section is not None:
            attempt(section.insert, mechanism)

    @rule(
        data=st.data(), kind=st.sampled_from(["ExpSyn", "IClamp", "NetStim", "IntFire1", "VecStim"])
    )
    def point_process(self, data, kind):
        target = data.draw(st.one_of(st.just(None), junk, st.just("section")))
        if target == "section":
            target = self.pick(data, self.sections)
        made = (
            attempt(getattr(p, kind), target) if kind != "VecStim" else attempt(p.VecStim, target)
        )
        if made is not None:
            self.processes.append(made)

    @rule(data=st.data(), settings_=st.tuples(junk, junk, junk))
    def netcon(self, data, settings_):
        pool = [None, 3, "x", *self.sections, *self.processes, *self.others]
        source, target = self.pick(data, pool), self.pick(data, pool)
        weight, delay, threshold = settings_
        made = attempt(p.NetCon, source, target, weight=weight, delay=delay, threshold=threshold)
        if made is not None:
            self.others.append(made)

    @rule(data=st.data())
    def bulk(self, data):
        pool = [None, 7, *self.sections, *self.processes]
        sources = [self.pick(data, pool) for _ in range(data.draw(st.integers(0, 4)))]
        targets = [self.pick(data, pool) for _ in range(data.draw(st.integers(0, 4)))]
        made = attempt(p.NetCons, sources, targets, weight=data.draw(junk))
        if made is not None:
            self.others.append(made)

    @rule(data=st.data())
    def bulk_stimulate(self, data):
        places = [
            self.pick(data, [None, 7, *self.sections]) for _ in range(data.draw(st.integers(0, 3)))
        ]
        synapses = attempt(p.ExpSyn.many, places)
        if synapses is None:
            return
        indices = data.draw(st.one_of(junk, st.lists(st.integers(-4, 4), max_size=5)))
        chosen = attempt(synapses.__getitem__, indices)
        if isinstance(chosen, Collection):
            stimuli = attempt(chosen.stimulate, weight=data.draw(junk), interval=data.draw(junk))
            if stimuli is not None:
                self.others.append(stimuli)
        self.others.append(synapses)

    @rule(data=st.data())
    def bulk_from_temporaries(self, data):
        """Generators of objects NEURON makes anew on every access (segments, List.o(i)):
        each item must be its own, and what only the generator gave must be kept."""
        sections = [self.pick(data, self.sections) for _ in range(data.draw(st.integers(0, 4)))]
        # The generator is the user's code: on a deleted section NEURON's own segment call
        # raises there, which is not Patch's to handle.
        sections = [section for section in sections if section is not None and alive(section)]
        x = data.draw(st.sampled_from([0.1, 0.5, 0.9]))
        made = attempt(p.ExpSyn.many, (section.__neuron__()(x) for section in sections))
        if made is not None:
            placed = [attempt(lambda synapse: synapse.get_segment().sec, s) for s in made]
            expected = [section.__neuron__() for section in sections]
            assert all(a is None or a == b for a, b in zip(placed, expected, strict=True))
            self.others.append(made)
        stimuli = h.List()
        for _ in range(data.draw(st.integers(0, 4))):
            stimuli.append(h.NetStim())
        count = int(stimuli.count())
        connections = attempt(p.NetCons, (stimuli.o(i) for i in range(count)), None)
        if connections is not None:
            assert [c.pre() for c in connections] == [stimuli.o(i) for i in range(count)]
            self.others.append((stimuli, connections))
        generated = attempt(p.NetCons, (p.NetStim() for _ in range(data.draw(st.integers(0, 3)))))
        if generated is not None:
            gc.collect()
            assert all(connection.pre() is not None for connection in generated)
            self.others.append(generated)

    @rule(data=st.data(), value=junk)
    def bulk_parameters(self, data, value):
        collections = [other for other in self.others if isinstance(other, Collection)]
        collection = self.pick(data, collections)
        if collection is not None:
            name = data.draw(st.sampled_from(["tau", "e", "interval", "weight", "nosuch"]))
            attempt(collection.get, name)
            attempt(collection.set, name, value)

    @rule(data=st.data())
    def drop_bulk_between_runs(self, data):
        attempt(p.run, data.draw(st.floats(min_value=0, max_value=2)))
        self.others = [other for other in self.others if not isinstance(other, Collection)]
        gc.collect()
        attempt(p.continuerun, p.t + data.draw(st.floats(min_value=0, max_value=2)))

    @rule(data=st.data(), where=numbers)
    def record(self, data, where):
        section = self.pick(data, self.sections)
        made = attempt(section.record, where) if section is not None else None
        if made is not None:
            self.others.append(made)

    @rule(data=st.data())
    def raw_neuron_objects(self, data):
        kind = data.draw(st.sampled_from(["Section", "NetStim", "Vector", "List"]))
        self.others.append(getattr(h, kind)())

    @rule(data=st.data())
    def delete_section_behind_patchs_back(self, data):
        section = self.pick(data, self.sections)
        if section is not None and attempt(section.push) is not None:
            h.delete_section()

    @rule(data=st.data())
    def forget(self, data):
        for pool in (self.sections, self.processes, self.others):
            drop, index = data.draw(st.booleans()), data.draw(st.integers(0, 63))
            if pool and drop:
                pool.pop(index % len(pool))
        gc.collect()

    @rule(duration=st.floats(min_value=0, max_value=3))
    def run(self, duration):
        attempt(p.run, duration)

    @rule(duration=st.floats(min_value=0, max_value=3))
    def continue_run(self, duration):
        attempt(p.continuerun, p.t + duration)

    @invariant()
    def neuron_still_simulates(self):
        probe = p.Section(name="probe").insert("hh")
        voltage = probe.record()
        try:
            p.run(1)
        except HocSectionAccessError as refusal:
            # A model with NetCons into unplaced point processes is refused, typed.
            assert "without a section" in str(refusal)
            return
        assert len(voltage) == int(round(1 / p.dt)) + 1
        assert all(math.isfinite(v) for v in voltage)


if __name__ == "__main__":
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    PatchUnderAttack.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=15,
        deadline=None,
        derandomize=seed == 0,
        suppress_health_check=list(HealthCheck),
        # NEURON's state is global and outlives an example, so replaying to shrink would
        # not reproduce: report failures as found.
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
    )
    import unittest

    suite = unittest.TestLoader().loadTestsFromTestCase(PatchUnderAttack.TestCase)
    result = unittest.TextTestRunner(verbosity=0).run(suite)
    sys.stdout.flush()
    sys.stderr.flush()
    # The verdict is in; interpreter teardown after sections deleted behind Patch's back
    # is a known NEURON crash (see the note in docs/errors.md) and not what this tests.
    os._exit(0 if result.wasSuccessful() else 1)
