"""20,000 create-connect-drop cycles: resident memory flat after warm-up, NEURON's object
counts back to where they started (`make soak` runs a million)."""

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parent / "support" / "soak.py"


def test_twenty_thousand_cycles_leave_memory_and_neuron_flat():
    finished = subprocess.run(
        [sys.executable, str(SOAK), "20000"], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["counts_back"], report
    assert report["growth"] < 0.05, report
