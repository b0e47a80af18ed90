import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_python(tmp_path):
    """Runs Python code in a fresh interpreter (a fresh NEURON) and returns its stdout."""

    def run(code: str, timeout: float = 120) -> str:
        script = tmp_path / "script.py"
        script.write_text(code)
        finished = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
        )
        assert finished.returncode == 0, finished.stderr
        return finished.stdout

    return run
