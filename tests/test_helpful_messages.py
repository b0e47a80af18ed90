"""Common mistakes say what went wrong, where, and the fix (issue 16): the messages
themselves, beyond the exception types of the bad-input table."""

import warnings

import pytest

from patch import p


@pytest.fixture
def soma():
    return p.Section(name="soma").insert("hh")


def message(code, **names):
    with pytest.raises(Exception) as raised:
        exec(code, {"p": p, **names})
    return str(raised.value)


def test_a_misspelt_mechanism_names_the_closest(soma):
    assert "Did you mean: hh?" in message("soma.insert('hhh')", soma=soma)
    assert "p.ExpSyn(section(0.5))" in message("soma.insert('ExpSyn')", soma=soma)
    assert "p.load_mechanisms" in message("soma.insert('xyzzy')", soma=soma)


def test_misspelt_variables_and_keywords_name_the_closest(soma):
    assert "Did you mean: gnabar," in message("soma(0.5).hh.gnabr = 0.2", soma=soma)
    assert "Did you mean: gnabar_hh" in message("soma.gnabar_hhh = 0.2", soma=soma)
    assert "Did you mean: tau?" in message("p.ExpSyn.many([soma], tua=2)", soma=soma)


@pytest.mark.parametrize(
    "code",
    ["soma(0.5).pas", "soma(0.5).g_pas", "soma.g_pas", "soma.g_pas = 0.001", "soma(0.5).pas.g"],
)
def test_a_mechanism_that_is_not_inserted_says_how_to_insert_it(soma, code):
    said = message(code, soma=soma)
    assert "not inserted in section soma" in said and 'insert("pas")' in said


def test_an_ion_variable_without_its_ion_says_what_brings_it():
    bare = p.Section(name="bare")
    said = message("p.Vector().record(bare(0.5)._ref_ina)", bare=bare)
    assert "ina is not present in section bare at bare(0.5)" in said and "hh" in said


def test_clamp_arguments_in_neurons_order_are_refused_with_the_meant_call(soma):
    said = message("soma.iclamp(5, 30, 0.3)", soma=soma)
    assert "first argument of iclamp is the position x" in said
    assert "section.iclamp(0.5, delay=5, duration=30, amplitude=0.3)" in said
    said = message("soma.iclamp(0.5, 0.3, 5, 30)", soma=soma)
    assert "section.iclamp(0.5, delay=5, duration=30, amplitude=0.3)" in said
    assert "amp=30" in said, "a strong current meant is passed as amp="


def test_neurons_clamp_keywords_are_accepted(soma):
    clamp = soma.iclamp(delay=5, dur=30, amp=0.3)
    assert (clamp.delay, clamp.duration, clamp.amplitude) == (5, 30, 0.3)
    assert soma.vclamp(dur=20).duration == 20
    strong = soma.iclamp(0.5, 0, 100, 10)
    assert strong.amplitude == 10, "no delay: nothing to mistake for an amplitude"
    assert soma.iclamp(0.5, 0.3, 5, amp=30).amplitude == 30


def test_a_loop_of_sections_is_named_at_connect():
    a, b, c = (p.Section(name=name) for name in "abc")
    b.connect(a(1))
    c.connect(b(1))
    with pytest.warns(UserWarning, match=r"closes a loop \(a -> b -> c -> a\)"):
        a.connect(c(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a.disconnect()
        d = p.Section(name="d")
        d.connect(c(1))


def test_running_on_without_initialising_warns(run_python):
    # A fresh process: this one has initialised before.
    out = run_python(
        "import warnings\n"
        "from patch import p\n"
        "p.Section(name='uninitialised').insert('hh')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    p.continuerun(0.1)\n"
        "    p.fadvance()\n"
        "print('WARNED', sum('before any p.finitialize' in str(w.message) for w in caught))\n"
    )
    assert "WARNED 2" in out


def test_a_recording_made_after_initialising_warns_when_the_run_goes_on(soma):
    p.finitialize(-65)
    late = soma.record()
    with pytest.warns(UserWarning, match="recording was made after it was initialised"):
        p.continuerun(1)
    assert len(late) == 0, "NEURON indeed left it empty"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p.continuerun(2)
        p.finitialize(-65)
        p.continuerun(1)
    assert len(late) > 0, "the next initialisation starts it"


def test_reprs_show_what_a_user_needs(soma):
    assert repr(p.Vector([1, 2, 3])) == "<patch Vector of 3: [1, 2, 3]>"
    assert repr(p.Vector(range(100))) == "<patch Vector of 100: [0, 1, 2, 3, …, 99]>"
    synapse, stimulus = p.ExpSyn(soma(0.5)), p.NetStim()
    connection = repr(p.NetCon(stimulus, synapse, weight=0.05, delay=2))
    assert connection.startswith("<patch NetCon NetStim[") and " → ExpSyn[" in connection
    assert "weight 0.05, delay 2 ms" in connection
    detector = repr(p.NetCon(soma(0.3), None))
    assert "soma(0.3) → no target (a spike detector)" in detector
    assert "threshold" in detector
    assert repr(soma) == "<patch Section soma>"
    assert repr(p.Section()) == "<patch Section without a name>"


def test_notebooks_get_compact_html(soma):
    assert soma._repr_html_().startswith("<b>Section</b> soma") and "hh" in soma._repr_html_()
    assert "<code>[1, 2]</code>" in p.Vector([1, 2])._repr_html_()
    html = p.NetCon(p.NetStim(), p.ExpSyn(soma))._repr_html_()
    assert html.startswith("<b>NetCon</b> NetStim[") and "&lt;" not in html
