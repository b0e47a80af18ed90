"""One-call plots of Patch results, with matplotlib (`pip install matplotlib`).

Every function draws into `ax` (new axes when it is None), passes its other keywords to
matplotlib, returns the axes, and raises ValueError or TypeError rather than draw an
empty plot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import is_section, p
from .objects import Morphology

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Colormap

__all__ = ["morphology", "raster", "recordings", "trace"]

Array = npt.NDArray[np.float64]

# Which coordinates each `morphology` plane shows.
PLANES = {"xy": (0, 1), "xz": (0, 2), "yz": (1, 2), "3d": (0, 1, 2)}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as pyplot
    except ImportError as error:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib (Patch's `plot` extra)"
        ) from error
    return pyplot


def _axes(ax: Axes | None, projection: str | None = None) -> Axes:
    if ax is not None:
        return ax
    figure = _pyplot().figure()
    axes: Axes = figure.add_subplot(projection=projection)
    return axes


def _legend_if_labelled(ax: Axes) -> None:
    # matplotlib names unlabelled artists "_child0", ...: only user labels make a legend.
    artists = [*ax.lines, *ax.collections]
    if any(not str(artist.get_label()).startswith("_") for artist in artists):
        ax.legend()


def recordings(section: Any, ax: Axes | None = None, **style: Any) -> Axes:
    """Plots every recording of `section` (made with `section.record(x)`) against time;
    returns the axes. Style keywords go to `ax.plot`.

    >>> soma.record()
    >>> p.run(10)
    >>> patch.plot.recordings(soma, color="black")
    """
    recorded = section.recorded()
    if len(recorded) == 1:
        raise ValueError(f"{section} has no recordings: call section.record() before running")
    ax = _axes(ax)
    time = recorded.pop("time")
    for x, voltage in sorted(recorded.items()):
        ax.plot(time[: len(voltage)], voltage, label=f"{section.name()}({x:g})", **style)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane potential (mV)")
    ax.legend()
    return ax


def _samples(recording: Any, number: int) -> Array:
    try:
        samples = np.asarray(recording, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"trace {number} is a {type(recording).__name__}, not numbers: pass a recorded "
            "Vector (p.record(synapse), p.Vector().record(seg._ref_v)), an array or a list"
        ) from error
    if samples.ndim != 1:
        raise ValueError(f"trace {number} has shape {samples.shape}: pass one value per time")
    if not len(samples):
        raise ValueError(
            f"trace {number} is empty: record it (p.record(...)) before running the simulation"
        )
    return samples


def _labels(label: str | Sequence[str] | None, count: int) -> list[str | None]:
    if label is None:
        return [None] * count
    if isinstance(label, str):
        label = [label]
    if len(label) != count:
        raise ValueError(f"{len(label)} labels for {count} traces: give one label per trace")
    return list(label)


def trace(
    recording: Any,
    *more: Any,
    ax: Axes | None = None,
    label: str | Sequence[str] | None = None,
    ylabel: str | None = None,
    time: Any = None,
    **style: Any,
) -> Axes:
    """Plots recorded values against `p.time` (or `time=`); returns the axes.

    Takes any number of Patch or NEURON Vectors, arrays or lists (`trace(p.time, v)`, as
    in matplotlib, plots `v` against time too); each is cut to the
    length of the shorter of it and the time points. `label` is one label per trace (a
    legend is drawn when given), `ylabel` the y axis label, and style keywords go to
    `ax.plot`.

    >>> current = p.record(synapse)
    >>> m = p.Vector().record(soma(0.5).hh._ref_m)
    >>> n = p.Vector().record(soma(0.5).hh._ref_n)
    >>> p.run(20)
    >>> patch.plot.trace(current, ylabel="current (nA)")
    >>> patch.plot.trace(m, n, label=["m", "n"], ylabel="gate", linewidth=2)
    """
    if more and time is None and recording is p.time:
        # trace(p.time, v), as matplotlib's plot(x, y): the time points, not a trace.
        recording, *rest = more
        more, time = tuple(rest), p.time
    traces = [_samples(each, number) for number, each in enumerate((recording, *more), 1)]
    labels = _labels(label, len(traces))
    times = np.asarray(p.time if time is None else time, dtype=float)
    if times.ndim != 1 or not len(times):
        raise ValueError(
            "no time points: run the simulation (p.run) before plotting, or pass time="
        )
    ax = _axes(ax)
    for samples, name in zip(traces, labels, strict=True):
        shared = min(len(times), len(samples))
        ax.plot(times[:shared], samples[:shared], label=name, **style)
    ax.set_xlabel("time (ms)")
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    _legend_if_labelled(ax)
    return ax


def _spikes(spikes: Any, gids: Any) -> tuple[Array, Array]:
    if gids is None:
        try:
            spikes, gids = spikes
        except (TypeError, ValueError) as error:
            raise TypeError(
                "raster takes (times, gids), as p.parallel.gather_spikes() returns them, "
                "or times and gids as two arguments"
            ) from error
    times, cells = np.asarray(spikes, dtype=float), np.asarray(gids, dtype=float)
    if times.ndim != 1 or times.shape != cells.shape:
        raise ValueError(f"{times.size} spike times but {cells.size} GIDs")
    if not len(times):
        raise ValueError(
            "no spikes to plot: did the cells fire? (p.parallel.spike_record() before running)"
        )
    if not np.array_equal(cells, np.round(cells)):
        raise ValueError("GIDs are whole numbers: pass the cell GIDs, not the spike times")
    return times, cells


def _population_colours(populations: Mapping[str, Iterable[int]], color: Any) -> dict[str, Any]:
    if color is None:
        color = {}
    if not isinstance(color, Mapping):
        raise TypeError("with populations, color is a dict population name -> colour (or left out)")
    unknown = sorted(set(color) - set(populations))
    if unknown:
        raise ValueError(f"color names {unknown} that are not populations: {list(populations)}")
    return {name: color.get(name, f"C{number}") for number, name in enumerate(populations)}


def _population_members(populations: Mapping[str, Iterable[int]]) -> dict[str, Array]:
    if not populations:
        raise ValueError("populations is empty: map each population name to its GIDs")
    members = {name: np.asarray(list(gids), dtype=float) for name, gids in populations.items()}
    names = list(members)
    for first, name in enumerate(names):
        for other in names[first + 1 :]:
            shared = np.intersect1d(members[name], members[other])
            if len(shared):
                raise ValueError(
                    f"GID {shared[0]:g} is in populations {name!r} and {other!r}: "
                    "each GID belongs to one population"
                )
    return members


def raster(
    spikes: Any,
    gids: Any = None,
    ax: Axes | None = None,
    *,
    populations: Mapping[str, Iterable[int]] | None = None,
    color: Any = None,
    marker: str = "|",
    **style: Any,
) -> Axes:
    """Plots a spike raster from `(times, gids)` (what `p.parallel.gather_spikes()`
    returns) or from two sequences; returns the axes.

    `populations` maps names to GIDs (lists or ranges) and colours each population, with
    a legend; spikes of GIDs in none of them are grey. `color` is one colour, or with
    populations a dict name -> colour. `marker`, `s` (size) and other style keywords go
    to `ax.scatter`. The GID axis has whole-number ticks.

    >>> patch.plot.raster(p.parallel.gather_spikes(), s=20)
    >>> patch.plot.raster(times, gids, populations={"E": range(80), "I": range(80, 100)})
    """
    from matplotlib.ticker import MaxNLocator

    times, cells = _spikes(spikes, gids)
    ax = _axes(ax)
    if populations is None:
        ax.scatter(times, cells, **{"marker": marker, "color": color, **style})
    else:
        colours = _population_colours(populations, color)
        members = _population_members(populations)
        placed = np.zeros(len(cells), dtype=bool)
        for name, gids_of_population in members.items():
            mine = np.isin(cells, gids_of_population)
            placed |= mine
            options = {"marker": marker, "color": colours[name], "label": name, **style}
            ax.scatter(times[mine], cells[mine], **options)
        if not placed.all():
            options = {"marker": marker, "color": "0.6", "label": "other GIDs", **style}
            ax.scatter(times[~placed], cells[~placed], **options)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("cell (GID)")
    _legend_if_labelled(ax)
    return ax


def _sections(sections: Any) -> list[tuple[Any, Any]]:
    """(section as given, NEURON section) pairs from one section or an iterable of them."""
    if is_section(sections):
        sections = [sections]
    elif isinstance(sections, (str, bytes)) or not isinstance(sections, Iterable):
        raise TypeError(
            f"morphology draws sections, not a {type(sections).__name__}: pass a Section, "
            "a list of Sections or p.allsec()"
        )
    pairs = []
    for section in sections:
        if not is_section(section):
            raise TypeError(f"morphology draws sections; {section!r} is not one")
        neuron = section.__neuron__() if hasattr(section, "__neuron__") else section
        pairs.append((section, neuron))
    if not pairs:
        raise ValueError("no sections to draw: pass a Section, a list of Sections or p.allsec()")
    return pairs


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{what} is a {type(value).__name__}, not a number: colour by a range variable "
            "such as 'v' or 'gnabar_hh', or a function returning a number per segment"
        ) from error


def _segment_values(
    pairs: list[tuple[Any, Any]], values: str | Callable[[Any], float]
) -> list[list[float]]:
    """One value per segment of each section; NaN where a section lacks the variable."""
    if isinstance(values, str):
        name, missing = values, []

        def measure(segment: Any) -> float:
            try:
                value = getattr(segment, name)
            except AttributeError as error:
                missing.append(str(error))
                return math.nan
            return _number(value, f"{name!r} at {segment}")

        measured = [[measure(segment) for segment in section] for section, _ in pairs]
        if len(missing) == sum(map(len, measured)):
            raise ValueError(
                f"no segment has a range variable {values!r} ({missing[0]}): name one such "
                "as 'v', or insert its mechanism first"
            )
        return measured
    if callable(values):
        return [
            [_number(values(segment), f"values({segment})") for segment in section]
            for section, _ in pairs
        ]
    raise TypeError(
        f"values is a {type(values).__name__}: give a range variable name ('v') or a "
        "function of a segment (lambda seg: seg.v)"
    )


def _shape(section: Any) -> tuple[Array, Array, Array] | None:
    """A NEURON section's 3-D points, diameters and arc positions (0 to 1), or None when
    its points have no length."""
    count = int(section.n3d())
    points = np.array(
        [[section.x3d(i), section.y3d(i), section.z3d(i)] for i in range(count)], dtype=float
    )
    diameters = np.array([section.diam3d(i) for i in range(count)], dtype=float)
    arc = np.array([section.arc3d(i) for i in range(count)], dtype=float)
    if count < 2 or arc[-1] <= 0:
        return None
    return points, diameters, arc / arc[-1]


def _line_width(diameters: Array) -> Array:
    # Points, not µm: the square root keeps a 1 µm dendrite visible (1.8 pt) next to a
    # 20 µm soma (8 pt), and the cap keeps NEURON's 500 µm default soma from covering it.
    widths: Array = np.clip(1.8 * np.sqrt(diameters), 0.8, 10.0)
    return widths


def _pieces(shape: tuple[Array, Array, Array], segments: int) -> list[tuple[int, Array, Array]]:
    """Splits a section's polyline at its segment borders: (segment index, points,
    diameters) per segment, interpolated by arc length."""
    points, diameters, arc = shape
    pieces = []
    for index in range(segments):
        start, end = index / segments, (index + 1) / segments
        inside = arc[(arc > start) & (arc < end)]
        positions = np.concatenate(([start], inside, [end]))
        located = np.column_stack([np.interp(positions, arc, points[:, k]) for k in range(3)])
        pieces.append((index, located, np.interp(positions, arc, diameters)))
    return pieces


def _colour_bar_label(values: str | Callable[[Any], float], colorbar: bool | str) -> str:
    if isinstance(colorbar, str):
        return colorbar
    if isinstance(values, str):
        return values
    name = getattr(values, "__name__", "")
    return "" if name == "<lambda>" else str(name)


def morphology(
    sections: Any,
    ax: Axes | None = None,
    plane: str = "xy",
    values: str | Callable[[Any], float] | None = None,
    cmap: str | Colormap = "viridis",
    colorbar: bool | str = True,
    **style: Any,
) -> Axes:
    """Draws sections from their 3-D points, line widths following diameters; returns the
    axes.

    `sections` is a Section, a list of them, `p.allsec()`, a cell built from a morphology,
    or a Morphology itself (drawn from its points, without NEURON); sections without 3-D points
    first get NEURON's default shape (`h.define_shape()`, which may also move sections
    to meet their parents). `plane` is the projection, "xy", "xz" or "yz", with equal
    axes, or "3d". `values` colours each segment: the name of a range variable ("v",
    "gnabar_hh"; grey where a section lacks it) or a function of a segment; a colour
    bar is labelled with the name (or `colorbar` when it is a string; False for none).
    `vmin`, `vmax` and other style keywords go to matplotlib's LineCollection.

    >>> patch.plot.morphology(p.allsec(), values="v", vmin=-80, vmax=40)
    >>> patch.plot.morphology(cell, plane="3d", values=lambda seg: seg.diam, cmap="magma")
    """
    if plane not in PLANES:
        raise ValueError(f"unknown plane {plane!r}: use one of {', '.join(PLANES)}")
    if isinstance(sections, Morphology):
        return _draw_morphology(sections, ax, plane, values, style)
    pairs = _sections(sections)
    if ax is not None and (ax.name == "3d") != (plane == "3d"):
        raise ValueError(
            f"plane={plane!r} on {ax.name} axes: make 3-D axes with "
            "add_subplot(projection='3d') for plane='3d' and 2-D axes for the others"
        )
    measured = None if values is None else _segment_values(pairs, values)
    if any(neuron.n3d() == 0 for _, neuron in pairs):
        p.define_shape()
    shown = PLANES[plane]
    lines: list[Array] = []
    widths: list[Array] = []
    colours_by: list[float] = []
    for number, (_, neuron) in enumerate(pairs):
        shape = _shape(neuron)
        if shape is None:
            continue
        for index, points, diameters in _pieces(shape, int(neuron.nseg)):
            located = points[:, shown]
            lines.extend(np.stack([located[:-1], located[1:]], axis=1))
            widths.append(_line_width((diameters[:-1] + diameters[1:]) / 2))
            value = math.nan if measured is None else measured[number][index]
            colours_by.extend([value] * (len(points) - 1))
    if not lines:
        raise ValueError(
            "the sections have no length in 3-D: give them points with section.add_3d(points)"
        )
    options: dict[str, Any] = {"capstyle": "round"}
    if not {"linewidth", "linewidths", "lw"} & set(style):
        options["linewidths"] = np.concatenate(widths)
    if values is None and not {"color", "colors"} & set(style):
        options["colors"] = "black"
    if values is not None:
        from matplotlib import colormaps
        from matplotlib.colors import Normalize

        # Grey, not transparent, where a section lacks the variable.
        options["cmap"] = colormaps.get_cmap(cmap).with_extremes(bad="0.7")
        options["norm"] = Normalize(style.pop("vmin", None), style.pop("vmax", None))
        options["array"] = np.array(colours_by)
    ax = _axes(ax, "3d" if plane == "3d" else None)
    collection = _draw_lines(ax, lines, plane, {**options, **style})
    if values is not None and colorbar is not False:
        label = _colour_bar_label(values, colorbar)
        # 3-D axes put their z label where a 2-D colour bar would go.
        room: dict[str, Any] = {"shrink": 0.6, "pad": 0.12} if plane == "3d" else {}
        ax.figure.colorbar(collection, ax=ax, label=label, **room)
    return ax


def _draw_morphology(
    shape: Morphology, ax: Axes | None, plane: str, values: Any, style: dict[str, Any]
) -> Axes:
    """A Morphology's sections from its own arrays: nothing is built in NEURON."""
    if values is not None:
        raise ValueError(
            "a Morphology has no segments to colour: instantiate() it and draw the cell"
        )
    points, offsets = shape.section_points, shape.section_offsets
    shown = PLANES[plane]
    lines: list[Array] = []
    widths: list[Array] = []
    for start, end in zip(offsets[:-1], offsets[1:], strict=True):
        located = points[start:end][:, shown]
        lines.extend(np.stack([located[:-1], located[1:]], axis=1))
        diameters = points[start:end, 3]
        widths.append(_line_width((diameters[:-1] + diameters[1:]) / 2))
    options: dict[str, Any] = {"capstyle": "round"}
    if not {"linewidth", "linewidths", "lw"} & set(style):
        options["linewidths"] = np.concatenate(widths)
    if not {"color", "colors"} & set(style):
        options["colors"] = "black"
    ax = _axes(ax, "3d" if plane == "3d" else None)
    _draw_lines(ax, lines, plane, {**options, **style})
    return ax


def _draw_lines(
    ax: Axes, lines: list[Array], plane: str, options: dict[str, Any]
) -> LineCollection:
    """Adds the line pieces to `ax`, fits the view to them and makes the axes equal."""
    if plane == "3d":
        from mpl_toolkits.mplot3d.art3d import (  # type: ignore[import-untyped]
            Line3DCollection,
        )

        collection: LineCollection = Line3DCollection(lines, **options)
        ax.add_collection3d(collection)  # type: ignore[attr-defined]
        corners = np.concatenate(lines)
        ax.auto_scale_xyz(*corners.T)  # type: ignore[attr-defined]
        ax.set_zlabel("z (µm)")  # type: ignore[attr-defined]
        ax.set_aspect("equal")
        names = "xy"
    else:
        from matplotlib.collections import LineCollection

        collection = LineCollection(lines, **options)
        ax.add_collection(collection)
        ax.autoscale_view()
        # Equal axes by widening the limits, so the axes keep their place in a figure.
        ax.set_aspect("equal", adjustable="datalim")
        names = plane
    ax.set_xlabel(f"{names[0]} (µm)")
    ax.set_ylabel(f"{names[1]} (µm)")
    return collection
