import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Test helpers (tables of bad inputs, MPI fault runners, the layer listing) live apart
# from the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

# Compiled mechanisms go to a cache of this test run (subprocesses inherit it), so the
# tests exercise nrnivmodl for real and leave the user's cache alone.
os.environ["PATCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="patch-test-cache-")


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
