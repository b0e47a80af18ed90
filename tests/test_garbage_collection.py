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


def test_a_network_built_in_a_function_delivers_spikes_while_the_cell_is_held():
    cell = p.Section(name="held_cell").insert("pas")
    cell.set_dimensions(10, 10)

    def wire(section):
        synapse = p.ExpSyn(section)
        stimulus = p.NetStim(number=1, start=1)
        p.NetCon(stimulus, synapse, weight=0.5)

    wire(cell)
    gc.collect()
    assert h.List("NetCon").count() >= 1
    voltage = cell.record()
    p.run(5, v_init=-70)
    assert max(voltage) > -60, "the synapse made in the function depolarised the cell"


def test_100000_connections_built_and_dropped_in_rounds_leave_nothing_behind():
    gc.collect()
    baseline = {name: neuron_count(name) for name in ["NetCon", "NetStim", "ExpSyn"]}
    sections_before = section_count()
    samples = []
    for _ in range(10):
        cell = p.Section(name="round_cell")
        synapses = [p.ExpSyn(cell) for _ in range(10)]
        for index in range(10_000):
            connection = p.NetCon(p.NetStim(), synapses[index % 10], weight=0.01)
        samples.append(weakref.ref(connection))
        assert neuron_count("NetCon") == baseline["NetCon"] + 10_000
        del cell, synapses, connection
        gc.collect()
        assert {name: neuron_count(name) for name in baseline} == baseline
    assert all(sample() is None for sample in samples)
    assert section_count() == sections_before


def test_the_garbage_collector_can_run_at_any_allocation(run_python):
    out = run_python(
        "import gc\n"
        "gc.set_threshold(1, 1, 1)\n"
        "from patch import p\n"
        "for _ in range(200):\n"
        "    s = p.Section(name='stress')\n"
        "    s.insert('hh').record()\n"
        "    syn = p.ExpSyn(s(0.5))\n"
        "    stim = p.VecStim(pattern=[1.0])\n"
        "    p.NetCon(stim, syn)\n"
        "    p.NetCons(p.NetStim.many(3), p.IntFire1.many(3))[1]\n"
        "    p.SectionRef(s).sec.iclamp(amp=[0.1, 0.2])\n"
        "    p.Vector([1, 2]) + p.Vector([3, 4])\n"
        "print('survived')\n"
    )
    assert "survived" in out


def test_continuing_after_freeing_objects_with_pending_events_is_refused_not_a_crash(run_python):
    out = run_python(
        "import gc\n"
        "from patch import p\n"
        "from patch.exceptions import UninitializedError\n"
        "def build():\n"
        "    s = p.Section(name='tmp').insert('hh')\n"
        "    p.NetCon(p.NetStim(number=100, start=0, interval=1), p.ExpSyn(s), delay=3)\n"
        "    return s\n"
        "keep = p.Section(name='keep')\n"
        "model = build()\n"
        "p.run(5)\n"
        "del model\n"
        "gc.collect()\n"
        "try:\n"
        "    p.continuerun(20)\n"
        "except UninitializedError as error:\n"
        "    print('refused:', 'p.finitialize()' in str(error))\n"
        "p.run(20)\n"
        "p.continuerun(30)\n"
        "gc.set_threshold(1, 1, 1)\n"
        "model = build()\n"
        "p.run(20, progress=True)\n"
        "print('survived', round(p.t))\n"
    )
    assert "refused: True" in out
    assert "survived 20" in out
