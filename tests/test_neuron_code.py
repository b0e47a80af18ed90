"""Plain NEURON code runs through Patch's `h` (`from patch import h`) and gives NEURON's
numbers: NEURON's spelling keeps NEURON's meaning and defaults."""

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from neuron import h as neuron_h

import patch
import patch.objects
from patch import h, p
from patch.exceptions import HocError

SCRIPTS = Path(__file__).resolve().parent / "scripts"


def tutorial(mode):
    finished = subprocess.run(
        [sys.executable, str(SCRIPTS / "ball_and_stick_tutorial.py"), mode],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_neurons_ball_and_stick_tutorial_gives_neurons_spikes_and_voltages():
    plain, through_patch = tutorial("neuron"), tutorial("patch")
    assert sum(map(len, plain["spikes"])) == 14
    assert through_patch["spikes"] == plain["spikes"]
    assert through_patch["time"] == plain["time"]
    differences = zip(through_patch["soma_v"], plain["soma_v"], strict=True)
    assert max(abs(a - b) for a, b in differences) < 1e-9
    assert through_patch["thresholds"] == [10.0] * 5


# 10. NEURON's spelling, NEURON's defaults


def test_neuron_spelled_netcons_get_neurons_defaults():
    section = h.Section(name="spelling")
    synapse = h.ExpSyn(section(0.5))
    neuron_style = h.NetCon(section(0.5)._ref_v, synapse, sec=section)
    assert (neuron_style.threshold, neuron_style.delay, neuron_style.weight[0]) == (10, 1, 0)
    positional = h.NetCon(h.NetStim(), synapse, 5, 2, 0.3)
    assert (positional.threshold, positional.delay, positional.weight[0]) == (5, 2, 0.3)
    other = h.Section(name="spelling_patch")
    patch_style = p.NetCon(other, h.ExpSyn(other(0.5)))
    assert (patch_style.threshold, patch_style.delay, patch_style.weight[0]) == (-20, 1, 0.1)


# 11. Everyday NEURON idioms


@pytest.fixture
def celsius_of_neuron():
    """NEURON's temperature (Patch starts at 32 degC) for hh cells tuned at 6.3 degC."""
    h.celsius = 6.3
    yield
    h.celsius = 32


def test_vector_record_takes_sec():
    section = h.Section(name="recsec")
    vector = h.Vector().record(section(0.5)._ref_v, sec=section)
    h.finitialize(-65)
    h.continuerun(1)
    assert len(vector) > 1 and vector[0] == -65


def test_a_pointer_source_without_sec_in_the_accessed_section(run_python):
    out = run_python(
        "from patch import h\n"
        "first = h.Section(name='first')\n"
        "second = h.Section(name='second')\n"
        "raw = first.__neuron__()(0.5)._ref_v\n"
        "detector = h.NetCon(raw, None)\n"
        "print(detector.preseg().sec.name(), detector.threshold)\n"
        "try:\n"
        "    h.NetCon(second.__neuron__()(0.5)._ref_v, None)\n"
        "except ConnectionError as error:\n"
        "    print('refused', 'sec=' in str(error))\n"
        "# Patch's own pointers know their section:\n"
        "print(h.NetCon(second(0.5)._ref_v, None).preseg().sec.name())\n"
    )
    assert out.split() == ["first", "10.0", "refused", "True", "second"]


def test_netcon_record_with_ids(celsius_of_neuron):
    source = h.Section(name="ids")
    source.insert("hh")
    source.L = source.diam = 10
    stimulus = h.IClamp(source(0.5))
    stimulus.delay, stimulus.dur, stimulus.amp = 1, 2, 0.5
    detector = h.NetCon(source(0.5)._ref_v, None, sec=source)
    times, ids = h.Vector(), h.Vector()
    detector.record(times, ids, 42)
    h.finitialize(-65)
    h.continuerun(10)
    assert len(times) == 1 and list(ids) == [42]


def test_neuron_calls_returning_sections_give_patch_sections():
    soma = h.Section(name="allsec_soma")
    assert any(section is soma for section in p.allsec())
    assert all(isinstance(section, patch.objects.Section) for section in h.allsec())
    listed = h.SectionList([soma])
    assert [section for section in listed] == [soma]
    assert soma.wholetree() == [soma]


def test_keywords_and_methods_take_patch_objects():
    section = h.Section(name="kw")
    h.pt3dclear(sec=section)
    h.pt3dadd(0, 0, 0, 2, sec=section)
    h.pt3dadd(10, 0, 0, 2, sec=section)
    assert section.n3d() == 2 and h.n3d(sec=section) == 2
    assert h.secname(sec=section) == neuron_h.secname(sec=section.__neuron__())


def test_bound_methods_compare_equal_and_carry_neurons_docs():
    class Cell:
        pass

    cell = Cell()
    section = h.Section(name="soma", cell=cell)
    assert section.cell == section.cell
    assert section.cell() is cell
    assert hash(section.cell) == hash(section.cell)
    assert h.Vector.__doc__ == neuron_h.Vector.__doc__
    assert h.distance.__doc__ == neuron_h.distance.__doc__


# 12. What the user let go of is gone before NEURON looks


def test_sections_let_go_of_are_gone_at_once():
    before = len(list(h.allsec()))

    def cell():
        soma = h.Section(name="gone_soma")
        dendrites = [h.Section(name="gone_dend") for _ in range(3)]
        for dendrite in dendrites:
            dendrite.connect(soma)
        return soma

    soma = cell()
    assert len(list(h.allsec())) == before + 4
    del soma
    assert len(list(h.allsec())) == before


def test_nlayer_extracellular_is_refused_while_sections_use_extracellular(run_python):
    out = run_python(
        "from patch import h\n"
        "from patch.exceptions import HocError\n"
        "def model():\n"
        "    cable = [h.Section(name=f'cable{i}') for i in range(2)]\n"
        "    cable[1].connect(cable[0](1))\n"
        "    for section in cable:\n"
        "        section.insert('extracellular')\n"
        "    return cable\n"
        "for layers in [1, 2, 3]:\n"
        "    h.nlayer_extracellular(layers)\n"
        "    m = model()\n"
        "    h.finitialize(-65)\n"
        "    h.continuerun(1)\n"
        "    del m\n"
        "m = model()\n"
        "try:\n"
        "    h.nlayer_extracellular(1)\n"
        "except HocError as error:\n"
        "    print('refused', 'extracellular' in str(error))\n"
        "print(h.nlayer_extracellular())\n"
        "h.finitialize(-65)\n"
        "h.continuerun(1)\n"
        "print('still simulating')\n"
    )
    assert out.split() == ["refused", "True", "3.0", "still", "simulating"]


def test_bbsavestate_is_refused_where_neuron_would_abort(run_python):
    out = run_python(
        "from patch import h\n"
        "from patch.exceptions import HocError\n"
        "cell = h.Section(name='bbss')\n"
        "one = h.NetStim()\n"
        "first = h.NetCon(one, h.ExpSyn(cell(0.5)))\n"
        "h.finitialize(-65)\n"
        "state = h.BBSaveState()\n"
        "state.save_test()\n"
        "print('saved')\n"
        "two = h.NetStim()\n"
        "netcons = [h.NetCon(two, h.ExpSyn(cell(0.5))) for _ in range(2)]\n"
        "h.finitialize(-65)\n"
        "try:\n"
        "    state.save_test()\n"
        "except HocError as error:\n"
        "    print('refused', 'more than one' in str(error))\n"
        "h.continuerun(1)\n"
        "print('still simulating')\n"
    )
    assert out.split() == ["saved", "refused", "True", "still", "simulating"]


# 13. NEURON and Python calling back into Patch


def test_callbacks_into_patch_during_patch_calls_do_not_hang(run_python):
    out = run_python(
        textwrap.dedent(
            """
            from patch import h, p
            import patch.objects

            class Marked(patch.objects.Section):
                @property
                def mark(self):
                    return 1

                @mark.setter
                def mark(self, value):
                    pass

            class Hooked(patch.objects.Section):
                @property
                def hook(self):
                    return 1

                @hook.setter
                def hook(self, value):
                    pass

                def __getattr__(self, name):
                    # Runs while Patch looks this class's settable attributes up: it
                    # sets an attribute of another class, which Patch looks up too.
                    other = Marked(h.Section(name="other").__neuron__())
                    other.mark = 2
                    return super().__getattr__(name)

            section = Hooked(h.Section(name="hooked").__neuron__())
            section.L = 20
            synapse = p.ExpSyn(section)
            seen = []

            def on_initialise():
                # NEURON calls back into Patch while Patch initialises: Patch wraps
                # objects of a class it has not seen yet and sets attributes.
                seen.append(type(h.List()).__name__)
                synapse.tau = 3
                synapse.note = "set during finitialize"

            handler = h.FInitializeHandler(on_initialise)
            h.finitialize(-65)
            print(section.L, synapse.tau, seen[0])
            """
        ),
        timeout=60,
    )
    assert out.split() == ["20.0", "3.0", "PythonHocObject"]


def test_no_lock_is_held_while_another_thread_waits_for_the_gil():
    errors = []

    def work():
        try:
            for _ in range(200):
                section = p.Section(name="threaded")
                section.labels = ["x"]
                p.ExpSyn(section).tau = 2
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlock"
    assert errors == []


def test_hoc_errors_stay_runtime_errors():
    with pytest.raises(RuntimeError):
        h("x = = 1")
    with pytest.raises(HocError):
        h("x = = 1")
