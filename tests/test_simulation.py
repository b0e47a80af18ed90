"""Numerical truth: a model run through Patch equals the same model in plain NEURON."""

import json
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

MODEL = """
import json
{imports}
soma = {i}.Section(name="soma")
soma.L = 20
soma.diam = 20
soma.insert("hh")
clamp = {i}.IClamp(soma(0.5))
clamp.delay = 5
clamp.dur = 30
clamp.amp = 0.3
voltage = {i}.Vector().record(soma(0.5)._ref_v)
time = {i}.Vector().record({i}._ref_t)
{i}.celsius = 6.3
{i}.dt = 0.025
{i}.finitialize(-65)
{i}.continuerun(40)
print(json.dumps([list(time), list(voltage)]))
"""


def run_model(run_python, imports, interpreter):
    out = run_python(MODEL.format(imports=imports, i=interpreter))
    time, voltage = json.loads(out.strip().splitlines()[-1])
    return np.array(time), np.array(voltage)


def test_hh_soma_through_patch_equals_plain_neuron(run_python):
    plain_t, plain_v = run_model(run_python, "from neuron import h\nh.load_file('stdrun.hoc')", "h")
    patch_t, patch_v = run_model(run_python, "from patch import p", "p")
    assert len(patch_v) == len(plain_v) == 1601
    assert np.max(np.abs(patch_t - plain_t)) == 0
    assert np.max(np.abs(patch_v - plain_v)) <= 1e-9
    spikes = np.sum((patch_v[:-1] < 0) & (patch_v[1:] >= 0))
    assert spikes == 3


def test_demo_example_writes_its_plot(run_python, tmp_path):
    output = tmp_path / "cell.png"
    out = run_python(
        f"import sys; sys.argv = ['single_cell.py', {str(output)!r}]\n"
        f"exec(open({str(ROOT / 'examples' / 'single_cell.py')!r}).read())\n"
    )
    assert "3 spikes" in out
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert output.stat().st_size > 10_000


def test_make_demo_plots_the_cell_and_the_ring_serial_and_parallel(tmp_path):
    import subprocess
    import sys

    output = tmp_path / "demo.png"
    finished = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), str(output)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    assert "serial and 2 ranks: identical spikes" in finished.stdout
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_example_runs(run_python):
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    out = run_python(code)
    assert float(out.strip().splitlines()[-1]) > 30, "the README's cell fires"


def test_the_typed_sample_script_runs():
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "typing" / "sample.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert float(finished.stdout.strip().splitlines()[-1]) > 0, "the ring fires"
