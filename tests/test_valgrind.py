"""The Rust core's own tests under valgrind memcheck: no invalid read or write."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_the_rust_core_has_no_memory_errors_under_valgrind():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "support" / "valgrind_core.py")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert finished.returncode == 0, finished.stdout
    assert finished.stdout.count("ERROR SUMMARY: 0 errors") >= 4, finished.stdout
