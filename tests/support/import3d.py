"""Reference geometry from NEURON's own Import3d for an SWC file.

`import3d_cell(path)` loads the file the standard way (`Import3d_SWC_read().input(path)`,
`Import3d_GUI(reader, False)`, `.instantiate(None)`) and describes every section NEURON has
afterwards, in `h.allsec()` order. It creates top-level sections, so run it in a process
of its own (`import3d_cells` deletes each file's sections before the next); tests run it
in a subprocess:

    python tests/support/import3d.py path/to/cell.swc    # prints the dict as JSON

Returned dict:
    file      the path as given
    neuron    NEURON's version string
    output    everything Import3d printed while reading and instantiating (warnings,
              "could not parse" lines, "One point section ... has been removed", hoc errors);
              also echoed to stderr as it comes, because NEURON 9.0.2 itself crashes
              (SIGSEGV, no JSON) on some bad files: ids not increasing, a parent id above
              every id, NaN coordinates
    error     None, or the text of the exception Import3d raised (sections may be partial)
    sections  one dict per section, in h.allsec() order:
        name           e.g. "soma[0]", "dend[3]", "dend_16[0]", "minus_2[0]"
        type           SWC type recovered from the name (soma 1, axon 2, dend 3, apic 4,
                       dend_N N, minus_N -N)
        parent         index of the parent section in this list, or None for a root (it
                       can be after the child: the list is grouped by type, not a tree walk)
        parent_x       sec.parentseg().x, or None for a root
        orientation_x  h.section_orientation(): the end of the child that connects
        points         [[x, y, z, diam], ...] from x3d/y3d/z3d/diam3d, full precision
                       (NEURON stores float32; diam3d is |d|, a negative SWC radius survives)
        L, nseg        as Import3d left them
        areas          seg.area() for each segment at that nseg

The spec of what Import3d does is IMPORT3D_SWC.md next to this file.
"""

import contextlib
import io
import json
import re
import sys

NAME = re.compile(r"^(soma|axon|dend|apic|dend_(\d+)|minus_(\d+))\[(\d+)\]$")
TYPE_OF_PREFIX = {"soma": 1, "axon": 2, "dend": 3, "apic": 4}


class Echo(io.StringIO):
    """Keeps what NEURON prints and echoes it to stderr, so that it survives a crash."""

    def write(self, text: str) -> int:
        sys.__stderr__.write(text)
        return super().write(text)


def swc_type(name: str) -> int:
    """SWC type of a section named by Import3d_GUI.type2name (import3d_gui.hoc)."""
    match = NAME.match(name)
    if match is None:
        raise ValueError(f"not an Import3d section name: {name}")
    prefix, custom, minus, _index = match.groups()
    if custom is not None:
        return int(custom)
    if minus is not None:
        return -int(minus)
    return TYPE_OF_PREFIX[prefix]


def describe(h, sec, index_of: dict) -> dict:
    """One section as NEURON has it; `index_of` maps section names to h.allsec() positions."""
    parent_seg = sec.parentseg()
    return {
        "name": sec.name(),
        "type": swc_type(sec.name()),
        "parent": None if parent_seg is None else index_of[parent_seg.sec.name()],
        "parent_x": None if parent_seg is None else parent_seg.x,
        "orientation_x": h.section_orientation(sec=sec),
        "points": [[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for i in range(sec.n3d())],
        "L": sec.L,
        "nseg": sec.nseg,
        "areas": [seg.area() for seg in sec],
    }


def import3d_cell(path: str) -> dict:
    """Instantiate `path` through plain Import3d and describe the resulting sections."""
    output = Echo()
    error = None
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        from neuron import __version__, h

        h.load_file("stdlib.hoc")
        h.load_file("import3d.hoc")
        try:
            reader = h.Import3d_SWC_read()
            reader.input(str(path))
            gui = h.Import3d_GUI(reader, False)
            gui.instantiate(None)
        except Exception as exc:  # hoc errors arrive as RuntimeError
            error = f"{type(exc).__name__}: {exc}"
    sections = list(h.allsec())
    index_of = {sec.name(): i for i, sec in enumerate(sections)}
    return {
        "file": str(path),
        "neuron": __version__,
        "output": output.getvalue(),
        "error": error,
        "sections": [describe(h, sec, index_of) for sec in sections],
    }


def import3d_cells(paths: list[str]) -> list[dict]:
    """`import3d_cell` of each file in turn, deleting each file's sections before the next."""
    from neuron import h

    cells = []
    for path in paths:
        cells.append(import3d_cell(path))
        for section in list(h.allsec()):
            h.delete_section(sec=section)
    return cells


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/support/import3d.py FILE.swc [FILE.swc ...]")
    # One file: its dict; several: a list of them.
    cells = import3d_cells(sys.argv[1:])
    print(json.dumps(cells[0] if len(cells) == 1 else cells, indent=1))
