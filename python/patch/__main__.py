"""`python -m patch info`: what Patch runs on, for bug reports and set-up checks."""

import sys

USAGE = "usage: python -m patch info"


def info() -> None:
    from patch import _patch

    report = _patch.diagnostics()
    rows = [
        ("Patch", report["patch"]),
        ("NEURON", report["neuron"]),
        ("Python", report["python"].split()[0]),
        ("libnrniv", report["library"]),
        ("error recovery (OcJump)", "yes" if report["restores_state_on_error"] else "no"),
        (
            "fast conversions",
            ", ".join(
                name
                for name in ("object_to_python", "python_to_object", "section_to_python")
                if report[name]
            )
            or "none (public fallbacks in use)",
        ),
        ("MPI launcher ranks", report["mpi_launcher_ranks"] or "none (serial)"),
        ("NEURON ranks", report["mpi_ranks"] if report["mpi_ranks"] is not None else "-"),
        ("mechanism cache", report["mechanism_cache"]),
        ("mechanisms loaded", ", ".join(map(str, report["mechanism_libraries"])) or "none"),
        ("engine neuron", f'usable, threads=1..{report["usable_cores"]} ("auto")'),
        ("engine coreneuron", report["coreneuron"]),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:{width}s}  {value}")


def main(arguments: list[str]) -> int:
    if arguments == ["info"]:
        info()
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
