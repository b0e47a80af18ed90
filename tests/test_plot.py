"""patch.plot draws what it is given, with real NEURON recordings and sections."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from neuron import h  # noqa: E402

import patch.plot  # noqa: E402
from patch import p  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def straight(name, start, end, diameter=2.0, segments=1):
    """A section along a straight line between two 3-D points."""
    section = p.Section(name=name)
    section.add_3d([start, end], diameter)
    section.set_segments(segments)
    return section


def only_collection(ax):
    assert len(ax.collections) == 1
    return ax.collections[0]


# trace


@pytest.fixture
def recorded_cell():
    """An hh soma with a synapse, 5 ms simulated: a synaptic current and a gating variable."""
    soma = p.Section(name="traced").insert("hh")
    synapse = p.ExpSyn(soma(0.5))
    stimulus = synapse.stimulate(start=1, number=1, weight=0.5)
    current = p.record(synapse)
    gate = p.Vector().record(soma(0.5).hh._ref_m)
    p.finitialize(-65)
    p.continuerun(5)
    return soma, stimulus, current, gate


def test_trace_plots_each_recording_against_time(recorded_cell):
    _, _, current, gate = recorded_cell
    ax = patch.plot.trace(current, gate, label=["current", "m"], ylabel="mixed")
    time = np.asarray(p.time)
    assert len(ax.lines) == 2
    for line, values in zip(ax.lines, (current, gate), strict=True):
        assert np.array_equal(line.get_xdata(), time)
        assert np.array_equal(line.get_ydata(), np.asarray(values))
    assert np.asarray(current).min() < 0, "the synapse drew current"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["current", "m"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "mixed")


def test_trace_takes_the_time_first_as_matplotlib_does(recorded_cell):
    _, _, current, _ = recorded_cell
    ax = patch.plot.trace(p.time, current)
    assert len(ax.lines) == 1, "the time points are not a trace of their own"
    assert np.array_equal(ax.lines[0].get_xdata(), np.asarray(p.time))
    assert np.array_equal(ax.lines[0].get_ydata(), np.asarray(current))


def test_trace_takes_neuron_vectors_arrays_and_lists_cut_to_the_shorter(recorded_cell):
    time = np.asarray(p.time)
    ax = patch.plot.trace(h.Vector([1, 2, 3]), np.arange(len(time) + 10.0), [5.0, 6.0])
    lengths = [len(line.get_xdata()) for line in ax.lines]
    assert lengths == [3, len(time), 2]
    assert np.array_equal(ax.lines[1].get_xdata(), time)
    assert np.array_equal(ax.lines[0].get_xdata(), time[:3])


def test_trace_passes_style_draws_into_the_given_axes_and_labels_only_when_asked(recorded_cell):
    _, _, current, _ = recorded_cell
    figure, given = plt.subplots()
    ax = patch.plot.trace(current, ax=given, color="red", linewidth=3)
    assert ax is given
    assert to_rgba(ax.lines[0].get_color()) == to_rgba("red")
    assert ax.lines[0].get_linewidth() == 3
    assert ax.get_legend() is None
    assert ax.get_ylabel() == ""


def test_trace_against_a_time_of_its_own():
    ax = patch.plot.trace([1.0, 4.0, 9.0], time=[0.0, 0.5, 1.0], label="squares")
    assert np.array_equal(ax.lines[0].get_xdata(), [0.0, 0.5, 1.0])
    assert ax.get_legend() is not None


@pytest.mark.parametrize(
    ("arguments", "keywords", "error", "message"),
    [
        ((p.Vector(),), {}, ValueError, "trace 1 is empty"),
        (([1.0], []), {}, ValueError, "trace 2 is empty"),
        ((np.zeros((3, 2)),), {}, ValueError, "one value per time"),
        ((["a", "b"],), {}, TypeError, "not numbers"),
        ((object(),), {}, TypeError, "not numbers"),
        (([1.0], [2.0]), {"label": "one"}, ValueError, "1 labels for 2 traces"),
        (([1.0],), {"time": []}, ValueError, "no time points"),
    ],
)
def test_trace_refuses_what_it_cannot_plot(recorded_cell, arguments, keywords, error, message):
    figures = plt.get_fignums()
    with pytest.raises(error, match=message):
        patch.plot.trace(*arguments, **keywords)
    assert plt.get_fignums() == figures, "no empty figure is left behind"


# raster


def test_raster_ticks_are_whole_gids_for_a_few_cells():
    ax = patch.plot.raster([1.0, 2.0, 3.0], [0, 1, 1])
    ax.figure.canvas.draw()
    ticks = ax.get_yticks()
    visible = ticks[(ticks >= ax.get_ylim()[0]) & (ticks <= ax.get_ylim()[1])]
    assert len(visible) >= 2
    assert np.array_equal(visible, np.round(visible)), visible


def test_raster_call_forms_draw_the_same_spikes():
    times, gids = [1.0, 2.5, 4.0], [3, 1, 2]
    pair = only_collection(patch.plot.raster((times, gids))).get_offsets()
    apart = only_collection(patch.plot.raster(times, gids)).get_offsets()
    assert np.array_equal(pair, apart)
    assert np.array_equal(pair, np.column_stack([times, gids]))


def test_raster_marker_colour_and_size_go_to_scatter():
    default = only_collection(patch.plot.raster([1.0], [0]))
    tick = default.get_paths()[0].vertices
    assert len(tick) == 2 and np.all(tick[:, 0] == 0), "a vertical tick"
    styled = only_collection(patch.plot.raster([1.0], [0], color="red", marker="o", s=5))
    assert styled.get_sizes()[0] == 5
    assert len(styled.get_paths()[0].vertices) > len(tick)
    assert tuple(styled.get_facecolor()[0]) == to_rgba("red")


def test_raster_colours_populations_and_greys_the_rest():
    times = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    gids = [0, 1, 2, 3, 4, 5]
    ax = patch.plot.raster(times, gids, populations={"excitatory": range(3), "inhibitory": [3, 4]})
    excitatory, inhibitory, others = ax.collections
    assert np.array_equal(excitatory.get_offsets()[:, 1], [0, 1, 2])
    assert np.array_equal(inhibitory.get_offsets()[:, 1], [3, 4])
    assert np.array_equal(others.get_offsets()[:, 1], [5])
    colours = [tuple(each.get_edgecolor()[0]) for each in ax.collections]
    assert colours == [to_rgba("C0"), to_rgba("C1"), to_rgba("0.6")]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["excitatory", "inhibitory", "other GIDs"]


def test_raster_population_colours_by_name():
    ax = patch.plot.raster(
        [1.0, 2.0], [0, 1], populations={"a": [0], "b": [1]}, color={"b": "black"}
    )
    assert [tuple(each.get_edgecolor()[0]) for each in ax.collections] == [
        to_rgba("C0"),
        to_rgba("black"),
    ]


@pytest.mark.parametrize(
    ("arguments", "keywords", "error", "message"),
    [
        (([1.0, 2.0], [0]), {}, ValueError, "2 spike times but 1 GIDs"),
        (([], []), {}, ValueError, "no spikes"),
        (([1.0], [0.5]), {}, ValueError, "whole numbers"),
        (([1.0, 2.0, 3.0],), {}, TypeError, r"\(times, gids\)"),
        (([1.0], [0]), {"populations": {}}, ValueError, "populations is empty"),
        (([1.0], [0]), {"populations": {"a": [0, 1], "b": [1]}}, ValueError, "GID 1"),
        (([1.0], [0]), {"populations": {"a": [0]}, "color": "red"}, TypeError, "dict"),
        (([1.0], [0]), {"populations": {"a": [0]}, "color": {"z": "red"}}, ValueError, "z"),
    ],
)
def test_raster_refuses_what_it_cannot_plot(arguments, keywords, error, message):
    with pytest.raises(error, match=message):
        patch.plot.raster(*arguments, **keywords)


# morphology


def test_morphology_is_a_flat_projection_with_equal_axes():
    section = straight("flat", [0, 0, 0], [30, 0, 0], segments=3)
    ax = patch.plot.morphology(section)
    assert ax.name != "3d"
    assert ax.get_aspect() == 1.0
    lines = only_collection(ax).get_segments()
    expected = [[[0, 0], [10, 0]], [[10, 0], [20, 0]], [[20, 0], [30, 0]]]
    assert np.allclose(lines, expected)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (µm)", "y (µm)")


def test_morphology_splits_the_polyline_at_segment_borders_by_arc_length():
    section = p.Section(name="bent")
    section.add_3d([[0, 0, 0], [30, 0, 0], [30, 30, 0]], 2)
    section.set_segments(3)
    lines = only_collection(patch.plot.morphology(section)).get_segments()
    # Borders at 20 and 40 µm along 60 µm: the middle segment turns the corner.
    expected = [
        [[0, 0], [20, 0]],
        [[20, 0], [30, 0]],
        [[30, 0], [30, 10]],
        [[30, 10], [30, 30]],
    ]
    assert np.allclose(lines, expected)


@pytest.mark.parametrize(("plane", "shown"), [("xz", (0, 2)), ("yz", (1, 2))])
def test_morphology_projects_on_the_plane_asked_for(plane, shown):
    section = straight("rising", [1, 2, 3], [4, 5, 13])
    ax = patch.plot.morphology(section, plane=plane)
    line = only_collection(ax).get_segments()[0]
    assert np.allclose(line, [[[1, 2, 3][k] for k in shown], [[4, 5, 13][k] for k in shown]])
    assert (ax.get_xlabel(), ax.get_ylabel()) == (f"{plane[0]} (µm)", f"{plane[1]} (µm)")


def test_morphology_in_3d():
    section = straight("deep", [0, 0, 0], [10, 10, 10], segments=2)
    ax = patch.plot.morphology(section, plane="3d", values="v")
    assert ax.name == "3d"
    assert ax.get_aspect() == "equal"
    assert ax.get_zlabel() == "z (µm)"
    assert len(only_collection(ax).get_array()) == 2
    assert len(ax.figure.axes) == 2, "a colour bar"


def test_morphology_widths_follow_diameters_within_reason():
    dendrite = straight("thin", [0, 0, 0], [100, 0, 0], diameter=1)
    soma = straight("thick", [-20, 0, 0], [0, 0, 0], diameter=20)
    huge = straight("huge", [0, -600, 0], [0, -100, 0], diameter=500)
    widths = only_collection(patch.plot.morphology([dendrite, soma, huge])).get_linewidths()
    thin, thick, capped = widths
    assert 1 <= thin <= 2.5, "a 1 µm dendrite is visible"
    assert thick >= 3 * thin, "a 20 µm soma is thick"
    assert thick <= capped <= 12, "a 500 µm section does not cover the drawing"


def test_morphology_gives_sections_without_points_the_default_shape():
    section = p.Section(name="shapeless")
    section.L, section.diam = 50, 2
    assert len(section.points) == 0
    ax = patch.plot.morphology(section)
    assert len(section.points) >= 2
    lines = only_collection(ax).get_segments()
    assert np.isclose(sum(np.linalg.norm(line[1] - line[0]) for line in lines), 50)


def test_morphology_colours_segments_by_a_range_variable():
    section = straight("graded", [0, 0, 0], [50, 0, 0], segments=5)
    voltages = [-80.0, -60.0, -40.0, -20.0, 0.0]
    for segment, voltage in zip(section, voltages, strict=True):
        segment.v = voltage
    ax = patch.plot.morphology(section, values="v")
    collection = only_collection(ax)
    assert np.array_equal(collection.get_array(), voltages)
    ax.figure.canvas.draw()
    positions = collection.norm(collection.get_array())
    assert np.all(np.diff(positions) > 0), "higher voltage, further along the colour map"
    assert np.allclose(collection.get_edgecolor(), matplotlib.colormaps["viridis"](positions))
    assert collection.colorbar is not None
    assert collection.colorbar.ax.get_ylabel() == "v"


def test_morphology_colours_by_a_function_of_the_segment():
    section = straight("positions", [0, 0, 0], [40, 0, 0], segments=4)

    def distance(segment):
        return segment.x * segment.sec.L

    ax = patch.plot.morphology(section, values=distance, cmap="magma", vmin=0, vmax=100)
    collection = only_collection(ax)
    assert np.allclose(collection.get_array(), [5, 15, 25, 35])
    assert (collection.norm.vmin, collection.norm.vmax) == (0, 100)
    assert collection.cmap.name.startswith("magma")
    assert collection.colorbar.ax.get_ylabel() == "distance"
    unnamed = only_collection(patch.plot.morphology(section, values=lambda seg: seg.x))
    assert unnamed.colorbar.ax.get_ylabel() == ""
    titled = patch.plot.morphology(section, values=lambda seg: seg.x, colorbar="x (1)")
    assert only_collection(titled).colorbar.ax.get_ylabel() == "x (1)"


def test_morphology_greys_sections_without_the_variable():
    soma = straight("excitable", [0, 0, 0], [20, 0, 0], diameter=20).insert("hh")
    dendrite = straight("passive", [20, 0, 0], [120, 0, 0], diameter=1)
    collection = only_collection(patch.plot.morphology([soma, dendrite], values="gnabar_hh"))
    assert np.isclose(collection.get_array()[0], 0.12)
    assert np.ma.getmaskarray(collection.get_array())[1], "no value: NaN, masked"
    collection.axes.figure.canvas.draw()
    assert tuple(collection.get_edgecolor()[1]) == to_rgba("0.7")


def test_morphology_without_a_colour_bar_or_with_style():
    section = straight("plain", [0, 0, 0], [10, 0, 0], segments=2)
    ax = patch.plot.morphology(section, values="v", colorbar=False)
    assert len(ax.figure.axes) == 1
    styled = only_collection(patch.plot.morphology(section, color="red", linewidth=2))
    assert np.allclose(styled.get_edgecolor(), to_rgba("red"))
    assert np.allclose(styled.get_linewidths(), 2)
    black = only_collection(patch.plot.morphology(section))
    assert np.allclose(black.get_edgecolor(), to_rgba("black"))


def test_morphology_takes_one_section_a_list_allsec_and_neuron_sections():
    first = straight("first", [0, 0, 0], [10, 0, 0])
    second = straight("second", [10, 0, 0], [20, 0, 0])
    assert len(only_collection(patch.plot.morphology([first, second])).get_segments()) == 2
    everything = only_collection(patch.plot.morphology(p.allsec())).get_segments()
    assert len(everything) == len(
        only_collection(patch.plot.morphology(list(p.allsec()))).get_segments()
    )
    assert len(everything) >= 2
    raw = h.Section(name="raw")
    h.pt3dadd(0, 0, 0, 1, sec=raw)
    h.pt3dadd(0, 10, 0, 1, sec=raw)
    raw.nseg = 2
    assert len(only_collection(patch.plot.morphology(raw, values="v")).get_array()) == 2


@pytest.mark.parametrize(
    ("sections", "keywords", "error", "message"),
    [
        ("section", {"plane": "xy z"}, ValueError, "unknown plane 'xy z'"),
        ("section", {"values": "vv"}, ValueError, "no segment has a range variable 'vv'"),
        ("section", {"values": "hh"}, TypeError, "not a number"),
        ("section", {"values": 42}, TypeError, "range variable name"),
        ("section", {"values": lambda seg: "high"}, TypeError, "not a number"),
        ([], {}, ValueError, "no sections"),
        (["soma"], {}, TypeError, "not one"),
        ("soma", {}, TypeError, "not a str"),
        (3, {}, TypeError, "not a int"),
    ],
)
def test_morphology_refuses_what_it_cannot_draw(sections, keywords, error, message):
    section = straight("checked", [0, 0, 0], [10, 0, 0]).insert("hh")
    if sections == "section":
        sections = section
    with pytest.raises(error, match=message):
        patch.plot.morphology(sections, **keywords)


def test_morphology_needs_axes_of_its_plane():
    section = straight("planar", [0, 0, 0], [10, 0, 0])
    figure = plt.figure()
    with pytest.raises(ValueError, match="projection='3d'"):
        patch.plot.morphology(section, ax=figure.add_subplot(), plane="3d")
    with pytest.raises(ValueError, match="2-D axes"):
        patch.plot.morphology(section, ax=figure.add_subplot(projection="3d"))


def test_morphology_of_sections_without_length():
    point = p.Section(name="point")
    point.add_3d([[0, 0, 0], [0, 0, 0]], 2)
    with pytest.raises(ValueError, match="no length"):
        patch.plot.morphology(point)


# recordings


def test_recordings_pass_style():
    soma = p.Section(name="styled").insert("hh")
    soma.record()
    p.run(2)
    ax = patch.plot.recordings(soma, color="green")
    assert to_rgba(ax.lines[0].get_color()) == to_rgba("green")
