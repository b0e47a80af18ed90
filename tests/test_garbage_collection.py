"""Nothing the user holds disappears; nothing the user dropped stays."""

import gc
import weakref

from neuron import h

from patch import p


def neuron_count(class_name):
    return int(h.List(class_name).count())


def section_count():
    return sum(1 for _ in h.allsec())


def test_dropped_wrappers_and_their_neuron_objects_are_freed():
    gc.collect()
    baseline = (section_count(), neuron_count("ExpSyn"), neuron_count("Vector"))

    def build():
        soma = p.Section(name="gc_soma")
        dend = p.Section(name="gc_dend")
        dend.connect(soma)
        synapse = p.ExpSyn(dend)
        clamp = soma.iclamp(amp=[0.1, 0.2])
        recording = soma.record()
        return [weakref.ref(x) for x in (soma, dend, synapse, clamp, recording)]

    references = build()
    gc.collect()
    assert all(reference() is None for reference in references)
    assert (section_count(), neuron_count("ExpSyn"), neuron_count("Vector")) == baseline


def test_the_registry_does_not_keep_wrappers_alive():
    vector = p.Vector([1])
    reference = weakref.ref(vector)
    del vector
    gc.collect()
    assert reference() is None


def test_rounds_of_building_and_dropping_do_not_grow():
    def round_trip():
        sections = [p.Section(name=f"round_{i}") for i in range(50)]
        for child, parent in zip(sections[1:], sections[:-1], strict=True):
            child.connect(parent)
            p.ExpSyn(child)
        sections[0].record()

    gc.collect()
    baseline = (section_count(), neuron_count("ExpSyn"), neuron_count("Vector"))
    for _ in range(20):
        round_trip()
        gc.collect()
    assert (section_count(), neuron_count("ExpSyn"), neuron_count("Vector")) == baseline


def test_a_synapse_made_in_a_function_still_works_while_its_section_is_held():
    def add_synapse(section):
        synapse = p.ExpSyn(section)
        stimulus = p.NetStim(number=1, start=1)
        connection = h.NetCon(stimulus.__neuron__(), synapse.__neuron__(), 0, 0, 0.1)
        synapse.__ref__(stimulus)
        synapse.__ref__(connection)
        return weakref.ref(synapse)

    section = p.Section(name="held").insert("pas")
    synapse = add_synapse(section)
    gc.collect()
    assert synapse() is not None, "the section keeps its synapse"
    current = p.Vector().record(synapse())
    p.finitialize(-65)
    p.continuerun(5)
    assert min(current) < -1e-3, "the spike reached the synapse"
