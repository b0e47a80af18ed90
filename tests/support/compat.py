"""Other people's tests against Patch (`make compat`): nrn-patch 8's own suites (serially
and on 2 MPI ranks) and the NEURON tests of BSB and arborize, from ../shared/suites, plus
a plug-in accessor network compared with nrn-patch 8.0.2. Prints pass counts; exits 1 if
a test fails that is not a documented decision (docs/migration.md).

    python tests/support/compat.py --bsb-python .venv-bsb/bin/python \\
        --nrn-patch-python .venv-nrn-patch-8/bin/python
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITES = Path(os.environ.get("PATCH_SUITES", ROOT.parent / "shared" / "suites"))

# nrn-patch 8 tests whose failure is a decision on record, with the decision.
DECIDED = {
    "test_basics.TestSimulationControl.test_continuerun": "continuerun(t) runs until t",
    "test_interplay.TestInterplay.test_netcon_inter": "raw neuron.h objects are accepted",
    "v4:test_basics.TestPatch.test_transform": "NEURON 8 pointer repr strings",
}

BSB_TESTS = [
    ("packages/bsb-neuron", "tests/test_adapter.py"),
    ("packages/bsb-neuron", "tests/test_models.py"),
    ("packages/bsb-neuron", "tests/test_neuron.py"),
    ("libs/arborize", "tests/test_neuron_models.py"),
]
# Measured with nrn-patch 8.0.2 (../shared/suites/README.md).
BSB_BASELINE = {"test_adapter.py": 1, "test_models.py": 1, "test_neuron.py": 6}
BSB_BASELINE["test_neuron_models.py"] = 18


def sandbox(python: Path, home: Path) -> dict:
    """Environment for glia: its caches in `home`, its local package pre-made (else it
    pip-installs one and downgrades itself), the venv's nrnivmodl first on PATH."""
    env = dict(os.environ)
    (home / "cache").mkdir(parents=True, exist_ok=True)
    for major in range(1, 16):
        (home / "data" / "Glia" / str(major) / "local").mkdir(parents=True, exist_ok=True)
    env.update(
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        HOME=str(home),
        PIP_NO_INDEX="1",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def peer_suites(python: Path, work: Path) -> bool:
    print("== nrn-patch 8's own tests (tests_v4, tests_latest; private internals excluded)")
    runner = SUITES / "peer-runner" / "run_peer_tests.py"
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    out = work / "peer"
    command = [sys.executable, str(runner), "--python", str(python), "--exclude-private"]
    subprocess.run([*command, "--mpi", "2", "--out", str(out)], env=env, capture_output=True)
    report = json.loads((out / "results.json").read_text())
    fine = True
    for suite, results in report["suites"].items():
        counts = results["counts"]
        failed = sorted(
            test
            for test, result in results["tests"].items()
            if result["outcome"] in ("fail", "error", "crash", "timeout", "notrun")
        )
        decided = [t for t in failed if t in DECIDED or f"{suite}:{t}" in DECIDED]
        unexpected = [t for t in failed if t not in decided]
        run = sum(counts.values()) - counts["skip"]
        print(f"  {suite:12} {counts['pass']}/{run} pass ({counts['skip']} skipped)")
        for test in decided:
            reason = DECIDED.get(test) or DECIDED[f"{suite}:{test}"]
            print(f"    decided: {test} ({reason})")
        for test in unexpected:
            print(f"    FAILED:  {test}")
            fine = False
    return fine


def bsb_suites(python: Path, work: Path) -> bool:
    print("== BSB and arborize NEURON tests (bsb-neuron 8.0.2, arborize 8.0.2)")
    env = sandbox(python, work / "bsb-home")
    fine = True
    for folder, test in BSB_TESTS:
        finished = subprocess.run(
            [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", test],
            cwd=SUITES / "bsb" / folder,
            env=env,
            capture_output=True,
            text=True,
        )
        summary = finished.stdout.strip().splitlines()[-1] if finished.stdout else "no output"
        passed = int(summary.split(" passed")[0].split()[-1]) if " passed" in summary else 0
        name = Path(test).name
        print(f"  {name:24} {summary}   (nrn-patch 8.0.2: {BSB_BASELINE[name]} passed)")
        if finished.returncode != 0 or passed < BSB_BASELINE[name]:
            fine = False
            print(finished.stdout[-3000:])
    return fine


def accessor_network(patch_python: Path, nrn_patch_python: Path, work: Path) -> bool:
    print("== A GID-wired network of plug-in synapse accessors: Patch vs nrn-patch 8.0.2")
    script = ROOT / "tests" / "scripts" / "accessor_network.py"

    def run(python, *arguments):
        finished = subprocess.run(
            [str(python), str(script), *arguments],
            env=sandbox(python, work / "accessor-home"),
            capture_output=True,
            text=True,
        )
        if finished.returncode != 0:
            print(finished.stderr[-2000:])
            return None
        # The result is the last line (nrn-patch 8 prints its MPI probing first).
        return json.loads(finished.stdout.strip().splitlines()[-1])

    reference = run(nrn_patch_python, "patch", "senders-first")
    results = {
        "plain NEURON": run(patch_python, "neuron", "-"),
        "Patch, senders first": run(patch_python, "patch", "senders-first"),
        "Patch, cell by cell": run(patch_python, "patch", "per-cell"),
    }
    fine = reference is not None
    if fine:
        spikes = len(reference["spikes"])
        peak = max(max(map(abs, current)) for current in reference["currents"])
        print(f"  nrn-patch 8.0.2: {spikes} spikes, largest synaptic current {peak:.4f} nA")
    for label, result in results.items():
        same = result is not None and result == reference
        print(f"  {label:22} identical currents and spikes: {same}")
        fine = fine and same
    return fine


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--bsb-python", required=True)
    parser.add_argument("--nrn-patch-python", required=True)
    args = parser.parse_args()
    if not SUITES.is_dir():
        print(f"no suites at {SUITES}: nothing to run")
        return 0
    with tempfile.TemporaryDirectory(prefix="patch-compat-") as folder:
        work = Path(folder)
        python, bsb, nrn_patch = (
            Path(path).absolute() for path in (args.python, args.bsb_python, args.nrn_patch_python)
        )
        results = [
            peer_suites(python, work),
            bsb_suites(bsb, work),
            accessor_network(bsb, nrn_patch, work),
        ]
    print("compat:", "all pass" if all(results) else "FAILURES above")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
