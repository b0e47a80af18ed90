"""Cells from morphologies: Patch's build equals NEURON's Import3d (sections, connections,
3-D points, L and areas), simulates to the same voltages, and copies, groups, biophysics
and bad files behave as documented."""

import gc
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patch.objects
import patch.plot
from patch import exceptions, p

ROOT = Path(__file__).resolve().parent.parent
IMPORT3D = ROOT / "tests" / "support" / "import3d.py"
SHARED = ROOT.parent / "shared" / "data" / "morphologies"
SHARED_SWC = sorted(SHARED.glob("*.swc")) if SHARED.is_dir() else []
needs_shared = pytest.mark.skipif(not SHARED_SWC, reason=f"no shared morphologies at {SHARED}")

# Import3d's odd cases, each a file of its own (docs/morphologies.md).
ODD_CASES = {
    "one_point_soma": "1 1 0 0 0 5 -1\n2 3 6 0 0 1 1\n3 3 20 0 0 1 2\n4 3 0 8 0 0.5 1\n",
    "neuromorpho_three_point_soma": (
        "1 1 0 0 0 4 -1\n2 1 0 -4 0 4 1\n3 1 0 4 0 4 1\n4 3 0 8 0 1 1\n5 3 0 30 0 1 4\n"
    ),
    "soma_chain_with_interior_children": (
        "1 1 0 0 0 3 -1\n2 1 0 4 0 4 1\n3 1 0 8 0 3 2\n4 2 5 4 0 1 2\n5 2 15 4 0 1 4\n"
        "6 3 0 12 0 1 3\n7 3 0 20 0 0.8 6\n"
    ),
    "type_change_within_a_branch": (
        "1 1 0 0 0 3 -1\n2 1 0 5 0 3 1\n3 3 0 9 0 1 2\n4 3 0 14 0 1 3\n5 4 0 19 0 0.7 4\n"
        "6 4 0 25 0 0.5 5\n"
    ),
    "one_point_and_zero_length_sections": (
        "1 1 0 0 0 3 -1\n2 1 0 5 0 3 1\n3 3 0 9 0 1 2\n4 3 4 12 0 1 3\n5 3 0 12 0 1 3\n"
        "6 3 0 12 0 1 5\n7 3 0 18 0 1 6\n"
    ),
    "custom_and_undefined_types": (
        "1 1 0 0 0 3 -1\n2 1 0 5 0 3 1\n3 7 0 9 0 1 2\n4 7 0 14 0 1 3\n5 0 3 14 0 1 4\n"
        "6 0 6 18 0 1 5\n7 12 -3 14 0 1 4\n8 12 -6 18 0 1 7\n"
    ),
    "no_soma": "1 3 0 0 0 1 -1\n2 3 0 10 0 1 1\n3 3 5 15 0 1 2\n4 3 -5 15 0 1 2\n",
    "two_roots": "1 1 0 0 0 2 -1\n2 1 0 3 0 2 1\n3 3 10 0 0 1 -1\n4 3 10 10 0 1 3\n",
    "ids_with_gaps_and_comments": (
        "# written by hand\n10 1 0 0 0 3 -1\n20 1 0 5 0 3 10  # soma\n\n40 3 0 9 0 1 20\n"
        "90 3 0 19 0 1 40\n"
    ),
}


def import3d(paths: list[Path]) -> list[dict]:
    """NEURON's own Import3d of each file, in a fresh process (tests/support/import3d.py)."""
    finished = subprocess.run(
        [sys.executable, str(IMPORT3D), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    cells = json.loads(finished.stdout)
    return cells if len(paths) > 1 else [cells]


def described(cell) -> dict:
    """A Patch cell, section by section as NEURON has it, by Import3d's section names."""
    sections = {}
    for section in cell.sections:
        neuron = section.__neuron__()
        parent = neuron.parentseg()
        sections[neuron.name().split(".", 1)[1]] = {
            "parent": None if parent is None else parent.sec.name().split(".", 1)[1],
            "parent_x": None if parent is None else parent.x,
            "points": [
                [neuron.x3d(i), neuron.y3d(i), neuron.z3d(i), neuron.diam3d(i)]
                for i in range(neuron.n3d())
            ],
            "L": neuron.L,
            "areas": [segment.area() for segment in neuron],
        }
    return sections


def assert_same_cell(path: Path, reference: dict) -> None:
    ours = described(p.load_morphology(path).instantiate())
    names = [section["name"] for section in reference["sections"]]
    assert sorted(ours) == sorted(names), path.name
    for section in reference["sections"]:
        mine = ours[section["name"]]
        parent = None if section["parent"] is None else names[section["parent"]]
        where = f"{path.name} {section['name']}"
        assert (mine["parent"], mine["parent_x"]) == (parent, section["parent_x"]), where
        assert np.array(mine["points"]).shape == np.array(section["points"]).shape, where
        np.testing.assert_allclose(mine["points"], section["points"], rtol=0, atol=1e-9)
        assert mine["L"] == pytest.approx(section["L"], abs=1e-9), where
        np.testing.assert_allclose(mine["areas"], section["areas"], rtol=0, atol=1e-9)


@needs_shared
def test_every_shared_swc_builds_import3ds_cell():
    for path, reference in zip(SHARED_SWC, import3d(SHARED_SWC), strict=True):
        assert reference["error"] is None, reference["error"]
        assert_same_cell(path, reference)


def test_import3ds_odd_cases_are_matched(tmp_path):
    paths = []
    for name, text in ODD_CASES.items():
        paths.append(tmp_path / f"{name}.swc")
        paths[-1].write_text(text)
    for path, reference in zip(paths, import3d(paths), strict=True):
        assert_same_cell(path, reference)


def random_tree(rng: random.Random) -> str:
    """An SWC tree with a soma of 1 to 4 points, branches of several types, bends,
    repeated points and branch points anywhere."""
    lines = []
    soma_points = rng.choice([1, 2, 3, 4])
    for index in range(1, soma_points + 1):
        parent = index - 1 if index > 1 else -1
        lines.append((index, 1, 0.0, 3.0 * (index - 1), 0.0, rng.uniform(2, 6), parent))
    for index in range(soma_points + 1, rng.randint(soma_points + 3, 60)):
        parent = rng.randrange(1, index)
        kind = lines[parent - 1][1] if rng.random() < 0.7 else rng.choice([2, 3, 4, 9])
        if kind == 1:
            kind = 3
        x, y, z = lines[parent - 1][2:5]
        step = [rng.choice([0.0, rng.uniform(-8, 8)]) for _ in range(3)]
        lines.append(
            (index, kind, x + step[0], y + step[1], z + step[2], rng.uniform(0.2, 2), parent)
        )
    return "".join(
        f"{i} {t} {x:.6g} {y:.6g} {z:.6g} {r:.6g} {p}\n" for i, t, x, y, z, r, p in lines
    )


def test_random_trees_are_built_as_import3d_builds_them(tmp_path):
    rng = random.Random(20261201)
    paths = []
    for number in range(30):
        paths.append(tmp_path / f"random{number}.swc")
        paths[-1].write_text(random_tree(rng))
    for path, reference in zip(paths, import3d(paths), strict=True):
        assert_same_cell(path, reference)


# The same model built two ways, in fresh processes: Import3d and NEURON's own calls, or
# Patch's bulk calls. pas everywhere, hh in the soma (or the first section), nseg by the
# d_lambda rule, a current step into the first section.
SIMULATE_PLAIN = r"""
import json, sys
from neuron import h
h.load_file("stdrun.hoc"); h.load_file("import3d.hoc")
reader = h.Import3d_SWC_read(); reader.input(sys.argv[1])
h.Import3d_GUI(reader, False).instantiate(None)
sections = list(h.allsec())
somatic = [s for s in sections if s.name().startswith("soma")] or sections[:1]
for s in sections:
    s.insert("pas"); s.g_pas = 2e-4; s.e_pas = -65; s.Ra = 120; s.cm = 1.5
for s in somatic:
    s.insert("hh"); s.gnabar_hh = 0.15
for s in sections:
    s.nseg = int((s.L / (0.1 * h.lambda_f(100, sec=s)) + 0.9) / 2) * 2 + 1
first = somatic[0]
stim = h.IClamp(first(0.5)); stim.delay = 1; stim.dur = 5; stim.amp = 0.8
recordings = {s.name(): h.Vector().record(s(0.5)._ref_v) for s in sections}
h.celsius = 32; h.dt = 0.025
h.finitialize(-65); h.continuerun(15)
print(json.dumps({"nseg": {s.name(): s.nseg for s in sections},
                  "v": {name: list(v) for name, v in recordings.items()}}))
"""

SIMULATE_PATCH = r"""
import json, sys
from patch import p
cell = p.load_morphology(sys.argv[1]).instantiate()
cell.insert("pas", g=2e-4, e=-65).set(Ra=120, cm=1.5)
if cell.soma is not None:
    cell.insert("hh", "soma", gnabar=0.15)
    first = cell.soma
else:
    first = cell.sections[0]
    first.insert("hh")
    first.gnabar_hh = 0.15
cell.set_nseg(d_lambda=0.1, frequency=100)
stim = p.IClamp(first(0.5)); stim.delay = 1; stim.dur = 5; stim.amp = 0.8
name = lambda s: s.__neuron__().name().split(".", 1)[1]
recordings = {name(s): p.Vector().record(s(0.5)._ref_v) for s in cell.sections}
p.celsius = 32; p.dt = 0.025
p.finitialize(-65); p.continuerun(15)
print(json.dumps({"nseg": {name(s): s.nseg for s in cell.sections},
                  "v": {name: list(v) for name, v in recordings.items()}}))
"""


def simulate(script: str, path: Path) -> dict:
    finished = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


@needs_shared
@pytest.mark.parametrize("path", SHARED_SWC, ids=[path.stem for path in SHARED_SWC])
def test_shared_cells_simulate_as_import3ds_do(path):
    plain, ours = simulate(SIMULATE_PLAIN, path), simulate(SIMULATE_PATCH, path)
    assert ours["nseg"] == plain["nseg"]
    assert sorted(ours["v"]) == sorted(plain["v"])
    for name, voltages in plain["v"].items():
        np.testing.assert_allclose(ours["v"][name], voltages, rtol=0, atol=1e-9, err_msg=name)
    # The model does something: the current step moves the first section.
    first = next(iter(plain["v"].values()))
    assert max(first) - min(first) > 1


BALL_AND_STICK = (
    "1 1 0 0 0 6 -1\n2 1 0 12 0 6 1\n3 3 0 12 0 1 2\n4 3 0 212 0 1 3\n"
    "5 2 0 0 0 0.5 1\n6 2 0 -50 0 0.5 5\n"
)


@pytest.fixture
def morphology(tmp_path):
    path = tmp_path / "ball.swc"
    path.write_text(BALL_AND_STICK)
    return p.load_morphology(path)


def test_the_files_points_are_numpy_arrays_made_once(morphology):
    assert morphology.points.shape == (6, 3)
    assert morphology.points[3].tolist() == [0.0, 212.0, 0.0]
    assert morphology.radii.tolist() == [6, 6, 1, 1, 0.5, 0.5]
    assert morphology.types.tolist() == [1, 1, 3, 3, 2, 2]
    assert morphology.parents.tolist() == [-1, 0, 1, 2, 0, 4]
    assert morphology.points is morphology.points
    with pytest.raises(ValueError):
        morphology.points[0, 0] = 1  # read-only: every cell is built from them


def test_sections_come_in_file_order_named_as_import3d_names_them(morphology):
    assert len(morphology) == 3
    assert morphology.section_names == ["soma[0]", "dend[0]", "axon[0]"]
    assert morphology.section_types.tolist() == [1, 3, 2]
    assert morphology.section_parents.tolist() == [-1, 0, 0]
    assert morphology.section_parent_x[1:].tolist() == [1.0, 0.0]
    offsets = morphology.section_offsets
    assert offsets.tolist()[0] == 0 and offsets[-1] == len(morphology.section_points)
    assert morphology.section_points.shape[1] == 4


def test_a_cell_has_its_sections_by_group(morphology):
    cell = morphology.instantiate()
    assert [str(s) for s in cell.sections] == [
        f"{cell}.soma[0]",
        f"{cell}.dend[0]",
        f"{cell}.axon[0]",
    ]
    assert cell.soma == cell.sections[0]
    assert cell.dend == [cell.sections[1]] and cell.axon == [cell.sections[2]]
    assert cell.apic == []
    assert cell.groups == {"soma": [cell.soma], "dend": cell.dend, "axon": cell.axon}
    assert cell.group(["soma", 2]) == [cell.soma, cell.axon[0]]
    assert cell.group("all") == cell.sections == list(cell)
    assert len(cell) == 3 and cell.morphology is morphology
    assert cell.sections[1].parentseg().sec == cell.soma
    assert isinstance(cell.soma, patch.objects.Section)


def test_copies_are_independent_and_go_when_let_go(morphology):
    before = len(list(p.allsec()))
    cells = morphology.instantiate(4)
    assert len(cells) == 4 and len(list(p.allsec())) == before + 12
    assert len({str(cell) for cell in cells}) == 4
    assert cells[0].soma != cells[1].soma
    cells[0].set(group="soma", cm=3)
    assert cells[0].soma.cm == 3 and cells[1].soma.cm == 1
    kept = cells[2].dend[0]
    del cells
    gc.collect()
    # A section you hold keeps its whole cell, connected as it was.
    assert len(list(p.allsec())) == before + 3
    assert kept.parentseg() is not None
    del kept
    gc.collect()
    assert len(list(p.allsec())) == before


def test_cells_can_be_indexed_sliced_and_iterated(morphology):
    cells = morphology.instantiate(5)
    assert cells[-1] is list(cells)[4]
    assert len(cells[1:4]) == 3 and cells[1:4][0] is cells[1]
    with pytest.raises(IndexError):
        cells[5]
    with pytest.raises(ValueError):
        morphology.instantiate(0)
    with pytest.raises(ValueError):
        morphology.instantiate(-2)


def test_biophysics_in_bulk_reach_every_segment(morphology):
    cells = morphology.instantiate(3)
    cells.insert("pas", g=3e-4, e=-70).insert("hh", "soma", gnabar=0.2).set(Ra=150, cm=2)
    for cell in cells:
        for section in cell.sections:
            assert section.Ra == 150
            assert all(seg.g_pas == 3e-4 and seg.e_pas == -70 and seg.cm == 2 for seg in section)
        assert all(seg.gnabar_hh == 0.2 for seg in cell.soma)
        assert not cell.dend[0].has_membrane("hh")
    cells[0].set("soma", gnabar_hh=0.3)
    assert cells[0].soma(0.5).gnabar_hh == 0.3 and cells[1].soma(0.5).gnabar_hh == 0.2


def test_nseg_follows_neurons_d_lambda_rule(morphology):
    cell = morphology.instantiate().set(Ra=100, cm=1).set_nseg(d_lambda=0.1, frequency=100)
    from neuron import h

    for section in cell.sections:
        neuron = section.__neuron__()
        rule = int((neuron.L / (0.1 * h.lambda_f(100, sec=neuron)) + 0.9) / 2) * 2 + 1
        assert section.nseg == rule and section.nseg % 2 == 1
    assert cell.dend[0].nseg > 1
    finer = morphology.instantiate().set(Ra=100, cm=1).set_nseg(d_lambda=0.02)
    assert finer.dend[0].nseg > cell.dend[0].nseg


def test_biophysics_typos_name_what_was_meant(morphology):
    cell = morphology.instantiate()
    with pytest.raises(ValueError, match="Did you mean: hh"):
        cell.insert("hhh")
    with pytest.raises(AttributeError, match="Did you mean: gnabar"):
        cell.insert("hh", gnabr=0.1)
    with pytest.raises(AttributeError, match="Did you mean: g_pas"):
        cell.set(g_pass=1e-4)
    with pytest.raises(AttributeError, match="insert its mechanism"):
        cell.set(gnabar_hh=0.1)
    with pytest.raises(ValueError, match='no group "dendrite"'):
        cell.set("dendrite", cm=1)
    with pytest.raises(ValueError, match="set_nseg"):
        cell.set(nseg=3)
    with pytest.raises(ValueError):
        cell.set_nseg(d_lambda=0)
    # A refused call changed nothing.
    assert not cell.soma.has_membrane("hh")


def test_a_malformed_file_builds_nothing(tmp_path):
    before = len(list(p.allsec()))
    path = tmp_path / "bad.swc"
    path.write_text("1 1 0 0 0 5 -1\n2 3 0 10 0 1 1\n3 3 0 20 0 one 2\n")
    message = re.escape(f'{path}, line 3: radius "one" is not a finite number')
    with pytest.raises(exceptions.MorphologyError, match=message):
        p.load_morphology(path)
    assert len(list(p.allsec())) == before


NEUROLUCIDA = """("CellBody"
 (CellBody)
 ( 0 0 0 2)
 ( 4 0 0 2)
 ( 4 4 0 2)
 ( 0 4 0 2)
)
((Dendrite)
 ( 2 4 0 1)
 ( 2 12 0 1)
 (
  ( 2 12 0 1)
  ( 6 17 0 0.8)
 |
  ( 2 12 0 1)
  ( -2 17 0 0.8)
 )
)
"""


def test_neurolucida_files_are_read_with_morphio(tmp_path):
    pytest.importorskip("morphio")
    path = tmp_path / "cell.asc"
    path.write_text(NEUROLUCIDA)
    morphology = p.load_morphology(path)
    # The contour soma becomes one point at its centre: Import3d's cylinder for it.
    assert morphology.section_names == ["soma[0]", "dend[0]", "dend[1]", "dend[2]"]
    assert morphology.section_parent_x.tolist()[1:] == [0.5, 1.0, 1.0]
    cell = morphology.instantiate()
    assert cell.dend[1].L == pytest.approx(np.hypot(4, 5), rel=1e-6)
    assert cell.soma.L == pytest.approx(cell.soma(0.5).diam)
    if (SHARED / "GolgiCell.asc").is_file():
        assert len(p.load_morphology(SHARED / "GolgiCell.asc")) == 227


def test_without_morphio_neurolucida_files_say_what_to_install(run_python, tmp_path):
    path = tmp_path / "cell.asc"
    path.write_text(NEUROLUCIDA)
    code = f"""
import sys
sys.modules["morphio"] = None  # as if it were not installed
from patch import p
try:
    p.load_morphology({str(path)!r})
except ImportError as error:
    print(error)
"""
    assert "pip install morphio" in run_python(code)


def test_a_morphology_plots_without_neuron(morphology):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    axes = morphology.plot()
    assert len(axes.collections) == 1
    cell_axes = patch.plot.morphology(morphology.instantiate())
    assert len(cell_axes.collections) == 1


def test_what_is_made_on_a_cells_sections_stays_with_the_cell(morphology):
    cell = morphology.instantiate()
    cell.soma.iclamp(delay=0, duration=1, amplitude=1)
    cell.dend[0].record()
    gc.collect()
    assert cell.soma is cell.sections[0]
    assert len(cell.soma.point_processes()) == 1
    assert len(cell.dend[0].recordings) == 1


FIELDS = st.sampled_from(["1", "2", "3", "-1", "0", "7", "2.5", "-3", "1e3", "nan", "inf", "x", ""])


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.lists(FIELDS, min_size=5, max_size=9).map(" ".join),
            st.tuples(
                st.integers(1, 12),
                st.integers(-2, 12),
                st.floats(-50, 50),
                st.floats(-50, 50),
                st.floats(-5, 5),
                st.integers(-12, 12),
            ).map(lambda row: f"{row[0]} {row[1]} {row[2]} {row[3]} 0 {row[4]} {row[5]}"),
            st.just("# a comment"),
        ),
        max_size=14,
    )
)
def test_any_file_is_a_cell_or_a_morphology_error(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("swc") / "fuzz.swc"
    path.write_text("\n".join(lines) + "\n")
    before = len(list(p.allsec()))
    try:
        morphology = p.load_morphology(path)
    except exceptions.MorphologyError as error:
        assert str(path) in str(error)
        assert len(list(p.allsec())) == before
        return
    cell = morphology.instantiate()
    assert len(cell.sections) == len(morphology)
    assert all(section.n3d() >= 2 and section.L >= 0 for section in cell.sections)
    del cell
    gc.collect()
    assert len(list(p.allsec())) == before
