"""One-call plots of Patch results, with matplotlib (`pip install matplotlib`)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["morphology", "raster", "recordings"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as pyplot
    except ImportError as error:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib (Patch's `plot` extra)"
        ) from error
    return pyplot


def _axes(ax: Any, projection: str | None = None) -> Any:
    if ax is not None:
        return ax
    figure = _pyplot().figure()
    return figure.add_subplot(projection=projection)


def recordings(section: Any, ax: Any = None) -> Any:
    """Plots every recording of `section` (made with `section.record(x)`) against time;
    returns the axes."""
    recorded = section.recorded()
    if len(recorded) == 1:
        raise ValueError(f"{section} has no recordings: call section.record() before running")
    ax = _axes(ax)
    time = recorded.pop("time")
    for x, voltage in sorted(recorded.items()):
        ax.plot(time[: len(voltage)], voltage, label=f"{section.name()}({x:g})")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane potential (mV)")
    ax.legend()
    return ax


def raster(spikes: Any, gids: Any = None, ax: Any = None) -> Any:
    """Plots a spike raster from `(times, gids)` (what `p.parallel.gather_spikes()`
    returns) or from two sequences; returns the axes."""
    if gids is None:
        spikes, gids = spikes
    times, gids = np.asarray(spikes, dtype=float), np.asarray(gids, dtype=float)
    if times.shape != gids.shape:
        raise ValueError(f"{len(times)} spike times but {len(gids)} GIDs")
    ax = _axes(ax)
    ax.scatter(times, gids, marker="|", s=30)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("cell (GID)")
    return ax


def morphology(sections: Any, ax: Any = None) -> Any:
    """Draws sections in 3D from their points (`section.add_3d`); returns the axes."""
    if hasattr(sections, "points"):
        sections = [sections]
    ax = _axes(ax, projection="3d")
    drawn = 0
    for section in sections:
        points = section.points
        if len(points):
            ax.plot(points[:, 0], points[:, 1], points[:, 2], label=section.name())
            drawn += 1
    if not drawn:
        raise ValueError("no section has 3D points: add them with section.add_3d(points)")
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_zlabel("z (µm)")
    return ax
