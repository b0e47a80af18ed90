"""Diagnostics, plots, progress and recordings as data."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import patch.plot  # noqa: E402
from patch import p  # noqa: E402


def test_python_m_patch_info_reports_the_set_up():
    finished = subprocess.run(
        [sys.executable, "-m", "patch", "info"], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    for field in ["Patch", "NEURON", "libnrniv", "fast conversions", "MPI launcher", "mechanism"]:
        assert field in finished.stdout
    assert "9." in finished.stdout


def test_python_m_patch_without_a_command_explains_itself():
    finished = subprocess.run(
        [sys.executable, "-m", "patch"], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 2
    assert "usage: python -m patch info" in finished.stderr


def test_recorded_gives_time_and_recordings_as_arrays():
    section = p.Section(name="as_data").insert("hh")
    section.record()
    section.record(1.0)
    p.run(2)
    recorded = section.recorded()
    assert set(recorded) == {"time", 0.5, 1.0}
    assert all(isinstance(values, np.ndarray) for values in recorded.values())
    assert len(recorded["time"]) == len(recorded[0.5]) == int(round(2 / p.dt)) + 1


def test_progress_bar_does_not_change_the_simulation(capsys):
    section = p.Section(name="progress").insert("hh")
    section.iclamp(delay=1, duration=5, amplitude=1)
    voltage = section.record()
    p.run(10)
    quiet = np.array(voltage)
    p.run(10, progress=True)
    assert np.array_equal(quiet, np.array(voltage))
    assert "simulating" in capsys.readouterr().err


def test_plots_in_one_call():
    section = p.Section(name="plotted").insert("hh")
    section.add_3d([[0, 0, 0], [10, 5, 0], [20, 5, 5]], 2)
    section.record()
    p.run(5)
    lines = patch.plot.recordings(section).get_lines()
    assert len(lines) == 1 and len(lines[0].get_xdata()) == len(section.recordings[0.5])
    ax = patch.plot.raster(([1.0, 2.0], [0, 1]))
    assert len(ax.collections[0].get_offsets()) == 2
    ax = patch.plot.morphology(section)
    assert ax.name != "3d" and ax.get_aspect() == 1.0, "a flat projection, equal axes"


def test_plot_errors_say_what_is_missing():
    with pytest.raises(ValueError, match="no recordings"):
        patch.plot.recordings(p.Section(name="unrecorded"))
    with pytest.raises(ValueError, match="no sections"):
        patch.plot.morphology([])
    with pytest.raises(ValueError, match="2 spike times but 1 GIDs"):
        patch.plot.raster([1.0, 2.0], [0])
