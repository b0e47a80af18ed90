"""The API fuzzer (tests/fuzz/api_machine.py) finds nothing in a bounded run: every random
sequence of valid and hostile calls ends in success or a typed exception, never a crash,
and NEURON keeps simulating. `make fuzz` runs it longer."""

import subprocess
import sys
from pathlib import Path

FUZZER = Path(__file__).resolve().parent / "fuzz" / "api_machine.py"


def test_random_call_sequences_never_crash_or_corrupt_neuron():
    finished = subprocess.run(
        [sys.executable, str(FUZZER), "40"], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stderr[-5000:]
    assert "OK" in finished.stderr


def test_random_call_traces_replay_without_crashing(tmp_path):
    finished = subprocess.run(
        [sys.executable, str(FUZZER.parent / "call_traces.py"), "1", "3", "1500"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]
    assert "3 traces of 1500 calls, 0 crashed" in finished.stdout


def test_geometry_neuron_would_choke_on_is_refused():
    from patch import p

    section = p.Section(name="geometry")
    for name, bad in [("diam", 0), ("L", -1), ("Ra", float("nan")), ("nseg", 0), ("cm", -1)]:
        try:
            setattr(section, name, bad)
        except ValueError as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{name} = {bad} was accepted")
    try:
        section(0.5).diam = 0
    except ValueError:
        pass
    else:
        raise AssertionError("segment diam = 0 was accepted")
    section.diam, section.nseg = 3, 5
    assert (section.diam, section.nseg) == (3, 5)
