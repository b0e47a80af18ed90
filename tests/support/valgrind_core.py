"""Runs every test binary of the Rust core (`cargo test -p nrn`) under valgrind memcheck
and fails on any memory error (`make valgrind`). Prints one line per binary."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPRESSIONS = ROOT / "tests" / "valgrind.supp"


def test_binaries():
    built = subprocess.run(
        ["cargo", "test", "-p", "nrn", "--no-run", "--message-format=json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in built.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["profile"]["test"]:
                yield message["target"]["name"], message["executable"]


def main():
    environment = dict(os.environ, PATCH_PYTHON=sys.executable)
    failed = False
    for name, binary in test_binaries():
        finished = subprocess.run(
            [
                "valgrind",
                "--error-exitcode=99",
                "--leak-check=no",
                f"--suppressions={SUPPRESSIONS}",
                binary,
                "--test-threads=1",
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        summary = [line for line in finished.stderr.splitlines() if "ERROR SUMMARY" in line]
        print(
            f"{name}: exit {finished.returncode}; {summary[-1].split('== ')[-1] if summary else ''}"
        )
        if finished.returncode != 0:
            failed = True
            print(finished.stdout[-3000:], finished.stderr[-6000:], sep="\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
